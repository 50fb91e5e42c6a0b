/*
 * log: one timestamped line per call, levels filtered, long lines cut
 * but still one line.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "redact.h"
#include "testutil.h"

void test_log_register(void);

static const char *capture(void (*emit)(void))
{
	char path[PATH_MAX];
	const char *dir = tu_mkdtemp("log");
	static char text[8192];
	const char *got;
	int fd;

	tu_fmt(path, sizeof(path), "%s/log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	log_set_fd(fd);
	emit();
	log_set_fd(2);
	log_set_level(DX_LOG_INFO);
	close(fd);
	got = tu_read_file(path);
	tu_fmt(text, sizeof(text), "%s", got != NULL ? got : "");
	tu_rm_rf(dir);
	return text;
}

static void emit_levels(void)
{
	log_error("e %d", 1);
	log_warn("w %s", "two");
	log_info("i");
	log_debug("hidden at the default level");
}

static void emit_debug(void)
{
	log_set_level(DX_LOG_DEBUG);
	log_debug("now visible");
}

static void emit_long(void)
{
	char big[5000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_info("%s", big);
	log_info("after");
}

static void test_levels(void)
{
	const char *t = capture(emit_levels);

	CU_ASSERT_EQUAL(tu_count_lines(t), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "ERROR: e 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "WARN: w two\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "INFO: i\n"));
	CU_ASSERT_PTR_NULL(strstr(t, "hidden"));
	/* ISO 8601 UTC timestamp with milliseconds, then the pid. */
	CU_ASSERT_EQUAL(t[4], '-');
	CU_ASSERT_EQUAL(t[10], 'T');
	CU_ASSERT_EQUAL(t[23], 'Z');
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "Z ["));
}

static void test_debug_level(void)
{
	CU_ASSERT_PTR_NOT_NULL(strstr(capture(emit_debug), "DEBUG: now visible\n"));
}

static void test_long_line_is_one_line(void)
{
	const char *t = capture(emit_long);

	CU_ASSERT_EQUAL(tu_count_lines(t), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "xxx\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "INFO: after\n"));
	CU_ASSERT(strlen(t) < 2048 + 100);
}

static void test_file_rotation_and_redaction(void)
{
	char path[PATH_MAX], old[PATH_MAX + 8];
	const char *dir = tu_mkdtemp("logfile");
	const char *text;
	struct stat st;
	int i;

	tu_fmt(path, sizeof(path), "%s/docker-extension.log", dir);
	tu_fmt(old, sizeof(old), "%s.1", path);
	CU_ASSERT_EQUAL_FATAL(log_open_file(path, 4096), DX_OK);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	/* A secret in a message is masked before it is written. */
	CU_ASSERT_EQUAL(redact_add("hunter2-password"), DX_OK);
	log_set_step("login");
	log_info("password is hunter2-password, ok");
	log_set_step(NULL);
	text = tu_read_file(path);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "INFO: login: password is ***, ok"));
	CU_ASSERT_PTR_NULL(strstr(text, "hunter2"));
	/* A secret across the 2 KiB cut leaves nothing of itself. */
	{
		char big[3000];

		memset(big, 'x', sizeof(big));
		memcpy(big + 1990, "hunter2-password", 16);
		big[sizeof(big) - 1] = '\0';
		log_info("%s", big);
		text = tu_read_file(path);
		CU_ASSERT_PTR_NULL(strstr(text, "hunt"));
		CU_ASSERT_PTR_NOT_NULL(strstr(text, "xx***xx"));
	}
	redact_clear();
	/* Past the cap the file moves to .1 and a new one starts: two files
	   at most, each about the cap. */
	for (i = 0; i < 200; i++)
		log_info("line %d of a long run of filler text to fill the log", i);
	CU_ASSERT_EQUAL(stat(old, &st), 0);
	CU_ASSERT(st.st_size >= 4096 && st.st_size < 4096 + 200);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT(st.st_size < 4096 + 200);
	text = tu_read_file(path);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "line 199 of"));
	log_close_file();
	/* error row: a directory that does not exist */
	tu_fmt(path, sizeof(path), "%s/missing/x.log", dir);
	CU_ASSERT_EQUAL(log_open_file(path, 4096), DX_ERR_IO);
	tu_rm_rf(dir);
}

void test_log_register(void)
{
	CU_pSuite s = CU_add_suite("log", NULL, NULL);

	CU_add_test(s, "levels and line format", test_levels);
	CU_add_test(s, "debug level", test_debug_level);
	CU_add_test(s, "a long line is cut, still one line",
	            test_long_line_is_one_line);
	CU_add_test(s, "file: 0600, rotation, redaction",
	            test_file_rotation_and_redaction);
}
