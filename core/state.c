/*
 * state - the persistent record of what was applied.
 */
#include "config.h"

#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "seq.h"

#define STATE_KEY_LEN 32

static const char *const area_names[STATE_AREA__COUNT] = {
	[STATE_AREA_INSTALL] = "install",
	[STATE_AREA_DAEMON] = "daemon",
	[STATE_AREA_USERS] = "users",
	[STATE_AREA_LOGIN] = "login",
	[STATE_AREA_COMPOSE] = "compose",
};

const char *state_area_name(enum state_area a)
{
	return a < STATE_AREA__COUNT ? area_names[a] : "?";
}

int state_path(const struct state *st, const char *name, char *out,
               size_t outsize)
{
	int n = snprintf(out, outsize, "%s/%s", st->dir, name);

	return n >= 0 && (size_t)n < outsize ? DX_OK : DX_ERR_INVALID_ARG;
}

int state_open(struct state *st, char *msg, size_t msgsize)
{
	const char *dir = getenv("DOCKER_EXTENSION_STATE_DIR");
	struct stat sb;

	if (dir == NULL || *dir != '/')
		dir = STATE_DEFAULT_DIR;
	if (snprintf(st->dir, sizeof(st->dir), "%s", dir) >=
	    (int)sizeof(st->dir))
		return DX_ERR_INVALID_ARG;
	if (mkdir(st->dir, 0700) != 0 && errno != EEXIST) {
		snprintf(msg, msgsize, "cannot create state directory %s: %s",
		         st->dir, strerror(errno));
		return DX_ERR_IO;
	}
	if (lstat(st->dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(msg, msgsize, "state directory %s is not a directory",
		         st->dir);
		return DX_ERR_IO;
	}
	/* It holds the digest key: nobody else may read or swap it. */
	if (sb.st_uid != geteuid() || (sb.st_mode & 077) != 0) {
		if (sb.st_uid != geteuid() || chmod(st->dir, 0700) != 0) {
			snprintf(msg, msgsize, "state directory %s must be owned "
			         "by uid %u with mode 0700", st->dir,
			         (unsigned)geteuid());
			return DX_ERR_IO;
		}
	}
	return DX_OK;
}

static int read_key(const struct state *st, unsigned char key[STATE_KEY_LEN])
{
	char path[4096];
	char *text = NULL;
	size_t len = 0;
	int r;

	r = state_path(st, "key", path, sizeof(path));
	if (r != DX_OK)
		return r;
	r = fileio_read_all(path, STATE_KEY_LEN, &text, &len);
	if (r == DX_OK && len == STATE_KEY_LEN) {
		memcpy(key, text, STATE_KEY_LEN);
		explicit_bzero(text, len);
		free(text);
		return DX_OK;
	}
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
	/* First use (or a damaged key): a new key only means the next
	   enable re-applies everything once. */
	if (getrandom(key, STATE_KEY_LEN, 0) != STATE_KEY_LEN)
		return DX_ERR_IO;
	return fileio_write_atomic(path, key, STATE_KEY_LEN, 0600);
}

/* A growing buffer of length-prefixed fields: unambiguous, so that
   ("ab","c") and ("a","bc") never hash alike. */
struct canon {
	char *buf;
	size_t len, cap;
	int failed;
};

static void canon_bytes(struct canon *c, const char *s)
{
	char prefix[32];
	size_t n = s != NULL ? strlen(s) : 0;
	int k = s != NULL ? snprintf(prefix, sizeof(prefix), "%zu:", n)
	                  : snprintf(prefix, sizeof(prefix), "-:");
	size_t need = c->len + (size_t)k + n + 1;

	if (c->failed)
		return;
	if (need > c->cap) {
		size_t cap = c->cap ? c->cap : 256;
		char *bigger;

		while (cap < need)
			cap *= 2;
		/* Not realloc(): the old block holds secrets in clear and
		   must be wiped, not just released. */
		bigger = malloc(cap);
		if (bigger == NULL) {
			c->failed = 1;
			return;
		}
		if (c->buf != NULL) {
			memcpy(bigger, c->buf, c->len);
			explicit_bzero(c->buf, c->cap);
			free(c->buf);
		}
		c->buf = bigger;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, prefix, (size_t)k);
	c->len += (size_t)k;
	if (n > 0)
		memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->buf[c->len++] = ',';
}

static void canon_int(struct canon *c, long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", v);
	canon_bytes(c, num);
}

static void canon_pairs(struct canon *c, const struct settings_pair *p,
                        size_t n)
{
	size_t i;

	canon_int(c, (long)n);
	for (i = 0; i < n; i++) {
		canon_bytes(c, p[i].name);
		canon_bytes(c, p[i].value);
	}
}

static void canon_words(struct canon *c, char *const *w, size_t n)
{
	size_t i;

	canon_int(c, (long)n);
	for (i = 0; i < n; i++)
		canon_bytes(c, w[i]);
}

static void canon_area(struct canon *c, const struct dx_settings *s,
                       enum state_area a)
{
	size_t i;

	canon_bytes(c, area_names[a]);
	switch (a) {
	case STATE_AREA_INSTALL:
		canon_bytes(c, s->version);
		canon_int(c, s->source);
		canon_bytes(c, s->mirror);
		canon_int(c, s->china_cloud);
		break;
	case STATE_AREA_DAEMON:
		canon_int(c, s->port);
		canon_int(c, s->allow_unauthenticated_port);
		canon_words(c, s->options, s->n_options);
		canon_bytes(c, s->daemon_json);
		canon_bytes(c, s->proxy_http);
		canon_bytes(c, s->proxy_https);
		canon_bytes(c, s->no_proxy);
		canon_bytes(c, s->cert_ca);
		canon_bytes(c, s->cert_cert);
		canon_bytes(c, s->cert_key);
		break;
	case STATE_AREA_USERS:
		canon_words(c, s->users, s->n_users);
		break;
	case STATE_AREA_LOGIN:
		canon_int(c, (long)s->n_logins);
		for (i = 0; i < s->n_logins; i++) {
			canon_bytes(c, s->logins[i].server);
			canon_bytes(c, s->logins[i].username);
			canon_bytes(c, s->logins[i].password);
		}
		break;
	case STATE_AREA_COMPOSE:
		canon_bytes(c, s->compose_json);
		canon_pairs(c, s->compose_env, s->n_compose_env);
		canon_pairs(c, s->secret_env, s->n_secret_env);
		canon_int(c, s->install_only);
		break;
	default:
		break;
	}
}

int state_digest(const struct state *st, const struct dx_settings *s,
                 struct state_digests *out)
{
	unsigned char key[STATE_KEY_LEN];
	struct canon c = { NULL, 0, 0, 0 };
	int r, a;

	r = read_key(st, key);
	if (r != DX_OK)
		goto out;
	for (a = 0; a < STATE_AREA__COUNT; a++) {
		c.len = 0;
		canon_area(&c, s, (enum state_area)a);
		if (c.failed) {
			r = DX_ERR_NOMEM;
			goto out;
		}
		hash_hmac_sha256_hex(key, sizeof(key), c.buf, c.len,
		                     out->hex[a]);
	}
	r = DX_OK;
out:
	/* The canonical text holds secrets in clear. */
	if (c.buf != NULL) {
		explicit_bzero(c.buf, c.cap);
		free(c.buf);
	}
	explicit_bzero(key, sizeof(key));
	return r;
}

int state_read_applied(const struct state *st, struct state_digests *out)
{
	char path[4096];
	char *text = NULL, *line, *save = NULL;
	size_t len;
	int a, r;

	memset(out, 0, sizeof(*out));
	r = state_path(st, "applied", path, sizeof(path));
	if (r != DX_OK)
		return r;
	if (fileio_read_all(path, 4096, &text, &len) != DX_OK)
		return DX_ERR_IO;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (eq == NULL || strlen(eq + 1) != HASH_SHA256_HEX_LEN)
			continue;
		*eq = '\0';
		for (a = 0; a < STATE_AREA__COUNT; a++)
			if (strcmp(line, area_names[a]) == 0)
				memcpy(out->hex[a], eq + 1,
				       HASH_SHA256_HEX_LEN + 1);
	}
	free(text);
	return DX_OK;
}

int state_write_applied(const struct state *st, const struct state_digests *d)
{
	char path[4096];
	char text[STATE_AREA__COUNT * (HASH_SHA256_HEX_LEN + 16)];
	size_t len = 0;
	int a, r;

	r = state_path(st, "applied", path, sizeof(path));
	if (r != DX_OK)
		return r;
	for (a = 0; a < STATE_AREA__COUNT; a++)
		if (d->hex[a][0] != '\0')
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			                        "%s=%s\n", area_names[a],
			                        d->hex[a]);
	return fileio_write_atomic(path, text, len, 0600);
}

void state_forget_applied(const struct state *st)
{
	char path[4096];

	if (state_path(st, "applied", path, sizeof(path)) == DX_OK)
		(void)unlink(path);
}

static int write_number(const struct state *st, const char *name,
                        unsigned long v)
{
	char path[4096];
	char text[32];
	int n, r;

	r = state_path(st, name, path, sizeof(path));
	if (r != DX_OK)
		return r;
	n = snprintf(text, sizeof(text), "%lu\n", v);
	return fileio_write_atomic(path, text, (size_t)n, 0600);
}

static int read_number(const struct state *st, const char *name,
                       unsigned long *v)
{
	char path[4096];
	char *text = NULL;
	size_t len;
	int r;

	r = state_path(st, name, path, sizeof(path));
	if (r != DX_OK)
		return r;
	if (fileio_read_all(path, 64, &text, &len) != DX_OK)
		return DX_ERR_IO;
	text[strcspn(text, "\n")] = '\0';
	r = seq_parse(text, v) == DX_OK ? DX_OK : DX_ERR_IO;
	free(text);
	return r;
}

int state_read_ticket(const struct state *st, const char *name,
                      struct state_ticket *t)
{
	char path[4096];
	char *text = NULL, *pid, *folder;
	size_t len;
	int r;

	memset(t, 0, sizeof(*t));
	r = state_path(st, name, path, sizeof(path));
	if (r != DX_OK)
		return r;
	if (fileio_read_all(path, sizeof(t->folder) + 64, &text, &len) != DX_OK)
		return DX_ERR_IO;
	text[strcspn(text, "\n")] = '\0';
	r = DX_ERR_IO;
	pid = strchr(text, ' ');
	folder = pid != NULL ? strchr(pid + 1, ' ') : NULL;
	if (folder != NULL) {
		*pid++ = '\0';
		*folder++ = '\0';
		if (seq_parse(text, &t->seq) == DX_OK &&
		    snprintf(t->folder, sizeof(t->folder), "%s", folder) <
		            (int)sizeof(t->folder)) {
			t->pid = strtol(pid, NULL, 10);
			r = DX_OK;
		}
	}
	free(text);
	return r;
}

int state_write_ticket(const struct state *st, const char *name,
                       const struct state_ticket *t)
{
	char path[4096];
	char text[sizeof(t->folder) + 64];
	int n, r;

	r = state_path(st, name, path, sizeof(path));
	if (r != DX_OK)
		return r;
	n = snprintf(text, sizeof(text), "%lu %ld %s\n", t->seq, t->pid,
	             t->folder);
	if (n < 0 || (size_t)n >= sizeof(text))
		return DX_ERR_INVALID_ARG;
	return fileio_write_atomic(path, text, (size_t)n, 0600);
}

int state_ticket_same(const struct state_ticket *a,
                      const struct state_ticket *b)
{
	return a->seq == b->seq && strcmp(a->folder, b->folder) == 0;
}

void state_remove(const struct state *st, const char *name)
{
	char path[4096];

	if (state_path(st, name, path, sizeof(path)) == DX_OK)
		(void)unlink(path);
}

int state_mark_updating(const struct state *st)
{
	return write_number(st, "updating", (unsigned long)time(NULL));
}

int state_is_updating(const struct state *st, long max_age_s)
{
	unsigned long when;
	time_t now = time(NULL);

	if (read_number(st, "updating", &when) != DX_OK)
		return 0;
	return (long)(now - (time_t)when) <= max_age_s &&
	       (time_t)when <= now + 60;
}

void state_clear_updating(const struct state *st)
{
	char path[4096];

	if (state_path(st, "updating", path, sizeof(path)) == DX_OK)
		(void)unlink(path);
}

int state_mark_installed(const struct state *st)
{
	return write_number(st, "installed", (unsigned long)time(NULL));
}
