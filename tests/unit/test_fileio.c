/*
 * fileio: atomic writes (exact mode whatever the umask, replacement by
 * rename, no temp file left behind on success or failure) and capped
 * whole-file reads (exact bytes, the cap at its edges, errno kept, files
 * whose stat() size means nothing).
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dx_plugin.h"
#include "fileio.h"
#include "testutil.h"

void test_fileio_register(void);

static char dir[PATH_MAX];

static int suite_init(void)
{
	tu_fmt(dir, sizeof(dir), "%s", tu_mkdtemp("fileio"));
	return 0;
}

static int suite_cleanup(void)
{
	if (dir[0] != '\0')
		tu_rm_rf(dir);
	return 0;
}

static const char *in_dir(const char *name)
{
	static char path[PATH_MAX];

	tu_fmt(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* Whole file into buf (test side, independent of fileio); -1 on error. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (used < size && (n = read(fd, buf + used, size - used)) > 0)
		used += (size_t)n;
	close(fd);
	return (ssize_t)used;
}

/* Set-up writes with exact bytes (tu_write_file stops at a NUL). */
static void put_bytes(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, data, len) == (ssize_t)len);
	close(fd);
}

/* ---- fileio_write_atomic -------------------------------------------------------- */

static void test_write_modes(void)
{
	static const struct {
		mode_t mode;
		mode_t umask;
	} rows[] = {
		{ 0600, 0 }, { 0600, 077 },
		{ 0644, 0 }, { 0644, 077 },
		{ 0755, 0 }, { 0755, 077 },
		{ 0400, 022 }, { 0666, 022 },
	};
	static const char text[] = "mode test\n";
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		const char *path = in_dir("mode");
		char row[64], buf[64];
		struct stat st;
		mode_t old;
		int r;

		tu_fmt(row, sizeof(row), "mode %04o umask %03o",
		       (unsigned)rows[i].mode, (unsigned)rows[i].umask);
		old = umask(rows[i].umask);
		r = fileio_write_atomic(path, text, strlen(text), rows[i].mode);
		umask(old);
		TU_ROW_ASSERT(r == DX_OK, row);
		TU_ROW_ASSERT(stat(path, &st) == 0 && S_ISREG(st.st_mode), row);
		TU_ROW_ASSERT((st.st_mode & 07777) == rows[i].mode, row);
		TU_ROW_ASSERT(slurp(path, buf, sizeof(buf)) == (ssize_t)strlen(text) &&
		              memcmp(buf, text, strlen(text)) == 0, row);
		TU_ROW_ASSERT(tu_count_entries(dir) == 1, row);
		unlink(path);
	}
}

static void test_write_replaces_atomically(void)
{
	static const char bin[] = "new\0contents\n";  /* a NUL inside */
	const char *path = in_dir("replace");
	struct stat before, after;
	char buf[64];
	int old_fd;

	put_bytes(path, "old contents\n", 13);
	CU_ASSERT_FATAL(chmod(path, 0644) == 0);
	CU_ASSERT_FATAL(stat(path, &before) == 0);
	old_fd = open(path, O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(old_fd >= 0);

	CU_ASSERT_EQUAL(fileio_write_atomic(path, bin, sizeof(bin) - 1, 0600),
	                DX_OK);
	CU_ASSERT_FATAL(stat(path, &after) == 0);
	CU_ASSERT_EQUAL(after.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(slurp(path, buf, sizeof(buf)), (ssize_t)sizeof(bin) - 1);
	CU_ASSERT(memcmp(buf, bin, sizeof(bin) - 1) == 0);
	/* A rename, not a rewrite in place: a new inode, and a reader that
	   opened the old file still sees all of the old bytes. */
	CU_ASSERT_NOT_EQUAL(before.st_ino, after.st_ino);
	CU_ASSERT_EQUAL(read(old_fd, buf, sizeof(buf)), 13);
	CU_ASSERT(memcmp(buf, "old contents\n", 13) == 0);
	close(old_fd);
	CU_ASSERT_EQUAL(tu_count_entries(dir), 1);
	unlink(path);
}

static void test_write_zero_length(void)
{
	static const struct {
		const char *name;
		const void *data;
	} rows[] = {
		{ "NULL data", NULL },
		{ "empty string", "" },
	};
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		const char *path = in_dir("empty");
		struct stat st;

		/* Replaces a non-empty file: the result is empty, not kept. */
		put_bytes(path, "x", 1);
		TU_ROW_ASSERT(fileio_write_atomic(path, rows[i].data, 0, 0640) ==
		              DX_OK, rows[i].name);
		TU_ROW_ASSERT(stat(path, &st) == 0 && st.st_size == 0, rows[i].name);
		TU_ROW_ASSERT((st.st_mode & 07777) == 0640, rows[i].name);
		TU_ROW_ASSERT(tu_count_entries(dir) == 1, rows[i].name);
		unlink(path);
	}
}

static void test_write_relative_path(void)
{
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	CU_ASSERT_FATAL(cwd >= 0);
	CU_ASSERT_FATAL(chdir(dir) == 0);
	/* No slash: the directory to fsync is "." */
	CU_ASSERT_EQUAL(fileio_write_atomic("rel", "r\n", 2, 0644), DX_OK);
	CU_ASSERT(stat("rel", &st) == 0 && st.st_size == 2);
	unlink("rel");
	CU_ASSERT(fchdir(cwd) == 0);
	close(cwd);
	CU_ASSERT_EQUAL(tu_count_entries(dir), 0);
}

static void test_write_failures(void)
{
	const char *sub;
	char missing[PATH_MAX], target_dir[PATH_MAX];
	char *long_path;

	/* The directory the file should go to does not exist. */
	tu_fmt(missing, sizeof(missing), "%s/no-such-dir/file", dir);
	errno = 0;
	CU_ASSERT_EQUAL(fileio_write_atomic(missing, "x", 1, 0644), DX_ERR_IO);
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT_EQUAL(tu_count_entries(dir), 0);

	/* The target is a directory: the temp file was made, then the
	   rename failed; the temp file must be gone again. */
	sub = in_dir("a-directory");
	tu_fmt(target_dir, sizeof(target_dir), "%s", sub);
	CU_ASSERT_FATAL(mkdir(target_dir, 0755) == 0);
	errno = 0;
	CU_ASSERT_EQUAL(fileio_write_atomic(target_dir, "x", 1, 0644),
	                DX_ERR_IO);
	CU_ASSERT_EQUAL(errno, EISDIR);
	CU_ASSERT_EQUAL(tu_count_entries(dir), 1);
	CU_ASSERT_EQUAL(tu_count_entries(target_dir), 0);
	rmdir(target_dir);

	/* Invalid arguments: nothing is created. */
	CU_ASSERT_EQUAL(fileio_write_atomic(NULL, "x", 1, 0644),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(fileio_write_atomic("", "x", 1, 0644),
	                DX_ERR_INVALID_ARG);
	CU_ASSERT_EQUAL(fileio_write_atomic(in_dir("nodata"), NULL, 1, 0644),
	                DX_ERR_INVALID_ARG);
	long_path = malloc(PATH_MAX + 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(long_path);
	memset(long_path, 'a', PATH_MAX + 15);
	long_path[PATH_MAX + 15] = '\0';
	CU_ASSERT_EQUAL(fileio_write_atomic(long_path, "x", 1, 0644),
	                DX_ERR_INVALID_ARG);
	free(long_path);
	CU_ASSERT_EQUAL(tu_count_entries(dir), 0);
}

/* ---- fileio_read_all ----------------------------------------------------------------- */

static void test_read_table(void)
{
	static char big[5000];
	static const struct {
		const char *name;
		const char *data;   /* NULL: `big` */
		size_t len;
		size_t max;
		int want;
	} rows[] = {
		{ "text", "hello\n", 6, 1024, DX_OK },
		{ "binary", "a\0b\n", 4, 1024, DX_OK },
		{ "empty", "", 0, 1024, DX_OK },
		{ "past the first buffer", NULL, sizeof(big), 10000, DX_OK },
		{ "one under the cap", "12345", 5, 6, DX_OK },
		{ "exactly the cap", "123456", 6, 6, DX_OK },
		{ "empty, cap 0", "", 0, 0, DX_OK },
		/* error rows */
		{ "one over the cap", "1234567", 7, 6, DX_ERR_TOO_LARGE },
		{ "big, cap one under", NULL, sizeof(big), sizeof(big) - 1,
		  DX_ERR_TOO_LARGE },
		{ "big, cap 0", NULL, sizeof(big), 0, DX_ERR_TOO_LARGE },
		{ "one byte, cap 0", "x", 1, 0, DX_ERR_TOO_LARGE },
	};
	size_t i;

	memset(big, 'b', sizeof(big));
	for (i = 0; i < TU_N_ROWS(rows); i++) {
		const char *data = rows[i].data != NULL ? rows[i].data : big;
		const char *path = in_dir("read");
		char *out = (char *)"junk";
		size_t len = 99;
		int r;

		put_bytes(path, data, rows[i].len);
		r = fileio_read_all(path, rows[i].max, &out, &len);
		TU_ROW_ASSERT(r == rows[i].want, rows[i].name);
		if (r != DX_OK) {
			TU_ROW_ASSERT(out == NULL && len == 0, rows[i].name);
		} else {
			TU_ROW_ASSERT(len == rows[i].len, rows[i].name);
			TU_ROW_ASSERT(out != NULL && memcmp(out, data, rows[i].len) == 0,
			              rows[i].name);
			TU_ROW_ASSERT(out != NULL && out[len] == '\0', rows[i].name);
			free(out);
		}
		unlink(path);
	}
}

static void test_read_proc(void)
{
	char *out = NULL;
	size_t len = 0;
	struct stat st;

	/* stat() says 0 bytes; the content is still read in full. */
	CU_ASSERT_FATAL(stat("/proc/self/status", &st) == 0);
	CU_ASSERT_EQUAL(st.st_size, 0);
	CU_ASSERT_EQUAL_FATAL(fileio_read_all("/proc/self/status", 1 << 20,
	                                      &out, &len), DX_OK);
	CU_ASSERT(len > 0);
	CU_ASSERT_EQUAL(strlen(out), len);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Name:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Pid:"));
	free(out);
	/* The cap holds for such files too. */
	out = (char *)"junk";
	CU_ASSERT_EQUAL(fileio_read_all("/proc/self/status", 10, &out, &len),
	                DX_ERR_TOO_LARGE);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_EQUAL(len, 0);
}

static void test_read_errors(void)
{
	static const struct {
		const char *name;
		const char *rel;    /* under the work directory */
		int err;
	} rows[] = {
		{ "missing file", "missing", ENOENT },
		{ "missing parent", "no-such-dir/file", ENOENT },
		{ "file as a directory", "plain/file", ENOTDIR },
		{ "a directory", "subdir", EISDIR },
	};
	size_t i;

	tu_write_file(in_dir("plain"), "x", 0644);
	CU_ASSERT_FATAL(mkdir(in_dir("subdir"), 0755) == 0);
	for (i = 0; i < TU_N_ROWS(rows); i++) {
		char *out = (char *)"junk";
		size_t len = 99;

		errno = 0;
		TU_ROW_ASSERT(fileio_read_all(in_dir(rows[i].rel), 1024, &out, &len) ==
		              DX_ERR_IO, rows[i].name);
		TU_ROW_ASSERT(errno == rows[i].err, rows[i].name);
		TU_ROW_ASSERT(out == NULL && len == 0, rows[i].name);
	}
	unlink(in_dir("plain"));
	rmdir(in_dir("subdir"));
	CU_ASSERT_EQUAL(tu_count_entries(dir), 0);
}

void test_fileio_register(void)
{
	CU_pSuite s = CU_add_suite("fileio", suite_init, suite_cleanup);

	CU_add_test(s, "write: exact mode whatever the umask", test_write_modes);
	CU_add_test(s, "write: replaces by rename", test_write_replaces_atomically);
	CU_add_test(s, "write: zero length", test_write_zero_length);
	CU_add_test(s, "write: relative path", test_write_relative_path);
	CU_add_test(s, "write: failures leave nothing behind",
	            test_write_failures);
	CU_add_test(s, "read: bytes, NUL, cap", test_read_table);
	CU_add_test(s, "read: /proc file with stat size 0", test_read_proc);
	CU_add_test(s, "read: errors keep errno", test_read_errors);
}
