/*
 * settings - HandlerEnvironment.json and N.settings into typed structs.
 *
 * Each level of our schema is a table of key descriptors.  walk() matches
 * an object's keys against a table without regard to case (as the original
 * extension's Go decoder did), warns about unknown keys with a suggestion,
 * checks each value's JSON type and hands the value to the key's handler,
 * which validates it and stores it in the output.  The rules that involve
 * several keys (a port needs certs, daemon.json against command-line
 * flags, defaults) run in finish() once both sections have been walked.
 * Every problem is collected: one run shows them all.
 *
 * Secrets: while the protected settings are walked (c->secret) messages
 * name keys, never values.  The decrypted text, the cJSON tree built from
 * it and every copy made of a secret are wiped before they are freed.
 */
#include "config.h"

#include "settings.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define PATH_SIZE 256       /* a key path in a message */
#define SHOW_MAX 48         /* characters of a value or name in a message */
#define URL_MAX 2048
#define VERSION_MAX 64
#define USER_MAX 32
#define MAX_KEYS 16         /* keys in one schema table */
#define SUGGEST_MAX 64      /* longer unknown keys get no suggestion */

/* The VM's metadata endpoints (wireserver, IMDS): traffic to them must
   never go through a proxy, or the agent and the handler lose the host. */
static const char *const metadata_ips[] = { "168.63.129.16",
	                                    "169.254.169.254" };

/* ---- wiping ------------------------------------------------------------------ */

/* Through a volatile pointer so that the compiler cannot drop the stores
   as dead: the memory is freed right after. */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
}

static void free_secret(char *s)
{
	if (s != NULL) {
		wipe(s, strlen(s));
		free(s);
	}
}

/* cJSON_Delete() only frees: zero every string (keys too) first. */
static void wipe_tree(cJSON *item)
{
	for (; item != NULL; item = item->next) {
		if (item->valuestring != NULL)
			wipe(item->valuestring, strlen(item->valuestring));
		if (item->string != NULL)
			wipe(item->string, strlen(item->string));
		item->valuedouble = 0;
		item->valueint = 0;
		wipe_tree(item->child);
	}
}

static void delete_secret_tree(cJSON *tree)
{
	wipe_tree(tree);
	cJSON_Delete(tree);
}

/* ---- ASCII helpers (locale-independent on purpose) --------------------------- */

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static int is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static int is_ctl(int ch)
{
	return (unsigned char)ch < 0x20 || ch == 0x7f;
}

static int ascii_casecmp(const char *a, const char *b)
{
	while (*a != '\0' && lower((unsigned char)*a) == lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return lower((unsigned char)*a) - lower((unsigned char)*b);
}

static int ascii_prefix(const char *s, const char *prefix)
{
	for (; *prefix != '\0'; s++, prefix++)
		if (lower((unsigned char)*s) != lower((unsigned char)*prefix))
			return 0;
	return 1;
}

static int has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if (is_ctl(*s))
			return 1;
	return 0;
}

static int is_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_space(s[i]))
			return 0;
	return 1;
}

/* Drop JSON whitespace at both ends of start[0..len). */
static void trim(const char **start, size_t *len)
{
	while (*len > 0 && is_space((*start)[0])) {
		(*start)++;
		(*len)--;
	}
	while (*len > 0 && is_space((*start)[*len - 1]))
		(*len)--;
}

static void skip_bom(const char **text, size_t *len)
{
	if (*len >= 3 && memcmp(*text, "\xef\xbb\xbf", 3) == 0) {
		*text += 3;
		*len -= 3;
	}
}

/* A character that never belongs in a host name or URL. */
static int is_bad_url_char(int ch)
{
	return (unsigned char)ch <= 0x20 || ch == 0x7f || ch == '"' ||
	       ch == '\\';
}

/* ---- text for messages ------------------------------------------------------- */

static void put(char *buf, size_t size, size_t *len, const char *piece)
{
	size_t n = strlen(piece);

	if (*len + n >= size)
		return;
	memcpy(buf + *len, piece, n);
	*len += n;
	buf[*len] = '\0';
}

/* A value or key name made safe to print: printable ASCII as is, anything
   else as \xNN, cut after SHOW_MAX characters, so that settings can
   neither forge log lines nor flood them. */
static void show(const char *s, int quoted, char *buf, size_t size)
{
	size_t len = 0, i;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (quoted)
		put(buf, size, &len, "\"");
	for (i = 0; i < SHOW_MAX && s[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)s[i];
		char piece[8];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			snprintf(piece, sizeof(piece), "%c", ch);
		else
			snprintf(piece, sizeof(piece), "\\x%02x", ch);
		put(buf, size, &len, piece);
	}
	if (s[i] != '\0')
		put(buf, size, &len, "...");
	if (quoted)
		put(buf, size, &len, "\"");
}

static const char *type_name(const cJSON *v)
{
	if (v == NULL)
		return "nothing";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "an unknown JSON value";
}

/* "parent.key"; a path too long for the buffer ends in "..." rather than
   being cut silently. */
static void join(char *dst, size_t size, const char *parent, const char *key)
{
	int n = snprintf(dst, size, "%s%s%s", parent, parent[0] ? "." : "",
	                 key);

	if (n >= 0 && (size_t)n >= size && size > 4)
		memcpy(dst + size - 4, "...", 4);
}

/* ---- the parse context and the report ---------------------------------------- */

/* Keys whose presence decides what a legacy key does. */
enum seen_id {
	SEEN_NONE = 0,
	SEEN_PORT,
	SEEN_COMPOSE,
	SEEN_CA,
	SEEN_CERT,
	SEEN_KEY,
	SEEN__COUNT
};

enum cert_index { CERT_CA, CERT_CERT, CERT_KEY, CERT__COUNT };

static const char *const cert_names[CERT__COUNT] = { "ca", "cert", "key" };

struct pctx {
	struct dx_settings *out;
	struct settings_report *rep;
	int nomem;
	int secret;                    /* walking protected settings */
	int protected_unknown;         /* given but unreadable: skip the
	                                  checks that need them */
	unsigned char seen[SEEN__COUNT];
	char port_path[PATH_SIZE];     /* docker.port or dockerport */
	int proxy_any;                 /* some docker.proxy value is set */
	char *no_proxy_user;           /* docker.proxy.noProxy as given */
	const cJSON *options;          /* nodes kept for finish() */
	const cJSON *daemon;
	const cJSON *compose;
	const cJSON *cert[CERT__COUNT];
	char cert_path[CERT__COUNT][PATH_SIZE];
	struct settings_login login;   /* the login entry being read */
};

static void add_problem(struct pctx *c, char **list, size_t *n,
                        const char *fmt, va_list ap)
{
	char text[1024];
	char *dup;

	if (*n >= SETTINGS_MAX_PROBLEMS)
		return;
	if (*n == SETTINGS_MAX_PROBLEMS - 1)
		snprintf(text, sizeof(text), "(more problems are not shown)");
	else
		vsnprintf(text, sizeof(text), fmt, ap);
	dup = strdup(text);
	if (dup == NULL) {
		c->nomem = 1;
		return;
	}
	list[(*n)++] = dup;
}

static void add_error(struct pctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_warning(struct pctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_error(struct pctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_problem(c, c->rep->errors, &c->rep->n_errors, fmt, ap);
	va_end(ap);
}

static void add_warning(struct pctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_problem(c, c->rep->warnings, &c->rep->n_warnings, fmt, ap);
	va_end(ap);
}

/* What a value is, for "got ...": the value itself for public scalars,
   only its type for anything under the protected settings. */
static void describe(const struct pctx *c, const cJSON *v, char *buf,
                     size_t size)
{
	if (!c->secret && cJSON_IsString(v)) {
		show(v->valuestring, 1, buf, size);
	} else if (!c->secret && cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d > -1e15 && d < 1e15 && d == (double)(long long)d)
			snprintf(buf, size, "%lld", (long long)d);
		else
			snprintf(buf, size, "%g", d);
	} else if (!c->secret && cJSON_IsBool(v)) {
		snprintf(buf, size, "%s", cJSON_IsTrue(v) ? "true" : "false");
	} else {
		snprintf(buf, size, "%s", type_name(v));
	}
}

static void expect_error(struct pctx *c, const char *path, const char *expect,
                         const cJSON *v)
{
	char got[96];

	describe(c, v, got, sizeof(got));
	add_error(c, "%s: expected %s, got %s", path, expect, got);
}

/* ---- growing arrays -------------------------------------------------------------- */

static char *dup_or_flag(struct pctx *c, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		c->nomem = 1;
	return d;
}

static void push_str(struct pctx *c, char ***arr, size_t *n, const char *s)
{
	char **bigger;
	char *d = dup_or_flag(c, s);

	if (d == NULL)
		return;
	bigger = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (bigger == NULL) {
		free(d);
		c->nomem = 1;
		return;
	}
	bigger[(*n)++] = d;
	*arr = bigger;
}

static struct settings_pair *find_pair(struct settings_pair *arr, size_t n,
                                       const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(arr[i].name, name) == 0)
			return &arr[i];
	return NULL;
}

/* Environment names are case-sensitive: only an exact repeat replaces. */
static void set_pair(struct pctx *c, struct settings_pair **arr, size_t *n,
                     const char *name, const char *value, int secret,
                     const char *path)
{
	struct settings_pair *p = find_pair(*arr, *n, name);
	struct settings_pair *bigger;
	char *v = dup_or_flag(c, value);
	char *nm;

	if (v == NULL)
		return;
	if (p != NULL) {
		add_warning(c, "%s: given more than once; the last value is used",
		            path);
		if (secret)
			free_secret(p->value);
		else
			free(p->value);
		p->value = v;
		return;
	}
	nm = dup_or_flag(c, name);
	bigger = nm != NULL ? realloc(*arr, (*n + 1) * sizeof(**arr)) : NULL;
	if (bigger == NULL) {
		c->nomem = 1;
		free(nm);
		if (secret)
			free_secret(v);
		else
			free(v);
		return;
	}
	bigger[*n].name = nm;
	bigger[*n].value = v;
	(*n)++;
	*arr = bigger;
}

/* ---- the schema -------------------------------------------------------------- */

enum {
	T_STRING = 1u,
	T_NUMBER = 2u,
	T_BOOL = 4u,
	T_OBJECT = 8u,
	T_ARRAY = 16u
};

struct schema;
typedef void (*key_fn)(struct pctx *c, const cJSON *v, const char *path);

struct key_desc {
	const char *name;           /* canonical spelling, used in paths */
	unsigned types;             /* T_* accepted (null always = absent) */
	const char *expect;         /* for "expected ..., got ..." */
	key_fn fn;                  /* the handler; NULL: walk `sub` */
	const struct schema *sub;   /* keys one level down (also used for
	                               suggestions) */
	enum seen_id seen;          /* recorded when the key is given */
	const char *legacy;         /* predecessor's key: what to do now */
	const char *new_name;       /* ... the key that replaces it */
	enum seen_id replaced_by;   /* ... ignored when that key is given */
};

struct schema {
	const struct key_desc *keys;
	size_t n;
	const char *section;         /* "public" or "protected" at the top */
	const struct schema *other;  /* the other section's top level */
};

static void on_port(struct pctx *c, const cJSON *v, const char *path);
static void on_options(struct pctx *c, const cJSON *v, const char *path);
static void on_daemon(struct pctx *c, const cJSON *v, const char *path);
static void on_version(struct pctx *c, const cJSON *v, const char *path);
static void on_source(struct pctx *c, const cJSON *v, const char *path);
static void on_mirror(struct pctx *c, const cJSON *v, const char *path);
static void on_proxy_http(struct pctx *c, const cJSON *v, const char *path);
static void on_proxy_https(struct pctx *c, const cJSON *v, const char *path);
static void on_no_proxy(struct pctx *c, const cJSON *v, const char *path);
static void on_users(struct pctx *c, const cJSON *v, const char *path);
static void on_allow_unauth(struct pctx *c, const cJSON *v, const char *path);
static void on_compose(struct pctx *c, const cJSON *v, const char *path);
static void on_compose_env(struct pctx *c, const cJSON *v, const char *path);
static void on_azure_env(struct pctx *c, const cJSON *v, const char *path);
static void on_install_only(struct pctx *c, const cJSON *v, const char *path);
static void on_environment(struct pctx *c, const cJSON *v, const char *path);
static void on_cert_ca(struct pctx *c, const cJSON *v, const char *path);
static void on_cert_cert(struct pctx *c, const cJSON *v, const char *path);
static void on_cert_key(struct pctx *c, const cJSON *v, const char *path);
static void on_login(struct pctx *c, const cJSON *v, const char *path);
static void on_logins(struct pctx *c, const cJSON *v, const char *path);
static void on_login_server(struct pctx *c, const cJSON *v, const char *path);
static void on_login_user(struct pctx *c, const cJSON *v, const char *path);
static void on_login_password(struct pctx *c, const cJSON *v,
                              const char *path);
static void on_login_email(struct pctx *c, const cJSON *v, const char *path);

#define EXPECT_PORT "an integer 1-65535 or a decimal string of one"
#define EXPECT_URL "an http:// or https:// URL with a host"
#define EXPECT_COMPOSE "an object (the compose file as JSON)"
#define EXPECT_BOOL "true or false"
#define EXPECT_ENV "an object of strings"
#define EXPECT_CERT "a string (PEM text, or base64 of it)"
#define EXPECT_LOGIN "an object {server, username, password}"

static const struct key_desc proxy_keys[] = {
	{ .name = "http", .types = T_STRING, .expect = EXPECT_URL,
	  .fn = on_proxy_http },
	{ .name = "https", .types = T_STRING, .expect = EXPECT_URL,
	  .fn = on_proxy_https },
	{ .name = "noProxy", .types = T_STRING,
	  .expect = "a string of comma-separated hosts", .fn = on_no_proxy },
};
static const struct schema proxy_schema = { proxy_keys, N_ELEMS(proxy_keys),
	                                    NULL, NULL };

static const struct key_desc docker_keys[] = {
	{ .name = "port", .types = T_STRING | T_NUMBER, .expect = EXPECT_PORT,
	  .fn = on_port, .seen = SEEN_PORT },
	{ .name = "options", .types = T_ARRAY,
	  .expect = "an array of strings (one dockerd argument each)",
	  .fn = on_options },
	{ .name = "daemon", .types = T_OBJECT,
	  .expect = "an object (the content of daemon.json)",
	  .fn = on_daemon },
	{ .name = "version", .types = T_STRING,
	  .expect = "a version string such as \"27.3.1\"", .fn = on_version },
	{ .name = "source", .types = T_STRING,
	  .expect = "\"docker\" or \"distro\"", .fn = on_source },
	{ .name = "mirror", .types = T_STRING, .expect = EXPECT_URL,
	  .fn = on_mirror },
	{ .name = "proxy", .types = T_OBJECT,
	  .expect = "an object {http, https, noProxy}", .sub = &proxy_schema },
	{ .name = "users", .types = T_ARRAY,
	  .expect = "an array of user names", .fn = on_users },
	{ .name = "allowUnauthenticatedPort", .types = T_BOOL | T_STRING,
	  .expect = EXPECT_BOOL, .fn = on_allow_unauth },
};
static const struct schema docker_schema = { docker_keys,
	                                     N_ELEMS(docker_keys), NULL, NULL };

/* Order matters: a new key comes before the legacy key it replaces, so
   that the legacy key knows whether it was given. */
static const struct key_desc public_keys[] = {
	{ .name = "docker", .types = T_OBJECT,
	  .expect = "an object {port, options, daemon, ...}",
	  .sub = &docker_schema },
	{ .name = "compose", .types = T_OBJECT, .expect = EXPECT_COMPOSE,
	  .fn = on_compose, .seen = SEEN_COMPOSE },
	{ .name = "compose-environment", .types = T_OBJECT,
	  .expect = EXPECT_ENV, .fn = on_compose_env },
	{ .name = "azure-environment", .types = T_STRING,
	  .expect = "\"AzureCloud\" or \"AzureChinaCloud\"",
	  .fn = on_azure_env },
	{ .name = "dockerport", .types = T_STRING | T_NUMBER,
	  .expect = EXPECT_PORT, .fn = on_port,
	  .legacy = "use docker.port", .new_name = "docker.port",
	  .replaced_by = SEEN_PORT },
	{ .name = "composeup", .types = T_OBJECT, .expect = EXPECT_COMPOSE,
	  .fn = on_compose, .legacy = "use compose", .new_name = "compose",
	  .replaced_by = SEEN_COMPOSE },
	{ .name = "installonly", .types = T_BOOL | T_STRING,
	  .expect = EXPECT_BOOL, .fn = on_install_only,
	  .legacy = "it still means: install and configure Docker, start "
	            "no compose" },
};

static const struct key_desc certs_keys[] = {
	{ .name = "ca", .types = T_STRING, .expect = EXPECT_CERT,
	  .fn = on_cert_ca, .seen = SEEN_CA },
	{ .name = "cert", .types = T_STRING, .expect = EXPECT_CERT,
	  .fn = on_cert_cert, .seen = SEEN_CERT },
	{ .name = "key", .types = T_STRING, .expect = EXPECT_CERT,
	  .fn = on_cert_key, .seen = SEEN_KEY },
};
static const struct schema certs_schema = { certs_keys, N_ELEMS(certs_keys),
	                                    NULL, NULL };

static const struct key_desc login_keys[] = {
	{ .name = "server", .types = T_STRING, .expect = "a string",
	  .fn = on_login_server },
	{ .name = "username", .types = T_STRING, .expect = "a string",
	  .fn = on_login_user },
	{ .name = "password", .types = T_STRING, .expect = "a string",
	  .fn = on_login_password },
	{ .name = "email", .types = T_STRING, .expect = "a string",
	  .fn = on_login_email },
};
static const struct schema login_schema = { login_keys, N_ELEMS(login_keys),
	                                    NULL, NULL };

static const struct key_desc protected_keys[] = {
	{ .name = "environment", .types = T_OBJECT, .expect = EXPECT_ENV,
	  .fn = on_environment },
	{ .name = "certs", .types = T_OBJECT,
	  .expect = "an object {ca, cert, key}", .sub = &certs_schema },
	{ .name = "login", .types = T_OBJECT, .expect = EXPECT_LOGIN,
	  .fn = on_login, .sub = &login_schema },
	{ .name = "logins", .types = T_ARRAY,
	  .expect = "an array of login objects", .fn = on_logins },
	{ .name = "ca", .types = T_STRING, .expect = EXPECT_CERT,
	  .fn = on_cert_ca, .legacy = "use certs.ca", .new_name = "certs.ca",
	  .replaced_by = SEEN_CA },
	{ .name = "server-cert", .types = T_STRING, .expect = EXPECT_CERT,
	  .fn = on_cert_cert, .legacy = "use certs.cert",
	  .new_name = "certs.cert", .replaced_by = SEEN_CERT },
	{ .name = "server-key", .types = T_STRING, .expect = EXPECT_CERT,
	  .fn = on_cert_key, .legacy = "use certs.key",
	  .new_name = "certs.key", .replaced_by = SEEN_KEY },
};

static const struct schema protected_schema;
static const struct schema public_schema = { public_keys,
	                                     N_ELEMS(public_keys), "public",
	                                     &protected_schema };
static const struct schema protected_schema = { protected_keys,
	                                        N_ELEMS(protected_keys),
	                                        "protected", &public_schema };

_Static_assert(N_ELEMS(docker_keys) <= MAX_KEYS, "docker_keys too long");
_Static_assert(N_ELEMS(public_keys) <= MAX_KEYS, "public_keys too long");
_Static_assert(N_ELEMS(protected_keys) <= MAX_KEYS,
               "protected_keys too long");

/* ---- the walk ------------------------------------------------------------------ */

static size_t find_key(const struct schema *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (ascii_casecmp(s->keys[i].name, key) == 0)
			return i;
	return s->n;
}

/* Optimal string alignment distance (edits plus adjacent swaps, so that
   "prot" is one step from "port"), without regard to case. */
static size_t edit_distance(const char *a, const char *b)
{
	unsigned char d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > SUGGEST_MAX || lb > SUGGEST_MAX)
		return (size_t)-1;
	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			int ca = lower((unsigned char)a[i - 1]);
			int cb = lower((unsigned char)b[j - 1]);
			unsigned v = d[i - 1][j - 1] + (ca != cb);

			if (d[i - 1][j] + 1u < v)
				v = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < v)
				v = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 &&
			    ca == lower((unsigned char)b[j - 2]) &&
			    lower((unsigned char)a[i - 2]) == cb &&
			    d[i - 2][j - 2] + 1u < v)
				v = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)v;
		}
	}
	return d[la][lb];
}

/* Close enough to be a typo: one edit in a short name, two otherwise. */
static int better_match(const char *key, const char *name, size_t *best)
{
	size_t d = edit_distance(key, name);
	size_t limit = strlen(name) <= 4 ? 1 : 2;

	if (d > limit || d >= *best)
		return 0;
	*best = d;
	return 1;
}

/* The closest known key at this level or one level down ("port" at the
   top is docker.port); legacy keys are never suggested. */
static int suggest(const struct schema *s, const char *path, const char *key,
                   char *out, size_t size)
{
	size_t best = (size_t)-1, i, j;
	int found = 0;

	for (i = 0; i < s->n; i++) {
		if (s->keys[i].legacy == NULL &&
		    better_match(key, s->keys[i].name, &best)) {
			join(out, size, path, s->keys[i].name);
			found = 1;
		}
	}
	for (i = 0; i < s->n; i++) {
		const struct schema *sub = s->keys[i].sub;
		char mid[PATH_SIZE];

		if (sub == NULL || s->keys[i].legacy != NULL)
			continue;
		join(mid, sizeof(mid), path, s->keys[i].name);
		for (j = 0; j < sub->n; j++) {
			if (sub->keys[j].legacy == NULL &&
			    better_match(key, sub->keys[j].name, &best)) {
				join(out, size, mid, sub->keys[j].name);
				found = 1;
			}
		}
	}
	return found;
}

static void warn_unknown(struct pctx *c, const char *path, const char *key,
                         const struct schema *s)
{
	char shown[SHOW_MAX * 4 + 8];
	char full[PATH_SIZE];
	char hint[PATH_SIZE];

	show(key, 0, shown, sizeof(shown));
	join(full, sizeof(full), path, shown);
	/* Issue #44 of the original: certs and logins put in the public
	   settings, where they are neither secret nor read. */
	if (s->other != NULL && find_key(s->other, key) < s->other->n) {
		add_warning(c, "%s: unknown key in the %s settings: it belongs "
		            "in the %s settings%s; ignored", full, s->section,
		            s->other->section,
		            strcmp(s->other->section, "protected") == 0
		                    ? " (public settings are not encrypted)"
		                    : "");
		return;
	}
	if (suggest(s, path, key, hint, sizeof(hint)))
		add_warning(c, "%s: unknown key (did you mean %s?)", full, hint);
	else
		add_warning(c, "%s: unknown key, ignored", full);
}

static int type_ok(const cJSON *v, unsigned types)
{
	return ((types & T_STRING) && cJSON_IsString(v)) ||
	       ((types & T_NUMBER) && cJSON_IsNumber(v)) ||
	       ((types & T_BOOL) && cJSON_IsBool(v)) ||
	       ((types & T_OBJECT) && cJSON_IsObject(v)) ||
	       ((types & T_ARRAY) && cJSON_IsArray(v));
}

static void walk(struct pctx *c, const cJSON *obj, const char *path,
                 const struct schema *s);

static void visit(struct pctx *c, const struct key_desc *k, const cJSON *v,
                  const char *path)
{
	char sub[PATH_SIZE];

	join(sub, sizeof(sub), path, k->name);
	if (k->seen != SEEN_NONE)
		c->seen[k->seen] = 1;
	if (k->legacy != NULL) {
		if (k->replaced_by != SEEN_NONE && c->seen[k->replaced_by]) {
			add_warning(c, "%s: ignored: %s is given too, and the "
			            "new key wins", sub, k->new_name);
			return;
		}
		add_warning(c, "%s is deprecated (a key of the MS Open Tech "
		            "extension 0.6); %s", sub, k->legacy);
	}
	if (!type_ok(v, k->types)) {
		expect_error(c, sub, k->expect, v);
		return;
	}
	if (k->fn != NULL)
		k->fn(c, v, sub);
	else if (k->sub != NULL)
		walk(c, v, sub, k->sub);
}

/* Match the keys of `obj` against `s` without regard to case, then visit
   them in table order; null means "not given" (as in the original). */
static void walk(struct pctx *c, const cJSON *obj, const char *path,
                 const struct schema *s)
{
	const cJSON *found[MAX_KEYS] = { NULL };
	const cJSON *child;
	size_t i;

	cJSON_ArrayForEach(child, obj) {
		const char *key = child->string != NULL ? child->string : "";

		i = find_key(s, key);
		if (i == s->n) {
			warn_unknown(c, path, key, s);
			continue;
		}
		if (found[i] != NULL) {
			char full[PATH_SIZE];

			join(full, sizeof(full), path, s->keys[i].name);
			add_warning(c, "%s: given more than once (keys are "
			            "matched without regard to case); the last "
			            "one is used", full);
		}
		found[i] = child;
	}
	for (i = 0; i < s->n; i++)
		if (found[i] != NULL && !cJSON_IsNull(found[i]))
			visit(c, &s->keys[i], found[i], path);
}

/* ---- value checks ----------------------------------------------------------------- */

/* A decimal number of 1-9 digits, or -1. */
static long parse_decimal(const char *s)
{
	long v = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (!is_digit((unsigned char)s[i]) || i >= 9)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return i > 0 ? v : -1;
}

/* true, false, or the strings "true" and "false" (ARM templates and the
   predecessor's installonly pass strings).  -1 when neither. */
static int bool_value(const cJSON *v)
{
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? 1 : 0;
	if (cJSON_IsString(v) && ascii_casecmp(v->valuestring, "true") == 0)
		return 1;
	if (cJSON_IsString(v) && ascii_casecmp(v->valuestring, "false") == 0)
		return 0;
	return -1;
}

/* Why `s` is not an http(s) URL with a host, or NULL when it is one. */
static const char *url_problem(const char *s)
{
	const char *p, *host, *end, *after;

	if (strlen(s) > URL_MAX)
		return "a string longer than 2048 characters";
	for (p = s; *p != '\0'; p++)
		if (is_bad_url_char(*p))
			return "a string with spaces, quotes, backslashes or "
			       "control characters";
	if (ascii_prefix(s, "http://"))
		p = s + 7;
	else if (ascii_prefix(s, "https://"))
		p = s + 8;
	else
		return "a string that does not start with http:// or https://";
	end = p + strcspn(p, "/?#");
	host = p;
	for (after = p; after < end; after++)
		if (*after == '@')
			host = after + 1;
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));

		if (close == NULL || close == host + 1)
			return "a URL without a valid host";
		after = close + 1;
	} else {
		for (after = host; after < end && *after != ':'; after++)
			;
		if (after == host)
			return "a URL without a host";
	}
	if (after < end) {
		if (*after != ':')
			return "a URL with a malformed host";
		for (after++; after < end; after++)
			if (!is_digit((unsigned char)*after))
				return "a URL with a malformed port";
	}
	return NULL;
}

/* Set a public URL value ("" = not set).  The value is never echoed:
   proxy URLs often carry a password. */
static void set_url(struct pctx *c, const cJSON *v, const char *path,
                    char **dst)
{
	const char *why;

	if (v->valuestring[0] == '\0')
		return;
	why = url_problem(v->valuestring);
	if (why != NULL) {
		add_error(c, "%s: expected %s, got %s", path, EXPECT_URL, why);
		return;
	}
	free(*dst);
	*dst = dup_or_flag(c, v->valuestring);
}

static int valid_env_name(const char *s)
{
	size_t i;

	if (s == NULL || !(is_alpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (!is_alpha((unsigned char)s[i]) &&
		    !is_digit((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/* useradd's default rule: [a-z_][a-z0-9_-]*[$]?, at most 32. */
static int valid_user_name(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > USER_MAX)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; i < len; i++) {
		char ch = s[i];

		if ((ch >= 'a' && ch <= 'z') || is_digit((unsigned char)ch) ||
		    ch == '_' || ch == '-')
			continue;
		if (ch == '$' && i == len - 1)
			continue;
		return 0;
	}
	return 1;
}

/* [0-9][0-9A-Za-z.~:+-]*, at most 64: what Docker's package versions
   look like ("27.3.1", "5:27.3.1-1~debian.12~bookworm"). */
static int valid_version(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > VERSION_MAX || !is_digit((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++)
		if (!is_alpha((unsigned char)s[i]) &&
		    !is_digit((unsigned char)s[i]) && !strchr(".~:+-", s[i]))
			return 0;
	return 1;
}

/* ---- handlers: docker.* -------------------------------------------------------- */

static void on_port(struct pctx *c, const cJSON *v, const char *path)
{
	long port = -1;

	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d >= 1 && d <= 65535 && d == (double)(long)d)
			port = (long)d;
	} else if (v->valuestring[0] == '\0') {
		/* The original opened no port for "". */
		c->out->port = 0;
		return;
	} else {
		port = parse_decimal(v->valuestring);
		if (port > 65535)
			port = -1;
	}
	if (port < 1) {
		expect_error(c, path, EXPECT_PORT, v);
		return;
	}
	c->out->port = (int)port;
	snprintf(c->port_path, sizeof(c->port_path), "%s", path);
}

static void on_options(struct pctx *c, const cJSON *v, const char *path)
{
	const cJSON *e;
	size_t i = 0;

	c->options = v;
	cJSON_ArrayForEach(e, v) {
		char sub[PATH_SIZE];

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i++);
		if (!cJSON_IsString(e))
			expect_error(c, sub, "a string", e);
		else if (e->valuestring[0] == '\0')
			add_error(c, "%s: expected a dockerd argument, got an "
			          "empty string", sub);
		else if (has_ctl(e->valuestring))
			/* It ends up in a systemd unit: a newline would
			   start a directive of its own. */
			add_error(c, "%s: expected a dockerd argument, got a "
			          "string with control characters", sub);
		else
			push_str(c, &c->out->options, &c->out->n_options,
			         e->valuestring);
	}
}

static void on_daemon(struct pctx *c, const cJSON *v, const char *path)
{
	const cJSON *e;

	c->daemon = v;
	cJSON_ArrayForEach(e, v) {
		if (e->string != NULL && ascii_casecmp(e->string, "hosts") == 0)
			add_error(c, "%s.hosts: not allowed: the extension sets "
			          "the daemon's sockets with -H flags, and "
			          "dockerd refuses to start when daemon.json "
			          "has \"hosts\" as well (use docker.port for a "
			          "TCP socket)", path);
	}
}

static void on_version(struct pctx *c, const cJSON *v, const char *path)
{
	if (v->valuestring[0] == '\0')
		return;
	if (!valid_version(v->valuestring)) {
		expect_error(c, path,
		             "a version such as \"27.3.1\" (a digit, then "
		             "letters, digits and . ~ : + -, at most 64 "
		             "characters)", v);
		return;
	}
	free(c->out->version);
	c->out->version = dup_or_flag(c, v->valuestring);
}

static void on_source(struct pctx *c, const cJSON *v, const char *path)
{
	const char *s = v->valuestring;

	if (s[0] == '\0' || ascii_casecmp(s, "docker") == 0)
		c->out->source = DX_SOURCE_DOCKER;
	else if (ascii_casecmp(s, "distro") == 0)
		c->out->source = DX_SOURCE_DISTRO;
	else
		expect_error(c, path, "\"docker\" or \"distro\"", v);
}

static void on_mirror(struct pctx *c, const cJSON *v, const char *path)
{
	set_url(c, v, path, &c->out->mirror);
}

static void on_proxy_http(struct pctx *c, const cJSON *v, const char *path)
{
	set_url(c, v, path, &c->out->proxy_http);
	if (c->out->proxy_http != NULL)
		c->proxy_any = 1;
}

static void on_proxy_https(struct pctx *c, const cJSON *v, const char *path)
{
	set_url(c, v, path, &c->out->proxy_https);
	if (c->out->proxy_https != NULL)
		c->proxy_any = 1;
}

/* Comma-separated hosts, domains or CIDRs; blanks around an entry are
   dropped, anything odd inside one is refused (the value ends up in a
   systemd unit). */
static int valid_no_proxy(const char *s)
{
	while (*s != '\0') {
		const char *start = s;
		size_t n = strcspn(s, ","), i;

		s += n;
		if (*s == ',')
			s++;
		trim(&start, &n);
		for (i = 0; i < n; i++)
			if (is_bad_url_char(start[i]))
				return 0;
	}
	return 1;
}

static void on_no_proxy(struct pctx *c, const cJSON *v, const char *path)
{
	const char *s = v->valuestring;

	if (strlen(s) > URL_MAX || !valid_no_proxy(s)) {
		expect_error(c, path, "comma-separated host names, domains or "
		             "addresses (at most 2048 characters)", v);
		return;
	}
	free(c->no_proxy_user);
	c->no_proxy_user = dup_or_flag(c, s);
	if (!is_blank(s, strlen(s)))
		c->proxy_any = 1;
}

static void on_users(struct pctx *c, const cJSON *v, const char *path)
{
	const cJSON *e;
	size_t i = 0;

	cJSON_ArrayForEach(e, v) {
		char sub[PATH_SIZE];

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i++);
		if (i > SETTINGS_MAX_USERS) {
			add_error(c, "%s: at most %d users", path,
			          SETTINGS_MAX_USERS);
			return;
		}
		if (!cJSON_IsString(e) || !valid_user_name(e->valuestring))
			expect_error(c, sub, "a user name (lower-case letters, "
			             "digits, _ and -, at most 32 characters)",
			             e);
		else
			push_str(c, &c->out->users, &c->out->n_users,
			         e->valuestring);
	}
}

static void on_allow_unauth(struct pctx *c, const cJSON *v, const char *path)
{
	int b = bool_value(v);

	if (b < 0)
		expect_error(c, path, EXPECT_BOOL, v);
	else
		c->out->allow_unauthenticated_port = b;
}

/* ---- handlers: the rest of the public settings ------------------------------------ */

static void on_compose(struct pctx *c, const cJSON *v, const char *path)
{
	(void)path;
	c->compose = v;
}

/* An object of strings with valid names.  A null value is "" (the
   original's decoder did that); any other type is an error naming the
   variable, never showing the value. */
static void env_map(struct pctx *c, const cJSON *obj, const char *path,
                    struct settings_pair **arr, size_t *n, int secret)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, obj) {
		char shown[SHOW_MAX * 4 + 8];
		char sub[PATH_SIZE];

		show(e->string != NULL ? e->string : "", 0, shown,
		     sizeof(shown));
		join(sub, sizeof(sub), path, shown);
		if (!valid_env_name(e->string))
			add_error(c, "%s: expected a variable name (letters, "
			          "digits and _, not starting with a digit)",
			          sub);
		else if (cJSON_IsNull(e))
			set_pair(c, arr, n, e->string, "", secret, sub);
		else if (!cJSON_IsString(e))
			add_error(c, "%s: expected a string, got %s", sub,
			          type_name(e));
		else
			set_pair(c, arr, n, e->string, e->valuestring, secret,
			         sub);
	}
}

static void on_compose_env(struct pctx *c, const cJSON *v, const char *path)
{
	env_map(c, v, path, &c->out->compose_env, &c->out->n_compose_env, 0);
}

static void on_azure_env(struct pctx *c, const cJSON *v, const char *path)
{
	const char *s = v->valuestring;

	if (s[0] == '\0' || ascii_casecmp(s, "AzureCloud") == 0)
		c->out->china_cloud = 0;
	else if (ascii_casecmp(s, "AzureChinaCloud") == 0)
		c->out->china_cloud = 1;
	else
		expect_error(c, path, "\"AzureCloud\" or \"AzureChinaCloud\"",
		             v);
}

static void on_install_only(struct pctx *c, const cJSON *v, const char *path)
{
	int b = bool_value(v);

	if (b < 0)
		expect_error(c, path, EXPECT_BOOL, v);
	else
		c->out->install_only = b;
}

/* ---- handlers: protected settings --------------------------------------------------- */

static void on_environment(struct pctx *c, const cJSON *v, const char *path)
{
	env_map(c, v, path, &c->out->secret_env, &c->out->n_secret_env, 1);
}

static void set_cert(struct pctx *c, enum cert_index i, const cJSON *v,
                     const char *path)
{
	c->cert[i] = v;
	snprintf(c->cert_path[i], sizeof(c->cert_path[i]), "%s", path);
}

static void on_cert_ca(struct pctx *c, const cJSON *v, const char *path)
{
	set_cert(c, CERT_CA, v, path);
}

static void on_cert_cert(struct pctx *c, const cJSON *v, const char *path)
{
	set_cert(c, CERT_CERT, v, path);
}

static void on_cert_key(struct pctx *c, const cJSON *v, const char *path)
{
	set_cert(c, CERT_KEY, v, path);
}

static void login_clear(struct settings_login *l)
{
	free_secret(l->server);
	free_secret(l->username);
	free_secret(l->password);
	*l = (struct settings_login){ 0 };
}

static void set_login_field(struct pctx *c, char **dst, const char *s)
{
	free_secret(*dst);
	*dst = dup_or_flag(c, s);
}

static void on_login_server(struct pctx *c, const cJSON *v, const char *path)
{
	const char *s = v->valuestring;
	const char *p;

	/* It becomes a docker login argument: no option look-alikes. */
	for (p = s; *p != '\0'; p++) {
		if (is_bad_url_char(*p) || s[0] == '-') {
			add_error(c, "%s: expected a registry name such as "
			          "myregistry.azurecr.io (no spaces, quotes or "
			          "control characters, not starting with -)",
			          path);
			return;
		}
	}
	set_login_field(c, &c->login.server, s);
}

static void on_login_user(struct pctx *c, const cJSON *v, const char *path)
{
	if (has_ctl(v->valuestring)) {
		add_error(c, "%s: expected a user name without control "
		          "characters", path);
		return;
	}
	set_login_field(c, &c->login.username, v->valuestring);
}

static void on_login_password(struct pctx *c, const cJSON *v,
                              const char *path)
{
	(void)path;
	set_login_field(c, &c->login.password, v->valuestring);
}

static void on_login_email(struct pctx *c, const cJSON *v, const char *path)
{
	if (v->valuestring[0] != '\0')
		add_warning(c, "%s is ignored: Docker removed --email in 17.06",
		            path);
}

/* Keep the login just read when it is complete; move its strings. */
static void keep_login(struct pctx *c, const char *path)
{
	struct settings_login *l = &c->login;
	struct settings_login *bigger;
	int user = l->username != NULL && l->username[0] != '\0';
	int pass = l->password != NULL && l->password[0] != '\0';

	if (user != pass) {
		add_error(c, "%s: expected both username and password, %s is "
		          "missing", path, user ? "password" : "username");
		return;
	}
	if (!user) {
		if (l->server != NULL && l->server[0] != '\0')
			add_warning(c, "%s: ignored: no username and password",
			            path);
		return;
	}
	if (l->server == NULL) {
		l->server = dup_or_flag(c, "");
		if (l->server == NULL)
			return;
	}
	bigger = realloc(c->out->logins,
	                 (c->out->n_logins + 1) * sizeof(*bigger));
	if (bigger == NULL) {
		c->nomem = 1;
		return;
	}
	bigger[c->out->n_logins++] = *l;
	c->out->logins = bigger;
	*l = (struct settings_login){ 0 };
}

static void login_entry(struct pctx *c, const cJSON *v, const char *path)
{
	login_clear(&c->login);
	walk(c, v, path, &login_schema);
	keep_login(c, path);
	login_clear(&c->login);
}

static void on_login(struct pctx *c, const cJSON *v, const char *path)
{
	login_entry(c, v, path);
}

static void on_logins(struct pctx *c, const cJSON *v, const char *path)
{
	const cJSON *e;
	size_t i = 0;

	cJSON_ArrayForEach(e, v) {
		char sub[PATH_SIZE];

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i++);
		if (cJSON_IsObject(e))
			login_entry(c, e, sub);
		else
			expect_error(c, sub, EXPECT_LOGIN, e);
	}
}

/* ---- certificates --------------------------------------------------------------------- */

static int b64_value(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/*
 * Strict standard base64 (RFC 4648 section 4, padded, unused bits zero).
 * Line breaks are skipped: `base64` wraps at 76 columns.  Returns 0 with a
 * NUL-terminated buffer, 1 when `in` is not base64, -1 when out of memory.
 */
static int b64_decode(const char *in, size_t len, char **out, size_t *outlen)
{
	size_t cap = len / 4 * 3 + 4, n = 0, nsym = 0, pad = 0, i;
	unsigned long acc = 0;
	unsigned char *buf = malloc(cap);
	int r = 1;

	*out = NULL;
	*outlen = 0;
	if (buf == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		int ch = (unsigned char)in[i], v;

		if (ch == '\n' || ch == '\r')
			continue;
		if (ch == '=') {
			if (++pad > 2)
				goto out;
			continue;
		}
		v = b64_value(ch);
		if (pad > 0 || v < 0)
			goto out;
		acc = (acc << 6) | (unsigned long)v;
		if (++nsym % 4 == 0) {
			buf[n++] = (unsigned char)(acc >> 16);
			buf[n++] = (unsigned char)(acc >> 8);
			buf[n++] = (unsigned char)acc;
			acc = 0;
		}
	}
	if (nsym == 0 || (nsym + pad) % 4 != 0)
		goto out;
	if (nsym % 4 == 2) {
		if (acc & 0xfu)
			goto out;
		buf[n++] = (unsigned char)(acc >> 4);
	} else if (nsym % 4 == 3) {
		if (acc & 0x3u)
			goto out;
		buf[n++] = (unsigned char)(acc >> 10);
		buf[n++] = (unsigned char)(acc >> 2);
	}
	buf[n] = '\0';
	*out = (char *)buf;
	*outlen = n;
	buf = NULL;
	r = 0;
out:
	wipe(&acc, sizeof(acc));
	if (buf != NULL) {
		wipe(buf, cap);
		free(buf);
	}
	return r;
}

static int contains(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(s + i, needle, n) == 0)
			return 1;
	return 0;
}

/*
 * The PEM text of a certs value, as the original read it: trimmed, then
 * base64-decoded when that gives PEM, else taken as is.  The result ends
 * with exactly one newline, so that the same certificate always gives
 * the same file.  NULL when the value is empty (not given) or invalid
 * (*bad set, error reported without the value).
 */
static char *cert_text(struct pctx *c, const char *value, const char *path,
                       int *bad)
{
	const char *start = value;
	size_t len = strlen(value);
	char *decoded = NULL, *res = NULL;
	size_t dlen = 0;
	int d;

	trim(&start, &len);
	if (len == 0)
		return NULL;
	d = b64_decode(start, len, &decoded, &dlen);
	if (d < 0) {
		c->nomem = 1;
		return NULL;
	}
	if (d == 0 && dlen >= 10 && memcmp(decoded, "-----BEGIN", 10) == 0 &&
	    memchr(decoded, '\0', dlen) == NULL) {
		start = decoded;
		len = dlen;
		trim(&start, &len);
	}
	if (!contains(start, len, "-----BEGIN")) {
		add_error(c, "%s: expected PEM text (-----BEGIN ...) or base64 "
		          "of PEM text", path);
		*bad = 1;
		goto out;
	}
	res = malloc(len + 2);
	if (res == NULL) {
		c->nomem = 1;
		goto out;
	}
	memcpy(res, start, len);
	res[len] = '\n';
	res[len + 1] = '\0';
out:
	if (decoded != NULL) {
		wipe(decoded, dlen);
		free(decoded);
	}
	return res;
}

static void finish_certs(struct pctx *c)
{
	char *text[CERT__COUNT] = { NULL };
	char missing[64] = "";
	size_t given = 0, i, mlen = 0;

	for (i = 0; i < CERT__COUNT; i++) {
		int bad = 0;

		if (c->cert[i] != NULL)
			text[i] = cert_text(c, c->cert[i]->valuestring,
			                    c->cert_path[i], &bad);
		if (text[i] != NULL || bad) {
			given++;
		} else {
			put(missing, sizeof(missing), &mlen,
			    mlen > 0 ? ", " : "");
			put(missing, sizeof(missing), &mlen, cert_names[i]);
		}
	}
	if (given > 0 && given < CERT__COUNT)
		add_error(c, "certs: expected all of ca, cert and key (or "
		          "none), missing %s", missing);
	if (text[CERT_CA] != NULL && text[CERT_CERT] != NULL &&
	    text[CERT_KEY] != NULL) {
		c->out->cert_ca = text[CERT_CA];
		c->out->cert_cert = text[CERT_CERT];
		c->out->cert_key = text[CERT_KEY];
		return;
	}
	for (i = 0; i < CERT__COUNT; i++)
		free_secret(text[i]);
}

/* ---- rules across keys ---------------------------------------------------------------- */

static void finish_port(struct pctx *c)
{
	struct dx_settings *s = c->out;

	if (s->port == 0 || c->protected_unknown)
		return;
	if (s->cert_ca != NULL && s->cert_cert != NULL && s->cert_key != NULL)
		return;
	if (s->allow_unauthenticated_port)
		add_warning(c, "%s: TCP port %d is open without TLS: anyone "
		            "who can reach it has root on this VM "
		            "(docker.allowUnauthenticatedPort is true)",
		            c->port_path, s->port);
	else
		add_error(c, "%s: a TCP port needs certs.ca, certs.cert and "
		          "certs.key in the protected settings (TLS with "
		          "client verification); set "
		          "docker.allowUnauthenticatedPort to true to open it "
		          "without", c->port_path);
}

/* dockerd flags whose daemon.json key is not simply the long name. */
static const struct {
	const char *flag;
	const char *key;
} flag_keys[] = {
	{ "D", "debug" },
	{ "H", "hosts" },
	{ "host", "hosts" },
	{ "G", "group" },
	{ "l", "log-level" },
	{ "b", "bridge" },
	{ "p", "pidfile" },
	{ "s", "storage-driver" },
	{ "insecure-registry", "insecure-registries" },
	{ "registry-mirror", "registry-mirrors" },
	{ "label", "labels" },
	{ "storage-opt", "storage-opts" },
	{ "log-opt", "log-opts" },
	{ "exec-opt", "exec-opts" },
	{ "dns-opt", "dns-opts" },
	{ "default-ulimit", "default-ulimits" },
	{ "add-runtime", "runtimes" },
	{ "authorization-plugin", "authorization-plugins" },
};

/* The daemon.json key an option sets ("--debug=true" -> "debug"), or
   NULL for a word that is not a flag. */
static const char *option_key(const char *word, char *buf, size_t size)
{
	size_t len, i;

	if (word[0] != '-' || word[1] == '\0')
		return NULL;
	word += word[1] == '-' ? 2 : 1;
	len = strcspn(word, "=");
	if (len == 0 || len >= size)
		return NULL;
	memcpy(buf, word, len);
	buf[len] = '\0';
	for (i = 0; i < N_ELEMS(flag_keys); i++)
		if (strcmp(flag_keys[i].flag, buf) == 0)
			return flag_keys[i].key;
	return buf;
}

/* dockerd refuses to start when a setting is both a flag and in
   daemon.json: catch it here rather than as a restart loop on the VM. */
static void check_daemon_flags(struct pctx *c)
{
	static const char *const tls_keys[] = { "tls", "tlsverify",
		                                "tlscacert", "tlscert",
		                                "tlskey" };
	const cJSON *tls = c->out->port > 0 ? c->daemon : NULL;
	const cJSON *e;
	size_t i = 0, k;

	cJSON_ArrayForEach(e, tls) {
		char shown[SHOW_MAX * 4 + 8];

		if (e->string == NULL)
			continue;
		show(e->string, 0, shown, sizeof(shown));
		for (k = 0; k < N_ELEMS(tls_keys); k++)
			if (ascii_casecmp(e->string, tls_keys[k]) == 0)
				add_error(c, "docker.daemon.%s: not allowed with "
				          "docker.port: the extension sets "
				          "--tlsverify, --tlscacert, --tlscert and "
				          "--tlskey for the port, and dockerd "
				          "refuses a setting given both as a flag "
				          "and in daemon.json", shown);
	}
	cJSON_ArrayForEach(e, c->options) {
		char name[64];
		char shown[SHOW_MAX * 4 + 8];
		char shown_key[SHOW_MAX * 4 + 8];
		const char *key;

		i++;
		if (!cJSON_IsString(e))
			continue;
		key = option_key(e->valuestring, name, sizeof(name));
		if (key == NULL || ascii_casecmp(key, "hosts") == 0 ||
		    cJSON_GetObjectItem(c->daemon, key) == NULL)
			continue;
		show(e->valuestring, 1, shown, sizeof(shown));
		show(key, 0, shown_key, sizeof(shown_key));
		add_error(c, "docker.options[%zu]: %s conflicts with "
		          "docker.daemon.%s: dockerd refuses to start when a "
		          "setting is given both as a flag and in daemon.json",
		          i - 1, shown, shown_key);
	}
}

/* cJSON's printer keeps the key order; the copy is ours so that every
   string in the struct comes from malloc(). */
static char *print_json(struct pctx *c, const cJSON *v)
{
	char *printed = cJSON_PrintUnformatted(v);
	char *copy;

	if (printed == NULL) {
		c->nomem = 1;
		return NULL;
	}
	copy = dup_or_flag(c, printed);
	cJSON_free(printed);
	return copy;
}

static void finish_daemon(struct pctx *c)
{
	if (c->daemon == NULL)
		return;
	check_daemon_flags(c);
	c->out->daemon_json = print_json(c, c->daemon);
}

/* ---- the compose definition ------------------------------------------------------ */

/* Compose's own rule for service names (compose v2 refuses others). */
static int valid_service_name(const char *name)
{
	size_t i;

	if (name == NULL || !isalnum((unsigned char)name[0]))
		return 0;
	for (i = 1; name[i] != '\0'; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' &&
		    name[i] != '-' && name[i] != '.')
			return 0;
	return i <= 63;
}

/* Keys the modern form has at its top level; one of them (or "x-"
   extensions) means the definition is not the v1 form. */
static int is_modern_key(const char *k)
{
	static const char *const keys[] = {
		"services", "version", "volumes", "networks", "configs",
		"secrets", "name", "include"
	};
	size_t i;

	for (i = 0; i < N_ELEMS(keys); i++)
		if (strcmp(k, keys[i]) == 0)
			return 1;
	return strncmp(k, "x-", 2) == 0;
}

static void check_service(struct pctx *c, const cJSON *svc, const char *path)
{
	const cJSON *image;

	if (!cJSON_IsObject(svc)) {
		add_error(c, "%s: expected a service (an object), got %s", path,
		          type_name(svc));
		return;
	}
	image = cJSON_GetObjectItemCaseSensitive(svc, "image");
	if (image != NULL && (!cJSON_IsString(image) ||
	                      image->valuestring[0] == '\0'))
		add_error(c, "%s.image: expected an image name (a non-empty "
		          "string), got %s", path, type_name(image));
	else if (image == NULL &&
	         cJSON_GetObjectItemCaseSensitive(svc, "build") == NULL)
		add_error(c, "%s: a service needs an image (e.g. \"image\": "
		          "\"nginx:1.27\")", path);
}

/* Check every service and collect the names (the handler verifies each
   one through the Engine API).  `prefix` is the key path of the object
   holding the services. */
static void collect_services(struct pctx *c, const cJSON *services,
                             const char *prefix)
{
	const cJSON *svc;
	size_t n = 0, errors_before = c->rep->n_errors;

	cJSON_ArrayForEach(svc, services) {
		char shown[SHOW_MAX * 4 + 8], sub[PATH_SIZE];

		show(svc->string, 0, shown, sizeof(shown));
		join(sub, sizeof(sub), prefix, shown);
		if (!valid_service_name(svc->string)) {
			add_error(c, "%s: a service name has letters, digits, "
			          "'_', '-' and '.', starts with a letter or "
			          "digit, and is at most 63 long", sub);
			continue;
		}
		check_service(c, svc, sub);
		n++;
	}
	if (n == 0 && c->rep->n_errors == errors_before)
		add_error(c, "%s: no services", prefix);
	if (c->rep->n_errors > errors_before)
		return;
	c->out->compose_services = calloc(n + 1, sizeof(char *));
	c->out->compose_images = calloc(n + 1, sizeof(char *));
	if (c->out->compose_services == NULL ||
	    c->out->compose_images == NULL) {
		c->nomem = 1;
		return;
	}
	cJSON_ArrayForEach(svc, services) {
		const cJSON *image =
			cJSON_GetObjectItemCaseSensitive(svc, "image");
		size_t i = c->out->n_compose_services;
		char *name = dup_or_flag(c, svc->string);

		if (name == NULL)
			return;
		c->out->compose_services[i] = name;
		c->out->n_compose_services++;
		if (cJSON_IsString(image) &&
		    (c->out->compose_images[i] =
		             dup_or_flag(c, image->valuestring)) == NULL)
			return;
	}
}

/* One v1 service in the modern form: the keys that v1 spelled
   differently are renamed (net, log_driver, log_opt), order kept. */
static cJSON *modern_service(const cJSON *v1)
{
	cJSON *svc = cJSON_CreateObject(), *logging = NULL;
	const cJSON *k;

	if (svc == NULL)
		return NULL;
	cJSON_ArrayForEach(k, v1) {
		cJSON *copy = cJSON_Duplicate(k, 1);
		const char *name = k->string;

		if (copy == NULL)
			goto fail;
		if (strcmp(name, "log_driver") == 0 ||
		    strcmp(name, "log_opt") == 0) {
			if (logging == NULL &&
			    (logging = cJSON_AddObjectToObject(svc, "logging")) ==
			            NULL) {
				cJSON_Delete(copy);
				goto fail;
			}
			cJSON_AddItemToObject(logging, name[4] == 'd' ? "driver"
			                                             : "options",
			                      copy);
		} else {
			cJSON_AddItemToObject(svc, strcmp(name, "net") == 0
			                              ? "network_mode" : name,
			                      copy);
		}
	}
	return svc;
fail:
	cJSON_Delete(svc);
	return NULL;
}

/* {"services": {...}} from the v1 form (services at the top level). */
static cJSON *modern_from_v1(const cJSON *v1)
{
	cJSON *root = cJSON_CreateObject(), *services;
	const cJSON *svc;

	if (root == NULL ||
	    (services = cJSON_AddObjectToObject(root, "services")) == NULL)
		goto fail;
	cJSON_ArrayForEach(svc, v1) {
		cJSON *m = modern_service(svc);

		if (m == NULL)
			goto fail;
		cJSON_AddItemToObject(services, svc->string, m);
	}
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

static int compose_is_modern(const cJSON *compose)
{
	const cJSON *k;

	cJSON_ArrayForEach(k, compose)
		if (is_modern_key(k->string))
			return 1;
	return 0;
}

/* Both forms become the modern one, which every compose tool that
   understands the Compose Specification reads (v2, and v1 from 1.27);
   the handler adds a version key for older v1 tools. */
static void finish_compose(struct pctx *c)
{
	const cJSON *services;
	cJSON *modern;
	size_t errors_before;

	if (c->compose == NULL || c->compose->child == NULL)
		return;  /* {} is "no compose", as in the original */
	if (c->out->install_only) {
		add_warning(c, "compose: ignored because installonly is true");
		return;
	}
	if (!compose_is_modern(c->compose)) {
		errors_before = c->rep->n_errors;
		collect_services(c, c->compose, "compose");
		if (c->rep->n_errors > errors_before || c->nomem)
			return;
		modern = modern_from_v1(c->compose);
		if (modern == NULL) {
			c->nomem = 1;
			return;
		}
		c->out->compose_json = print_json(c, modern);
		cJSON_Delete(modern);
		return;
	}
	services = cJSON_GetObjectItemCaseSensitive(c->compose, "services");
	if (!cJSON_IsObject(services)) {
		add_error(c, "compose.services: expected an object of services, "
		          "got %s", type_name(services));
		return;
	}
	errors_before = c->rep->n_errors;
	collect_services(c, services, "compose.services");
	if (c->rep->n_errors == errors_before && !c->nomem)
		c->out->compose_json = print_json(c, c->compose);
}

static void finish_compose_env(struct pctx *c)
{
	/* The original's defaults (#84-#87): a known project name, and time
	   for big images to be pulled. */
	static const struct {
		const char *name;
		const char *value;
	} defaults[] = {
		{ "COMPOSE_PROJECT_NAME", "compose" },
		{ "COMPOSE_HTTP_TIMEOUT", "900" },
	};
	size_t i;

	for (i = 0; i < N_ELEMS(defaults); i++)
		if (find_pair(c->out->compose_env, c->out->n_compose_env,
		              defaults[i].name) == NULL)
			set_pair(c, &c->out->compose_env,
			         &c->out->n_compose_env, defaults[i].name,
			         defaults[i].value, 0, defaults[i].name);
}

static int list_has(const char *list, size_t len, const char *entry)
{
	size_t n = strlen(entry), i = 0;

	while (i < len) {
		size_t e = strcspn(list + i, ",");

		if (e == n && memcmp(list + i, entry, n) == 0)
			return 1;
		i += e + 1;
	}
	return 0;
}

/* The user's entries, blanks dropped, then the metadata endpoints that
   are not there yet.  Only when a proxy is configured at all. */
static void finish_no_proxy(struct pctx *c)
{
	const char *user = c->no_proxy_user != NULL ? c->no_proxy_user : "";
	size_t cap = strlen(user) + 2, len = 0, i;
	char *buf;
	const char *p = user;

	if (!c->proxy_any)
		return;
	for (i = 0; i < N_ELEMS(metadata_ips); i++)
		cap += strlen(metadata_ips[i]) + 1;
	buf = malloc(cap);
	if (buf == NULL) {
		c->nomem = 1;
		return;
	}
	buf[0] = '\0';
	while (*p != '\0') {
		const char *start = p;
		size_t n = strcspn(p, ",");

		p += n;
		if (*p == ',')
			p++;
		trim(&start, &n);
		if (n == 0)
			continue;
		if (len > 0)
			buf[len++] = ',';
		memcpy(buf + len, start, n);
		len += n;
		buf[len] = '\0';
	}
	for (i = 0; i < N_ELEMS(metadata_ips); i++) {
		if (list_has(buf, len, metadata_ips[i]))
			continue;
		if (len > 0)
			buf[len++] = ',';
		memcpy(buf + len, metadata_ips[i], strlen(metadata_ips[i]) + 1);
		len += strlen(metadata_ips[i]);
	}
	c->out->no_proxy = buf;
}

static void finish(struct pctx *c)
{
	finish_certs(c);
	finish_port(c);
	finish_daemon(c);
	finish_compose(c);
	finish_compose_env(c);
	finish_no_proxy(c);
}

/* ---- JSON text ------------------------------------------------------------------------- */

/* Parse a whole text (a UTF-8 BOM is skipped).  On failure `why` says
   where, never what: the text may be decrypted secrets. */
static cJSON *json_parse(const char *text, size_t len, char *why,
                         size_t whysize)
{
	const char *end = NULL;
	cJSON *j;
	size_t pos, i;
	unsigned line = 1, col = 1;

	skip_bom(&text, &len);
	if (is_blank(text, len)) {
		snprintf(why, whysize, "empty");
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(why, whysize, "not valid JSON (it contains a NUL byte)");
		return NULL;
	}
	j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (j != NULL && end != NULL && !is_blank(end, len - (size_t)(end - text))) {
		cJSON_Delete(j);  /* caller wipes `text`; the tree holds no
		                     more than the text */
		j = NULL;
	}
	if (j != NULL)
		return j;
	pos = end != NULL && end >= text ? (size_t)(end - text) : 0;
	if (pos > len)
		pos = len;
	for (i = 0; i < pos; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	snprintf(why, whysize, "not valid JSON (line %u, column %u)", line, col);
	return NULL;
}

static cJSON *parse_json(struct pctx *c, const char *text, size_t len,
                         const char *what)
{
	char why[128];
	cJSON *j = json_parse(text, len, why, sizeof(why));

	if (j == NULL)
		add_error(c, "%s: %s", what, why);
	return j;
}

/* ---- reports and frees --------------------------------------------------------------- */

void settings_report_free(struct settings_report *rep)
{
	size_t i;

	if (rep == NULL)
		return;
	for (i = 0; i < rep->n_errors && i < SETTINGS_MAX_PROBLEMS; i++)
		free(rep->errors[i]);
	for (i = 0; i < rep->n_warnings && i < SETTINGS_MAX_PROBLEMS; i++)
		free(rep->warnings[i]);
	memset(rep, 0, sizeof(*rep));
}

static void free_strings(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void settings_free(struct dx_settings *s)
{
	size_t i;

	if (s == NULL)
		return;
	free_strings(s->options, s->n_options);
	free(s->daemon_json);
	free(s->version);
	free(s->mirror);
	/* A proxy URL may carry a password. */
	free_secret(s->proxy_http);
	free_secret(s->proxy_https);
	free(s->no_proxy);
	free_strings(s->users, s->n_users);
	free(s->compose_json);
	for (i = 0; i < s->n_compose_services; i++) {
		free(s->compose_services[i]);
		free(s->compose_images[i]);
	}
	free(s->compose_services);
	free(s->compose_images);
	for (i = 0; i < s->n_compose_env; i++) {
		free(s->compose_env[i].name);
		free(s->compose_env[i].value);
	}
	free(s->compose_env);
	/* Everything from the protected settings is wiped, not only what
	   each_secret lists. */
	for (i = 0; i < s->n_secret_env; i++) {
		free_secret(s->secret_env[i].name);
		free_secret(s->secret_env[i].value);
	}
	free(s->secret_env);
	free_secret(s->cert_ca);
	free_secret(s->cert_cert);
	free_secret(s->cert_key);
	for (i = 0; i < s->n_logins; i++)
		login_clear(&s->logins[i]);
	free(s->logins);
	memset(s, 0, sizeof(*s));
}

/* The password of a proxy URL "scheme://user:password@host...", copied
   into `out` (wiped by the caller); 0 when there is none. */
static int proxy_password(const char *url, char *out, size_t size)
{
	const char *start = url != NULL ? strstr(url, "://") : NULL;
	const char *at, *colon;
	size_t n;

	if (start == NULL)
		return 0;
	start += 3;
	n = strcspn(start, "/?#");
	at = memchr(start, '@', n);
	if (at == NULL)
		return 0;
	colon = memchr(start, ':', (size_t)(at - start));
	if (colon == NULL || at - colon - 1 <= 0 ||
	    (size_t)(at - colon - 1) >= size)
		return 0;
	memcpy(out, colon + 1, (size_t)(at - colon - 1));
	out[at - colon - 1] = '\0';
	return 1;
}

void settings_each_secret(const struct dx_settings *s,
                          void (*fn)(void *ctx, const char *secret),
                          void *ctx)
{
	const char *proxies[2] = { s->proxy_http, s->proxy_https };
	char pw[512];
	size_t i;

	/* Public settings, but a proxy password is a password. */
	for (i = 0; i < 2; i++) {
		if (proxy_password(proxies[i], pw, sizeof(pw))) {
			fn(ctx, pw);
			wipe(pw, sizeof(pw));
		}
	}

	for (i = 0; i < s->n_logins; i++)
		if (s->logins[i].password != NULL &&
		    s->logins[i].password[0] != '\0')
			fn(ctx, s->logins[i].password);
	if (s->cert_key != NULL && s->cert_key[0] != '\0')
		fn(ctx, s->cert_key);
	for (i = 0; i < s->n_secret_env; i++)
		if (s->secret_env[i].value != NULL &&
		    s->secret_env[i].value[0] != '\0')
			fn(ctx, s->secret_env[i].value);
}

/* ---- entry points -------------------------------------------------------------------- */

static void ctx_init(struct pctx *c, struct dx_settings *out,
                     struct settings_report *rep)
{
	memset(c, 0, sizeof(*c));
	memset(out, 0, sizeof(*out));
	memset(rep, 0, sizeof(*rep));
	c->out = out;
	c->rep = rep;
}

static void walk_sections(struct pctx *c, const cJSON *pub,
                          const cJSON *prot)
{
	if (pub != NULL)
		walk(c, pub, "", &public_schema);
	if (prot != NULL) {
		c->secret = 1;
		walk(c, prot, "", &protected_schema);
		c->secret = 0;
		c->out->has_protected = 1;
	}
	finish(c);
}

/* The result code: the first failure that is not about the settings'
   content wins (memory, size, decryption), then DX_ERR_SETTINGS. */
static int conclude(struct pctx *c, int r)
{
	free(c->no_proxy_user);
	c->no_proxy_user = NULL;
	login_clear(&c->login);
	if (c->nomem)
		r = DX_ERR_NOMEM;
	else if (r == DX_OK && c->rep->n_errors > 0)
		r = DX_ERR_SETTINGS;
	if (r != DX_OK)
		settings_free(c->out);
	return r;
}

struct envelope {
	cJSON *root;
	cJSON *pub_owned;       /* publicSettings sent as a JSON string */
	const cJSON *pub;
	cJSON *prot;            /* the decrypted protected settings */
};

static const cJSON *open_handler_settings(struct pctx *c, const cJSON *root)
{
	const cJSON *rs, *el, *hs;
	int n;

	if (!cJSON_IsObject(root)) {
		add_error(c, "settings: expected an object "
		          "{\"runtimeSettings\": [...]}, got %s", type_name(root));
		return NULL;
	}
	rs = cJSON_GetObjectItem(root, "runtimeSettings");
	if (!cJSON_IsArray(rs)) {
		add_error(c, "runtimeSettings: expected an array of one element, "
		          "got %s", type_name(rs));
		return NULL;
	}
	n = cJSON_GetArraySize(rs);
	if (n != 1) {
		add_error(c, "runtimeSettings: expected exactly 1 element, got "
		          "%d", n);
		return NULL;
	}
	el = rs->child;
	if (!cJSON_IsObject(el)) {
		add_error(c, "runtimeSettings[0]: expected an object, got %s",
		          type_name(el));
		return NULL;
	}
	hs = cJSON_GetObjectItem(el, "handlerSettings");
	if (hs == NULL || cJSON_IsNull(hs))
		return NULL;  /* nothing to configure */
	if (!cJSON_IsObject(hs)) {
		add_error(c, "runtimeSettings[0].handlerSettings: expected an "
		          "object, got %s", type_name(hs));
		return NULL;
	}
	return hs;
}

/* An object, null, or (FastTrack) a string holding a JSON object. */
static void open_public(struct pctx *c, const cJSON *hs, struct envelope *env)
{
	const cJSON *ps = cJSON_GetObjectItem(hs, "publicSettings");
	const char *s;

	if (ps == NULL || cJSON_IsNull(ps))
		return;
	if (cJSON_IsObject(ps)) {
		env->pub = ps;
		return;
	}
	if (!cJSON_IsString(ps)) {
		add_error(c, "publicSettings: expected an object, got %s",
		          type_name(ps));
		return;
	}
	s = ps->valuestring;
	if (is_blank(s, strlen(s)))
		return;
	env->pub_owned = parse_json(c, s, strlen(s), "publicSettings");
	if (env->pub_owned != NULL && !cJSON_IsObject(env->pub_owned)) {
		add_error(c, "publicSettings: expected a JSON object, got %s",
		          type_name(env->pub_owned));
		cJSON_Delete(env->pub_owned);
		env->pub_owned = NULL;
	}
	env->pub = env->pub_owned;
}

/* The thumbprint names files (<THUMB>.crt, .prv): hex only, so that it
   can never be a path. */
static int valid_thumbprint(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!is_digit((unsigned char)s[i]) &&
		    !(lower((unsigned char)s[i]) >= 'a' &&
		      lower((unsigned char)s[i]) <= 'f'))
			return 0;
	return i >= 16 && i <= 128;
}

/* Checks the thumbprint; 0 when decryption may go ahead. */
static int check_thumbprint(struct pctx *c, const cJSON *tp)
{
	char got[96];

	if (tp == NULL || cJSON_IsNull(tp) ||
	    (cJSON_IsString(tp) && tp->valuestring[0] == '\0')) {
		add_error(c, "protectedSettings is set but "
		          "protectedSettingsCertThumbprint is missing");
		return -1;
	}
	if (!cJSON_IsString(tp) || !valid_thumbprint(tp->valuestring)) {
		describe(c, tp, got, sizeof(got));
		add_error(c, "protectedSettingsCertThumbprint: expected a "
		          "hexadecimal certificate thumbprint, got %s", got);
		return -1;
	}
	return 0;
}

/* Decrypts and parses protectedSettings.  Returns the decryption's error
   code (its message is in the report), else DX_OK. */
static int open_protected(struct pctx *c, const cJSON *hs,
                          settings_decrypt_fn decrypt, void *dctx,
                          struct envelope *env)
{
	const cJSON *ps = cJSON_GetObjectItem(hs, "protectedSettings");
	char msg[512] = "";
	char *plain = NULL;
	size_t plen = 0;
	int r = DX_OK;

	if (ps == NULL || cJSON_IsNull(ps))
		return DX_OK;
	c->protected_unknown = 1;   /* until it has been read */
	if (!cJSON_IsString(ps)) {
		add_error(c, "protectedSettings: expected a base64 string or "
		          "null, got %s", type_name(ps));
		return DX_OK;
	}
	if (is_blank(ps->valuestring, strlen(ps->valuestring))) {
		c->protected_unknown = 0;
		return DX_OK;
	}
	if (check_thumbprint(c, cJSON_GetObjectItem(
	            hs, "protectedSettingsCertThumbprint")) != 0)
		return DX_OK;
	if (decrypt == NULL) {
		add_error(c, "protectedSettings: cannot be decrypted: no "
		          "decryption is available");
		return DX_ERR_NOT_IMPLEMENTED;
	}
	r = decrypt(dctx, ps->valuestring,
	            cJSON_GetObjectItem(hs, "protectedSettingsCertThumbprint")
	                    ->valuestring,
	            &plain, &plen, msg, sizeof(msg));
	msg[sizeof(msg) - 1] = '\0';
	if (r != DX_OK || plain == NULL) {
		add_error(c, "%s", msg[0] != '\0'
		                           ? msg
		                           : "protectedSettings: decryption failed");
		if (r == DX_OK)
			r = DX_ERR_INTERNAL;
		goto out;
	}
	if (plen > SETTINGS_MAX_BYTES) {
		add_error(c, "protectedSettings: the decrypted text is %zu bytes, "
		          "over the limit of %u", plen,
		          (unsigned)SETTINGS_MAX_BYTES);
		r = DX_ERR_TOO_LARGE;
		goto out;
	}
	env->prot = parse_json(c, plain, plen, "protectedSettings (decrypted)");
	if (env->prot != NULL && !cJSON_IsObject(env->prot)) {
		add_error(c, "protectedSettings: the decrypted text must be a "
		          "JSON object, got %s", type_name(env->prot));
		delete_secret_tree(env->prot);
		env->prot = NULL;
	}
	if (env->prot != NULL)
		c->protected_unknown = 0;
out:
	if (plain != NULL) {
		size_t n = strlen(plain);

		wipe(plain, n > plen ? n : plen);
		free(plain);
	}
	return r;
}

int settings_parse_file(const char *text, size_t len,
                        settings_decrypt_fn decrypt, void *decrypt_ctx,
                        struct dx_settings *out, struct settings_report *rep)
{
	struct pctx c;
	struct envelope env = { NULL, NULL, NULL, NULL };
	const cJSON *hs;
	int r = DX_OK;

	ctx_init(&c, out, rep);
	if (text == NULL)
		len = 0;
	if (len > SETTINGS_MAX_BYTES) {
		add_error(&c, "settings: %zu bytes, over the limit of %u", len,
		          (unsigned)SETTINGS_MAX_BYTES);
		r = DX_ERR_TOO_LARGE;
		goto out;
	}
	/* waagent writes a 0-byte file when there are no settings. */
	if (text != NULL)
		skip_bom(&text, &len);
	if (len == 0 || is_blank(text, len)) {
		walk_sections(&c, NULL, NULL);
		goto out;
	}
	env.root = parse_json(&c, text, len, "settings");
	if (env.root == NULL)
		goto out;
	hs = open_handler_settings(&c, env.root);
	if (c.rep->n_errors > 0)
		goto out;
	/* Whatever part could be read is still validated, so that one run
	   shows every problem. */
	if (hs != NULL) {
		open_public(&c, hs, &env);
		r = open_protected(&c, hs, decrypt, decrypt_ctx, &env);
	}
	walk_sections(&c, env.pub, env.prot);
out:
	delete_secret_tree(env.prot);
	cJSON_Delete(env.pub_owned);
	cJSON_Delete(env.root);
	return conclude(&c, r);
}

/* One section given as text (the `validate` helper); NULL or blank: not
   given. */
static cJSON *parse_part(struct pctx *c, const char *text, const char *what,
                         int *r)
{
	size_t len;
	cJSON *j;

	if (text == NULL)
		return NULL;
	len = strlen(text);
	if (len > SETTINGS_MAX_BYTES) {
		add_error(c, "%s: %zu bytes, over the limit of %u", what, len,
		          (unsigned)SETTINGS_MAX_BYTES);
		*r = DX_ERR_TOO_LARGE;
		return NULL;
	}
	if (is_blank(text, len))
		return NULL;
	j = parse_json(c, text, len, what);
	if (j != NULL && !cJSON_IsObject(j)) {
		add_error(c, "%s: expected a JSON object, got %s", what,
		          type_name(j));
		wipe_tree(j);
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

int settings_parse_parts(const char *public_json, const char *protected_json,
                         struct dx_settings *out, struct settings_report *rep)
{
	struct pctx c;
	cJSON *pub = NULL, *prot = NULL;
	int r = DX_OK;

	ctx_init(&c, out, rep);
	pub = parse_part(&c, public_json, "public settings", &r);
	prot = parse_part(&c, protected_json, "protected settings", &r);
	if (prot == NULL && protected_json != NULL &&
	    !is_blank(protected_json, strlen(protected_json)))
		c.protected_unknown = 1;
	walk_sections(&c, pub, prot);
	delete_secret_tree(prot);
	cJSON_Delete(pub);
	return conclude(&c, r);
}

int settings_is_handler_file(const char *text, size_t len)
{
	cJSON *doc;
	int r;

	if (text == NULL || len > SETTINGS_MAX_BYTES)
		return 0;
	doc = cJSON_ParseWithLength(text, len);
	r = cJSON_IsObject(doc) &&
	    cJSON_GetObjectItem(doc, "runtimeSettings") != NULL;
	cJSON_Delete(doc);
	return r;
}

/* ---- HandlerEnvironment.json ------------------------------------------------------ */

/* handlerEnvironment.<key>: a non-empty string when required, else a
   string, null or absent. */
static int env_folder(const cJSON *he, const char *key, int required,
                      char **dst, char *msg, size_t msgsize)
{
	const cJSON *v = cJSON_GetObjectItem(he, key);

	if (v == NULL || cJSON_IsNull(v) ||
	    (cJSON_IsString(v) && v->valuestring[0] == '\0')) {
		if (!required)
			return DX_OK;
		snprintf(msg, msgsize, "HandlerEnvironment.json: "
		         "handlerEnvironment.%s is missing", key);
		return DX_ERR_IO;
	}
	if (!cJSON_IsString(v)) {
		snprintf(msg, msgsize, "HandlerEnvironment.json: "
		         "handlerEnvironment.%s: expected a string, got %s", key,
		         type_name(v));
		return DX_ERR_IO;
	}
	*dst = strdup(v->valuestring);
	return *dst != NULL ? DX_OK : DX_ERR_NOMEM;
}

int settings_parse_handler_env(const char *text, size_t len,
                               struct handler_env *out, char *msg,
                               size_t msgsize)
{
	static const struct {
		const char *key;
		int required;
	} folders[] = {
		{ "logFolder", 1 },
		{ "configFolder", 1 },
		{ "statusFolder", 1 },
		{ "heartbeatFile", 0 },
		{ "eventsFolder", 0 },
	};
	char **dst[N_ELEMS(folders)];
	char why[128];
	cJSON *root = NULL;
	const cJSON *el, *he, *name;
	size_t i;
	int n, r = DX_ERR_IO;

	memset(out, 0, sizeof(*out));
	dst[0] = &out->log_folder;
	dst[1] = &out->config_folder;
	dst[2] = &out->status_folder;
	dst[3] = &out->heartbeat_file;
	dst[4] = &out->events_folder;
	if (msgsize > 0)
		msg[0] = '\0';
	if (text == NULL)
		len = 0;
	if (len > SETTINGS_MAX_BYTES) {
		snprintf(msg, msgsize, "HandlerEnvironment.json: %zu bytes, over "
		         "the limit of %u", len, (unsigned)SETTINGS_MAX_BYTES);
		return DX_ERR_TOO_LARGE;
	}
	root = json_parse(text != NULL ? text : "", len, why, sizeof(why));
	if (root == NULL) {
		snprintf(msg, msgsize, "HandlerEnvironment.json: %s", why);
		goto out;
	}
	if (!cJSON_IsArray(root)) {
		snprintf(msg, msgsize, "HandlerEnvironment.json: expected an "
		         "array of one object, got %s", type_name(root));
		goto out;
	}
	n = cJSON_GetArraySize(root);
	if (n != 1) {
		snprintf(msg, msgsize, "HandlerEnvironment.json: expected 1 "
		         "element in the array, found %d", n);
		goto out;
	}
	el = root->child;
	he = cJSON_GetObjectItem(el, "handlerEnvironment");
	if (!cJSON_IsObject(el) || !cJSON_IsObject(he)) {
		snprintf(msg, msgsize, "HandlerEnvironment.json: "
		         "handlerEnvironment: expected an object, got %s",
		         type_name(cJSON_IsObject(el) ? he : el));
		goto out;
	}
	name = cJSON_GetObjectItem(el, "name");
	if (cJSON_IsString(name)) {
		out->name = strdup(name->valuestring);
		if (out->name == NULL) {
			r = DX_ERR_NOMEM;
			goto out;
		}
	}
	for (i = 0; i < N_ELEMS(folders); i++) {
		r = env_folder(he, folders[i].key, folders[i].required, dst[i],
		               msg, msgsize);
		if (r != DX_OK)
			goto out;
	}
	r = DX_OK;
out:
	cJSON_Delete(root);
	if (r == DX_ERR_NOMEM)
		snprintf(msg, msgsize, "HandlerEnvironment.json: out of memory");
	if (r != DX_OK)
		settings_free_handler_env(out);
	return r;
}

void settings_free_handler_env(struct handler_env *env)
{
	if (env == NULL)
		return;
	free(env->name);
	free(env->log_folder);
	free(env->config_folder);
	free(env->status_folder);
	free(env->heartbeat_file);
	free(env->events_folder);
	memset(env, 0, sizeof(*env));
}
