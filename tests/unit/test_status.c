/*
 * status: the rendered file is exactly waagent's schema (checked key by
 * key and type by type through cJSON, and once byte for byte), every
 * state string, the message caps on UTF-8 boundaries, substatus replace
 * by name and the 256-entry limit, the 96 KiB bound however large the
 * substatus messages, no registered secret in the file, only valid UTF-8,
 * and the atomic write with its errors.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dx_plugin.h"
#include "redact.h"
#include "status.h"
#include "testutil.h"

void test_status_register(void);

#define FFFD "\xEF\xBF\xBD"
#define HANDLER "Microsoft.Azure.Extensions.DockerExtension"

/* Reports are large (half a MiB): static, not on the stack. */
static struct status_report rep, rep_before;
static char dir[PATH_MAX];

static int suite_init(void)
{
	tu_fmt(dir, sizeof(dir), "%s", tu_mkdtemp("status"));
	redact_clear();
	return 0;
}

static int suite_cleanup(void)
{
	redact_clear();
	if (dir[0] != '\0')
		tu_rm_rf(dir);
	return 0;
}

/* Exactly these keys, each once, spelled exactly. */
static int has_exact_keys(const cJSON *obj, const char *const *keys, size_t n)
{
	const cJSON *c;
	size_t count = 0, i;

	if (!cJSON_IsObject(obj))
		return 0;
	cJSON_ArrayForEach(c, obj) {
		for (i = 0; i < n; i++)
			if (c->string != NULL && strcmp(c->string, keys[i]) == 0)
				break;
		if (i == n)
			return 0;
		count++;
	}
	return count == n;
}

static const char *str_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An integer-valued JSON number (cJSON keeps numbers as doubles). */
static int is_int(const cJSON *obj, const char *key, long long want)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(v) && v->valuedouble == (double)want;
}

/* The formattedMessage object: exactly {lang: "en-US", message}. */
static const char *message_of(const cJSON *obj)
{
	static const char *const keys[] = { "lang", "message" };
	const cJSON *fm = cJSON_GetObjectItemCaseSensitive(obj,
	                                                   "formattedMessage");

	if (!has_exact_keys(fm, keys, TU_N_ROWS(keys)) ||
	    str_of(fm, "lang") == NULL || strcmp(str_of(fm, "lang"), "en-US") != 0)
		return NULL;
	return str_of(fm, "message");
}

/* Render rep (checking that rendering leaves it alone), parse, and check
   the outer shape; returns the "status" object and its tree in *root. */
static cJSON *render_parse(char **text, size_t *len, cJSON **root)
{
	static const char *const outer[] = { "version", "timestampUTC", "status" };
	cJSON *top;
	int rc;

	*root = NULL;
	memcpy(&rep_before, &rep, sizeof(rep));
	rc = status_render(&rep, text, len);
	CU_ASSERT_FATAL(rc == DX_OK && *text != NULL);
	CU_ASSERT(memcmp(&rep_before, &rep, sizeof(rep)) == 0);
	CU_ASSERT(strlen(*text) == *len);
	CU_ASSERT(*len <= STATUS_FILE_MAX);
	CU_ASSERT(tu_valid_utf8(*text, *len));
	*root = cJSON_Parse(*text);
	CU_ASSERT_FATAL(cJSON_IsArray(*root) && cJSON_GetArraySize(*root) == 1);
	top = cJSON_GetArrayItem(*root, 0);
	CU_ASSERT_FATAL(has_exact_keys(top, outer, TU_N_ROWS(outer)));
	return cJSON_GetObjectItemCaseSensitive(top, "status");
}

static const cJSON *subs_of(const cJSON *st)
{
	const cJSON *subs = cJSON_GetObjectItemCaseSensitive(st, "substatus");

	CU_ASSERT_FATAL(cJSON_IsArray(subs));
	return subs;
}

/* The substatus entry: exactly {name, status, code, formattedMessage}. */
static int sub_shape_ok(const cJSON *e)
{
	static const char *const keys[] = {
		"name", "status", "code", "formattedMessage"
	};
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");

	return has_exact_keys(e, keys, TU_N_ROWS(keys)) &&
	       str_of(e, "name") != NULL && str_of(e, "status") != NULL &&
	       cJSON_IsNumber(code) && message_of(e) != NULL;
}

static int ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && memcmp(s + a - b, tail, b) == 0;
}

/* ---- schema ----------------------------------------------------------------- */

static void test_exact_text(void)
{
	static const char head[] = "[{\"version\":1.0,\"timestampUTC\":\"";
	static const char tail[] =
		"\",\"status\":{\"name\":\"" HANDLER "\",\"operation\":\"Enable\","
		"\"status\":\"success\",\"code\":0,\"formattedMessage\":"
		"{\"lang\":\"en-US\",\"message\":\"Enabled\"},\"substatus\":"
		"[{\"name\":\"install\",\"status\":\"success\",\"code\":0,"
		"\"formattedMessage\":{\"lang\":\"en-US\",\"message\":"
		"\"Docker 27.3.1 installed\"}}]}}]";
	char *text = NULL;
	size_t len;

	status_begin(&rep, HANDLER, "Enable", STATUS_SUCCESS, 0, "Enabled");
	status_sub(&rep, "install", STATUS_SUCCESS, 0, "Docker %s installed",
	           "27.3.1");
	CU_ASSERT_FATAL(status_render(&rep, &text, &len) == DX_OK);
	/* 20 bytes of "YYYY-MM-DDTHH:MM:SSZ" between the two fixed parts */
	CU_ASSERT_EQUAL(len, strlen(head) + 20 + strlen(tail));
	CU_ASSERT(strncmp(text, head, strlen(head)) == 0);
	CU_ASSERT(len >= strlen(tail) &&
	          strcmp(text + len - strlen(tail), tail) == 0);
	free(text);
}

static void test_schema_keys(void)
{
	static const char *const status_keys[] = {
		"name", "operation", "status", "code", "formattedMessage",
		"substatus"
	};
	const cJSON *st, *top, *subs, *e;
	cJSON *root;
	char *text;
	size_t len;

	status_begin(&rep, HANDLER, "Enable", STATUS_TRANSITIONING, 0,
	             "Installing %d of %d", 1, 3);
	status_sub(&rep, "install", STATUS_SUCCESS, 0, "done");
	status_sub(&rep, "daemon", STATUS_ERROR, 12, "dockerd did not start");
	st = render_parse(&text, &len, &root);
	top = cJSON_GetArrayItem(root, 0);
	/* version is the number 1.0, written as such */
	CU_ASSERT(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(top, "version")));
	CU_ASSERT(cJSON_GetObjectItemCaseSensitive(top, "version")->valuedouble == 1.0);
	CU_ASSERT(strstr(text, "\"version\":1.0,") != NULL);
	CU_ASSERT(has_exact_keys(st, status_keys, TU_N_ROWS(status_keys)));
	CU_ASSERT(str_of(st, "name") && strcmp(str_of(st, "name"), HANDLER) == 0);
	CU_ASSERT(str_of(st, "operation") &&
	          strcmp(str_of(st, "operation"), "Enable") == 0);
	CU_ASSERT(str_of(st, "status") &&
	          strcmp(str_of(st, "status"), "transitioning") == 0);
	CU_ASSERT(is_int(st, "code", 0));
	CU_ASSERT(message_of(st) && strcmp(message_of(st), "Installing 1 of 3") == 0);
	subs = subs_of(st);
	CU_ASSERT_FATAL(cJSON_GetArraySize(subs) == 2);
	e = cJSON_GetArrayItem(subs, 0);
	CU_ASSERT(sub_shape_ok(e));
	CU_ASSERT(strcmp(str_of(e, "name"), "install") == 0);
	CU_ASSERT(strcmp(str_of(e, "status"), "success") == 0);
	CU_ASSERT(is_int(e, "code", 0));
	CU_ASSERT(strcmp(message_of(e), "done") == 0);
	e = cJSON_GetArrayItem(subs, 1);
	CU_ASSERT(sub_shape_ok(e));
	CU_ASSERT(strcmp(str_of(e, "name"), "daemon") == 0);
	CU_ASSERT(strcmp(str_of(e, "status"), "error") == 0);
	CU_ASSERT(is_int(e, "code", 12));
	CU_ASSERT(strcmp(message_of(e), "dockerd did not start") == 0);
	cJSON_Delete(root);
	free(text);
}

/* No name, no operation, no substatus: the keys go, the shape stays. */
static void test_schema_minimal(void)
{
	static const char *const keys[] = {
		"status", "code", "formattedMessage", "substatus"
	};
	const cJSON *st;
	cJSON *root;
	char *text;
	size_t len;

	status_begin(&rep, NULL, NULL, STATUS_ERROR, -1, NULL);
	st = render_parse(&text, &len, &root);
	CU_ASSERT(has_exact_keys(st, keys, TU_N_ROWS(keys)));
	CU_ASSERT(is_int(st, "code", -1));
	CU_ASSERT(message_of(st) && strcmp(message_of(st), "") == 0);
	CU_ASSERT(cJSON_GetArraySize(subs_of(st)) == 0);
	CU_ASSERT(strstr(text, "\"substatus\":[]") != NULL);
	cJSON_Delete(root);
	free(text);
}

/* One rendering's timestampUTC, as seconds since the epoch; -1 when it
   is not exactly "YYYY-MM-DDTHH:MM:SSZ". */
static time_t rendered_time(void)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	const char *ts;
	cJSON *root;
	struct tm tm;
	char *text, *end;
	size_t len, i;
	time_t t = -1;

	(void)render_parse(&text, &len, &root);
	ts = str_of(cJSON_GetArrayItem(root, 0), "timestampUTC");
	if (ts == NULL || strlen(ts) != sizeof(pat) - 1)
		goto out;
	for (i = 0; i < sizeof(pat) - 1; i++)
		if (pat[i] == 'd' ? ts[i] < '0' || ts[i] > '9' : ts[i] != pat[i])
			goto out;
	memset(&tm, 0, sizeof(tm));
	end = strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end != NULL && *end == '\0')
		t = timegm(&tm);
out:
	cJSON_Delete(root);
	free(text);
	return t;
}

/* UTC whatever the local time zone (POSIX TZ strings need no tzdata). */
static void test_timestamp(void)
{
	static const char *const zones[] = { NULL, "UTC0", "XYZ-05:30", "ABC+11" };
	const char *saved = getenv("TZ");
	char old_tz[256] = "";
	size_t i;

	if (saved != NULL)
		tu_fmt(old_tz, sizeof(old_tz), "%s", saved);
	status_begin(&rep, HANDLER, "Enable", STATUS_SUCCESS, 0, "ok");
	for (i = 0; i < TU_N_ROWS(zones); i++) {
		const char *row = zones[i] ? zones[i] : "TZ as set";
		time_t before, t;

		if (zones[i] != NULL)
			setenv("TZ", zones[i], 1);
		tzset();
		before = time(NULL);
		t = rendered_time();
		TU_ROW_ASSERT(t != (time_t)-1, row);
		TU_ROW_ASSERT(t >= before - 1 && t <= time(NULL) + 1, row);
	}
	if (saved != NULL)
		setenv("TZ", old_tz, 1);
	else
		unsetenv("TZ");
	tzset();
}

static void test_states(void)
{
	static const struct {
		enum status_state s;
		const char *str;
	} rows[] = {
		{ STATUS_TRANSITIONING, "transitioning" },
		{ STATUS_WARNING, "warning" },
		{ STATUS_ERROR, "error" },
		{ STATUS_SUCCESS, "success" },
		/* error rows: an unknown state must never reach the file */
		{ (enum status_state)4, "error" },
		{ (enum status_state)1000, "error" },
		{ (enum status_state)-1, "error" },
	};
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		const cJSON *st, *e;
		cJSON *root;
		char *text;
		size_t len;

		TU_ROW_ASSERT(strcmp(status_state_str(rows[i].s), rows[i].str) == 0,
		              rows[i].str);
		status_begin(&rep, HANDLER, "Enable", rows[i].s, 0, "m");
		status_sub(&rep, "step", rows[i].s, 0, "m");
		st = render_parse(&text, &len, &root);
		e = cJSON_GetArrayItem(subs_of(st), 0);
		TU_ROW_ASSERT(str_of(st, "status") &&
		              strcmp(str_of(st, "status"), rows[i].str) == 0,
		              rows[i].str);
		TU_ROW_ASSERT(str_of(e, "status") &&
		              strcmp(str_of(e, "status"), rows[i].str) == 0,
		              rows[i].str);
		cJSON_Delete(root);
		free(text);
	}
}

static void test_codes(void)
{
	static const int rows[] = { 0, 1, -1, 1012, INT_MAX, INT_MIN };
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		const cJSON *st;
		cJSON *root;
		char *text, row[32];
		size_t len;

		snprintf(row, sizeof(row), "code %d", rows[i]);
		status_begin(&rep, HANDLER, "Enable", STATUS_ERROR, rows[i], "m");
		status_sub(&rep, "step", STATUS_ERROR, rows[i], "m");
		st = render_parse(&text, &len, &root);
		TU_ROW_ASSERT(is_int(st, "code", rows[i]), row);
		TU_ROW_ASSERT(is_int(cJSON_GetArrayItem(subs_of(st), 0), "code",
		                     rows[i]), row);
		cJSON_Delete(root);
		free(text);
	}
}

/* ---- messages ------------------------------------------------------------------- */

static void test_message_cap(void)
{
	static const struct {
		const char *row;
		size_t n_a;          /* 'a' bytes first */
		const char *tail;    /* then this */
		size_t want_len;     /* stored length */
		int cut;
	} rows[] = {
		{ "empty", 0, "", 0, 0 },
		{ "short", 5, "", 5, 0 },
		{ "exactly 1023", 1023, "", 1023, 0 },
		{ "1024 is cut", 1024, "", 1023, 1 },
		{ "5000 is cut", 5000, "", 1023, 1 },
		{ "3-byte char fits at the end", 1020, "\xE2\x82\xAC", 1023, 0 },
		/* the cut at 1020 (1023 minus "...") falls inside the char */
		{ "3-byte char across the cut", 1019, "\xE2\x82\xAC" "bcd",
		  1019 + 3, 1 },
		{ "4-byte char across the cut", 1018, "\xF0\x9F\x98\x80" "bcd",
		  1018 + 3, 1 },
		{ "2-byte char just before the cut", 1018, "\xC3\xA9" "bcdef",
		  1020 + 3, 1 },
	};
	static char text[8192];
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		const cJSON *st;
		cJSON *root;
		char *out;
		size_t len;

		memset(text, 'a', rows[i].n_a);
		tu_fmt(text + rows[i].n_a, sizeof(text) - rows[i].n_a, "%s",
		       rows[i].tail);
		status_begin(&rep, HANDLER, "Enable", STATUS_SUCCESS, 0, "%s", text);
		TU_ROW_ASSERT(strlen(rep.message) == rows[i].want_len, rows[i].row);
		TU_ROW_ASSERT(strlen(rep.message) < STATUS_MESSAGE_MAX, rows[i].row);
		TU_ROW_ASSERT(tu_valid_utf8(rep.message, strlen(rep.message)), rows[i].row);
		TU_ROW_ASSERT(ends_with(rep.message, "...") == rows[i].cut ||
		              rows[i].n_a < 3, rows[i].row);
		st = render_parse(&out, &len, &root);
		TU_ROW_ASSERT(message_of(st) && strcmp(message_of(st), rep.message) == 0,
		              rows[i].row);
		cJSON_Delete(root);
		free(out);
	}
}

static void test_sub_caps(void)
{
	static char text[3 * STATUS_SUB_MESSAGE_MAX], name[300];

	memset(text, 'm', sizeof(text) - 1);
	memset(name, 'n', sizeof(name) - 1);
	status_begin(&rep, HANDLER, "Enable", STATUS_SUCCESS, 0, "ok");
	status_sub(&rep, name, STATUS_SUCCESS, 0, "%s", text);
	CU_ASSERT_EQUAL(rep.n_subs, 1);
	CU_ASSERT(strlen(rep.subs[0].message) == STATUS_SUB_MESSAGE_MAX - 1);
	CU_ASSERT(ends_with(rep.subs[0].message, "..."));
	CU_ASSERT(strlen(rep.subs[0].name) == sizeof(rep.subs[0].name) - 1);
	/* the same long name again finds its own entry */
	status_sub(&rep, name, STATUS_ERROR, 3, "second");
	CU_ASSERT_EQUAL(rep.n_subs, 1);
	CU_ASSERT(rep.subs[0].state == STATUS_ERROR && rep.subs[0].code == 3);
	CU_ASSERT_STRING_EQUAL(rep.subs[0].message, "second");
}

static void test_invalid_utf8(void)
{
	static const struct {
		const char *row, *in, *want;
	} rows[] = {
		{ "lone byte", "bad \xFF byte", "bad " FFFD " byte" },
		{ "latin-1", "caf\xE9", "caf" FFFD },
		{ "truncated", "cut \xE2\x82", "cut " FFFD },
		{ "surrogate", "\xED\xA0\x80", FFFD FFFD FFFD },
		{ "overlong", "\xC0\xAF", FFFD FFFD },
		{ "valid stays", "\xC3\xA9\xE2\x82\xAC", "\xC3\xA9\xE2\x82\xAC" },
	};
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		const cJSON *st, *e;
		cJSON *root;
		char *text;
		size_t len;

		status_begin(&rep, HANDLER, "Enable", STATUS_SUCCESS, 0, "%s",
		             rows[i].in);
		status_sub(&rep, rows[i].in, STATUS_SUCCESS, 0, "%s", rows[i].in);
		st = render_parse(&text, &len, &root);
		e = cJSON_GetArrayItem(subs_of(st), 0);
		TU_ROW_ASSERT(message_of(st) && strcmp(message_of(st), rows[i].want) == 0,
		              rows[i].row);
		TU_ROW_ASSERT(message_of(e) && strcmp(message_of(e), rows[i].want) == 0,
		              rows[i].row);
		TU_ROW_ASSERT(str_of(e, "name") &&
		              strcmp(str_of(e, "name"), rows[i].want) == 0, rows[i].row);
		cJSON_Delete(root);
		free(text);
	}
}

/* A message of invalid bytes grows threefold when repaired; the file
   still holds at most 1023 bytes of it. */
static void test_repaired_message_cap(void)
{
	static char bad[STATUS_MESSAGE_MAX];
	const cJSON *st;
	cJSON *root;
	char *text;
	size_t len;

	memset(bad, 0xFF, sizeof(bad) - 1);
	status_begin(&rep, HANDLER, "Enable", STATUS_SUCCESS, 0, "%s", bad);
	st = render_parse(&text, &len, &root);
	CU_ASSERT(message_of(st) != NULL &&
	          strlen(message_of(st)) <= STATUS_MESSAGE_MAX - 1);
	CU_ASSERT(message_of(st) != NULL && ends_with(message_of(st), "..."));
	cJSON_Delete(root);
	free(text);
}

/* ---- substatus ------------------------------------------------------------------- */

static void test_sub_replace(void)
{
	const cJSON *subs;
	cJSON *root;
	char *text;
	size_t len;

	status_begin(&rep, HANDLER, "Enable", STATUS_TRANSITIONING, 0, "working");
	status_sub(&rep, "install", STATUS_TRANSITIONING, 0, "installing");
	status_sub(&rep, "daemon", STATUS_TRANSITIONING, 0, "starting");
	status_sub(&rep, "install", STATUS_SUCCESS, 0, "installed %s", "27.3.1");
	status_sub(&rep, "daemon", STATUS_ERROR, 7, "failed");
	status_sub(&rep, "Install", STATUS_WARNING, 0, "case differs");
	CU_ASSERT_EQUAL(rep.n_subs, 3);
	subs = subs_of(render_parse(&text, &len, &root));
	CU_ASSERT_FATAL(cJSON_GetArraySize(subs) == 3);
	/* replaced in place: the order of first appearance stays */
	CU_ASSERT_STRING_EQUAL(str_of(cJSON_GetArrayItem(subs, 0), "name"), "install");
	CU_ASSERT_STRING_EQUAL(str_of(cJSON_GetArrayItem(subs, 0), "status"), "success");
	CU_ASSERT_STRING_EQUAL(message_of(cJSON_GetArrayItem(subs, 0)), "installed 27.3.1");
	CU_ASSERT_STRING_EQUAL(str_of(cJSON_GetArrayItem(subs, 1), "name"), "daemon");
	CU_ASSERT_STRING_EQUAL(str_of(cJSON_GetArrayItem(subs, 1), "status"), "error");
	CU_ASSERT(is_int(cJSON_GetArrayItem(subs, 1), "code", 7));
	CU_ASSERT_STRING_EQUAL(str_of(cJSON_GetArrayItem(subs, 2), "name"), "Install");
	cJSON_Delete(root);
	free(text);
	/* status_begin starts over */
	status_begin(&rep, HANDLER, "Enable", STATUS_SUCCESS, 0, "again");
	CU_ASSERT_EQUAL(rep.n_subs, 0);
	CU_ASSERT_EQUAL(rep.n_dropped, 0);
}

static void test_sub_limit(void)
{
	static const struct {
		size_t n;             /* distinct names added */
		size_t want_shown;    /* real entries in the file */
		size_t want_more;     /* 0: no closing entry */
	} rows[] = {
		{ STATUS_MAX_SUBSTATUS - 1, STATUS_MAX_SUBSTATUS - 1, 0 },
		{ STATUS_MAX_SUBSTATUS, STATUS_MAX_SUBSTATUS, 0 },
		{ STATUS_MAX_SUBSTATUS + 1, STATUS_MAX_SUBSTATUS - 1, 2 },
		{ 300, STATUS_MAX_SUBSTATUS - 1, 300 - (STATUS_MAX_SUBSTATUS - 1) },
	};
	size_t i, k;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		const cJSON *subs, *last;
		cJSON *root;
		char *text, row[32], name[32], want[64];
		size_t len, total;

		snprintf(row, sizeof(row), "%zu entries", rows[i].n);
		status_begin(&rep, HANDLER, "Enable", STATUS_SUCCESS, 0, "ok");
		for (k = 0; k < rows[i].n; k++) {
			snprintf(name, sizeof(name), "step-%zu", k);
			status_sub(&rep, name, STATUS_SUCCESS, 0, "done %zu", k);
		}
		/* updating a kept entry when full is not a drop */
		status_sub(&rep, "step-0", STATUS_SUCCESS, 0, "updated");
		TU_ROW_ASSERT(rep.n_subs <= STATUS_MAX_SUBSTATUS, row);
		subs = subs_of(render_parse(&text, &len, &root));
		total = (size_t)cJSON_GetArraySize(subs);
		TU_ROW_ASSERT(total == rows[i].want_shown + (rows[i].want_more > 0), row);
		TU_ROW_ASSERT(total <= STATUS_MAX_SUBSTATUS, row);
		TU_ROW_ASSERT(strcmp(message_of(cJSON_GetArrayItem(subs, 0)),
		                     "updated") == 0, row);
		last = cJSON_GetArrayItem(subs, (int)total - 1);
		TU_ROW_ASSERT(sub_shape_ok(last), row);
		if (rows[i].want_more > 0) {
			snprintf(want, sizeof(want), "... %zu more not shown",
			         rows[i].want_more);
			TU_ROW_ASSERT(strcmp(message_of(last), want) == 0, row);
			TU_ROW_ASSERT(strcmp(str_of(last, "status"), "warning") == 0, row);
		} else {
			snprintf(want, sizeof(want), "step-%zu", rows[i].n - 1);
			TU_ROW_ASSERT(strcmp(str_of(last, "name"), want) == 0, row);
		}
		cJSON_Delete(root);
		free(text);
	}
}

/* ---- size bound ------------------------------------------------------------------ */

static void fill_subs(size_t n, const char *name_fill, int msg_byte,
                      size_t msg_len)
{
	static char msg[STATUS_SUB_MESSAGE_MAX + 1];
	char name[sizeof(rep.subs[0].name) + 16];
	size_t k;

	memset(msg, msg_byte, msg_len);
	msg[msg_len] = '\0';
	status_begin(&rep, HANDLER, "Enable", STATUS_SUCCESS, 0, "top message");
	for (k = 0; k < n; k++) {
		snprintf(name, sizeof(name), "%s%zu", name_fill, k);
		status_sub(&rep, name, STATUS_TRANSITIONING, INT_MIN, "%s", msg);
	}
}

static void test_size_bound(void)
{
	static char ctl_name[sizeof(rep.subs[0].name)];
	static const struct {
		const char *row;
		const char *name_fill;  /* NULL: control characters */
		int msg_byte;
		int want_all;           /* every entry is still in the file */
	} rows[] = {
		{ "2 KiB ascii messages", "step-", 'x', 1 },
		{ "2 KiB of controls (escaped 6x)", "step-", 0x01, 1 },
		{ "2 KiB of invalid bytes (repaired 3x)", "step-", 0xFF, 1 },
		{ "control names and messages", NULL, 0x01, 0 },
	};
	size_t i, k;

	memset(ctl_name, 0x02, sizeof(ctl_name) - 8);
	for (i = 0; i < TU_N_ROWS(rows); i++) {
		const cJSON *st, *subs;
		cJSON *root;
		char *text;
		size_t len, n_shown;

		fill_subs(STATUS_MAX_SUBSTATUS,
		          rows[i].name_fill ? rows[i].name_fill : ctl_name,
		          rows[i].msg_byte, STATUS_SUB_MESSAGE_MAX);
		st = render_parse(&text, &len, &root);
		TU_ROW_ASSERT(len <= STATUS_FILE_MAX, rows[i].row);
		TU_ROW_ASSERT(message_of(st) &&
		              strcmp(message_of(st), "top message") == 0, rows[i].row);
		subs = subs_of(st);
		n_shown = (size_t)cJSON_GetArraySize(subs);
		TU_ROW_ASSERT(n_shown <= STATUS_MAX_SUBSTATUS, rows[i].row);
		TU_ROW_ASSERT(!rows[i].want_all || n_shown == STATUS_MAX_SUBSTATUS,
		              rows[i].row);
		for (k = 0; k < n_shown; k++) {
			const cJSON *e = cJSON_GetArrayItem(subs, (int)k);

			TU_ROW_ASSERT(sub_shape_ok(e), rows[i].row);
			TU_ROW_ASSERT(is_int(e, "code", INT_MIN), rows[i].row);
		}
		/* ascii: every message shortened alike, and not more than needed */
		if (rows[i].msg_byte == 'x') {
			const char *first = message_of(cJSON_GetArrayItem(subs, 0));

			TU_ROW_ASSERT(first && ends_with(first, "..."), rows[i].row);
			TU_ROW_ASSERT(first && strlen(first) < STATUS_SUB_MESSAGE_MAX / 4,
			              rows[i].row);
			for (k = 1; k < n_shown; k++)
				TU_ROW_ASSERT(strlen(message_of(cJSON_GetArrayItem(
				                      subs, (int)k))) == strlen(first),
				              rows[i].row);
			TU_ROW_ASSERT(len > STATUS_FILE_MAX - 2 * STATUS_MAX_SUBSTATUS,
			              rows[i].row);
		}
		cJSON_Delete(root);
		free(text);
	}
}

/* Shortening is fair: short messages stay whole, long ones share the rest. */
static void test_size_short_kept(void)
{
	static char big[STATUS_SUB_MESSAGE_MAX + 1];
	const cJSON *subs;
	cJSON *root;
	char *text, name[32];
	size_t len, k;

	memset(big, 'y', sizeof(big) - 1);
	status_begin(&rep, HANDLER, "Enable", STATUS_SUCCESS, 0, "ok");
	for (k = 0; k < STATUS_MAX_SUBSTATUS; k++) {
		snprintf(name, sizeof(name), "step-%zu", k);
		if (k % 4 == 0)
			status_sub(&rep, name, STATUS_SUCCESS, 0, "%s", big);
		else
			status_sub(&rep, name, STATUS_SUCCESS, 0, "short %zu", k);
	}
	subs = subs_of(render_parse(&text, &len, &root));
	CU_ASSERT_FATAL(cJSON_GetArraySize(subs) == STATUS_MAX_SUBSTATUS);
	CU_ASSERT(strcmp(message_of(cJSON_GetArrayItem(subs, 1)), "short 1") == 0);
	CU_ASSERT(strcmp(message_of(cJSON_GetArrayItem(subs, 255)), "short 255") == 0);
	CU_ASSERT(ends_with(message_of(cJSON_GetArrayItem(subs, 0)), "..."));
	CU_ASSERT(strlen(message_of(cJSON_GetArrayItem(subs, 0))) > 100);
	cJSON_Delete(root);
	free(text);
}

/* ---- secrets ----------------------------------------------------------------------- */

static void test_secrets(void)
{
	static const char *const secrets[] = {
		"s3cr3t-Passw0rd", "tok_ABCDEFGH1234", "late-registered-secret",
	};
	static char long_msg[STATUS_MESSAGE_MAX + 64];
	cJSON *root;
	char *text;
	size_t len, i;

	redact_clear();
	CU_ASSERT(redact_add(secrets[0]) == DX_OK);
	CU_ASSERT(redact_add(secrets[1]) == DX_OK);
	status_begin(&rep, HANDLER, "Enable", STATUS_ERROR, 1,
	             "docker login failed for %s with password %s (%s)", "user",
	             secrets[0], secrets[2]);
	status_sub(&rep, "login", STATUS_ERROR, 1, "token %s rejected", secrets[1]);
	status_sub(&rep, secrets[1], STATUS_ERROR, 1, "%s/%s", secrets[0],
	           secrets[2]);
	/* a secret registered after the report was built is masked too,
	   and rendering does not touch the report (render_parse checks) */
	CU_ASSERT(redact_add(secrets[2]) == DX_OK);
	(void)render_parse(&text, &len, &root);
	for (i = 0; i < TU_N_ROWS(secrets); i++)
		TU_ROW_ASSERT(strstr(text, secrets[i]) == NULL, secrets[i]);
	CU_ASSERT(strstr(text, "password ***") != NULL);
	CU_ASSERT(strstr(text, "token *** rejected") != NULL);
	CU_ASSERT(strstr(rep.message, secrets[2]) != NULL);
	cJSON_Delete(root);
	free(text);

	/* A secret across the 1 KiB cut: masked before the cut, so not even
	   its first bytes are kept. */
	memset(long_msg, 'a', STATUS_MESSAGE_MAX - 8);
	long_msg[STATUS_MESSAGE_MAX - 8] = '\0';
	status_begin(&rep, HANDLER, "Enable", STATUS_ERROR, 1, "%s%s tail",
	             long_msg, secrets[0]);
	CU_ASSERT(strstr(rep.message, "s3cr") == NULL);
	/* and the same in a substatus message, across the 2 KiB cut */
	status_sub(&rep, "step", STATUS_ERROR, 1, "%*s%s", STATUS_SUB_MESSAGE_MAX - 8,
	           "", secrets[1]);
	CU_ASSERT(strstr(rep.subs[0].message, "tok_") == NULL);
	redact_clear();
}

/* ---- writing ------------------------------------------------------------------------- */

static void test_write(void)
{
	char path[PATH_MAX];
	const char *data;
	const cJSON *st;
	cJSON *root;
	struct stat sb;
	mode_t old;

	tu_fmt(path, sizeof(path), "%s/7.status", dir);
	status_begin(&rep, HANDLER, "Enable", STATUS_TRANSITIONING, 0, "first");
	old = umask(077);
	CU_ASSERT_FATAL(status_write(dir, 7, &rep) == DX_OK);
	umask(old);
	CU_ASSERT_FATAL(stat(path, &sb) == 0);
	CU_ASSERT(S_ISREG(sb.st_mode));
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0644);
	CU_ASSERT_EQUAL(tu_count_entries(dir), 1);

	/* rewritten in place by rename: the new content, still one file */
	status_begin(&rep, HANDLER, "Enable", STATUS_SUCCESS, 0, "second");
	status_sub(&rep, "install", STATUS_SUCCESS, 0, "done");
	CU_ASSERT_FATAL(status_write(dir, 7, &rep) == DX_OK);
	CU_ASSERT_EQUAL(tu_count_entries(dir), 1);
	data = tu_read_file(path);
	CU_ASSERT_FATAL(data != NULL);
	CU_ASSERT(tu_valid_utf8(data, strlen(data)));
	root = cJSON_Parse(data);
	CU_ASSERT_FATAL(cJSON_IsArray(root));
	st = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(root, 0), "status");
	CU_ASSERT(str_of(st, "status") && strcmp(str_of(st, "status"), "success") == 0);
	CU_ASSERT(message_of(st) && strcmp(message_of(st), "second") == 0);
	CU_ASSERT(cJSON_GetArraySize(subs_of(st)) == 1);
	cJSON_Delete(root);

	/* the file name is the sequence number */
	CU_ASSERT(status_write(dir, 0, &rep) == DX_OK);
	CU_ASSERT(status_write(dir, 4294967295UL, &rep) == DX_OK);
	tu_fmt(path, sizeof(path), "%s/4294967295.status", dir);
	CU_ASSERT(access(path, F_OK) == 0);
	tu_fmt(path, sizeof(path), "%s/0.status", dir);
	CU_ASSERT(access(path, F_OK) == 0);
	CU_ASSERT_EQUAL(tu_count_entries(dir), 3);
}

static void test_write_errors(void)
{
	static char long_dir[PATH_MAX + 16];
	char missing[PATH_MAX], file[PATH_MAX];
	int before;

	status_begin(&rep, HANDLER, "Enable", STATUS_SUCCESS, 0, "ok");
	before = tu_count_entries(dir);

	tu_fmt(missing, sizeof(missing), "%s/no-such-dir", dir);
	errno = 0;
	CU_ASSERT(status_write(missing, 1, &rep) == DX_ERR_IO);
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT(access(missing, F_OK) != 0);

	tu_fmt(file, sizeof(file), "%s/plain-file", dir);
	tu_write_file(file, "x", 0644);
	errno = 0;
	CU_ASSERT(status_write(file, 1, &rep) == DX_ERR_IO);
	CU_ASSERT_EQUAL(errno, ENOTDIR);
	unlink(file);

	memset(long_dir, 'd', sizeof(long_dir) - 1);
	CU_ASSERT(status_write(long_dir, 1, &rep) == DX_ERR_INVALID_ARG);
	CU_ASSERT(status_write(NULL, 1, &rep) == DX_ERR_INVALID_ARG);
	CU_ASSERT(status_write("", 1, &rep) == DX_ERR_INVALID_ARG);
	CU_ASSERT(status_write(dir, 1, NULL) == DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(tu_count_entries(dir), before);
}

static void test_render_errors(void)
{
	char *text = (char *)"untouched";
	size_t len = 99;

	status_begin(&rep, HANDLER, "Enable", STATUS_SUCCESS, 0, "ok");
	CU_ASSERT(status_render(NULL, &text, &len) == DX_ERR_INVALID_ARG);
	CU_ASSERT(text == NULL && len == 0);
	CU_ASSERT(status_render(&rep, NULL, &len) == DX_ERR_INVALID_ARG);
	CU_ASSERT(status_render(&rep, &text, NULL) == DX_ERR_INVALID_ARG);
	CU_ASSERT(text == NULL);
}

void test_status_register(void)
{
	CU_pSuite s = CU_add_suite("status", suite_init, suite_cleanup);

	CU_add_test(s, "render: exact text", test_exact_text);
	CU_add_test(s, "render: every key and type", test_schema_keys);
	CU_add_test(s, "render: no name, operation, substatus", test_schema_minimal);
	CU_add_test(s, "render: timestampUTC", test_timestamp);
	CU_add_test(s, "render: state strings", test_states);
	CU_add_test(s, "render: codes are integers", test_codes);
	CU_add_test(s, "message: 1 KiB cap on a UTF-8 boundary", test_message_cap);
	CU_add_test(s, "substatus: name and message caps", test_sub_caps);
	CU_add_test(s, "invalid UTF-8 becomes U+FFFD", test_invalid_utf8);
	CU_add_test(s, "message: cap after repair", test_repaired_message_cap);
	CU_add_test(s, "substatus: replace by name", test_sub_replace);
	CU_add_test(s, "substatus: 256 entries at most", test_sub_limit);
	CU_add_test(s, "size: 256 x 2 KiB fits", test_size_bound);
	CU_add_test(s, "size: short messages stay whole", test_size_short_kept);
	CU_add_test(s, "secrets never reach the file", test_secrets);
	CU_add_test(s, "write: atomic, 0644, <seq>.status", test_write);
	CU_add_test(s, "write: errors", test_write_errors);
	CU_add_test(s, "render: bad arguments", test_render_errors);
}
