/*
 * status - the <seq>.status file, exactly to waagent's schema.
 *
 * Three things the agent punishes, and what this file does about them
 * (waagent-contract.md 3.2):
 *  - a malformed file (a substatus with an unknown state, a missing
 *    formattedMessage key): every state string comes from one table, and
 *    the shape is fixed in render();
 *  - invalid UTF-8, which breaks status reporting for every extension on
 *    the VM: every string goes through jsonw, which repairs it;
 *  - a file over 128 KiB, which the agent cuts itself: substatus messages
 *    are shortened until the file is under STATUS_FILE_MAX.
 * And one thing the customer would be hurt by, a secret in the portal:
 * every string is redacted when it is formatted and again when it is
 * rendered (a secret may be registered in between).
 */
#include "config.h"

#include "status.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dx_plugin.h"
#include "fileio.h"
#include "jsonw.h"
#include "redact.h"

#define STATUS_LANG "en-US"
#define STATUS_FILE_MODE 0644
#define ELLIPSIS "..."
#define ELLIPSIS_LEN 3
/* Names and operations are ours and short; the cap only bounds the file. */
#define STATUS_NAME_RENDER_MAX 256
/* Substatus names when even empty messages do not fit (see fit()). */
#define STATUS_SQUEEZED_NAME_MAX 16
/* The closing entry that stands for the substatus entries not shown. */
#define STATUS_MORE_NAME "more"
#define STATUS_FORMAT_SMALL (2 * STATUS_SUB_MESSAGE_MAX)
#define STATUS_FORMAT_LOST "(message lost: out of memory)"

static const char *const state_names[] = {
	[STATUS_TRANSITIONING] = "transitioning",
	[STATUS_WARNING] = "warning",
	[STATUS_ERROR] = "error",
	[STATUS_SUCCESS] = "success",
};

const char *status_state_str(enum status_state s)
{
	/* Any other string makes the agent reject the whole file when it is
	   a substatus's, so an out-of-range value is reported as an error. */
	if ((unsigned)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "error";
	return state_names[s];
}

/* ---- building a report ----------------------------------------------------- */

/* How many of the first `room` bytes of s (which is longer) can be kept
   without splitting a UTF-8 sequence: back over the continuation bytes of
   the sequence the cut goes through (at most 3). */
static size_t utf8_cut(const char *s, size_t room)
{
	size_t k = room;

	while (k > 0 && room - k < 3 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	return k;
}

/* s (n bytes) into dst, cut on a UTF-8 boundary with "..." when it does
   not fit; size is at least a few bytes more than the ellipsis. */
static void copy_cut(char *dst, size_t size, const char *s, size_t n)
{
	size_t k;

	if (n < size) {
		memcpy(dst, s, n);
		dst[n] = '\0';
		return;
	}
	k = utf8_cut(s, size - 1 - ELLIPSIS_LEN);
	memcpy(dst, s, k);
	memcpy(dst + k, ELLIPSIS, ELLIPSIS_LEN);
	dst[k + ELLIPSIS_LEN] = '\0';
}

/*
 * Format into dst (capacity size).  The whole text is formatted and
 * redacted before it is cut: a secret that the cap cut in two could no
 * longer be recognised, and its first part would stay in the report.
 */
static void format_into(char *dst, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void format_into(char *dst, size_t size, const char *fmt, va_list ap)
{
	char small[STATUS_FORMAT_SMALL];
	char *big = NULL, *text = small;
	va_list again;
	int n;

	if (fmt == NULL) {
		dst[0] = '\0';
		return;
	}
	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		/* cppcheck-suppress unreadVariable ; text == small, read below */
		small[0] = '\0';
	} else if ((size_t)n >= sizeof(small)) {
		big = malloc((size_t)n + 1);
		if (big != NULL &&
		    vsnprintf(big, (size_t)n + 1, fmt, again) == n)
			text = big;
		else
			snprintf(small, sizeof(small), "%s", STATUS_FORMAT_LOST);
	}
	va_end(again);
	copy_cut(dst, size, text, redact_text(text, strlen(text) + 1));
	free(big);
}

void status_begin(struct status_report *r, const char *name,
                  const char *operation, enum status_state state, int code,
                  const char *fmt, ...)
{
	va_list ap;

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->operation = operation;
	r->state = state;
	r->code = code;
	va_start(ap, fmt);
	format_into(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

static struct status_sub *find_sub(struct status_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_subs && i < STATUS_MAX_SUBSTATUS; i++)
		if (strcmp(r->subs[i].name, name) == 0)
			return &r->subs[i];
	return NULL;
}

void status_sub(struct status_report *r, const char *name,
                enum status_state state, int code, const char *fmt, ...)
{
	char key[sizeof(r->subs[0].name)] = "";   /* all of it is copied */
	struct status_sub *e;
	va_list ap;

	/* Cut first, so that a long name finds its own earlier entry. */
	if (name == NULL)
		name = "";
	copy_cut(key, sizeof(key), name, strlen(name));
	e = find_sub(r, key);
	if (e == NULL) {
		if (r->n_subs >= STATUS_MAX_SUBSTATUS) {
			r->n_dropped++;
			return;
		}
		e = &r->subs[r->n_subs++];
		memcpy(e->name, key, sizeof(key));
	}
	e->state = state;
	e->code = code;
	va_start(ap, fmt);
	format_into(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* ---- rendering --------------------------------------------------------------- */

/* What one rendering shows; fit() tightens these until the file fits. */
struct limits {
	size_t n_real;    /* substatus entries shown */
	size_t more;      /* entries not shown, told by a closing entry */
	size_t msg_max;   /* bytes of each substatus message; 0: empty */
	size_t name_max;  /* bytes of each substatus name */
};

static void put_message(struct jsonw *w, const char *msg, size_t max)
{
	jsonw_key(w, "formattedMessage");
	jsonw_begin_object(w);
	jsonw_key(w, "lang");
	jsonw_string(w, STATUS_LANG, 0);
	jsonw_key(w, "message");
	/* jsonw's 0 means "no limit", so an empty message is asked for. */
	jsonw_string(w, max > 0 ? msg : "", max);
	jsonw_end_object(w);
}

static void put_sub(struct jsonw *w, const char *name, enum status_state st,
                    int code, const char *msg, const struct limits *lim)
{
	jsonw_begin_object(w);
	jsonw_key(w, "name");
	jsonw_string(w, name, lim->name_max);
	jsonw_key(w, "status");
	jsonw_string(w, status_state_str(st), 0);
	jsonw_key(w, "code");
	jsonw_int(w, code);
	put_message(w, msg, lim->msg_max);
	jsonw_end_object(w);
}

static void put_more(struct jsonw *w, size_t more)
{
	static const struct limits whole = {
		0, 0, STATUS_SUB_MESSAGE_MAX - 1, STATUS_NAME_RENDER_MAX
	};
	char msg[64];

	snprintf(msg, sizeof(msg), "... %zu more not shown", more);
	put_sub(w, STATUS_MORE_NAME, STATUS_WARNING, 0, msg, &whole);
}

/* `c` is the redacted copy: nothing here may look at the caller's report. */
static void render(struct jsonw *w, const struct status_report *c,
                   const char *timestamp, const struct limits *lim)
{
	size_t i;

	jsonw_begin_array(w);
	jsonw_begin_object(w);
	jsonw_key(w, "version");
	jsonw_raw(w, "1.0");
	jsonw_key(w, "timestampUTC");
	jsonw_string(w, timestamp, 0);
	jsonw_key(w, "status");
	jsonw_begin_object(w);
	if (c->name != NULL) {
		jsonw_key(w, "name");
		jsonw_string(w, c->name, STATUS_NAME_RENDER_MAX);
	}
	if (c->operation != NULL) {
		jsonw_key(w, "operation");
		jsonw_string(w, c->operation, STATUS_NAME_RENDER_MAX);
	}
	jsonw_key(w, "status");
	jsonw_string(w, status_state_str(c->state), 0);
	jsonw_key(w, "code");
	jsonw_int(w, c->code);
	/* The cap applies again after the UTF-8 repair, which can grow the
	   text (one bad byte becomes three). */
	put_message(w, c->message, STATUS_MESSAGE_MAX - 1);
	jsonw_key(w, "substatus");
	jsonw_begin_array(w);
	for (i = 0; i < lim->n_real; i++)
		put_sub(w, c->subs[i].name, c->subs[i].state, c->subs[i].code,
		        c->subs[i].message, lim);
	if (lim->more > 0)
		put_more(w, lim->more);
	jsonw_end_array(w);
	jsonw_end_object(w);
	jsonw_end_object(w);
	jsonw_end_array(w);
}

/* DX_OK when the rendering fits, DX_ERR_TOO_LARGE when it does not. */
static int try_render(struct jsonw *w, const struct status_report *c,
                      const char *timestamp, const struct limits *lim)
{
	jsonw_free(w);
	jsonw_init(w);
	render(w, c, timestamp, lim);
	if (jsonw_failed(w))
		return DX_ERR_NOMEM;
	return w->len <= STATUS_FILE_MAX ? DX_OK : DX_ERR_TOO_LARGE;
}

/*
 * Render as stored; when that is too large, give every substatus message
 * the same cap, the largest that fits (found by bisection: the size only
 * grows with the cap), so short messages stay whole and long ones lose
 * their tails.  Only names made of escapes can make even empty messages
 * too large; then names are cut short, and then entries are left out
 * (told by the closing "... N more not shown" entry).
 */
static int fit(struct jsonw *w, const struct status_report *c,
               const char *timestamp, struct limits *lim)
{
	size_t lo = 0, hi = STATUS_SUB_MESSAGE_MAX - 2, mid;
	int rc;

	rc = try_render(w, c, timestamp, lim);
	if (rc != DX_ERR_TOO_LARGE)
		return rc;
	lim->msg_max = 0;
	rc = try_render(w, c, timestamp, lim);
	if (rc == DX_OK) {
		while (lo < hi) {
			mid = lo + (hi - lo + 1) / 2;
			lim->msg_max = mid;
			rc = try_render(w, c, timestamp, lim);
			if (rc == DX_ERR_NOMEM)
				return rc;
			if (rc == DX_OK)
				lo = mid;
			else
				hi = mid - 1;
		}
		lim->msg_max = lo;
		return try_render(w, c, timestamp, lim);
	}
	lim->name_max = STATUS_SQUEEZED_NAME_MAX;
	for (;;) {
		rc = try_render(w, c, timestamp, lim);
		if (rc != DX_ERR_TOO_LARGE || lim->n_real == 0)
			return rc;
		lim->more += lim->n_real - lim->n_real / 2;
		lim->n_real /= 2;
	}
}

static void initial_limits(const struct status_report *r, struct limits *lim)
{
	size_t n = r->n_subs < STATUS_MAX_SUBSTATUS ? r->n_subs
	                                             : STATUS_MAX_SUBSTATUS;

	lim->n_real = n;
	lim->more = 0;
	/* Entries status_sub() dropped: the last slot tells how many, so
	   the file never holds more than STATUS_MAX_SUBSTATUS. */
	if (r->n_dropped > 0) {
		if (lim->n_real > STATUS_MAX_SUBSTATUS - 1)
			lim->n_real = STATUS_MAX_SUBSTATUS - 1;
		lim->more = n - lim->n_real + r->n_dropped;
	}
	lim->msg_max = STATUS_SUB_MESSAGE_MAX - 1;
	lim->name_max = sizeof(r->subs[0].name) - 1;
}

static int dup_redacted(const char *s, char **out)
{
	size_t n;

	*out = NULL;
	if (s == NULL)
		return DX_OK;
	n = strlen(s);
	*out = malloc(n + 1);
	if (*out == NULL)
		return DX_ERR_NOMEM;
	memcpy(*out, s, n + 1);
	redact_text(*out, n + 1);
	return DX_OK;
}

/* A NUL-terminated, redacted copy of a fixed-size field, in place. */
static void seal(char *field, size_t size)
{
	field[size - 1] = '\0';
	redact_text(field, size);
}

/* The report as it will be shown: a copy, so rendering never changes the
   caller's report, with every string redacted once for all the tries. */
static int redacted_copy(const struct status_report *r,
                         struct status_report **copy, char **name,
                         char **operation)
{
	struct status_report *c;
	size_t i;

	*copy = NULL;
	if (dup_redacted(r->name, name) != DX_OK ||
	    dup_redacted(r->operation, operation) != DX_OK)
		return DX_ERR_NOMEM;
	c = malloc(sizeof(*c));
	if (c == NULL)
		return DX_ERR_NOMEM;
	*c = *r;
	c->name = *name;
	c->operation = *operation;
	seal(c->message, sizeof(c->message));
	for (i = 0; i < c->n_subs && i < STATUS_MAX_SUBSTATUS; i++) {
		seal(c->subs[i].name, sizeof(c->subs[i].name));
		seal(c->subs[i].message, sizeof(c->subs[i].message));
	}
	*copy = c;
	return DX_OK;
}

static void utc_timestamp(char *out, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, size, "1970-01-01T00:00:00Z");
}

int status_render(const struct status_report *r, char **out, size_t *len)
{
	struct status_report *c = NULL;
	char *name = NULL, *operation = NULL;
	char timestamp[64];
	struct limits lim;
	struct jsonw w;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (len != NULL)
		*len = 0;
	if (r == NULL || out == NULL || len == NULL)
		return DX_ERR_INVALID_ARG;
	jsonw_init(&w);
	rc = redacted_copy(r, &c, &name, &operation);
	if (rc != DX_OK)
		goto out;
	utc_timestamp(timestamp, sizeof(timestamp));
	initial_limits(c, &lim);
	rc = fit(&w, c, timestamp, &lim);
	if (rc != DX_OK)
		goto out;
	*out = w.buf;
	*len = w.len;
	jsonw_init(&w);   /* the buffer is the caller's now */
out:
	jsonw_free(&w);
	free(c);
	free(name);
	free(operation);
	return rc;
}

int status_write(const char *dir, unsigned long seq,
                 const struct status_report *r)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len;
	int rc, saved_errno;

	if (dir == NULL || *dir == '\0' || r == NULL)
		return DX_ERR_INVALID_ARG;
	if (snprintf(path, sizeof(path), "%s/%lu.status", dir, seq) >=
	    (int)sizeof(path))
		return DX_ERR_INVALID_ARG;
	rc = status_render(r, &text, &len);
	if (rc != DX_OK)
		return rc;
	rc = fileio_write_atomic(path, text, len, STATUS_FILE_MODE);
	saved_errno = errno;
	free(text);
	errno = saved_errno;   /* DX_ERR_IO keeps the cause */
	return rc;
}
