/*
 * exec: commands run without a shell, in a minimal environment, with
 * nothing inherited but stdio; output keeps its tail; a timeout kills the
 * whole process group; nothing is left behind (no zombie, no signal state).
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "testutil.h"

void test_exec_register(void);

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Big enough for 1 MiB echoed back by cat. */
static char outbuf[(1 << 20) + 4096];
static char tmpdir[4096];
static char noexec_path[4096];

static void init_run(struct dx_run *r, const char *const *argv)
{
	memset(r, 0, sizeof(*r));
	r->argv = argv;
	r->output = outbuf;
	r->output_size = sizeof(outbuf);
	/* A broken exec_run fails the test instead of hanging the run. */
	r->timeout_ms = 10000;
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 +
	       (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Gone, or a zombie waiting for init: either way it no longer runs. */
static int process_gone(pid_t pid)
{
	char path[64];
	const char *stat, *paren;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return 1;
	tu_fmt(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	stat = tu_read_file(path);
	if (stat == NULL)
		return 1;
	paren = strrchr(stat, ')');
	return paren != NULL && (paren[2] == 'Z' || paren[2] == 'X');
}

static int suite_init(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s", tu_mkdtemp("exec"));
	tu_fmt(noexec_path, sizeof(noexec_path), "%s/not-executable", tmpdir);
	tu_write_file(noexec_path, "#!/bin/sh\nexit 0\n", 0644);
	return 0;
}

static int suite_cleanup(void)
{
	tu_rm_rf(tmpdir);
	return 0;
}

static void test_commands(void)
{
	static const struct {
		const char *name;
		const char *argv[8];
		const char *stdin_data;
		int exit_status;
		int term_signal;
		const char *output;
	} rows[] = {
		{ "true", { "/bin/true" }, NULL, 0, 0, "" },
		{ "false", { "/bin/false" }, NULL, 1, 0, "" },
		{ "exit 3", { "/bin/sh", "-c", "exit 3" }, NULL, 3, 0, "" },
		/* A command that really exits 127 is not "could not start". */
		{ "exit 127", { "/bin/sh", "-c", "exit 127" }, NULL, 127, 0, "" },
		{ "echo", { "/bin/echo", "hello", "world" }, NULL, 0, 0,
		  "hello world\n" },
		{ "stderr shares the pipe",
		  { "/bin/sh", "-c", "echo out; echo err >&2; echo out2" },
		  NULL, 0, 0, "out\nerr\nout2\n" },
		/* No shell: arguments arrive verbatim. */
		{ "argv verbatim",
		  { "/bin/sh", "-c", "printf '%s|' \"$@\"", "sh", "a b",
		    "$HOME;*`id`" },
		  NULL, 0, 0, "a b|$HOME;*`id`|" },
		{ "stdin delivered", { "/bin/cat" }, "line one\nline two\n", 0,
		  0, "line one\nline two\n" },
		{ "empty stdin", { "/bin/cat" }, "", 0, 0, "" },
		{ "no stdin is /dev/null", { "/bin/cat" }, NULL, 0, 0, "" },
		{ "killed by a signal", { "/bin/sh", "-c", "kill -TERM $$" },
		  NULL, -1, SIGTERM, "" },
		{ "own process group",
		  { "/bin/sh", "-c",
		    "read p c s pp pg rest < /proc/$$/stat; test \"$pg\" = $$" },
		  NULL, 0, 0, "" },
		{ "started with a timeout, ends before it",
		  { "/bin/echo", "quick" }, NULL, 0, 0, "quick\n" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct dx_run r;
		int ret;

		init_run(&r, rows[i].argv);
		r.stdin_data = rows[i].stdin_data;
		r.stdin_len = r.stdin_data ? strlen(r.stdin_data) : 0;
		ret = exec_run(&r);
		if (ret != DX_OK || r.exit_status != rows[i].exit_status ||
		    strcmp(outbuf, rows[i].output) != 0)
			fprintf(stderr, "\n  row '%s': ret %d exit %d sig %d "
			        "output '%s'\n", rows[i].name, ret,
			        r.exit_status, r.term_signal, outbuf);
		CU_ASSERT_EQUAL(ret, DX_OK);
		CU_ASSERT_EQUAL(r.exit_status, rows[i].exit_status);
		CU_ASSERT_EQUAL(r.term_signal, rows[i].term_signal);
		CU_ASSERT_EQUAL(r.timed_out, 0);
		CU_ASSERT_STRING_EQUAL(outbuf, rows[i].output);
		CU_ASSERT_EQUAL(r.output_len, strlen(rows[i].output));
		CU_ASSERT_EQUAL(r.output_truncated, 0);
	}
}

static void test_errors(void)
{
	static const char *const no_equals[] = { "NOEQUALS", NULL };
	static const char *const empty_name[] = { "=value", NULL };
	static const char *const empty_argv[] = { NULL };
	static const struct {
		const char *name;
		const char *argv0;          /* NULL: argv itself is NULL */
		const char *const *argv;    /* used instead when set */
		const char *const *envp;
		size_t output_size;         /* 0 here: an empty buffer */
		int ret;
		int exit_status;
		int err;                    /* expected errno, 0: unchecked */
	} rows[] = {
		{ "NULL argv", NULL, NULL, NULL, 64, DX_ERR_INVALID_ARG, -1, 0 },
		{ "empty argv", NULL, empty_argv, NULL, 64,
		  DX_ERR_INVALID_ARG, -1, 0 },
		{ "relative path", "bin/true", NULL, NULL, 64, DX_ERR_EXEC, 127,
		  0 },
		{ "bare name, no PATH search", "true", NULL, NULL, 64,
		  DX_ERR_EXEC, 127, 0 },
		{ "empty argv[0]", "", NULL, NULL, 64, DX_ERR_EXEC, 127, 0 },
		{ "not found", "/nonexistent/dx-exec-test", NULL, NULL, 64,
		  DX_ERR_EXEC, 127, ENOENT },
		{ "not executable", noexec_path, NULL, NULL, 64, DX_ERR_EXEC,
		  127, EACCES },
		{ "a directory", "/", NULL, NULL, 64, DX_ERR_EXEC, 127, EACCES },
		{ "envp entry without =", "/bin/true", NULL, no_equals, 64,
		  DX_ERR_INVALID_ARG, -1, 0 },
		{ "envp entry without a name", "/bin/true", NULL, empty_name, 64,
		  DX_ERR_INVALID_ARG, -1, 0 },
		{ "zero-sized output", "/bin/true", NULL, NULL, 0,
		  DX_ERR_INVALID_ARG, -1, 0 },
	};
	size_t i;

	CU_ASSERT_EQUAL(exec_run(NULL), DX_ERR_INVALID_ARG);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *argv[2] = { rows[i].argv0, NULL };
		struct dx_run r;
		int ret;

		init_run(&r, rows[i].argv ? rows[i].argv
		             : rows[i].argv0 ? argv : NULL);
		r.envp = rows[i].envp;
		r.output_size = rows[i].output_size;
		r.exit_status = 0;
		errno = 0;
		ret = exec_run(&r);
		if (ret != rows[i].ret)
			fprintf(stderr, "\n  row '%s': ret %d\n", rows[i].name,
			        ret);
		CU_ASSERT_EQUAL(ret, rows[i].ret);
		CU_ASSERT_EQUAL(r.exit_status, rows[i].exit_status);
		if (rows[i].err != 0 && errno != rows[i].err)
			fprintf(stderr, "\n  row '%s': errno %d\n",
			        rows[i].name, errno);
		if (rows[i].err != 0)
			CU_ASSERT_EQUAL(errno, rows[i].err);
		CU_ASSERT_EQUAL(r.timed_out, 0);
		if (rows[i].output_size > 0 && rows[i].ret != DX_ERR_INVALID_ARG)
			CU_ASSERT_STRING_EQUAL(outbuf, "");
	}
}

static void test_output_keeps_tail(void)
{
	static const char *const argv[] = { "/usr/bin/seq", "1", "20000", NULL };
	static char expect[200000];
	size_t total = 0, sizes[8], i;
	int k;

	for (k = 1; k <= 20000; k++)
		total += (size_t)snprintf(expect + total, sizeof(expect) - total,
		                          "%d\n", k);
	CU_ASSERT_FATAL(total > 100000 && total < sizeof(expect));
	sizes[0] = 1;           /* room for the NUL only */
	sizes[1] = 2;
	sizes[2] = 64;
	sizes[3] = 4096;
	sizes[4] = 65537;
	sizes[5] = total;       /* one byte short */
	sizes[6] = total + 1;   /* exact fit */
	sizes[7] = total + 100;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t want = sizes[i] - 1 < total ? sizes[i] - 1 : total;
		char *buf = malloc(sizes[i]);
		struct dx_run r;

		CU_ASSERT_FATAL(buf != NULL);
		memset(buf, 'x', sizes[i]);
		init_run(&r, argv);
		r.output = buf;
		r.output_size = sizes[i];
		CU_ASSERT_EQUAL(exec_run(&r), DX_OK);
		CU_ASSERT_EQUAL(r.exit_status, 0);
		CU_ASSERT_EQUAL(r.output_len, want);
		CU_ASSERT_EQUAL(r.output_truncated, want < total);
		CU_ASSERT_EQUAL(buf[want], '\0');
		CU_ASSERT(memcmp(buf, expect + total - want, want) == 0);
		if (sizes[i] == 64)
			CU_ASSERT_STRING_EQUAL(buf + want - 12,
			                       "19999\n20000\n");
		free(buf);
	}
}

static void test_output_discarded_but_drained(void)
{
	/* ~1.3 MB: far more than a pipe holds, so seq would block forever
	   (and hit the timeout) if nobody read it. */
	static const char *const argv[] = { "/usr/bin/seq", "1", "200000",
	                                    NULL };
	struct dx_run r;

	init_run(&r, argv);
	r.output = NULL;
	r.output_size = 0;
	CU_ASSERT_EQUAL(exec_run(&r), DX_OK);
	CU_ASSERT_EQUAL(r.exit_status, 0);
	CU_ASSERT_EQUAL(r.timed_out, 0);
	CU_ASSERT_EQUAL(r.output_len, 0);
}

static void test_large_stdin(void)
{
	static const char *const cat[] = { "/bin/cat", NULL };
	static const char *const true_[] = { "/bin/true", NULL };
	const size_t len = 1 << 20;
	char *data = malloc(len);
	struct sigaction before, after;
	sigset_t mask_before, mask_after, pending;
	struct dx_run r;
	size_t i;
	int round;

	CU_ASSERT_FATAL(data != NULL);
	for (i = 0; i < len; i++)
		data[i] = (char)('a' + i % 26);
	sigaction(SIGPIPE, NULL, &before);
	sigprocmask(SIG_SETMASK, NULL, &mask_before);

	/* cat writes while we write: both pipes must be served at once. */
	init_run(&r, cat);
	r.stdin_data = data;
	r.stdin_len = len;
	CU_ASSERT_EQUAL(exec_run(&r), DX_OK);
	CU_ASSERT_EQUAL(r.exit_status, 0);
	CU_ASSERT_EQUAL(r.output_len, len);
	CU_ASSERT(memcmp(outbuf, data, len) == 0);

	/* true never reads: our writes end in EPIPE, never in SIGPIPE. */
	for (round = 0; round < 3; round++) {
		init_run(&r, true_);
		r.stdin_data = data;
		r.stdin_len = len;
		CU_ASSERT_EQUAL(exec_run(&r), DX_OK);
		CU_ASSERT_EQUAL(r.exit_status, 0);
		CU_ASSERT_EQUAL(r.timed_out, 0);
	}

	/* The signal state is exactly what it was. */
	sigaction(SIGPIPE, NULL, &after);
	sigprocmask(SIG_SETMASK, NULL, &mask_after);
	sigpending(&pending);
	CU_ASSERT(before.sa_handler == after.sa_handler);
	CU_ASSERT_EQUAL(sigismember(&mask_after, SIGPIPE),
	                sigismember(&mask_before, SIGPIPE));
	CU_ASSERT_EQUAL(sigismember(&mask_after, SIGTERM),
	                sigismember(&mask_before, SIGTERM));
	CU_ASSERT_EQUAL(sigismember(&pending, SIGPIPE), 0);
	free(data);
}

static void test_environment_isolated(void)
{
	static const char *const argv[] = { "/usr/bin/env", NULL };
	struct dx_run r;

	setenv("DX_EXEC_TEST_LEAK", "secret", 1);
	init_run(&r, argv);
	CU_ASSERT_EQUAL(exec_run(&r), DX_OK);
	unsetenv("DX_EXEC_TEST_LEAK");
	CU_ASSERT_EQUAL(r.exit_status, 0);
	CU_ASSERT_PTR_NULL(strstr(outbuf, "DX_EXEC_TEST_LEAK"));
	CU_ASSERT_PTR_NULL(strstr(outbuf, "secret"));
	CU_ASSERT_EQUAL(strncmp(outbuf, "PATH=" DEFAULT_PATH "\nLANG=C\nHOME=",
	                        strlen("PATH=" DEFAULT_PATH "\nLANG=C\nHOME=")),
	                0);
	CU_ASSERT_EQUAL(tu_count_lines(outbuf), 3);
	if (geteuid() == 0)
		CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, "\nHOME=/root\n"));
}

static void test_environment_extra(void)
{
	static const char *const argv[] = { "/usr/bin/env", NULL };
	static const char *const envp[] = {
		"LANG=C.UTF-8", "DX_EXTRA=a=b", "PATH=/bin", "DX_TWICE=1",
		"DX_TWICE=2", NULL
	};
	struct dx_run r;

	init_run(&r, argv);
	r.envp = envp;
	CU_ASSERT_EQUAL(exec_run(&r), DX_OK);
	CU_ASSERT_EQUAL(r.exit_status, 0);
	/* Overrides take the default's place; later entries win. */
	CU_ASSERT_EQUAL(strncmp(outbuf, "PATH=/bin\nLANG=C.UTF-8\nHOME=",
	                        strlen("PATH=/bin\nLANG=C.UTF-8\nHOME=")), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(outbuf, "\nDX_EXTRA=a=b\nDX_TWICE=2\n"));
	CU_ASSERT_PTR_NULL(strstr(outbuf, "DX_TWICE=1"));
	CU_ASSERT_PTR_NULL(strstr(outbuf, DEFAULT_PATH));
	CU_ASSERT_EQUAL(tu_count_lines(outbuf), 5);
}

static void test_descriptors_not_inherited(void)
{
	static const char *const argv[] = { "/bin/ls", "/proc/self/fd", NULL };
	struct dx_run r;
	int fd = open("/dev/null", O_RDONLY);   /* deliberately no CLOEXEC */
	int high = fd >= 0 ? dup2(fd, 100) : -1;

	CU_ASSERT_FATAL(fd >= 0 && high == 100);
	init_run(&r, argv);
	CU_ASSERT_EQUAL(exec_run(&r), DX_OK);
	CU_ASSERT_EQUAL(r.exit_status, 0);
	/* stdio plus the directory ls itself has open. */
	CU_ASSERT_STRING_EQUAL(outbuf, "0\n1\n2\n3\n");
	close(fd);
	close(high);
}

/* The hex mask after `key` in /proc/PID/status text; all ones when the
   line is missing, so that a missing line fails the test. */
static unsigned long long sig_bits(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	if (p == NULL)
		return ~0ULL;
	return strtoull(p + strlen(key), NULL, 16);
}

static void test_signal_state_reset(void)
{
	static const char *const grep[] = {
		"/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status", NULL
	};
	static const char *const kill_self[] = {
		"/bin/sh", "-c", "kill -TERM $$; exit 9", NULL
	};
	struct sigaction ign, old;
	sigset_t usr1, old_mask;
	struct dx_run r;

	/* An ignored signal survives exec and a blocked one stays blocked,
	   unless the child resets them. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGTERM, &ign, &old);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old_mask);

	init_run(&r, grep);
	CU_ASSERT_EQUAL(exec_run(&r), DX_OK);
	/* Signals 1-31 only: glibc reserves 32 and 33 for itself and its
	   sigaction() refuses them, so whatever the caller's caller left
	   there (make leaves them ignored) survives, harmlessly. */
	CU_ASSERT_EQUAL(sig_bits(outbuf, "SigBlk:") & 0x7fffffffULL, 0);
	CU_ASSERT_EQUAL(sig_bits(outbuf, "SigIgn:") & 0x7fffffffULL, 0);
	init_run(&r, kill_self);
	CU_ASSERT_EQUAL(exec_run(&r), DX_OK);
	CU_ASSERT_EQUAL(r.term_signal, SIGTERM);
	CU_ASSERT_EQUAL(r.exit_status, -1);

	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGTERM, &old, NULL);
}

static void test_timeout(void)
{
	static const char *const sleeper[] = { "/bin/sleep", "30", NULL };
	/* Closes its output first: the wait, not the read, must time out. */
	static const char *const quiet[] = {
		"/bin/sh", "-c", "exec >/dev/null 2>&1; exec /bin/sleep 30", NULL
	};
	const char *const *cmds[] = { sleeper, quiet };
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct timespec t0;
		struct dx_run r;
		long ms;

		init_run(&r, cmds[i]);
		r.timeout_ms = 200;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		CU_ASSERT_EQUAL(exec_run(&r), DX_ERR_EXEC_TIMEOUT);
		ms = elapsed_ms(&t0);
		CU_ASSERT(ms >= 190 && ms < 3000);
		CU_ASSERT_EQUAL(r.timed_out, 1);
		CU_ASSERT_EQUAL(r.term_signal, SIGKILL);
		CU_ASSERT_EQUAL(r.exit_status, -1);
	}
}

static void test_timeout_kills_group(void)
{
	char pidfile[4096];
	const char *argv[] = {
		"/bin/sh", "-c",
		"/bin/sleep 30 & echo $! > \"$1\"; /bin/sleep 30", "sh", pidfile,
		NULL
	};
	struct dx_run r;
	const char *text;
	long pid;
	int tries;

	tu_fmt(pidfile, sizeof(pidfile), "%s/grandchild.pid", tmpdir);
	init_run(&r, argv);
	r.timeout_ms = 500;
	CU_ASSERT_EQUAL(exec_run(&r), DX_ERR_EXEC_TIMEOUT);
	CU_ASSERT_EQUAL(r.timed_out, 1);
	text = tu_read_file(pidfile);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	pid = strtol(text, NULL, 10);
	CU_ASSERT_FATAL(pid > 1);
	/* SIGKILL is delivered asynchronously: give the kernel a moment. */
	for (tries = 0; tries < 200 && !process_gone((pid_t)pid); tries++)
		usleep(10000);
	CU_ASSERT_TRUE(process_gone((pid_t)pid));
	if (!process_gone((pid_t)pid))
		kill((pid_t)pid, SIGKILL);
}

/* Registered last: every run above must have reaped its child. */
static void test_no_zombies(void)
{
	int status;
	pid_t w = waitpid(-1, &status, WNOHANG);

	CU_ASSERT(w == 0 || (w < 0 && errno == ECHILD));
}

/* A command that exits while a child it started keeps stdout open (a
   daemon that does not close stdio) has finished: its exit is reported
   at once, not as a timeout, and its output is kept. */
static void test_exit_with_background_child(void)
{
	static const char *const argv[] = {
		"/bin/sh", "-c", "sleep 5 & echo started; exit 0", NULL
	};
	struct dx_run r;
	struct timespec t0, t1;
	long ms;

	init_run(&r, argv);
	r.timeout_ms = 3000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL(exec_run(&r), DX_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CU_ASSERT_EQUAL(r.exit_status, 0);
	CU_ASSERT_EQUAL(r.timed_out, 0);
	CU_ASSERT_STRING_EQUAL(outbuf, "started\n");
	CU_ASSERT(ms < 2000);
}

static void test_resolve(void)
{
	char path[256];

	CU_ASSERT_EQUAL(exec_resolve("sh", path, sizeof(path)), DX_OK);
	CU_ASSERT(strcmp(path, "/usr/bin/sh") == 0 ||
	          strcmp(path, "/bin/sh") == 0);
	CU_ASSERT_EQUAL(exec_resolve("true", path, sizeof(path)), DX_OK);
	CU_ASSERT_EQUAL(path[0], '/');
	/* The caller's PATH does not count. */
	setenv("PATH", "/nonexistent", 1);
	CU_ASSERT_EQUAL(exec_resolve("true", path, sizeof(path)), DX_OK);
	setenv("PATH", "/usr/bin:/bin", 1);
	/* error rows */
	CU_ASSERT_EQUAL(exec_resolve("no-such-program-here", path, sizeof(path)),
	                DX_ERR_EXEC);
	CU_ASSERT_STRING_EQUAL(path, "");
	CU_ASSERT_EQUAL(exec_resolve("/bin/true", path, sizeof(path)),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(exec_resolve("../true", path, sizeof(path)),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(exec_resolve("", path, sizeof(path)),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(exec_resolve("true", path, 4), DX_ERR_EXEC);
}

void test_exec_register(void)
{
	CU_pSuite s = CU_add_suite("exec", suite_init, suite_cleanup);

	CU_add_test(s, "commands, exit codes, output, stdin", test_commands);
	CU_add_test(s, "refused and failed starts", test_errors);
	CU_add_test(s, "output keeps its tail", test_output_keeps_tail);
	CU_add_test(s, "output discarded but drained",
	            test_output_discarded_but_drained);
	CU_add_test(s, "large stdin, no deadlock, no SIGPIPE", test_large_stdin);
	CU_add_test(s, "environment is minimal", test_environment_isolated);
	CU_add_test(s, "envp adds and overrides", test_environment_extra);
	CU_add_test(s, "descriptors >= 3 not inherited",
	            test_descriptors_not_inherited);
	CU_add_test(s, "signal dispositions and mask reset",
	            test_signal_state_reset);
	CU_add_test(s, "timeout", test_timeout);
	CU_add_test(s, "timeout kills the process group",
	            test_timeout_kills_group);
	CU_add_test(s, "resolve in the fixed search path", test_resolve);
	CU_add_test(s, "exit while a background child holds stdout",
	            test_exit_with_background_child);
	CU_add_test(s, "no zombies", test_no_zombies);
}
