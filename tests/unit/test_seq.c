/*
 * seq: the variable wins; the highest N.settings only without it; mrseq.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "dx_plugin.h"
#include "seq.h"
#include "testutil.h"

void test_seq_register(void);

static void test_parse(void)
{
	static const struct {
		const char *text;
		int want;
		unsigned long value;
	} rows[] = {
		{ "0", DX_OK, 0 },
		{ "7", DX_OK, 7 },
		{ "123456789", DX_OK, 123456789 },
		/* error rows */
		{ "", DX_ERR_INVALID_ARG, 0 },
		{ "-1", DX_ERR_INVALID_ARG, 0 },
		{ "+1", DX_ERR_INVALID_ARG, 0 },
		{ " 1", DX_ERR_INVALID_ARG, 0 },
		{ "1 ", DX_ERR_INVALID_ARG, 0 },
		{ "0x10", DX_ERR_INVALID_ARG, 0 },
		{ "1e3", DX_ERR_INVALID_ARG, 0 },
		{ "9999999999999999999999", DX_ERR_INVALID_ARG, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		unsigned long v = 424242;

		CU_ASSERT_EQUAL(seq_parse(rows[i].text, &v), rows[i].want);
		if (rows[i].want == DX_OK)
			CU_ASSERT_EQUAL(v, rows[i].value);
	}
	CU_ASSERT_EQUAL(seq_parse(NULL, NULL), DX_ERR_INVALID_ARG);
}

static void test_current(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], msg[256];
	static const char *const files[] = {
		"0.settings", "2.settings", "10.settings", "9.settings",
		"foo.settings", "11.settings.tmp", "12", "HandlerState", NULL
	};
	unsigned long seq = 0;
	size_t i;

	tu_fmt(dir, sizeof(dir), "%s", tu_mkdtemp("seq"));
	for (i = 0; files[i] != NULL; i++) {
		tu_fmt(path, sizeof(path), "%s/%s", dir, files[i]);
		tu_write_file(path, "", 0600);
	}
	/* The variable wins, even over a higher file. */
	setenv("ConfigSequenceNumber", "2", 1);
	CU_ASSERT_EQUAL(seq_current(dir, &seq, msg, sizeof(msg)), DX_OK);
	CU_ASSERT_EQUAL(seq, 2);
	setenv("ConfigSequenceNumber", "55", 1);
	CU_ASSERT_EQUAL(seq_current(dir, &seq, msg, sizeof(msg)), DX_OK);
	CU_ASSERT_EQUAL(seq, 55);
	/* error row: a variable that is not a number is not ignored */
	setenv("ConfigSequenceNumber", "two", 1);
	CU_ASSERT_EQUAL(seq_current(dir, &seq, msg, sizeof(msg)),
	                DX_ERR_SETTINGS);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "ConfigSequenceNumber='two'"));
	/* Without it: the highest N.settings; other names are skipped. */
	unsetenv("ConfigSequenceNumber");
	CU_ASSERT_EQUAL(seq_current(dir, &seq, msg, sizeof(msg)), DX_OK);
	CU_ASSERT_EQUAL(seq, 10);
	tu_rm_rf(dir);

	/* error rows: no settings file, no folder */
	tu_fmt(dir, sizeof(dir), "%s", tu_mkdtemp("seq"));
	CU_ASSERT_EQUAL(seq_current(dir, &seq, msg, sizeof(msg)),
	                DX_ERR_SETTINGS);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "holds no N.settings"));
	tu_rm_rf(dir);
	CU_ASSERT_EQUAL(seq_current(dir, &seq, msg, sizeof(msg)),
	                DX_ERR_SETTINGS);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "cannot read config folder"));
}

static void test_mrseq(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	unsigned long seq = 0;

	tu_fmt(dir, sizeof(dir), "%s", tu_mkdtemp("mrseq"));
	CU_ASSERT_EQUAL(seq_read_mrseq(dir, &seq), DX_ERR_IO);
	CU_ASSERT_EQUAL(seq_write_mrseq(dir, 17), DX_OK);
	CU_ASSERT_EQUAL(seq_read_mrseq(dir, &seq), DX_OK);
	CU_ASSERT_EQUAL(seq, 17);
	tu_fmt(path, sizeof(path), "%s/mrseq", dir);
	CU_ASSERT_STRING_EQUAL(tu_read_file(path), "17");
	/* Written by other handlers with a newline: still read. */
	tu_write_file(path, "23\n", 0644);
	CU_ASSERT_EQUAL(seq_read_mrseq(dir, &seq), DX_OK);
	CU_ASSERT_EQUAL(seq, 23);
	/* error row: garbage */
	tu_write_file(path, "x", 0644);
	CU_ASSERT_EQUAL(seq_read_mrseq(dir, &seq), DX_ERR_IO);
	tu_rm_rf(dir);
}

void test_seq_register(void)
{
	CU_pSuite s = CU_add_suite("seq", NULL, NULL);

	CU_add_test(s, "parse", test_parse);
	CU_add_test(s, "variable first, then the highest N.settings",
	            test_current);
	CU_add_test(s, "mrseq", test_mrseq);
}
