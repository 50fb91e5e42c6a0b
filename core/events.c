/*
 * events - telemetry files for waagent.
 */
#include "config.h"

#include "events.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "jsonw.h"
#include "redact.h"

static char events_folder[PATH_MAX];
static char events_operation[128];
static unsigned events_counter;

void events_init(const char *folder, const char *operation_id)
{
	events_folder[0] = '\0';
	if (folder != NULL)
		(void)snprintf(events_folder, sizeof(events_folder), "%s", folder);
	(void)snprintf(events_operation, sizeof(events_operation), "%s",
	               operation_id != NULL ? operation_id : "");
}

static void utc_timestamp(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	(void)snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	               tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	               tm.tm_hour, tm.tm_min, tm.tm_sec,
	               ts.tv_nsec / 1000000L);
}

void events_emit(const char *task, int is_error, long duration_ms,
                 const char *fmt, ...)
{
	char message[EVENTS_MESSAGE_MAX + 64];
	char stamp[80], path[PATH_MAX + 64], pid[24], tid[24];
	struct timespec now;
	struct jsonw w;
	va_list ap;
	char *full;

	if (events_folder[0] == '\0')
		return;
	/* Masked in full before the cut: events leave the VM. */
	va_start(ap, fmt);
	full = redact_vformat(fmt, ap);
	va_end(ap);
	if (full == NULL)
		return;
	(void)snprintf(message, sizeof(message), "%.*s (%ld ms)",
	               EVENTS_MESSAGE_MAX - 32, full, duration_ms);
	redact_free(full);
	utc_timestamp(stamp, sizeof(stamp));
	(void)snprintf(pid, sizeof(pid), "%d", (int)getpid());
	(void)snprintf(tid, sizeof(tid), "%ld", (long)syscall(SYS_gettid));

	jsonw_init(&w);
	jsonw_begin_array(&w);
	jsonw_begin_object(&w);
	jsonw_key(&w, "Version");
	jsonw_string(&w, PACKAGE_VERSION, 0);
	jsonw_key(&w, "Timestamp");
	jsonw_string(&w, stamp, 0);
	jsonw_key(&w, "TaskName");
	jsonw_string(&w, task, 128);
	jsonw_key(&w, "EventLevel");
	jsonw_string(&w, is_error ? "Error" : "Informational", 0);
	jsonw_key(&w, "Message");
	jsonw_string(&w, message, EVENTS_MESSAGE_MAX);
	jsonw_key(&w, "EventPid");
	jsonw_string(&w, pid, 0);
	jsonw_key(&w, "EventTid");
	jsonw_string(&w, tid, 0);
	jsonw_key(&w, "OperationId");
	jsonw_string(&w, events_operation, 128);
	jsonw_end_object(&w);
	jsonw_end_array(&w);

	/* waagent collects files named ^\d+\.json$ (our temp files are not);
	   nanoseconds plus a counter keep names unique within a run. */
	clock_gettime(CLOCK_REALTIME, &now);
	(void)snprintf(path, sizeof(path), "%s/%lld%09ld%03u.json",
	               events_folder, (long long)now.tv_sec, now.tv_nsec,
	               events_counter++ % 1000);
	if (!jsonw_failed(&w))
		(void)fileio_write_atomic(path, w.buf, w.len, 0644);
	jsonw_free(&w);
}
