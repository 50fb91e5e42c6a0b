#include "config.h"

#include "systemd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemonjson.h"

#define UNIT_MAX (256u * 1024u)
#define DAEMON_JSON_MAX (1024u * 1024u)
#define DROPIN_MAX 16384
#define MAX_WORDS 128
#define JOURNAL_LINES "20"

static const char *const unit_dirs[] = {
	"/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system",
	NULL
};

/* /usr/bin on merged-/usr systems, /bin on older ones (Ubuntu 18.04,
   Debian upgraded from 10): whichever exists, /usr/bin when neither does
   (a fake root). */
static const char *tool(struct family_state *st, const char *usr_bin,
                        const char *bin)
{
	return !family_exists(st, usr_bin) && family_exists(st, bin) ? bin
	                                                             : usr_bin;
}

#define SYSTEMCTL(st) tool((st), "/usr/bin/systemctl", "/bin/systemctl")

static const char header[] =
	"# Written by docker-extension from its settings: it is rewritten when\n"
	"# they change and removed when the extension is uninstalled.  Change\n"
	"# the extension's settings rather than this file.\n";

/* ---- the installed unit ---------------------------------------------------------- */

/* Text of <dir>/<unit> for the first unit directory that has it. */
static int read_unit(struct family_state *st, const char *unit, char **text)
{
	char path[512];
	size_t len, i;

	*text = NULL;
	for (i = 0; unit_dirs[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", unit_dirs[i], unit);
		if (family_read(st, path, UNIT_MAX, text, &len) == DX_OK)
			return DX_OK;
	}
	return DX_ERR_IO;
}

static int unit_exists(struct family_state *st, const char *unit)
{
	char *text = NULL;
	int r = read_unit(st, unit, &text);

	free(text);
	return r == DX_OK;
}

/* The last ExecStart= of [Service] (an empty one resets), continuation
   lines joined, into out.  "" when there is none. */
static void unit_execstart(const char *text, char *out, size_t outsize)
{
	const char *p = text;
	int in_service = 0;

	out[0] = '\0';
	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		const char *line = p;

		p += n;
		if (*p == '\n')
			p++;
		while (n > 0 && (*line == ' ' || *line == '\t')) {
			line++;
			n--;
		}
		if (n > 0 && line[0] == '[') {
			in_service = strncmp(line, "[Service]", 9) == 0;
			continue;
		}
		if (!in_service || n < 10 || strncmp(line, "ExecStart=", 10) != 0)
			continue;
		out[0] = '\0';
		line += 10;
		n -= 10;
		/* "\" at the end of a line continues it on the next. */
		while (n > 0 && line[n - 1] == '\\' && *p != '\0') {
			size_t m = strcspn(p, "\n");

			snprintf(out + strlen(out), outsize - strlen(out), "%.*s ",
			         (int)(n - 1), line);
			line = p;
			n = m;
			p += m;
			if (*p == '\n')
				p++;
		}
		snprintf(out + strlen(out), outsize - strlen(out), "%.*s", (int)n,
		         line);
	}
}

/* Split an ExecStart value into words, keeping each word's source text
   (quotes included): vendor words go back into our ExecStart as they
   were written. */
static size_t split_words(char *s, char **words, size_t max)
{
	size_t n = 0;

	while (*s != '\0' && n < max) {
		char q = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		words[n++] = s;
		for (; *s != '\0'; s++) {
			if (q == 0 && (*s == ' ' || *s == '\t'))
				break;
			if (*s == '\\' && s[1] != '\0') {
				s++;
				continue;
			}
			if (q == 0 && (*s == '"' || *s == '\''))
				q = *s;
			else if (q != 0 && *s == q)
				q = 0;
		}
		if (*s != '\0')
			*s++ = '\0';
	}
	return n;
}

/* -H X, -H=X, -HX, --host X, --host=X: the sockets, which are ours. */
static int host_word(const char *w, int *takes_next)
{
	*takes_next = strcmp(w, "-H") == 0 || strcmp(w, "--host") == 0;
	return *takes_next || strncmp(w, "-H", 2) == 0 ||
	       strncmp(w, "--host=", 7) == 0;
}

/* Socket activation works only where docker.socket exists and will be
   started: enabled, or pulled in by docker.service (Requires=/BindsTo=). */
static int socket_activated(struct family_state *st, const char *service)
{
	const char *p;

	if (!unit_exists(st, "docker.socket"))
		return 0;
	if (family_exists(st, "/etc/systemd/system/sockets.target.wants/"
	                      "docker.socket"))
		return 1;
	for (p = service; (p = strstr(p, "docker.socket")) != NULL; p++) {
		const char *line = p;

		while (line > service && line[-1] != '\n')
			line--;
		if (strncmp(line, "Requires=", 9) == 0 ||
		    strncmp(line, "BindsTo=", 8) == 0)
			return 1;
	}
	return 0;
}

/* ---- rendering ------------------------------------------------------------------ */

/* One word as systemd's ExecStart reads it back unchanged: $ and % are
   doubled (no variable or specifier expansion of user text), and a word
   with blanks, quotes or backslashes is double-quoted with escapes. */
static int put_word(char *out, size_t outsize, const char *w)
{
	int quote = w[0] == '\0' || strpbrk(w, " \t\"'\\") != NULL ||
	            strcmp(w, ";") == 0;
	size_t used = strlen(out);
	const char *p;

	if (used + 2 >= outsize)
		return -1;
	out[used++] = ' ';
	if (quote)
		out[used++] = '"';
	for (p = w; *p != '\0'; p++) {
		if (used + 4 >= outsize)
			return -1;
		if (*p == '$' || *p == '%')
			out[used++] = *p;
		else if (quote && (*p == '"' || *p == '\\'))
			out[used++] = '\\';
		out[used++] = *p;
	}
	if (quote)
		out[used++] = '"';
	out[used] = '\0';
	return 0;
}

static int tls_given(const struct family_state *st)
{
	return st->set->tls_ca != NULL && st->set->tls_cert != NULL &&
	       st->set->tls_key != NULL;
}

/* The ExecStart line: the unit's program and arguments without its
   sockets, our local socket, TLS and TCP, then docker.options. */
static int render_execstart(struct family_state *st, const char *service,
                            char *out, size_t outsize, int *vendor_same)
{
	char exec[DROPIN_MAX], port[64];
	char *words[MAX_WORDS];
	const char *local;
	size_t n, i;
	int vendor_local = 0, skip = 0, bad = 0;

	unit_execstart(service, exec, sizeof(exec));
	n = split_words(exec, words, MAX_WORDS);
	if (n == 0) {
		family_fail(st, "docker.service has no ExecStart: cannot "
		            "configure the daemon");
		return DX_ERR_IO;
	}
	local = socket_activated(st, service) ? "fd://"
	                                      : "unix://" SD_SOCKET;
	snprintf(out, outsize, "ExecStart=%s", words[0]);
	bad |= family_cat(out, outsize, " -H ") | family_cat(out, outsize, local);
	for (i = 1; i < n; i++) {
		int next;

		if (skip) {
			skip = 0;
			if (strcmp(words[i], local) == 0)
				vendor_local = 1;
			continue;
		}
		if (host_word(words[i], &next)) {
			skip = next;
			if (strstr(words[i], local) != NULL)
				vendor_local = 1;
			continue;
		}
		bad |= family_cat(out, outsize, " ") |
		       family_cat(out, outsize, words[i]);
	}
	*vendor_same = vendor_local;
	if (st->set->port > 0) {
		if (tls_given(st))
			bad |= family_cat(out, outsize,
			                  " --tlsverify --tlscacert=" SD_CA
			                  " --tlscert=" SD_CERT
			                  " --tlskey=" SD_KEY);
		else
			/* dockerd 27+ refuses TCP without TLS unless told. */
			bad |= family_cat(out, outsize, " --tls=false");
		snprintf(port, sizeof(port), " -H tcp://0.0.0.0:%d",
		         st->set->port);
		bad |= family_cat(out, outsize, port);
	}
	for (i = 0; i < st->set->n_options; i++)
		bad |= put_word(out, outsize, st->set->options[i]);
	bad |= family_cat(out, outsize, "\n");
	if (bad) {
		family_fail(st, "the dockerd command line is too long");
		return DX_ERR_TOO_LARGE;
	}
	return DX_OK;
}

int systemd_render_dropin(struct family_state *st, char *out, size_t outsize)
{
	char line[DROPIN_MAX];
	char *service = NULL;
	int vendor_same = 0, r;

	out[0] = '\0';
	r = read_unit(st, "docker.service", &service);
	if (r != DX_OK) {
		family_fail(st, "docker.service is not installed (no unit file "
		            "in /etc/systemd/system, /usr/lib/systemd/system "
		            "or /lib/systemd/system)");
		return DX_ERR_IO;
	}
	r = render_execstart(st, service, line, sizeof(line), &vendor_same);
	if (r != DX_OK)
		goto out;
	/* Nothing to add and the unit's own socket works: no drop-in, so
	   that a package update of the unit takes effect as it is. */
	if (st->set->port == 0 && st->set->n_options == 0 && vendor_same)
		goto out;
	snprintf(out, outsize, "%s[Service]\nExecStart=\n%s", header, line);
out:
	free(service);
	return r;
}

/* One Environment= line, quoted for systemd. */
static int put_env(char *out, size_t outsize, const char *name,
                   const char *value)
{
	size_t used = strlen(out);
	const char *p;
	int n = snprintf(out + used, outsize - used, "Environment=\"%s=", name);

	if (n < 0 || (size_t)n >= outsize - used)
		return -1;
	used += (size_t)n;
	for (p = value; *p != '\0'; p++) {
		if (used + 4 >= outsize)
			return -1;
		if (*p == '"' || *p == '\\')
			out[used++] = '\\';
		else if (*p == '%')
			out[used++] = '%';
		out[used++] = *p;
	}
	out[used] = '\0';
	return family_cat(out, outsize, "\"\n");
}

static int render_proxy(struct family_state *st, char *out, size_t outsize)
{
	const struct dx_settings_view *v = st->set;
	int bad = 0;

	out[0] = '\0';
	if (v->proxy_http == NULL && v->proxy_https == NULL)
		return DX_OK;
	snprintf(out, outsize, "%s[Service]\n", header);
	if (v->proxy_http != NULL)
		bad |= put_env(out, outsize, "HTTP_PROXY", v->proxy_http);
	if (v->proxy_https != NULL)
		bad |= put_env(out, outsize, "HTTPS_PROXY", v->proxy_https);
	if (v->no_proxy != NULL)
		bad |= put_env(out, outsize, "NO_PROXY", v->no_proxy);
	if (bad) {
		family_fail(st, "the proxy settings are too long");
		return DX_ERR_TOO_LARGE;
	}
	return DX_OK;
}

/* Write `text` to `path`, or remove the file when text is "". */
static int sync_file(struct family_state *st, const char *path,
                     const char *text, unsigned mode)
{
	if (text[0] == '\0')
		return family_remove(st, path, &st->changed);
	return family_write_if_changed(st, path, text, strlen(text), mode, 0,
	                               &st->changed);
}

/* ---- daemon.json ------------------------------------------------------------------ */

struct owned {
	char *text;            /* the record, split in place */
	const char *keys[DJ_MAX_MEMBERS + 8];
	size_t n;
	int created;           /* the extension created daemon.json */
};

static void owned_load(struct family_state *st, struct owned *o)
{
	char *line, *save = NULL;
	size_t len;

	memset(o, 0, sizeof(*o));
	if (family_read(st, SD_OWNED, 64u * 1024u, &o->text, &len) != DX_OK)
		return;
	for (line = strtok_r(o->text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strcmp(line, "created") == 0)
			o->created = 1;
		else if (strncmp(line, "key ", 4) == 0 &&
		         o->n < DJ_MAX_MEMBERS)
			o->keys[o->n++] = line + 4;
	}
}

static int owned_save(struct family_state *st, const struct dj_object *want,
                      int created)
{
	char *buf;
	size_t cap = 16, used, i;
	int r, changed = 0;

	for (i = 0; want != NULL && i < want->n; i++)
		cap += want->m[i].key_len + 6;
	buf = malloc(cap);
	if (buf == NULL)
		return DX_ERR_NOMEM;
	used = (size_t)snprintf(buf, cap, "%s", created ? "created\n" : "");
	for (i = 0; want != NULL && i < want->n; i++)
		used += (size_t)snprintf(buf + used, cap - used, "key %.*s\n",
		                         (int)want->m[i].key_len,
		                         want->m[i].key);
	if (used == 0)
		r = family_remove(st, SD_OWNED, &changed);
	else if ((r = family_mkdirs(st, FAMILY_STATE_DIR, 0700)) == DX_OK)
		r = family_write_if_changed(st, SD_OWNED, buf, used, 0600, 0,
		                            &changed);
	free(buf);
	return r;
}

/* Keys that would keep dockerd from starting next to our flags. */
static void conflict_keys(const struct family_state *st, const char **drop,
                          size_t *n)
{
	static const char *const tls[] = { "tls", "tlsverify", "tlscacert",
		                           "tlscert", "tlskey", NULL };
	size_t i;

	drop[(*n)++] = "hosts";
	if (st->set->port > 0)
		for (i = 0; tls[i] != NULL; i++)
			drop[(*n)++] = tls[i];
}

static void warn_conflicts(struct family_state *st,
                           const struct dj_object *old,
                           const char *const *drop, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (dj_find(old, drop[i], strlen(drop[i])) >= 0)
			family_log(st, DX_LOG_WARN, "removing \"%s\" from "
			           SD_DAEMON_JSON ": dockerd refuses to start "
			           "with it next to the extension's command-line "
			           "flags", drop[i]);
}

/* Same members, same order, same source text: nothing to write (a file
   an administrator formatted differently is not rewritten for nothing). */
static int same_members(const struct dj_object *a, const struct dj_object *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->m[i].key_len != b->m[i].key_len ||
		    a->m[i].value_len != b->m[i].value_len ||
		    memcmp(a->m[i].key, b->m[i].key, a->m[i].key_len) != 0 ||
		    memcmp(a->m[i].value, b->m[i].value, a->m[i].value_len) != 0)
			return 0;
	return 1;
}

/* Parse the file and the settings; the merged text into *text. */
static int daemon_json_merge(struct family_state *st, const struct owned *o,
                             const char *old_text, size_t old_len,
                             struct dj_object *objs, char **text)
{
	const char *drop[DJ_MAX_MEMBERS + 16];
	char why[128];
	size_t n = 0, i;

	*text = NULL;
	if (old_text != NULL && dj_parse(old_text, old_len, &objs[0], why,
	                                 sizeof(why)) != 0) {
		family_fail(st, SD_DAEMON_JSON " is not a valid JSON object "
		            "(%s): fix or remove it", why);
		return DX_ERR_IO;
	}
	if (st->set->daemon_json != NULL &&
	    dj_parse(st->set->daemon_json, strlen(st->set->daemon_json),
	             &objs[1], why, sizeof(why)) != 0) {
		family_fail(st, "docker.daemon is not a JSON object (%s)", why);
		return DX_ERR_SETTINGS;
	}
	for (i = 0; i < o->n; i++)
		drop[n++] = o->keys[i];
	conflict_keys(st, drop, &n);
	drop[n] = NULL;
	warn_conflicts(st, &objs[0], drop, o->n, n);
	*text = dj_merge(&objs[0], drop, &objs[1]);
	if (*text == NULL)
		return DX_ERR_NOMEM;
	if (dj_parse(*text, strlen(*text), &objs[2], why, sizeof(why)) != 0)
		return DX_ERR_INTERNAL;
	return DX_OK;
}

static int configure_daemon_json(struct family_state *st)
{
	/* old file, settings, merged result: too big for the stack */
	struct dj_object *objs = calloc(3, sizeof(*objs));
	struct owned o;
	char *old_text = NULL, *text = NULL;
	size_t old_len = 0;
	int r, created;

	owned_load(st, &o);
	if (objs == NULL) {
		r = DX_ERR_NOMEM;
		goto out;
	}
	r = family_read(st, SD_DAEMON_JSON, DAEMON_JSON_MAX, &old_text,
	                &old_len);
	if (r != DX_OK && !(r == DX_ERR_IO && errno == ENOENT)) {
		family_fail(st, "cannot read " SD_DAEMON_JSON);
		goto out;
	}
	r = daemon_json_merge(st, &o, old_text, old_len, objs, &text);
	if (r != DX_OK)
		goto out;
	created = o.created || old_text == NULL;
	if (old_text != NULL && same_members(&objs[0], &objs[2]))
		created = o.created;
	else if (objs[2].n == 0 && created)
		/* Only our keys were in it, and it was ours: remove it. */
		r = family_remove(st, SD_DAEMON_JSON, &st->changed);
	else
		r = family_write_if_changed(st, SD_DAEMON_JSON, text,
		                            strlen(text), 0644, 0, &st->changed);
	if (r == DX_OK)
		r = owned_save(st, st->set->daemon_json != NULL ? &objs[1]
		                                                : NULL,
		               created && objs[2].n > 0);
out:
	free(text);
	free(old_text);
	free(o.text);
	free(objs);
	return r;
}

/* ---- certificates ----------------------------------------------------------------- */

/* All three or none (the original's issue #18: absent certs leave the
   files an administrator put there alone). */
static int configure_certs(struct family_state *st)
{
	static const char *const paths[] = { SD_CA, SD_CERT, SD_KEY };
	const char *texts[3];
	size_t i;
	int r;

	if (!tls_given(st))
		return DX_OK;
	texts[0] = st->set->tls_ca;
	texts[1] = st->set->tls_cert;
	texts[2] = st->set->tls_key;
	for (i = 0; i < 3; i++) {
		int secret = i == 2;

		r = family_write_if_changed(st, paths[i], texts[i],
		                            strlen(texts[i]),
		                            secret ? 0600 : 0644, secret,
		                            &st->changed);
		if (r == DX_OK)
			r = family_record_add(st, "file", paths[i]);
		if (r != DX_OK)
			return r;
	}
	return DX_OK;
}

/* ---- configure ----------------------------------------------------------------------- */

int systemd_configure(struct family_state *st)
{
	char dropin[DROPIN_MAX], proxy[DROPIN_MAX];
	int r;

	r = systemd_render_dropin(st, dropin, sizeof(dropin));
	if (r == DX_OK)
		r = render_proxy(st, proxy, sizeof(proxy));
	/* Certificates first: the drop-in names them. */
	if (r == DX_OK)
		r = configure_certs(st);
	if (r == DX_OK)
		r = configure_daemon_json(st);
	if (r == DX_OK)
		r = sync_file(st, SD_DROPIN, dropin, 0644);
	/* 0600: a proxy URL may carry a password. */
	if (r == DX_OK)
		r = sync_file(st, SD_PROXY_DROPIN, proxy, 0600);
	if (r != DX_OK)
		return r;
	/* A change whose restart failed (or never ran) is still a change. */
	if (family_exists(st, SD_PENDING))
		st->changed = 1;
	else if (st->changed &&
	         (r = family_mkdirs(st, FAMILY_STATE_DIR, 0700)) == DX_OK)
		r = family_write(st, SD_PENDING, "", 0, 0600);
	family_log(st, DX_LOG_INFO, "daemon configuration %s",
	           st->changed ? "changed" : "unchanged");
	return r;
}

/* ---- restart ------------------------------------------------------------------------- */

static int sysctl(struct family_state *st, const char *verb, const char *unit,
                  char *out, size_t outsize)
{
	const char *argv[] = { SYSTEMCTL(st), verb, unit, NULL };

	return family_run_ok(st, argv, NULL, FAMILY_CMD_TIMEOUT_MS, out,
	                     outsize);
}

/* Whether `line` (len bytes) is already in `joined` (a restart loop
   repeats the same lines). */
static int already_joined(const char *joined, const char *line, size_t len)
{
	const char *seg = joined;

	while (*seg != '\0') {
		const char *sep = strstr(seg, " | ");
		size_t seglen = sep != NULL ? (size_t)(sep - seg) : strlen(seg);

		if (seglen == len && strncmp(seg, line, len) == 0)
			return 1;
		if (sep == NULL)
			break;
		seg = sep + 3;
	}
	return 0;
}

/* The unit's last journal lines, newest first, each once, joined into one
   line for the status: a reader (and a status message cut to its size)
   sees why the last start failed before the older shutdown chatter. */
static void report_journal(struct family_state *st, int changed)
{
	const char *const argv[] = {
		tool(st, "/usr/bin/journalctl", "/bin/journalctl"), "-u",
		"docker.service", "--no-pager", "-n", JOURNAL_LINES, "-o", "cat",
		NULL
	};
	char out[8192], joined[1024];
	size_t end, j = 0;
	int status;

	if (family_run(st, argv, NULL, FAMILY_QUICK_TIMEOUT_MS, out,
	               sizeof(out), &status) != DX_OK)
		out[0] = '\0';
	joined[0] = '\0';
	end = strlen(out);
	for (;;) {
		size_t start, len, k;

		while (end > 0 && out[end - 1] == '\n')   /* blank lines */
			end--;
		if (end == 0 || j + 8 >= sizeof(joined))
			break;
		start = end;
		while (start > 0 && out[start - 1] != '\n')
			start--;
		len = end - start;
		for (k = start; k < end; k++)   /* no control bytes */
			if ((unsigned char)out[k] < 0x20)
				out[k] = ' ';
		if (!already_joined(joined, out + start, len)) {
			if (j > 0) {
				memcpy(joined + j, " | ", 3);
				j += 3;
			}
			if (len > sizeof(joined) - 1 - j)
				len = sizeof(joined) - 1 - j;
			memcpy(joined + j, out + start, len);
			j += len;
			joined[j] = '\0';
		}
		end = start;
	}
	family_fail(st, "docker.service did not start%s; its log, newest "
	            "first: %s", changed ? " with the new configuration" : "",
	            j > 0 ? joined : "(none)");
}

static int wait_ready(struct family_state *st)
{
	uint64_t start = st->host->now_ms(st->host->ctx);

	for (;;) {
		if (st->host->docker_ping(st->host->ctx, SD_SOCKET, 2000) ==
		    DX_OK)
			return DX_OK;
		if (st->host->now_ms(st->host->ctx) - start >=
		    SD_READY_TIMEOUT_MS)
			return DX_ERR_DAEMON_DOWN;
		st->host->sleep_ms(st->host->ctx, SD_READY_POLL_MS);
	}
}

int systemd_restart(struct family_state *st)
{
	int changed = st->changed, r;
	int pending_changed = 0;

	if (changed) {
		r = sysctl(st, "daemon-reload", NULL, NULL, 0);
		if (r == DX_OK)
			r = sysctl(st, "reset-failed", "docker.service", NULL, 0);
		if (r == DX_OK)
			r = sysctl(st, "enable", "docker.service", NULL, 0);
		if (r == DX_OK)
			r = sysctl(st, "restart", "docker.service", NULL, 0);
	} else {
		r = sysctl(st, "enable", "docker.service", NULL, 0);
		if (r == DX_OK)
			r = sysctl(st, "start", "docker.service", NULL, 0);
	}
	if (r == DX_OK)
		r = wait_ready(st);
	if (r != DX_OK) {
		report_journal(st, changed);
		return changed ? DX_ERR_DAEMON_CONFIG : DX_ERR_DAEMON_DOWN;
	}
	st->changed = 0;
	return family_remove(st, SD_PENDING, &pending_changed);
}

int systemd_stop(struct family_state *st)
{
	const char *with_socket[] = { SYSTEMCTL(st), "stop", "docker.socket",
		                      "docker.service", NULL };
	const char *service_only[] = { SYSTEMCTL(st), "stop",
		                       "docker.service", NULL };

	return family_run_ok(st, unit_exists(st, "docker.socket")
	                             ? with_socket : service_only,
	                     NULL, FAMILY_CMD_TIMEOUT_MS, NULL, 0);
}

/* ---- uninstall ----------------------------------------------------------------------- */

static void remove_recorded_file(struct family_state *st, const char *path,
                                 void *arg)
{
	int *changed = arg;

	/* Only the TLS files: other recorded files (repository files)
	   belong to the package family's uninstall. */
	if (strcmp(path, SD_CA) == 0 || strcmp(path, SD_CERT) == 0 ||
	    strcmp(path, SD_KEY) == 0)
		(void)family_remove(st, path, changed);
}

int systemd_unconfigure(struct family_state *st, int *changed)
{
	static const struct dx_settings_view none;
	const struct dx_settings_view *saved = st->set;
	int r, c = 0, pending = 0;

	r = family_remove(st, SD_DROPIN, &c);
	if (r == DX_OK)
		r = family_remove(st, SD_PROXY_DROPIN, &c);
	/* With no docker.daemon asked for, the merge removes exactly the
	   keys the extension owned. */
	if (r == DX_OK) {
		st->set = &none;
		r = configure_daemon_json(st);
		st->set = saved;
		c |= st->changed;
		st->changed = 0;
	}
	if (r == DX_OK)
		r = family_record_each(st, "file", remove_recorded_file, &c);
	if (r == DX_OK)
		r = family_remove(st, SD_PENDING, &pending);
	*changed = c;
	return r;
}

int systemd_reload_restart(struct family_state *st)
{
	struct dx_probe probe;

	(void)family_probe(st, &probe);
	if (!probe.docker_installed)
		return sysctl(st, "daemon-reload", NULL, NULL, 0);
	/* restart() reloads first */
	st->changed = 1;
	return systemd_restart(st);
}

#define MAX_RECORDED 64

struct collected {
	char *v[MAX_RECORDED + 1];
	size_t n;
};

static void collect(struct family_state *st, const char *value, void *arg)
{
	struct collected *c = arg;

	(void)st;
	if (c->n < MAX_RECORDED)
		c->v[c->n++] = strdup(value);
}

static void collected_free(struct collected *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i]);
	c->n = 0;
}

int systemd_uninstall(struct family_state *st,
                      int (*remove_packages)(struct family_state *st,
                                             const char *const *pkgs))
{
	struct collected pkgs, files;
	size_t i;
	int r, changed = 0;

	memset(&pkgs, 0, sizeof(pkgs));
	memset(&files, 0, sizeof(files));
	r = family_record_each(st, "package", collect, &pkgs);
	if (r == DX_OK)
		r = family_record_each(st, "file", collect, &files);
	if (r != DX_OK)
		goto out;
	for (i = 0; i < pkgs.n || i < files.n; i++)
		if ((i < pkgs.n && pkgs.v[i] == NULL) ||
		    (i < files.n && files.v[i] == NULL)) {
			r = DX_ERR_NOMEM;
			goto out;
		}
	if (pkgs.n == 0) {
		/* Docker was there before us: it stays, and runs again
		   with its own configuration. */
		family_log(st, DX_LOG_INFO, "Docker was not installed by the "
		           "extension: only its configuration is removed");
		r = systemd_unconfigure(st, &changed);
		for (i = 0; r == DX_OK && i < files.n; i++)
			r = family_remove(st, files.v[i], &changed);
		if (r == DX_OK && changed)
			r = systemd_reload_restart(st);
		goto done;
	}
	(void)systemd_stop(st);
	r = systemd_unconfigure(st, &changed);
	if (r == DX_OK)
		r = remove_packages(st, (const char *const *)pkgs.v);
	for (i = 0; r == DX_OK && i < files.n; i++)
		r = family_remove(st, files.v[i], &changed);
	if (r == DX_OK)
		r = sysctl(st, "daemon-reload", NULL, NULL, 0);
done:
	if (r == DX_OK)
		r = family_record_clear(st);
out:
	collected_free(&pkgs);
	collected_free(&files);
	return r;
}
