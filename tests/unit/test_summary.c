/*
 * summary: the pieces of `docker-extension status` that are not I/O (the
 * command itself runs in tests/integration/test_cli.sh and
 * test_containers.sh against real status files and logs).
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <string.h>

#include "summary.h"
#include "testutil.h"

void test_summary_register(void);

static void test_log_time(void)
{
	CU_ASSERT_EQUAL(summary_log_time("1970-01-01T00:00:01.250Z [1] INFO: x"),
	                1250);
	CU_ASSERT_EQUAL(summary_log_time("2026-11-23T13:59:48.712Z [32154] "
	                                 "INFO: run: x"),
	                1795442388712LL);
	CU_ASSERT_EQUAL(summary_log_time("2026-11-23 13:59:48.712Z"), -1);
	CU_ASSERT_EQUAL(summary_log_time("2026-11-23T13:59:48Z"), -1);
	CU_ASSERT_EQUAL(summary_log_time(""), -1);
	CU_ASSERT_EQUAL(summary_log_time("    continuation of a line"), -1);
}

static void test_hints(void)
{
	static const int codes[] = { 107, 118, 127, 129, 130, 131, 205, 209,
		                     213, 214, 215, 216, 217, 221, 222, 223,
		                     224, 225, 226, 228 };
	size_t i;

	CU_ASSERT_STRING_EQUAL(summary_hint(0), "");
	/* every code a user can meet has advice, and it is not the fallback */
	for (i = 0; i < TU_N_ROWS(codes); i++) {
		const char *h = summary_hint(codes[i]);

		CU_ASSERT(h[0] != '\0' &&
		          strcmp(h, "the log says what happened") != 0);
	}
	CU_ASSERT_STRING_EQUAL(summary_hint(299), "the log says what happened");
	CU_ASSERT_PTR_NOT_NULL(strstr(summary_hint(118), "validate"));
	CU_ASSERT_PTR_NOT_NULL(strstr(summary_hint(226), "journalctl"));
}

void test_summary_register(void)
{
	CU_pSuite s = CU_add_suite("summary", NULL, NULL);

	CU_add_test(s, "log time stamps", test_log_time);
	CU_add_test(s, "advice for every code a user meets", test_hints);
}
