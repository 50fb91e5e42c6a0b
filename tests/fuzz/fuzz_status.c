/*
 * fuzz_status - libFuzzer target for the status file (core/status.c, with
 * core/jsonw.c and core/redact.c under it).
 *
 * The input is a little program that registers secrets and fills a
 * report, either through status_begin()/status_sub() (long names and
 * messages, repeated names, more entries than the table holds) or by
 * writing the struct's fields directly (unterminated arrays, states out
 * of range, every slot used).  Some secrets are registered only after the
 * report is built.  Then status_render() must give, every time:
 *  - DX_OK and a text of the length it says, at most STATUS_FILE_MAX;
 *  - valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF)
 *    and valid JSON (RFC 8259, checked by a strict parser here);
 *  - waagent's shape: an array of one object with version 1.0, a
 *    timestampUTC "YYYY-MM-DDTHH:MM:SSZ" and a status object with the
 *    state strings of the table, the code, formattedMessage {lang,
 *    message} and at most STATUS_MAX_SUBSTATUS substatus entries;
 *  - the caps: top message 1023 bytes, substatus message 2047, substatus
 *    name 127, handler name and operation 256 (counted after decoding);
 *  - no registered secret in any name, operation or message (checked for
 *    secrets of letters and digits with an upper-case letter and a digit,
 *    which no text of ours contains);
 *  - without secrets, a short valid top message comes out unchanged.
 *
 * Two builds of this file.  fuzz_status keeps the entries within a budget
 * of JSON bytes, so that the file fits as first rendered: every input is
 * cheap.  fuzz_status_cap (fuzz_status_cap.c, FUZZ_STATUS_PAST_CAP) has
 * no budget, so reports go past the cap and through fit()'s shortening:
 * a dozen renderings of 100 KiB and more each, a hundred times slower.
 * Either way every status_render() copies the whole report (~560 KiB),
 * which ASan serves from a fresh mapping: about a thousand inputs a
 * second is the most there is.
 *
 * Build and run by hand (from a configured build directory):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=undefined -I. -I$SRC/include -I$SRC/core \
 *     -o fuzz_status $SRC/tests/fuzz/fuzz_status.c $SRC/core/status.c \
 *     $SRC/core/jsonw.c $SRC/core/redact.c $SRC/core/fileio.c -lcjson
 *   mkdir -p corpus && ./fuzz_status -max_total_time=300 corpus \
 *     $SRC/tests/fuzz/corpus/status
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dx_plugin.h"
#include "redact.h"
#include "status.h"

#ifdef FUZZ_STATUS_PAST_CAP
int LLVMFuzzerInitialize(int *argc, char ***argv);
#endif
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "fuzz_status: %s:%d: check failed: " \
			        "%s\n", __FILE__, __LINE__, #cond);          \
			abort();                                             \
		}                                                            \
	} while (0)

/* ---- reading the input ---------------------------------------------------------- */

struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned u8(struct in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static uint32_t u32(struct in *in)
{
	uint32_t v = u8(in);

	v = v << 8 | u8(in);
	v = v << 8 | u8(in);
	return v << 8 | u8(in);
}

#define STR_MAX 8192

/* A string: a length byte below 0xC0 and that many bytes, or 0xC0 and
   up, a 13-bit length and a pattern of 1-16 bytes repeated to fill it.
   NUL-terminated in buf[STR_MAX + 1]; returns the length (a NUL inside
   ends the string for the C functions, not here). */
static size_t get_str(struct in *in, char *buf)
{
	unsigned kind = u8(in);
	size_t len, i, plen;
	char pat[16];

	if (kind < 0xC0) {
		len = kind < in->n ? kind : in->n;
		memcpy(buf, in->p, len);
		in->p += len;
		in->n -= len;
	} else {
		len = ((kind & 0x1f) << 8 | u8(in)) % (STR_MAX + 1);
		plen = u8(in) % 16 + 1;
		for (i = 0; i < plen; i++)
			pat[i] = (char)u8(in);
		for (i = 0; i < len; i++)
			buf[i] = pat[i % plen];
	}
	buf[len] = '\0';
	return len;
}

/* ---- secrets ------------------------------------------------------------------------ */

#define MAX_CHECKED 16

struct secrets {
	char *s[MAX_CHECKED];
	size_t n;
	size_t registered;
};

/* Letters and digits, at least 4 (shorter ones are not masked), with an
   upper-case letter and a digit: no fixed text of the file has one. */
static int checkable(const char *s)
{
	int up = 0, dig = 0;
	size_t n = 0;

	for (; *s != '\0'; s++, n++) {
		if (*s >= 'A' && *s <= 'Z')
			up = 1;
		else if (*s >= '0' && *s <= '9')
			dig = 1;
		else if (!(*s >= 'a' && *s <= 'z'))
			return 0;
	}
	return n >= 4 && up && dig;
}

static void add_secret(struct secrets *sec, const char *s)
{
	CHECK(redact_add(s) == DX_OK);
	if (strlen(s) >= 4)
		sec->registered++;
	if (checkable(s) && sec->n < MAX_CHECKED) {
		sec->s[sec->n] = strdup(s);
		CHECK(sec->s[sec->n] != NULL);
		sec->n++;
	}
}

static void check_no_secret(const struct secrets *sec, const char *s)
{
	size_t i;

	for (i = 0; i < sec->n; i++)
		CHECK(strstr(s, sec->s[i]) == NULL);
}

/* ---- a strict JSON and UTF-8 checker ----------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at p, 0 when ill-formed. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned char b = p[0];
	uint32_t cp;
	size_t n, i;

	if (b < 0x80)
		return 1;
	if ((b & 0xE0) == 0xC0) {
		n = 2;
		cp = b & 0x1F;
	} else if ((b & 0xF0) == 0xE0) {
		n = 3;
		cp = b & 0x0F;
	} else if ((b & 0xF8) == 0xF0) {
		n = 4;
		cp = b & 0x07;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

static int valid_utf8(const char *s, size_t len)
{
	size_t i = 0, k;

	while (i < len) {
		k = utf8_len((const unsigned char *)s + i, len - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

struct jp {
	const char *s;
	size_t i, n;
	int depth;
};

static void ws(struct jp *j)
{
	while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' ||
	                       j->s[j->i] == '\n' || j->s[j->i] == '\r'))
		j->i++;
}

static int lit(struct jp *j, const char *w)
{
	size_t k = strlen(w);

	if (j->n - j->i < k || memcmp(j->s + j->i, w, k) != 0)
		return 0;
	j->i += k;
	return 1;
}

static int is_d(char c)
{
	return c >= '0' && c <= '9';
}

static int hex4(struct jp *j, unsigned *v)
{
	size_t k;

	*v = 0;
	if (j->n - j->i < 4)
		return 0;
	for (k = 0; k < 4; k++) {
		char c = j->s[j->i++];

		*v <<= 4;
		if (is_d(c))
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return 0;
	}
	return 1;
}

static int jstring(struct jp *j)
{
	if (j->i >= j->n || j->s[j->i] != '"')
		return 0;
	j->i++;
	while (j->i < j->n) {
		unsigned char c = (unsigned char)j->s[j->i];
		unsigned v, w;

		if (c == '"') {
			j->i++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c != '\\') {
			size_t k = utf8_len((const unsigned char *)j->s + j->i,
			                    j->n - j->i);

			if (k == 0)
				return 0;
			j->i += k;
			continue;
		}
		j->i++;
		if (j->i >= j->n)
			return 0;
		c = (unsigned char)j->s[j->i++];
		if (strchr("\"\\/bfnrt", c) != NULL && c != '\0')
			continue;
		if (c != 'u' || !hex4(j, &v))
			return 0;
		if (v >= 0xDC00 && v <= 0xDFFF)
			return 0;   /* a lone low surrogate */
		if (v >= 0xD800 && v <= 0xDBFF) {
			if (!lit(j, "\\u") || !hex4(j, &w) || w < 0xDC00 ||
			    w > 0xDFFF)
				return 0;
		}
	}
	return 0;
}

static int jnumber(struct jp *j)
{
	if (j->i < j->n && j->s[j->i] == '-')
		j->i++;
	if (j->i >= j->n || !is_d(j->s[j->i]))
		return 0;
	if (j->s[j->i] == '0')
		j->i++;
	else
		while (j->i < j->n && is_d(j->s[j->i]))
			j->i++;
	if (j->i < j->n && j->s[j->i] == '.') {
		j->i++;
		if (j->i >= j->n || !is_d(j->s[j->i]))
			return 0;
		while (j->i < j->n && is_d(j->s[j->i]))
			j->i++;
	}
	if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
		j->i++;
		if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-'))
			j->i++;
		if (j->i >= j->n || !is_d(j->s[j->i]))
			return 0;
		while (j->i < j->n && is_d(j->s[j->i]))
			j->i++;
	}
	return 1;
}

static int jvalue(struct jp *j)
{
	char c;
	int ok = 0;

	ws(j);
	if (j->i >= j->n || ++j->depth > 64)
		return 0;
	c = j->s[j->i];
	if (c == '{' || c == '[') {
		char close = c == '{' ? '}' : ']';

		j->i++;
		ws(j);
		if (j->i < j->n && j->s[j->i] == close) {
			j->i++;
			ok = 1;
		} else {
			for (;;) {
				if (c == '{') {
					ws(j);
					if (!jstring(j))
						break;
					ws(j);
					if (!lit(j, ":"))
						break;
				}
				if (!jvalue(j))
					break;
				ws(j);
				if (lit(j, ",")) {
					continue;
				}
				ok = j->i < j->n && j->s[j->i] == close;
				if (ok)
					j->i++;
				break;
			}
		}
	} else if (c == '"') {
		ok = jstring(j);
	} else if (c == 't') {
		ok = lit(j, "true");
	} else if (c == 'f') {
		ok = lit(j, "false");
	} else if (c == 'n') {
		ok = lit(j, "null");
	} else {
		ok = jnumber(j);
	}
	j->depth--;
	return ok;
}

static int valid_json(const char *s, size_t n)
{
	struct jp j = { s, 0, n, 0 };

	if (!jvalue(&j))
		return 0;
	ws(&j);
	return j.i == n;
}

/* ---- the shape of the file ---------------------------------------------------------- */

static const char *const states[] = { "transitioning", "warning", "error",
	                              "success" };

static const char *state_text(unsigned s)
{
	return s < 4 ? states[s] : "error";
}

static const char *get_string(const cJSON *obj, const char *key, size_t max,
                              const struct secrets *sec)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	CHECK(cJSON_IsString(v));
	CHECK(strlen(v->valuestring) <= max);
	if (sec != NULL)
		check_no_secret(sec, v->valuestring);
	return v->valuestring;
}

static int is_state(const char *s)
{
	size_t i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, states[i]) == 0)
			return 1;
	return 0;
}

static const char *check_message(const cJSON *obj, size_t max,
                                 const struct secrets *sec)
{
	const cJSON *fm = cJSON_GetObjectItemCaseSensitive(obj,
	                                                   "formattedMessage");

	CHECK(cJSON_IsObject(fm) && cJSON_GetArraySize(fm) == 2);
	CHECK(strcmp(get_string(fm, "lang", 5, NULL), "en-US") == 0);
	return get_string(fm, "message", max, sec);
}

static void check_timestamp(const char *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t i;

	CHECK(strlen(t) == sizeof(shape) - 1);
	for (i = 0; shape[i] != '\0'; i++)
		CHECK(shape[i] == 'd' ? is_d(t[i]) : t[i] == shape[i]);
}

static void check_shape(const char *text, const struct status_report *r,
                        const struct secrets *sec, const char *want_message)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *top, *st, *v, *subs, *e;
	const char *msg;
	int n = 0;

	CHECK(cJSON_IsArray(root) && cJSON_GetArraySize(root) == 1);
	top = root->child;
	CHECK(cJSON_IsObject(top) && cJSON_GetArraySize(top) == 3);
	v = cJSON_GetObjectItemCaseSensitive(top, "version");
	CHECK(cJSON_IsNumber(v) && v->valuedouble == 1.0);
	check_timestamp(get_string(top, "timestampUTC", 32, NULL));
	st = cJSON_GetObjectItemCaseSensitive(top, "status");
	CHECK(cJSON_IsObject(st));
	CHECK(cJSON_GetArraySize(st) == 4 + (r->name != NULL) +
	                                 (r->operation != NULL));
	if (r->name != NULL)
		(void)get_string(st, "name", 256, sec);
	if (r->operation != NULL)
		(void)get_string(st, "operation", 256, sec);
	CHECK(strcmp(get_string(st, "status", 16, NULL),
	             state_text((unsigned)r->state)) == 0);
	v = cJSON_GetObjectItemCaseSensitive(st, "code");
	CHECK(cJSON_IsNumber(v) && v->valuedouble == (double)r->code);
	msg = check_message(st, STATUS_MESSAGE_MAX - 1, sec);
	if (want_message != NULL)
		CHECK(strcmp(msg, want_message) == 0);
	subs = cJSON_GetObjectItemCaseSensitive(st, "substatus");
	CHECK(cJSON_IsArray(subs));
	cJSON_ArrayForEach(e, subs) {
		n++;
		CHECK(cJSON_IsObject(e) && cJSON_GetArraySize(e) == 4);
		(void)get_string(e, "name", sizeof(r->subs[0].name) - 1, sec);
		CHECK(is_state(get_string(e, "status", 16, NULL)));
		v = cJSON_GetObjectItemCaseSensitive(e, "code");
		CHECK(cJSON_IsNumber(v));
		(void)check_message(e, STATUS_SUB_MESSAGE_MAX - 1, sec);
	}
	CHECK(n <= STATUS_MAX_SUBSTATUS);
	cJSON_Delete(root);
}

/* ---- filling a report ---------------------------------------------------------------- */

/* How many entries: up to 8 from most bytes; from the top 16 byte values
   200 to 500, past the table. */
static unsigned count_from(unsigned b)
{
	return b < 0xF0 ? b % 9 : 200 + (b - 0xF0) * 20;
}

#ifndef FUZZ_STATUS_PAST_CAP
/*
 * The substatus entries get a budget of JSON bytes, counted at their
 * worst (every byte of a name or message a 6-byte \u escape), so that the
 * file always fits STATUS_FILE_MAX as rendered first: the names, top
 * message and operation take at most 12 KiB.  (fuzz_status_cap has no
 * budget.)  Names and messages are cut to what is left; an entry that
 * would not fit even so ends the filling.
 */
#define SUB_BUDGET ((size_t)STATUS_FILE_MAX - 12 * 1024)
#else
#define SUB_BUDGET ((size_t)-1)
/* Past the cap, the messages of more than 16 entries are cut to
   BIG_MESSAGE_MAX bytes: enough to pass the cap (with the names, or as
   escapes), while each of the dozen renderings fit() makes stays near
   it. */
#define BIG_MESSAGE_MAX 600
#endif

#define SUB_FIXED 128   /* the keys, state, code and punctuation */

static size_t sub_cost(size_t namelen, size_t msglen)
{
	if (namelen > sizeof(((struct status_sub *)0)->name) - 1)
		namelen = sizeof(((struct status_sub *)0)->name) - 1;
	if (msglen > STATUS_SUB_MESSAGE_MAX - 1)
		msglen = STATUS_SUB_MESSAGE_MAX - 1;
	return SUB_FIXED + 6 * (namelen + msglen);
}

/* Cut name (when not NULL) and msg to what *budget allows, and take their
   cost from it; 0 when not even a short entry fits any more. */
static int take_budget(size_t *budget, char *name, char *msg, size_t extra)
{
	size_t nl = name != NULL ? strlen(name) : 0, ml = strlen(msg) + extra;
	size_t room;

	if (*budget == (size_t)-1)
		return 1;
	if (*budget < SUB_FIXED + 6 * (16 + extra))
		return 0;
	room = (*budget - SUB_FIXED) / 6;   /* bytes of name and message */
	if (nl > room - extra)
		nl = room - extra;
	if (nl + ml > room)
		ml = room - nl;
	if (name != NULL)
		name[nl] = '\0';
	msg[ml > extra ? ml - extra : 0] = '\0';
	*budget -= sub_cost(nl, ml);
	return 1;
}

static void fill_api(struct in *in, struct status_report *r, const char *name,
                     const char *op, char *buf, char *buf2)
{
	unsigned state = u8(in);
	int code = (int)u32(in);
	unsigned i, count, bulk_done = 0;
	size_t budget = SUB_BUDGET;

	get_str(in, buf);
	status_begin(r, name, op, (enum status_state)state, code, "%s", buf);
	while (in->n > 0) {
		unsigned kind = u8(in) % 4;

		state = u8(in) % 6;
		code = (int)u32(in);
		switch (kind) {
		case 0:
		case 1:
			get_str(in, buf);
			get_str(in, buf2);
			if (!take_budget(&budget, buf, buf2, 0))
				return;
			status_sub(r, buf, (enum status_state)state, code, "%s",
			           buf2);
			break;
		case 2:
			/* Many entries (once per input): past the table, and
			   names that repeat once cut to the name's size. */
			count = count_from(u8(in));
			if (bulk_done++ > 0)
				count = count > 0;
			get_str(in, buf);
			get_str(in, buf2);
#ifdef FUZZ_STATUS_PAST_CAP
			if (count > 16)
				buf2[BIG_MESSAGE_MAX] = '\0';
#endif
			for (i = 0; i < count; i++) {
				char name2[STR_MAX + 16];

				snprintf(name2, sizeof(name2), "%s%u", buf, i);
				/* " #<i>" is added to the message. */
				if (!take_budget(&budget, name2, buf2, 12))
					return;
				status_sub(r, name2, (enum status_state)state,
				           (int)((unsigned)code + i), "%s #%u",
				           buf2, i);
			}
			break;
		default:
			get_str(in, buf2);
			if (!take_budget(&budget, NULL, buf2, 0))
				return;
			status_sub(r, NULL, (enum status_state)state, code, "%s",
			           buf2);
			break;
		}
	}
}

/* Bytes into a fixed array, without the NUL when they fill it. */
static void put_raw(char *field, size_t size, const char *s, size_t len)
{
	if (len > size)
		len = size;
	memcpy(field, s, len);
	if (len < size)
		field[len] = '\0';
}

static void fill_raw(struct in *in, struct status_report *r, const char *name,
                     const char *op, char *buf, char *buf2)
{
	size_t len, len2, i, n;
	unsigned base;

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->operation = op;
	r->state = (enum status_state)u8(in);
	r->code = (int)u32(in);
	len = get_str(in, buf);
	put_raw(r->message, sizeof(r->message), buf, len);
	n = count_from(u8(in));
	if (n > STATUS_MAX_SUBSTATUS)
		n = STATUS_MAX_SUBSTATUS;
	base = u8(in);
	len = get_str(in, buf);
	len2 = get_str(in, buf2);
#ifdef FUZZ_STATUS_PAST_CAP
	if (n > 16 && len2 > BIG_MESSAGE_MAX)
		len2 = BIG_MESSAGE_MAX;
#else
	/* Every entry the same (a name with its index appended): as many
	   as the budget holds. */
	if (n > 0 && n * sub_cost(len + 3, len2) > SUB_BUDGET)
		n = SUB_BUDGET / sub_cost(len + 3, len2);
#endif
	for (i = 0; i < n; i++) {
		struct status_sub *e = &r->subs[i];

		put_raw(e->name, sizeof(e->name), buf, len);
		if (len > 0 && len < sizeof(e->name) - 4)
			snprintf(e->name + len, sizeof(e->name) - len, "%zu", i);
		e->state = (enum status_state)((base + i) % 7);
		e->code = (int)(base * i);
		put_raw(e->message, sizeof(e->message), buf2, len2);
	}
	r->n_subs = n;
	r->n_dropped = u32(in);
}

/* ---- the target ---------------------------------------------------------------------- */

#ifdef FUZZ_STATUS_PAST_CAP
/*
 * A report past the file's size cap costs a dozen renderings of ~100 KiB
 * and more (status.c's fit() bisects the message cap), a hundred times
 * the cost of a small one; once found, such inputs would take most of the
 * run.  So the target asks libFuzzer (which reads its flags after this
 * call) to weigh inputs by their execution time, unless the command line
 * says otherwise.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char flag[] = "-entropic_scale_per_exec_time=";
	static char extra[] = "-entropic_scale_per_exec_time=1";
	static char **args;
	int i;

	for (i = 1; i < *argc; i++)
		if (strncmp((*argv)[i], flag, sizeof(flag) - 1) == 0)
			return 0;
	args = malloc(((size_t)*argc + 2) * sizeof(*args));
	if (args == NULL)
		return 0;
	memcpy(args, *argv, (size_t)*argc * sizeof(*args));
	args[(*argc)++] = extra;
	args[*argc] = NULL;
	*argv = args;
	return 0;
}
#endif

static struct status_report report;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct secrets sec = { { NULL }, 0, 0 };
	char *name = NULL, *op = NULL, *buf, *buf2, *out = NULL;
	char *want_message = NULL;
	unsigned flags, nsec, late, i;
	size_t len = 12345;
	int rc;

	if (size > 64 * 1024)
		return 0;
	buf = malloc(STR_MAX + 1);
	buf2 = malloc(STR_MAX + 1);
	CHECK(buf != NULL && buf2 != NULL);
	flags = u8(&in);
	nsec = flags >> 3 & 7;
	late = flags & 0x40 ? nsec / 2 : 0;
	for (i = 0; i < nsec - late; i++) {
		get_str(&in, buf);
		add_secret(&sec, buf);
	}
	if (!(flags & 2)) {
		name = malloc(STR_MAX + 1);
		CHECK(name != NULL);
		get_str(&in, name);
	}
	if (!(flags & 4)) {
		op = malloc(STR_MAX + 1);
		CHECK(op != NULL);
		get_str(&in, op);
	}
	if (flags & 1) {
		fill_raw(&in, &report, name, op, buf, buf2);
	} else {
		struct in peek = in;
		size_t mlen;

		(void)u8(&peek);
		(void)u32(&peek);
		mlen = get_str(&peek, buf);
		/* Without secrets, a valid short message comes out as is. */
		if (nsec == 0 && strlen(buf) == mlen &&
		    mlen < STATUS_MESSAGE_MAX && valid_utf8(buf, mlen))
			want_message = strdup(buf);
		fill_api(&in, &report, name, op, buf, buf2);
	}
	/* Secrets registered after the report was made: masked at render.
	   (Read from the input again, from offset i.) */
	for (i = 0; i < late; i++) {
		struct in s = { data + (size > 0 ? i % size : 0),
		                size > 0 ? size - i % size : 0 };

		get_str(&s, buf);
		add_secret(&sec, buf);
	}

	rc = status_render(&report, &out, &len);
	CHECK(rc == DX_OK && out != NULL);
	CHECK(len == strlen(out) && len <= STATUS_FILE_MAX);
	CHECK(valid_utf8(out, len));
	CHECK(valid_json(out, len));
	check_shape(out, &report, &sec, want_message);

	free(out);
	free(want_message);
	for (i = 0; i < sec.n; i++)
		free(sec.s[i]);
	redact_clear();
	free(name);
	free(op);
	free(buf);
	free(buf2);
	return 0;
}
