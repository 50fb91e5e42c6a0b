/*
 * jsonw: escapes, the repair of every class of invalid UTF-8 (one U+FFFD
 * per maximal subpart, as Python's decode(errors="replace") gives), the
 * byte cap on a code point boundary, commas in nested containers, integers
 * at their limits, the sticky failure, and output that cJSON parses back
 * to the expected values.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "testutil.h"

void test_jsonw_register(void);

#define FFFD "\xEF\xBF\xBD"

/* One string value on its own, as jsonw writes it. */
static void write_one(struct jsonw *w, const char *s, size_t max)
{
	jsonw_init(w);
	jsonw_string(w, s, max);
}

/* Parse {"k": <value>} and compare the string cJSON reads back. */
static int parses_back_to(const char *json_value, const char *want)
{
	struct jsonw w;
	cJSON *root, *v;
	int ok;

	jsonw_init(&w);
	jsonw_begin_object(&w);
	jsonw_key(&w, "k");
	jsonw_raw(&w, json_value);
	jsonw_end_object(&w);
	root = jsonw_failed(&w) ? NULL : cJSON_Parse(w.buf);
	v = cJSON_GetObjectItemCaseSensitive(root, "k");
	ok = cJSON_IsString(v) && strcmp(v->valuestring, want) == 0;
	cJSON_Delete(root);
	jsonw_free(&w);
	return ok;
}

/* ---- strings ------------------------------------------------------------------ */

static void test_escapes(void)
{
	static const struct {
		const char *row, *in, *out;
	} rows[] = {
		{ "empty", "", "\"\"" },
		{ "plain", "plain text", "\"plain text\"" },
		{ "quote", "a\"b", "\"a\\\"b\"" },
		{ "backslash", "C:\\dir\\", "\"C:\\\\dir\\\\\"" },
		{ "short escapes", "\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"" },
		{ "other controls", "\x01\x1f" "x", "\"\\u0001\\u001fx\"" },
		{ "escape \\u001b", "\x1b[0m", "\"\\u001b[0m\"" },
		{ "DEL stays", "\x7f", "\"\x7f\"" },
		{ "html stays", "<a href='x'>&amp;</a>", "\"<a href='x'>&amp;</a>\"" },
		{ "slash stays", "a/b", "\"a/b\"" },
		{ "2-byte", "caf\xC3\xA9", "\"caf\xC3\xA9\"" },
		{ "3-byte", "\xE2\x82\xAC" "5", "\"\xE2\x82\xAC" "5\"" },
		{ "4-byte", "\xF0\x9F\x98\x80", "\"\xF0\x9F\x98\x80\"" },
		{ "escape next to UTF-8", "\xC3\xA9\n\xC3\xA9", "\"\xC3\xA9\\n\xC3\xA9\"" },
	};
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		struct jsonw w;

		write_one(&w, rows[i].in, 0);
		TU_ROW_ASSERT(!jsonw_failed(&w), rows[i].row);
		TU_ROW_ASSERT(w.buf != NULL && strcmp(w.buf, rows[i].out) == 0,
		              rows[i].row);
		TU_ROW_ASSERT(w.buf != NULL && strlen(w.buf) == w.len, rows[i].row);
		TU_ROW_ASSERT(parses_back_to(w.buf, rows[i].in), rows[i].row);
		jsonw_free(&w);
	}
}

static void test_invalid_utf8(void)
{
	static const struct {
		const char *row, *in, *out;
	} rows[] = {
		/* bad lead bytes */
		{ "lone continuation 80", "\x80", FFFD },
		{ "lone continuation bf", "\xBF", FFFD },
		{ "two continuations", "\x80\x80", FFFD FFFD },
		{ "c0 overlong /", "\xC0\xAF", FFFD FFFD },
		{ "c1 overlong", "\xC1\xBF", FFFD FFFD },
		{ "f5 lead", "\xF5\x80\x80\x80", FFFD FFFD FFFD FFFD },
		{ "f7 lead", "\xF7\xBF\xBF\xBF", FFFD FFFD FFFD FFFD },
		{ "fe", "\xFE", FFFD },
		{ "ff", "\xFF", FFFD },
		/* truncated sequences: one U+FFFD for the valid prefix */
		{ "2-byte cut at end", "\xC3", FFFD },
		{ "3-byte cut at end", "\xE2\x82", FFFD },
		{ "3-byte cut before ascii", "\xE2\x82" "x", FFFD "x" },
		{ "4-byte cut at end", "\xF0\x9F\x98", FFFD },
		{ "4-byte cut before ascii", "\xF0\x9F\x98" "A", FFFD "A" },
		{ "4-byte cut before lead", "\xF0\x9F\xC3\xA9", FFFD "\xC3\xA9" },
		/* overlongs */
		{ "3-byte overlong", "\xE0\x80\xAF", FFFD FFFD FFFD },
		{ "3-byte overlong max", "\xE0\x9F\xBF", FFFD FFFD FFFD },
		{ "4-byte overlong", "\xF0\x80\x80\xAF", FFFD FFFD FFFD FFFD },
		{ "4-byte overlong max", "\xF0\x8F\xBF\xBF", FFFD FFFD FFFD FFFD },
		/* surrogates */
		{ "surrogate d800", "\xED\xA0\x80", FFFD FFFD FFFD },
		{ "surrogate dfff", "\xED\xBF\xBF", FFFD FFFD FFFD },
		{ "surrogate pair (CESU-8)", "\xED\xA0\xBD\xED\xB8\x80",
		  FFFD FFFD FFFD FFFD FFFD FFFD },
		/* beyond U+10FFFF */
		{ "110000", "\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD },
		{ "13ffff", "\xF4\xBF\xBF\xBF", FFFD FFFD FFFD FFFD },
		/* mixed with text */
		{ "inside ascii", "a\xFF" "b", "a" FFFD "b" },
		{ "latin-1 text", "caf\xE9!", "caf" FFFD "!" },
		/* the edges that are valid */
		{ "U+0080", "\xC2\x80", "\xC2\x80" },
		{ "U+0800", "\xE0\xA0\x80", "\xE0\xA0\x80" },
		{ "U+D7FF", "\xED\x9F\xBF", "\xED\x9F\xBF" },
		{ "U+E000", "\xEE\x80\x80", "\xEE\x80\x80" },
		{ "U+FFFD itself", FFFD, FFFD },
		{ "U+10000", "\xF0\x90\x80\x80", "\xF0\x90\x80\x80" },
		{ "U+10FFFF", "\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF" },
	};
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		char want[128];
		struct jsonw w;

		snprintf(want, sizeof(want), "\"%s\"", rows[i].out);
		write_one(&w, rows[i].in, 0);
		TU_ROW_ASSERT(!jsonw_failed(&w), rows[i].row);
		TU_ROW_ASSERT(w.buf != NULL && strcmp(w.buf, want) == 0, rows[i].row);
		TU_ROW_ASSERT(w.buf != NULL && tu_valid_utf8(w.buf, w.len), rows[i].row);
		TU_ROW_ASSERT(parses_back_to(w.buf, rows[i].out), rows[i].row);
		jsonw_free(&w);

		/* Keys are repaired the same way. */
		jsonw_init(&w);
		jsonw_key(&w, rows[i].in);
		TU_ROW_ASSERT(w.buf != NULL && tu_valid_utf8(w.buf, w.len), rows[i].row);
		jsonw_free(&w);
	}
}

static void test_max(void)
{
	static const struct {
		const char *row, *in;
		size_t max;
		const char *value;   /* the string's content, unescaped */
	} rows[] = {
		{ "0 is no limit", "hello", 0, "hello" },
		{ "fits exactly", "hello", 5, "hello" },
		{ "fits loosely", "hello", 64, "hello" },
		{ "cut ascii", "hello world", 8, "hello..." },
		{ "cut to one byte", "hello", 4, "h..." },
		{ "only the ellipsis", "hello", 3, "..." },
		{ "max below the ellipsis 2", "hello", 2, ".." },
		{ "max below the ellipsis 1", "hello", 1, "." },
		/* "abc" + U+20AC (3 bytes at offset 3) + "def": 9 bytes */
		{ "3-byte char fits whole", "abc\xE2\x82\xAC" "def", 9,
		  "abc\xE2\x82\xAC" "def" },
		{ "3-byte char at the edge 8", "abc\xE2\x82\xAC" "def", 8,
		  "abc..." },
		{ "3-byte char at the edge 7", "abc\xE2\x82\xAC" "def", 7,
		  "abc..." },
		{ "3-byte char at the edge 6", "abc\xE2\x82\xAC" "def", 6,
		  "abc..." },
		{ "3-byte char kept before cut", "abc\xE2\x82\xAC" "defgh", 9,
		  "abc\xE2\x82\xAC..." },
		{ "4-byte chars", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 7,
		  "\xF0\x9F\x98\x80..." },
		{ "4-byte char at the edge", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80",
		  6, "..." },
		/* a U+FFFD counts 3 bytes whatever it replaced */
		{ "repaired length counts", "\xFF\xFF\xFF", 8, FFFD "..." },
		{ "repaired fits", "\xFF\xFF", 6, FFFD FFFD },
		/* escapes are syntax, not content */
		{ "escapes do not count", "\"\"\"\"\"", 5, "\"\"\"\"\"" },
		{ "escaped cut", "\n\n\n\n\n\n", 5, "\n\n..." },
		{ "empty with a cap", "", 1, "" },
	};
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		struct jsonw w;

		write_one(&w, rows[i].in, rows[i].max);
		TU_ROW_ASSERT(!jsonw_failed(&w), rows[i].row);
		TU_ROW_ASSERT(w.buf != NULL && tu_valid_utf8(w.buf, w.len), rows[i].row);
		TU_ROW_ASSERT(parses_back_to(w.buf, rows[i].value), rows[i].row);
		TU_ROW_ASSERT(rows[i].max == 0 || strlen(rows[i].value) <= rows[i].max,
		              rows[i].row);
		jsonw_free(&w);
	}
}

static void test_null_string(void)
{
	struct jsonw w;

	jsonw_init(&w);
	jsonw_begin_array(&w);
	jsonw_string(&w, NULL, 0);
	jsonw_string(&w, "", 0);
	jsonw_end_array(&w);
	CU_ASSERT_STRING_EQUAL(w.buf, "[null,\"\"]");
	jsonw_free(&w);
}

/* ---- structure ----------------------------------------------------------------- */

static void test_nested(void)
{
	static const char want[] =
		"{\"a\":[1,\"two\",{\"b\":[]},[],{}],\"c\":{\"d\":{\"e\":\"f\"},"
		"\"g\":[[1],[2,3]]},\"\":\"\",\"v\":1.0,\"n\":null}";
	struct jsonw w;
	cJSON *root, *a, *g;

	jsonw_init(&w);
	jsonw_begin_object(&w);
	jsonw_key(&w, "a");
	jsonw_begin_array(&w);
	jsonw_int(&w, 1);
	jsonw_string(&w, "two", 0);
	jsonw_begin_object(&w);
	jsonw_key(&w, "b");
	jsonw_begin_array(&w);
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	jsonw_begin_array(&w);
	jsonw_end_array(&w);
	jsonw_begin_object(&w);
	jsonw_end_object(&w);
	jsonw_end_array(&w);
	jsonw_key(&w, "c");
	jsonw_begin_object(&w);
	jsonw_key(&w, "d");
	jsonw_begin_object(&w);
	jsonw_key(&w, "e");
	jsonw_string(&w, "f", 0);
	jsonw_end_object(&w);
	jsonw_key(&w, "g");
	jsonw_begin_array(&w);
	jsonw_begin_array(&w);
	jsonw_int(&w, 1);
	jsonw_end_array(&w);
	jsonw_begin_array(&w);
	jsonw_int(&w, 2);
	jsonw_int(&w, 3);
	jsonw_end_array(&w);
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	jsonw_key(&w, "");
	jsonw_string(&w, "", 0);
	jsonw_key(&w, "v");
	jsonw_raw(&w, "1.0");
	jsonw_key(&w, "n");
	jsonw_raw(&w, "null");
	jsonw_end_object(&w);

	CU_ASSERT_FATAL(!jsonw_failed(&w));
	CU_ASSERT_STRING_EQUAL(w.buf, want);
	CU_ASSERT_EQUAL(w.len, strlen(want));
	root = cJSON_Parse(w.buf);
	CU_ASSERT_FATAL(root != NULL);
	a = cJSON_GetObjectItemCaseSensitive(root, "a");
	CU_ASSERT(cJSON_IsArray(a) && cJSON_GetArraySize(a) == 5);
	g = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(root, "c"), "g");
	CU_ASSERT(cJSON_IsArray(g) && cJSON_GetArraySize(g) == 2);
	CU_ASSERT(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(root, "v")));
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "n")));
	cJSON_Delete(root);
	jsonw_free(&w);
}

/* Many values force the buffer to grow several times. */
static void test_growth(void)
{
	struct jsonw w;
	cJSON *root;
	int i;

	jsonw_init(&w);
	jsonw_begin_array(&w);
	for (i = 0; i < 10000; i++) {
		jsonw_begin_object(&w);
		jsonw_key(&w, "i");
		jsonw_int(&w, i);
		jsonw_key(&w, "s");
		jsonw_string(&w, "x\"y\xFF", 0);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	CU_ASSERT_FATAL(!jsonw_failed(&w));
	CU_ASSERT(w.len < w.cap && w.buf[w.len] == '\0');
	CU_ASSERT(tu_valid_utf8(w.buf, w.len));
	root = cJSON_Parse(w.buf);
	CU_ASSERT(cJSON_IsArray(root) && cJSON_GetArraySize(root) == 10000);
	CU_ASSERT(cJSON_GetArrayItem(root, 9999) != NULL &&
	          cJSON_GetObjectItemCaseSensitive(
	                  cJSON_GetArrayItem(root, 9999), "i")->valueint == 9999);
	cJSON_Delete(root);
	jsonw_free(&w);
}

static void test_ints(void)
{
	static const struct {
		long long v;
		const char *out;
	} rows[] = {
		{ 0, "0" },
		{ 1, "1" },
		{ -1, "-1" },
		{ 1012, "1012" },
		{ INT_MIN, "-2147483648" },
		{ INT_MAX, "2147483647" },
		{ LLONG_MAX, "9223372036854775807" },
		{ LLONG_MIN, "-9223372036854775808" },
	};
	struct jsonw w;
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		jsonw_init(&w);
		jsonw_int(&w, rows[i].v);
		TU_ROW_ASSERT(w.buf != NULL && strcmp(w.buf, rows[i].out) == 0,
		              rows[i].out);
		jsonw_free(&w);
	}
	/* Commas between numbers, and cJSON reads the small ones back. */
	jsonw_init(&w);
	jsonw_begin_array(&w);
	jsonw_int(&w, -5);
	jsonw_int(&w, 0);
	jsonw_int(&w, LLONG_MIN);
	jsonw_end_array(&w);
	CU_ASSERT_STRING_EQUAL(w.buf, "[-5,0,-9223372036854775808]");
	{
		cJSON *root = cJSON_Parse(w.buf);

		CU_ASSERT(cJSON_GetArraySize(root) == 3);
		CU_ASSERT(cJSON_GetArrayItem(root, 0) != NULL &&
		          cJSON_GetArrayItem(root, 0)->valueint == -5);
		cJSON_Delete(root);
	}
	jsonw_free(&w);
}

static void test_keys(void)
{
	struct jsonw w;

	jsonw_init(&w);
	jsonw_begin_object(&w);
	jsonw_key(&w, "a\"b\n");
	jsonw_int(&w, 1);
	jsonw_key(&w, NULL);
	jsonw_int(&w, 2);
	jsonw_end_object(&w);
	CU_ASSERT_STRING_EQUAL(w.buf, "{\"a\\\"b\\n\":1,\"\":2}");
	jsonw_free(&w);
}

/* ---- failure ------------------------------------------------------------------------- */

/* Every call after a failure leaves the buffer as it was. */
static void test_failed_is_sticky(void)
{
	static const char *const rows[] = {
		"begin_object", "end_object", "begin_array", "end_array", "key",
		"string", "string max", "int", "raw",
	};
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		struct jsonw w;
		size_t len;

		jsonw_init(&w);
		jsonw_begin_array(&w);
		jsonw_int(&w, 1);
		len = w.len;
		w.failed = 1;   /* as an allocation failure leaves it */
		switch (i) {
		case 0: jsonw_begin_object(&w); break;
		case 1: jsonw_end_object(&w); break;
		case 2: jsonw_begin_array(&w); break;
		case 3: jsonw_end_array(&w); break;
		case 4: jsonw_key(&w, "k"); break;
		case 5: jsonw_string(&w, "s", 0); break;
		case 6: jsonw_string(&w, "long string", 4); break;
		case 7: jsonw_int(&w, 7); break;
		default: jsonw_raw(&w, "true"); break;
		}
		TU_ROW_ASSERT(jsonw_failed(&w), rows[i]);
		TU_ROW_ASSERT(w.len == len && strcmp(w.buf, "[1") == 0, rows[i]);
		jsonw_free(&w);
		TU_ROW_ASSERT(w.buf == NULL && w.len == 0 && !jsonw_failed(&w),
		              rows[i]);
	}
}

/* A size that cannot be allocated fails like an allocation failure does
   (the overflow check runs before realloc, so no buffer is needed). */
static void test_size_overflow_fails(void)
{
	struct jsonw w;

	jsonw_init(&w);
	w.len = SIZE_MAX - 1;
	jsonw_string(&w, "x", 0);
	CU_ASSERT(jsonw_failed(&w));
	CU_ASSERT(w.buf == NULL && w.len == SIZE_MAX - 1);
	w.len = 0;
	jsonw_free(&w);
	CU_ASSERT(!jsonw_failed(&w));
}

void test_jsonw_register(void)
{
	CU_pSuite s = CU_add_suite("jsonw", NULL, NULL);

	CU_add_test(s, "strings: escapes", test_escapes);
	CU_add_test(s, "strings: invalid UTF-8 becomes U+FFFD", test_invalid_utf8);
	CU_add_test(s, "strings: max cuts on a code point", test_max);
	CU_add_test(s, "strings: NULL and empty", test_null_string);
	CU_add_test(s, "nested containers and commas", test_nested);
	CU_add_test(s, "buffer growth", test_growth);
	CU_add_test(s, "ints", test_ints);
	CU_add_test(s, "keys", test_keys);
	CU_add_test(s, "failure: sticky no-op", test_failed_is_sticky);
	CU_add_test(s, "failure: size overflow", test_size_overflow_fails);
}
