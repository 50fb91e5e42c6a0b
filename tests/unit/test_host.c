/*
 * host: what a plugin gets.  A secret in a child's output never reaches
 * the plugin, the log or anything built from them.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "log.h"
#include "redact.h"
#include "testutil.h"

void test_host_register(void);

static void test_child_output_redacted(void)
{
	static const char *const echo[] = {
		"/bin/sh", "-c", "echo token=Sup3r-S3cret-Value; exit 3", NULL
	};
	struct dx_settings_view view;
	struct dx_host host;
	struct dx_run run;
	char out[256], path[PATH_MAX];
	const char *logged;
	const char *dir = tu_mkdtemp("host");
	int fd;

	tu_fmt(path, sizeof(path), "%s/log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	log_set_fd(fd);
	CU_ASSERT_EQUAL(redact_add("Sup3r-S3cret-Value"), DX_OK);

	memset(&view, 0, sizeof(view));
	host_init(&host, &view, "");
	memset(&run, 0, sizeof(run));
	run.argv = echo;
	run.timeout_ms = 5000;
	run.output = out;
	run.output_size = sizeof(out);
	CU_ASSERT_EQUAL(host.run(host.ctx, &run), DX_OK);
	CU_ASSERT_EQUAL(run.exit_status, 3);
	/* The plugin sees the mask... */
	CU_ASSERT_STRING_EQUAL(out, "token=***\n");
	CU_ASSERT_EQUAL(run.output_len, strlen("token=***\n"));
	/* ...and so does the log, which records the failure and output. */
	log_set_fd(2);
	close(fd);
	logged = tu_read_file(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(logged);
	CU_ASSERT_PTR_NULL(strstr(logged, "Sup3r-S3cret-Value"));
	CU_ASSERT_PTR_NOT_NULL(strstr(logged, "exit status 3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(logged, "token=***"));
	CU_ASSERT_PTR_NOT_NULL(strstr(logged, "run: /bin/sh -c"));
	redact_clear();
	tu_rm_rf(dir);
}

/* Output longer than the buffer keeps its tail; a secret cut there
   leaves no recognisable tail either. */
static void test_truncated_output_redacted(void)
{
	static const char *const argv[] = {
		"/bin/sh", "-c", "printf 'aaaaX-Cut-Secret-9876 and a longer tail'", NULL
	};
	struct dx_settings_view view;
	struct dx_host host;
	struct dx_run run;
	char out[32];

	CU_ASSERT_EQUAL(redact_add("X-Cut-Secret-9876"), DX_OK);
	memset(&view, 0, sizeof(view));
	host_init(&host, &view, "");
	memset(&run, 0, sizeof(run));
	run.argv = argv;
	run.timeout_ms = 5000;
	run.output = out;
	run.output_size = sizeof(out);
	CU_ASSERT_EQUAL(host.run(host.ctx, &run), DX_OK);
	CU_ASSERT_EQUAL(run.output_truncated, 1);
	/* kept: "t-Secret-9876 and a longer tail": the secret's tail is masked */
	CU_ASSERT_PTR_NULL(strstr(out, "9876"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "d a longer tail"));
	redact_clear();
}

static void test_settings_view(void)
{
	struct dx_settings_view view;
	struct dx_host host;

	memset(&view, 0, sizeof(view));
	view.port = 2376;
	host_init(&host, &view, "/fake/root");
	CU_ASSERT_EQUAL(host.abi_version, DX_ABI_VERSION);
	CU_ASSERT_STRING_EQUAL(host.sysroot, "/fake/root");
	CU_ASSERT_PTR_EQUAL(host.settings(host.ctx), &view);
	CU_ASSERT_EQUAL(host.settings(host.ctx)->port, 2376);
}

void test_host_register(void)
{
	CU_pSuite s = CU_add_suite("host", NULL, NULL);

	CU_add_test(s, "a secret in a child's output is masked everywhere",
	            test_child_output_redacted);
	CU_add_test(s, "a secret cut at the start of kept output",
	            test_truncated_output_redacted);
	CU_add_test(s, "settings view and sysroot", test_settings_view);
}
