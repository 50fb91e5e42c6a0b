/*
 * log - timestamped lines to one descriptor.  Each line goes out in one
 * write() so that the worker and a concurrent enable never interleave
 * inside a line.
 */
#include "config.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "redact.h"

#define LOG_LINE_MAX 2048
#define LOG_PATH_MAX 4096

static int log_fd = 2;
static int file_fd = -1;            /* log_fd when it is our file */
static char file_path[LOG_PATH_MAX];
static size_t file_max;
static enum dx_log_level log_level = DX_LOG_INFO;
static const char *log_step;

static const char *const level_names[] = {
	[DX_LOG_ERROR] = "ERROR",
	[DX_LOG_WARN] = "WARN",
	[DX_LOG_INFO] = "INFO",
	[DX_LOG_DEBUG] = "DEBUG",
};

void log_set_fd(int fd)
{
	log_fd = fd;
}

void log_set_level(enum dx_log_level level)
{
	log_level = level;
}

void log_set_step(const char *step)
{
	log_step = step;
}

int log_fd_get(void)
{
	return log_fd;
}

static int open_append(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	            0600);
}

int log_open_file(const char *path, size_t max_bytes)
{
	int fd;

	if (snprintf(file_path, sizeof(file_path), "%s", path) >=
	    (int)sizeof(file_path))
		return DX_ERR_INVALID_ARG;
	fd = open_append(path);
	if (fd < 0)
		return DX_ERR_IO;
	log_close_file();
	file_fd = fd;
	file_max = max_bytes;
	log_fd = fd;
	return DX_OK;
}

void log_close_file(void)
{
	if (file_fd >= 0) {
		close(file_fd);
		if (log_fd == file_fd)
			log_fd = 2;
		file_fd = -1;
	}
}

/* Point `target` at `fd` when it refers to the file described by `old`
   (a worker's stdout and stderr are the log file too). */
static void follow(int target, const struct stat *old, int fd)
{
	struct stat st;

	if (fstat(target, &st) == 0 && st.st_ino == old->st_ino &&
	    st.st_dev == old->st_dev)
		(void)dup2(fd, target);
}

/* Keep the log bounded: past file_max, the file becomes <path>.1.  The
   worker and an enable may both get here: an flock() on the full file
   serialises them, and the second sees that the name already points at
   a new file, so it does not rotate that one away. */
static void rotate_if_needed(void)
{
	char rotated[LOG_PATH_MAX + 2];
	struct stat cur, named;
	int fd;

	if (file_fd < 0 || log_fd != file_fd || file_max == 0 ||
	    fstat(file_fd, &cur) != 0 || (size_t)cur.st_size < file_max)
		return;
	if (snprintf(rotated, sizeof(rotated), "%s.1", file_path) >=
	    (int)sizeof(rotated) ||
	    flock(file_fd, LOCK_EX) != 0)
		return;
	if (stat(file_path, &named) == 0 && named.st_ino == cur.st_ino &&
	    named.st_dev == cur.st_dev)
		(void)rename(file_path, rotated);
	fd = open_append(file_path);
	if (fd < 0) {
		(void)flock(file_fd, LOCK_UN);
		return;
	}
	follow(1, &cur, fd);
	follow(2, &cur, fd);
	/* Same descriptor number, new file; the old one (and its lock) goes
	   with its last reference. */
	(void)flock(file_fd, LOCK_UN);
	if (dup2(fd, file_fd) >= 0)
		close(fd);
}

void log_vmsg(enum dx_log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	char *msg;
	struct timespec ts;
	struct tm tm;
	size_t n, len;
	int k;
	int saved_errno = errno;

	if (level > log_level || level < DX_LOG_ERROR)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	k = snprintf(line, sizeof(line),
	             "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ [%d] %s: %s%s",
	             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	             tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L, (int)getpid(),
	             level_names[level], log_step ? log_step : "",
	             log_step ? ": " : "");
	n = k > 0 && (size_t)k < sizeof(line) ? (size_t)k : 0;
	/* Redact the whole message before cutting it: a secret that
	   straddled the cut would otherwise leave its first bytes. */
	msg = redact_vformat(fmt, ap);
	len = msg != NULL ? strlen(msg) : 0;
	if (len > sizeof(line) - 2 - n)
		len = sizeof(line) - 2 - n;  /* a long line is cut, never split */
	if (len > 0)
		memcpy(line + n, msg, len);
	n += len;
	line[n++] = '\n';
	redact_free(msg);
	rotate_if_needed();
	while (write(log_fd, line, n) < 0 && errno == EINTR)
		;
	errno = saved_errno;
}

void log_msg(enum dx_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
