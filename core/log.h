/*
 * log - the handler's one log sink: timestamped lines (UTC, pid, level,
 * step) to a file descriptor (stderr until log_open_file()).  Every line
 * passes through the redaction layer before it is written, so a secret
 * that slips into a message (say, in a child's output) becomes "***".
 */
#ifndef DX_LOG_H
#define DX_LOG_H

#include <stdarg.h>

#include "dx_plugin.h"

/* Send log lines to `fd` from now on (the caller keeps ownership). */
void log_set_fd(int fd);

/* Append to the file at `path` (created 0600) from now on.  When it grows
   past `max_bytes`, it is renamed to `<path>.1` (replacing the previous
   one) and a new file is started: at most two files, ~2 x max_bytes.
   Returns DX_OK or DX_ERR_IO (lines keep going to the previous sink). */
int log_open_file(const char *path, size_t max_bytes);

/* The descriptor lines go to (for a worker's stdout/stderr). */
int log_fd_get(void);

/* Close a file opened by log_open_file(); lines go to stderr again. */
void log_close_file(void);

/* A short word saying which step lines belong to ("enable", "install",
   "compose", ...), printed on every line; NULL for none. */
void log_set_step(const char *step);
/* Drop lines above `level` (default DX_LOG_INFO). */
void log_set_level(enum dx_log_level level);

void log_msg(enum dx_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum dx_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_error(...) log_msg(DX_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(DX_LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(DX_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(DX_LOG_DEBUG, __VA_ARGS__)

#endif
