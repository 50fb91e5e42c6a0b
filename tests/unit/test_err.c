/*
 * err: every code has its own text and a stable exit code; the mapping
 * tells the user's mistakes from the system's.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <string.h>

#include "err.h"

void test_err_register(void);

static void test_every_code_has_text(void)
{
	int e, f;

	for (e = 0; e < DX_ERR__COUNT; e++) {
		CU_ASSERT_STRING_NOT_EQUAL(err_str(e), "unknown error");
		for (f = 0; f < e; f++)
			CU_ASSERT_STRING_NOT_EQUAL(err_str(e), err_str(f));
	}
	/* error rows: out of range */
	CU_ASSERT_STRING_EQUAL(err_str(-1), "unknown error");
	CU_ASSERT_STRING_EQUAL(err_str(DX_ERR__COUNT), "unknown error");
	CU_ASSERT_STRING_EQUAL(err_str(100000), "unknown error");
}

static void test_exit_codes(void)
{
	static const struct {
		int err;
		int code;
	} rows[] = {
		{ DX_OK, 0 },
		{ DX_ERR_USAGE, 2 },
		/* The enum is append-only: these numbers are a public promise. */
		{ DX_ERR_INTERNAL, 11 },
		{ DX_ERR_NOT_IMPLEMENTED, 15 },
		{ DX_ERR_DISTRO_UNSUPPORTED, 17 },
		{ DX_ERR_PLUGIN_UNTRUSTED, 19 },
		{ DX_ERR_SETTINGS, 28 },
		{ DX_ERR_TOO_LARGE, 30 },
		/* error rows: unknown codes still fail */
		{ -5, 1 },
		{ DX_ERR__COUNT, 1 },
	};
	size_t i;
	int e, f;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CU_ASSERT_EQUAL(err_exit_code(rows[i].err), rows[i].code);
	/* Distinct, non-zero and clear of the shell's 126+. */
	for (e = 1; e < DX_ERR__COUNT; e++) {
		CU_ASSERT(err_exit_code(e) > 0 && err_exit_code(e) < 126);
		for (f = 1; f < e; f++)
			CU_ASSERT_NOT_EQUAL(err_exit_code(e), err_exit_code(f));
	}
}

static void test_user_errors(void)
{
	CU_ASSERT_TRUE(err_is_user_error(DX_ERR_SETTINGS));
	CU_ASSERT_TRUE(err_is_user_error(DX_ERR_DISTRO_UNSUPPORTED));
	CU_ASSERT_TRUE(err_is_user_error(DX_ERR_USAGE));
	CU_ASSERT_FALSE(err_is_user_error(DX_OK));
	CU_ASSERT_FALSE(err_is_user_error(DX_ERR_DOWNLOAD));
	CU_ASSERT_FALSE(err_is_user_error(DX_ERR_PLUGIN_UNTRUSTED));
	CU_ASSERT_FALSE(err_is_user_error(DX_ERR_EXEC_TIMEOUT));
}

void test_err_register(void)
{
	CU_pSuite s = CU_add_suite("err", NULL, NULL);

	CU_add_test(s, "every code has its own text", test_every_code_has_text);
	CU_add_test(s, "exit codes are stable and distinct", test_exit_codes);
	CU_add_test(s, "user errors vs system errors", test_user_errors);
}
