/*
 * fuzz_settings - libFuzzer target for the settings parser and validator
 * (core/settings.c).
 *
 * Each input goes through:
 *  - settings_parse_file(), as a whole N.settings file given with its
 *    exact length, with a stub decrypt callback: a protectedSettings value
 *    that starts with '{' is taken as its own plaintext (so the fuzzer
 *    reaches the protected-settings rules through a settings file), any
 *    other value picks, by its first byte, one of a few fixed plaintexts
 *    or one of the ways decryption fails (a code with a message, a code
 *    without one, a message that fills the buffer, success without
 *    text).  An input whose length is a multiple of 16 is parsed with no
 *    callback at all.
 *  - settings_parse_parts(), the `validate` helper: the bytes before the
 *    first NUL are the public settings, the bytes after it (when there is
 *    one) the protected settings.
 *  - settings_is_handler_file() on the same bytes.
 *
 * Besides the sanitizers, every result is checked against what settings.h
 * promises: the result code agrees with the report; on failure the
 * settings are left zeroed; on success every value is one the validator
 * could have accepted (ports, URLs, user names, versions, environment
 * names, certificates, logins, canonical daemon/compose JSON, noProxy
 * with the metadata endpoints, the compose-environment defaults).  And
 * two promises about messages: none holds a control character (values
 * and keys are shown escaped), and none holds a value of the protected
 * settings (checked for every protected string value that looks like a
 * password: letters and digits, both cases, 8 or more, and not also
 * found among the keys or in the public part).
 *
 * Build and run by hand (from a configured build directory):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=undefined -I. -I$SRC/include -I$SRC/core \
 *     -o fuzz_settings $SRC/tests/fuzz/fuzz_settings.c \
 *     $SRC/core/settings.c -lcjson
 *   mkdir -p corpus && ./fuzz_settings -max_total_time=300 \
 *     -dict=$SRC/tests/fuzz/settings.dict corpus \
 *     $SRC/tests/fuzz/corpus/settings
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dx_plugin.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "fuzz_settings: %s:%d: check failed: " \
			        "%s\n", __FILE__, __LINE__, #cond);          \
			abort();                                             \
		}                                                            \
	} while (0)

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the stub decrypt callback ------------------------------------------------ */

#define PEM_CA "-----BEGIN CERTIFICATE-----\\nQUJD\\n-----END CERTIFICATE-----"

static const char *const fixed_plain[] = {
	"{\"environment\":{\"DB_PASSWORD\":\"Fixed0Password\",\"EMPTY\":null}}",
	"{\"certs\":{\"ca\":\"" PEM_CA "\",\"cert\":\"" PEM_CA "\\n\","
	"\"key\":\"LS0tLS1CRUdJTiBLRVktLS0tLQpRUT09Ci0tLS0tRU5EIEtFWS0tLS0tCg==\"}}",
	"{\"login\":{\"server\":\"r.example.io\",\"username\":\"u\","
	"\"password\":\"Fixed1Password\"},\"logins\":[{\"username\":\"v\","
	"\"password\":\"Fixed2Password\"},{\"server\":\"-bad\"},7]}",
	"{\"ca\":\"" PEM_CA "\",\"server-cert\":\"" PEM_CA "\","
	"\"server-key\":\"" PEM_CA "\",\"Environment\":{\"1X\":\"y\"}}",
	"{}",
	"[\"not an object\"]",
	"{\"environment\": {",
	" \t\r\n",
	"\xef\xbb\xbf{\"unknownKey\":1,\"docker\":{\"port\":1}}",
};

enum {
	STUB_REFUSE = N_ELEMS(fixed_plain), /* an error code and a message */
	STUB_REFUSE_SILENT,                 /* an error code, no message */
	STUB_REFUSE_FULL,                   /* a message filling the buffer */
	STUB_OK_NO_TEXT,                    /* DX_OK without a plaintext */
	STUB__COUNT
};

struct stub {
	int calls;
	char *plain;    /* copy of the plaintext handed out, for the checks */
};

static int is_hex(int ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
	       (ch >= 'A' && ch <= 'F');
}

static int stub_decrypt(void *ctx, const char *b64, const char *thumbprint,
                        char **plaintext, size_t *len, char *msg,
                        size_t msgsize)
{
	struct stub *st = ctx;
	const char *p;
	size_t n;
	unsigned pick;

	st->calls++;
	CHECK(st->calls == 1);
	/* Only a checked thumbprint and a non-blank value get here. */
	CHECK(b64 != NULL && thumbprint != NULL);
	for (n = 0; thumbprint[n] != '\0'; n++)
		CHECK(is_hex((unsigned char)thumbprint[n]));
	CHECK(n >= 16 && n <= 128);
	for (p = b64; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
		;
	CHECK(*p != '\0');
	CHECK(msg != NULL && msgsize > 0);
	*plaintext = NULL;
	*len = 0;

	if (*p == '{') {
		pick = 0;
		st->plain = strdup(b64);
	} else {
		pick = (unsigned char)*p % STUB__COUNT;
		if (pick < N_ELEMS(fixed_plain))
			st->plain = strdup(fixed_plain[pick]);
	}
	if (st->plain != NULL) {
		*plaintext = strdup(st->plain);
		CHECK(*plaintext != NULL);
		*len = strlen(*plaintext);
		return DX_OK;
	}
	switch (pick) {
	case STUB_REFUSE:
		snprintf(msg, msgsize, "protectedSettings: stub refusal");
		return DX_ERR_DECRYPT;
	case STUB_REFUSE_SILENT:
		return DX_ERR_DECRYPT_KEY;
	case STUB_REFUSE_FULL:
		memset(msg, 'm', msgsize);
		return DX_ERR_DECRYPT_FORMAT;
	default:
		return DX_OK;
	}
}

/* ---- checks on the report ------------------------------------------------------ */

static void check_messages(char *const *list, size_t n)
{
	size_t i;
	const char *p;

	CHECK(n <= SETTINGS_MAX_PROBLEMS);
	for (i = 0; i < n; i++) {
		CHECK(list[i] != NULL && list[i][0] != '\0');
		for (p = list[i]; *p != '\0'; p++)
			CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	}
}

/* The strings (values and keys) of a cJSON tree, into a growing list;
   `skip_key` (case-insensitive) drops that member's value. */
struct strlist {
	const char **s;
	size_t n, cap;
};

static void strlist_add(struct strlist *l, const char *s)
{
	if (s == NULL)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->s = realloc(l->s, l->cap * sizeof(*l->s));
		CHECK(l->s != NULL);
	}
	l->s[l->n++] = s;
}

static int ascii_caseeq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		int x = (*a >= 'A' && *a <= 'Z') ? *a - 'A' + 'a' : *a;
		int y = (*b >= 'A' && *b <= 'Z') ? *b - 'A' + 'a' : *b;

		if (x != y)
			return 0;
	}
	return *a == *b;
}

/* cJSON on settings text: a UTF-8 BOM is skipped, as settings.c does. */
static cJSON *parse_text(const char *s, size_t len)
{
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	return cJSON_ParseWithLength(s, len);
}

/* A tree and the trees of the JSON texts held in its strings (public
   settings sent as a string), kept to be freed at the end. */
struct trees {
	cJSON *t[64];
	size_t n;
};

static void collect(const cJSON *item, struct strlist *values,
                    struct strlist *keys, const char *skip_key,
                    struct trees *owned)
{
	for (; item != NULL; item = item->next) {
		strlist_add(keys, item->string);
		if (skip_key != NULL && item->string != NULL &&
		    ascii_caseeq(item->string, skip_key))
			continue;
		if (cJSON_IsString(item)) {
			const char *v = item->valuestring;
			cJSON *inner;

			strlist_add(values, v);
			if (owned != NULL && owned->n < N_ELEMS(owned->t) &&
			    (inner = parse_text(v, strlen(v))) != NULL) {
				owned->t[owned->n++] = inner;
				collect(inner, values, keys, skip_key, owned);
			}
		}
		collect(item->child, values, keys, skip_key, owned);
	}
}

static void trees_free(struct trees *owned)
{
	while (owned->n > 0)
		cJSON_Delete(owned->t[--owned->n]);
}

static int in_any(const struct strlist *l, const char *needle)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strstr(l->s[i], needle) != NULL)
			return 1;
	return 0;
}

/* Looks like a password: only letters and digits, both cases and a digit,
   at least 8.  No message text of ours has such a run, so finding one in
   a message means a value was shown. */
static int password_like(const char *s)
{
	int up = 0, low = 0, dig = 0;
	size_t n = 0;

	for (; *s != '\0'; s++, n++) {
		if (*s >= 'A' && *s <= 'Z')
			up = 1;
		else if (*s >= 'a' && *s <= 'z')
			low = 1;
		else if (*s >= '0' && *s <= '9')
			dig = 1;
		else
			return 0;
	}
	return n >= 8 && up && low && dig;
}

/* No message names a protected value.  `prot` is the protected settings'
   text, `pub` a tree of everything else the messages may quote. */
static void check_no_secret_shown(const struct settings_report *rep,
                                  const char *prot, const cJSON *pub,
                                  const char *skip_key)
{
	struct strlist pvals = { 0 }, pkeys = { 0 };
	struct strlist ovals = { 0 }, okeys = { 0 };
	struct trees owned = { { NULL }, 0 };
	cJSON *tree;
	size_t i, j;

	if (prot == NULL)
		return;
	tree = parse_text(prot, strlen(prot));
	if (tree == NULL)
		return;
	collect(tree, &pvals, &pkeys, NULL, NULL);
	collect(pub, &ovals, &okeys, skip_key, &owned);
	for (i = 0; i < pvals.n; i++) {
		const char *v = pvals.s[i];

		if (!password_like(v) || in_any(&pkeys, v) ||
		    in_any(&ovals, v) || in_any(&okeys, v))
			continue;
		for (j = 0; j < rep->n_errors; j++)
			CHECK(strstr(rep->errors[j], v) == NULL);
		for (j = 0; j < rep->n_warnings; j++)
			CHECK(strstr(rep->warnings[j], v) == NULL);
	}
	free(pvals.s);
	free(pkeys.s);
	free(ovals.s);
	free(okeys.s);
	trees_free(&owned);
	cJSON_Delete(tree);
}

/* ---- checks on the settings ------------------------------------------------------ */

static int is_zeroed(const struct dx_settings *s)
{
	static const struct dx_settings zero;

	return memcmp(s, &zero, sizeof(zero)) == 0;
}

static int has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int valid_env_name(const char *s)
{
	size_t i;

	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
	      s[0] == '_'))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static void check_pairs(const struct settings_pair *p, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		CHECK(p[i].name != NULL && p[i].value != NULL);
		CHECK(valid_env_name(p[i].name));
		for (j = 0; j < i; j++)
			CHECK(strcmp(p[i].name, p[j].name) != 0);
	}
}

static int pair_has(const struct settings_pair *p, size_t n,
                    const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return 1;
	return 0;
}

static int url_ok(const char *s)
{
	return s == NULL ||
	       ((strncasecmp(s, "http://", 7) == 0 && s[7] != '\0') ||
	        (strncasecmp(s, "https://", 8) == 0 && s[8] != '\0'));
}

static int list_has(const char *list, const char *entry)
{
	size_t n = strlen(entry);
	const char *p = list;

	for (;;) {
		size_t e = strcspn(p, ",");

		if (e == n && memcmp(p, entry, n) == 0)
			return 1;
		if (p[e] == '\0')
			return 0;
		p += e + 1;
	}
}

static int valid_user(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 32 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-' || (s[i] == '$' && i == n - 1)))
			return 0;
	return 1;
}

static void check_pem(const char *s)
{
	size_t n;

	CHECK(s != NULL);
	n = strlen(s);
	CHECK(n >= 11 && strstr(s, "-----BEGIN") != NULL);
	CHECK(s[n - 1] == '\n');
	CHECK(s[n - 2] != '\n' && s[n - 2] != '\r' && s[n - 2] != ' ' &&
	      s[n - 2] != '\t');
	CHECK(s[0] != ' ' && s[0] != '\t' && s[0] != '\n' && s[0] != '\r');
}

static void check_json_object(const char *text, int no_hosts)
{
	cJSON *j = cJSON_Parse(text);

	CHECK(cJSON_IsObject(j));
	if (no_hosts)
		CHECK(cJSON_GetObjectItem(j, "hosts") == NULL);
	cJSON_Delete(j);
}

struct secret_count {
	size_t n;
};

static void on_secret(void *ctx, const char *secret)
{
	struct secret_count *c = ctx;

	CHECK(secret != NULL && secret[0] != '\0');
	c->n++;
}

static void check_settings(const struct dx_settings *s)
{
	struct secret_count sc = { 0 };
	size_t i;

	CHECK(s->port >= 0 && s->port <= 65535);
	CHECK(s->allow_unauthenticated_port == 0 ||
	      s->allow_unauthenticated_port == 1);
	for (i = 0; i < s->n_options; i++)
		CHECK(s->options[i][0] != '\0' && !has_ctl(s->options[i]));
	if (s->daemon_json != NULL)
		check_json_object(s->daemon_json, 1);
	if (s->version != NULL) {
		CHECK(s->version[0] >= '0' && s->version[0] <= '9');
		CHECK(strlen(s->version) <= 64);
	}
	CHECK(s->source == DX_SOURCE_DOCKER || s->source == DX_SOURCE_DISTRO);
	CHECK(url_ok(s->mirror) && url_ok(s->proxy_http) &&
	      url_ok(s->proxy_https));
	if (s->no_proxy != NULL) {
		CHECK(list_has(s->no_proxy, "168.63.129.16"));
		CHECK(list_has(s->no_proxy, "169.254.169.254"));
		CHECK(!has_ctl(s->no_proxy));
	}
	for (i = 0; i < s->n_users; i++)
		CHECK(valid_user(s->users[i]));
	if (s->compose_json != NULL) {
		CHECK(!s->install_only);
		check_json_object(s->compose_json, 0);
		CHECK(strcmp(s->compose_json, "{}") != 0);
	}
	check_pairs(s->compose_env, s->n_compose_env);
	CHECK(pair_has(s->compose_env, s->n_compose_env,
	               "COMPOSE_PROJECT_NAME"));
	CHECK(pair_has(s->compose_env, s->n_compose_env,
	               "COMPOSE_HTTP_TIMEOUT"));
	CHECK(s->china_cloud == 0 || s->china_cloud == 1);
	CHECK(s->install_only == 0 || s->install_only == 1);
	check_pairs(s->secret_env, s->n_secret_env);
	if (!s->has_protected)
		CHECK(s->n_secret_env == 0 && s->n_logins == 0 &&
		      s->cert_ca == NULL);
	CHECK((s->cert_ca == NULL) == (s->cert_cert == NULL) &&
	      (s->cert_ca == NULL) == (s->cert_key == NULL));
	if (s->cert_ca != NULL) {
		check_pem(s->cert_ca);
		check_pem(s->cert_cert);
		check_pem(s->cert_key);
	}
	for (i = 0; i < s->n_logins; i++) {
		const struct settings_login *l = &s->logins[i];

		CHECK(l->server != NULL && l->username != NULL &&
		      l->password != NULL);
		CHECK(l->username[0] != '\0' && l->password[0] != '\0');
		CHECK(!has_ctl(l->username) && l->server[0] != '-');
	}
	settings_each_secret(s, on_secret, &sc);
}

static void check_result(int r, const struct dx_settings *s,
                         const struct settings_report *rep)
{
	check_messages(rep->errors, rep->n_errors);
	check_messages(rep->warnings, rep->n_warnings);
	if (r == DX_OK) {
		CHECK(rep->n_errors == 0);
		check_settings(s);
	} else {
		CHECK(is_zeroed(s));
		if (r == DX_ERR_SETTINGS)
			CHECK(rep->n_errors > 0);
	}
}

/* ---- the target -------------------------------------------------------------------- */

static void fuzz_file(const char *text, size_t size)
{
	struct dx_settings s;
	struct settings_report rep;
	struct stub st = { 0, NULL };
	int use_stub = size % 16 != 0;
	cJSON *whole;
	int r;

	memset(&s, 0xa5, sizeof(s));
	memset(&rep, 0xa5, sizeof(rep));
	r = settings_parse_file(text, size, use_stub ? stub_decrypt : NULL,
	                        &st, &s, &rep);
	switch (r) {
	case DX_OK:
	case DX_ERR_SETTINGS:
	case DX_ERR_TOO_LARGE:
		break;
	case DX_ERR_NOT_IMPLEMENTED:
		CHECK(!use_stub);
		break;
	case DX_ERR_DECRYPT:
	case DX_ERR_DECRYPT_KEY:
	case DX_ERR_DECRYPT_FORMAT:
	case DX_ERR_INTERNAL:   /* the stub's DX_OK without text */
		CHECK(st.calls == 1 && st.plain == NULL);
		CHECK(rep.n_errors > 0);
		break;
	default:
		CHECK(0);
	}
	check_result(r, &s, &rep);
	if (st.plain != NULL) {
		whole = parse_text(text, size);
		check_no_secret_shown(&rep, st.plain, whole,
		                      "protectedSettings");
		cJSON_Delete(whole);
	}
	free(st.plain);
	settings_free(&s);
	settings_report_free(&rep);
}

static void fuzz_parts(const char *pub, const char *prot)
{
	struct dx_settings s;
	struct settings_report rep;
	cJSON *pubtree;
	int r;

	memset(&s, 0xa5, sizeof(s));
	memset(&rep, 0xa5, sizeof(rep));
	r = settings_parse_parts(pub, prot, &s, &rep);
	CHECK(r == DX_OK || r == DX_ERR_SETTINGS || r == DX_ERR_TOO_LARGE);
	check_result(r, &s, &rep);
	pubtree = parse_text(pub, strlen(pub));
	check_no_secret_shown(&rep, prot, pubtree, NULL);
	cJSON_Delete(pubtree);
	settings_free(&s);
	settings_report_free(&rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const uint8_t *nul = memchr(data, '\0', size);
	char *pub, *prot = NULL;
	size_t publen = nul != NULL ? (size_t)(nul - data) : size;

	if (size > SETTINGS_MAX_BYTES + 1)
		return 0;
	fuzz_file(text, size);

	pub = malloc(publen + 1);
	CHECK(pub != NULL);
	memcpy(pub, data, publen);
	pub[publen] = '\0';
	if (nul != NULL) {
		size_t protlen = size - publen - 1;

		prot = malloc(protlen + 1);
		CHECK(prot != NULL);
		memcpy(prot, nul + 1, protlen);
		prot[protlen] = '\0';
	}
	fuzz_parts(pub, prot);
	free(pub);
	free(prot);

	(void)settings_is_handler_file(text, size);
	return 0;
}
