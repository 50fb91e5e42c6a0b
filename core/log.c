/*
 * log - timestamped lines to one descriptor.  Each line goes out in one
 * write() so that the worker and a concurrent enable never interleave
 * inside a line.
 */
#include "config.h"

#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

static int log_fd = 2;
static enum dx_log_level log_level = DX_LOG_INFO;

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

void log_vmsg(enum dx_log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t n;
	int k;
	int saved_errno = errno;

	if (level > log_level || level < DX_LOG_ERROR)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	k = snprintf(line, sizeof(line),
	             "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ [%d] %s: ",
	             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	             tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L, (int)getpid(),
	             level_names[level]);
	n = k > 0 ? (size_t)k : 0;
	if (n < sizeof(line)) {
		k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		if (k > 0)
			n += (size_t)k;
	}
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;  /* a long line is cut, never split */
	line[n++] = '\n';
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
