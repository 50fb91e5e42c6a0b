/*
 * log - the handler's one log sink: timestamped lines to a file
 * descriptor (stderr until log_open() points it at the log file).
 * Nothing secret is ever passed here.
 */
#ifndef DX_LOG_H
#define DX_LOG_H

#include <stdarg.h>

#include "dx_plugin.h"

/* Send log lines to `fd` from now on (the caller keeps ownership). */
void log_set_fd(int fd);
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
