/*
 * redact: masking at the start, middle and end, repeated and adjacent
 * occurrences, secrets that contain or overlap one another (no fragment
 * may survive), what is not a secret (short values, NULL, duplicates,
 * other case, a partial occurrence), the buffer contract (length
 * returned, NUL, size 0), redact_clear, and a 64 KiB buffer with 50
 * secrets checked against an expected text built alongside it.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dx_plugin.h"
#include "redact.h"
#include "testutil.h"

void test_redact_register(void);

#define MAX_SECRETS 4

/* The registry is process-wide: every test starts and ends empty. */
static int suite_clean(void)
{
	redact_clear();
	return 0;
}

static void test_table(void)
{
	static const struct {
		const char *row;
		const char *secrets[MAX_SECRETS];   /* NULL-terminated */
		size_t n_kept;                      /* redact_count() after */
		const char *in, *out;
	} rows[] = {
		{ "start", { "hunter22" }, 1, "hunter22 is it", "*** is it" },
		{ "middle", { "hunter22" }, 1, "pw=hunter22;x", "pw=***;x" },
		{ "end", { "hunter22" }, 1, "password: hunter22", "password: ***" },
		{ "whole text", { "hunter22" }, 1, "hunter22", "***" },
		{ "twice", { "hunter22" }, 1, "a hunter22 b hunter22 c",
		  "a *** b *** c" },
		{ "adjacent occurrences make one run", { "hunter22" }, 1,
		  "hunter22hunter22", "***" },
		{ "overlapping occurrences", { "aaaa" }, 1, "xaaaaaay", "x***y" },
		{ "periodic secret", { "abcabc" }, 1, "abcabcabc!", "***!" },
		{ "contained, long registered first", { "password123", "pass" }, 2,
		  "my password123 and pass", "my *** and ***" },
		{ "contained, short registered first", { "pass", "password123" }, 2,
		  "my password123 and pass", "my *** and ***" },
		{ "contained in the middle", { "word", "password123" }, 2,
		  "password123", "***" },
		{ "overlap, no containment", { "abcdef", "defghi" }, 2,
		  "xabcdefghiy", "x***y" },
		{ "overlap, other order", { "defghi", "abcdef" }, 2,
		  "xabcdefghiy", "x***y" },
		{ "two secrets side by side", { "left-secret", "right-secret" }, 2,
		  "[left-secretright-secret]", "[***]" },
		{ "spans lines", { "line1\nline2" }, 1, "a line1\nline2 b", "a *** b" },
		{ "exactly 4 bytes", { "abcd" }, 1, "abcd abc", "*** abc" },
		{ "UTF-8 secret", { "p\xC3\xA4ss" }, 1, "x p\xC3\xA4ss", "x ***" },
		/* not secrets, or not occurrences */
		{ "3 bytes ignored", { "abc" }, 0, "abc abc", "abc abc" },
		{ "empty ignored", { "" }, 0, "text", "text" },
		{ "duplicate kept once", { "hunter22", "hunter22" }, 1,
		  "hunter22", "***" },
		{ "case differs", { "Secret1" }, 1, "secret1 SECRET1", "secret1 SECRET1" },
		{ "partial at the end", { "hunter22" }, 1, "pw=hunter2", "pw=hunter2" },
		{ "absent", { "hunter22" }, 1, "nothing here", "nothing here" },
		{ "empty text", { "hunter22" }, 1, "", "" },
		{ "no secrets", { NULL }, 0, "hunter22", "hunter22" },
		{ "mask text is not a secret", { "****" }, 1, "a **** b", "a *** b" },
	};
	size_t i, k;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		char buf[128];
		size_t n;

		redact_clear();
		for (k = 0; k < MAX_SECRETS && rows[i].secrets[k] != NULL; k++)
			TU_ROW_ASSERT(redact_add(rows[i].secrets[k]) == DX_OK, rows[i].row);
		TU_ROW_ASSERT(redact_count() == rows[i].n_kept, rows[i].row);
		snprintf(buf, sizeof(buf), "%s", rows[i].in);
		n = redact_text(buf, sizeof(buf));
		TU_ROW_ASSERT(strcmp(buf, rows[i].out) == 0, rows[i].row);
		TU_ROW_ASSERT(n == strlen(rows[i].out), rows[i].row);
	}
	redact_clear();
}

/* The buffer contract: the size given is the capacity, the text ends at
   its NUL, the length is returned, and nothing is read past `size`. */
static void test_buffer_contract(void)
{
	char buf[32];

	CU_ASSERT(redact_add("hunter22") == DX_OK);
	CU_ASSERT(redact_add(NULL) == DX_OK);   /* ignored */
	CU_ASSERT_EQUAL(redact_count(), 1);
	CU_ASSERT_EQUAL(redact_text(NULL, 10), 0);
	memcpy(buf, "hunter22", 9);
	CU_ASSERT_EQUAL(redact_text(buf, 0), 0);
	CU_ASSERT_STRING_EQUAL(buf, "hunter22");   /* untouched */

	/* No NUL within size: only `size` bytes are looked at. */
	memcpy(buf, "xxhunter22yy", 13);
	CU_ASSERT_EQUAL(redact_text(buf, 6), 6);
	CU_ASSERT(memcmp(buf, "xxhunter22yy", 13) == 0);
	CU_ASSERT_EQUAL(redact_text(buf, 10), 5);
	CU_ASSERT(memcmp(buf, "xx***\0", 6) == 0);

	/* The bytes no longer used are cleared, not left holding the secret. */
	memset(buf, 'z', sizeof(buf));
	memcpy(buf, "hunter22", 9);
	CU_ASSERT_EQUAL(redact_text(buf, sizeof(buf)), 3);
	CU_ASSERT(memcmp(buf, "***\0\0\0\0\0\0z", 10) == 0);
	redact_clear();
}

static void test_clear(void)
{
	char buf[64];

	CU_ASSERT(redact_add("first-secret") == DX_OK);
	CU_ASSERT(redact_add("second-secret") == DX_OK);
	CU_ASSERT_EQUAL(redact_count(), 2);
	redact_clear();
	CU_ASSERT_EQUAL(redact_count(), 0);
	snprintf(buf, sizeof(buf), "first-secret second-secret");
	CU_ASSERT_EQUAL(redact_text(buf, sizeof(buf)), strlen(buf));
	CU_ASSERT_STRING_EQUAL(buf, "first-secret second-secret");
	redact_clear();   /* twice is fine */
	/* the registry works again after a clear */
	CU_ASSERT(redact_add("second-secret") == DX_OK);
	CU_ASSERT_EQUAL(redact_text(buf, sizeof(buf)), strlen("first-secret ***"));
	CU_ASSERT_STRING_EQUAL(buf, "first-secret ***");
	redact_clear();
}

/* Many secrets make the registry grow past its first allocation. */
static void test_many_secrets(void)
{
	char secret[32], buf[64];
	int i;

	for (i = 0; i < 1000; i++) {
		snprintf(secret, sizeof(secret), "secret-%04d", i);
		CU_ASSERT_FATAL(redact_add(secret) == DX_OK);
	}
	CU_ASSERT_EQUAL(redact_count(), 1000);
	snprintf(buf, sizeof(buf), "a secret-0000 b secret-0999 c secret-1000");
	redact_text(buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "a *** b *** c secret-1000");
	redact_clear();
}

#define BIG (64 * 1024)
#define N_BIG_SECRETS 50

static void append(char *dst, size_t *len, const char *s)
{
	size_t n = strlen(s);

	memcpy(dst + *len, s, n + 1);
	*len += n;
}

/* 64 KiB of text with 50 secrets spread through it (some containing
   others), checked against the text built with "***" in their place. */
static void test_64k(void)
{
	static char text[BIG + 256], want[BIG + 256];
	char secrets[N_BIG_SECRETS][48], filler[64];
	size_t tlen = 0, wlen = 0, n;
	clock_t start;
	unsigned seed = 12345;
	int i;

	for (i = 0; i < N_BIG_SECRETS; i++) {
		/* every tenth one contains the previous secret */
		if (i % 10 == 9)
			snprintf(secrets[i], sizeof(secrets[i]), "<S%02d-%08x-Zq>",
			         i - 1, (unsigned)((i - 1) * 2654435761u));
		else
			snprintf(secrets[i], sizeof(secrets[i]), "S%02d-%08x-Zq", i,
			         (unsigned)(i * 2654435761u));
		CU_ASSERT_FATAL(redact_add(secrets[i]) == DX_OK);
	}
	CU_ASSERT_EQUAL(redact_count(), N_BIG_SECRETS);
	while (tlen < BIG - 128) {
		seed = seed * 1103515245u + 12345u;
		snprintf(filler, sizeof(filler), " line %u: some output S0 -Zq\n",
		         seed >> 16);
		append(text, &tlen, filler);
		append(want, &wlen, filler);
		append(text, &tlen, secrets[(seed >> 8) % N_BIG_SECRETS]);
		append(want, &wlen, "***");
	}
	start = clock();
	n = redact_text(text, sizeof(text));
	/* generous: a quadratic pass would take seconds, even unoptimised */
	CU_ASSERT((double)(clock() - start) / CLOCKS_PER_SEC < 2.0);
	CU_ASSERT_EQUAL(n, wlen);
	CU_ASSERT(strcmp(text, want) == 0);
	for (i = 0; i < N_BIG_SECRETS; i++)
		CU_ASSERT(strstr(text, secrets[i]) == NULL);
	redact_clear();
}

/* The worst case for a replace-one-at-a-time design: 64 KiB of matches. */
static void test_64k_all_secret(void)
{
	static char text[BIG + 1];
	clock_t start;
	size_t n;

	memset(text, 'a', BIG);
	text[BIG] = '\0';
	CU_ASSERT(redact_add("aaaa") == DX_OK);
	CU_ASSERT(redact_add("aaaab") == DX_OK);
	start = clock();
	n = redact_text(text, sizeof(text));
	CU_ASSERT((double)(clock() - start) / CLOCKS_PER_SEC < 2.0);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_STRING_EQUAL(text, "***");
	redact_clear();
}

static char *vformat(const char *fmt, ...)
{
	va_list ap;
	char *t;

	va_start(ap, fmt);
	t = redact_vformat(fmt, ap);
	va_end(ap);
	return t;
}

static void test_format_and_cut_start(void)
{
	char big[5000], out[64];
	char *t;

	redact_clear();
	CU_ASSERT_EQUAL(redact_longest(), 0);
	CU_ASSERT_EQUAL(redact_add("abcd-secret"), DX_OK);
	CU_ASSERT_EQUAL(redact_add("zz-longest-secret-zz"), DX_OK);
	CU_ASSERT_EQUAL(redact_longest(), 20);
	/* Formatted in full, then masked: however long the text. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	t = vformat("%s abcd-secret %d", big, 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NULL(strstr(t, "abcd"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "x *** 7"));
	redact_free(t);
	redact_free(NULL);
	/* The tail of a cut secret at the start of kept output. */
	tu_fmt(out, sizeof(out), "%s", "gest-secret-zz and then more");
	CU_ASSERT_EQUAL(redact_cut_start(out, strlen(out)), strlen(out));
	CU_ASSERT_STRING_EQUAL(out, "*******************then more");
	/* error row: shorter than the mask span */
	tu_fmt(out, sizeof(out), "%s", "zz");
	CU_ASSERT_EQUAL(redact_cut_start(out, 2), 2);
	CU_ASSERT_STRING_EQUAL(out, "**");
	redact_clear();
	tu_fmt(out, sizeof(out), "%s", "plain");
	CU_ASSERT_EQUAL(redact_cut_start(out, 5), 5);
	CU_ASSERT_STRING_EQUAL(out, "plain");
}

void test_redact_register(void)
{
	CU_pSuite s = CU_add_suite("redact", suite_clean, suite_clean);

	CU_add_test(s, "masking table", test_table);
	CU_add_test(s, "buffer contract", test_buffer_contract);
	CU_add_test(s, "clear", test_clear);
	CU_add_test(s, "many secrets", test_many_secrets);
	CU_add_test(s, "64 KiB, 50 secrets", test_64k);
	CU_add_test(s, "64 KiB of one secret", test_64k_all_secret);
	CU_add_test(s, "format in full, then mask; a cut secret's tail",
	            test_format_and_cut_start);
}
