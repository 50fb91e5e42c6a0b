/*
 * The unit-test runner: it only registers one suite per core module.
 * Usage: run [SUITE-NAME]   (all suites when no name is given)
 */
#include "config.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void test_err_register(void);
void test_log_register(void);
void test_distro_register(void);
void test_exec_register(void);
void test_fileio_register(void);
void test_hash_register(void);
void test_http_register(void);
void test_unixhttp_register(void);
void test_loader_register(void);
void test_settings_register(void);
void test_redact_register(void);
void test_jsonw_register(void);
void test_status_register(void);
void test_seq_register(void);
void test_state_register(void);
void test_host_register(void);
void test_secrets_register(void);
void test_compose_register(void);
void test_summary_register(void);
void test_certgen_register(void);

static void (*const registrations[])(void) = {
	test_err_register,
	test_log_register,
	test_distro_register,
	test_exec_register,
	test_fileio_register,
	test_hash_register,
	test_http_register,
	test_unixhttp_register,
	test_loader_register,
	test_settings_register,
	test_redact_register,
	test_jsonw_register,
	test_status_register,
	test_seq_register,
	test_state_register,
	test_host_register,
	test_secrets_register,
	test_compose_register,
	test_summary_register,
	test_certgen_register,
};

int main(int argc, char **argv)
{
	unsigned failures;
	size_t i;

	if (geteuid() != 0) {
		/* The loader suite chowns files and trusts only root-owned
		   plugins; automake reports 77 as SKIP. */
		fprintf(stderr, "unit tests: must run as root\n");
		return 77;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (i = 0; i < sizeof(registrations) / sizeof(registrations[0]); i++)
		registrations[i]();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (argc > 1) {
		CU_pSuite s = CU_get_suite(argv[1]);

		if (s == NULL) {
			fprintf(stderr, "no suite named '%s'\n", argv[1]);
			CU_cleanup_registry();
			return 2;
		}
		CU_basic_run_suite(s);
	} else {
		CU_basic_run_tests();
	}
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	failures += CU_get_run_summary()->nAsserts == 0;
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
