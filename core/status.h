/*
 * status - the <statusFolder>/<seq>.status file waagent reads, exactly to
 * its schema (waagent-contract.md 3.2): an array of one object with
 * version, timestampUTC ("...Z"), status {name, operation, status, code,
 * formattedMessage {lang, message}, substatus [...]}, written to a temp
 * file, fsync'd and renamed.  All text is redacted and valid UTF-8; the
 * top message is at most 1 KiB, each substatus message at most 2 KiB, and
 * the whole file stays far below waagent's 128 KiB.
 */
#ifndef DX_STATUS_H
#define DX_STATUS_H

#include <stddef.h>

enum status_state {
	STATUS_TRANSITIONING = 0,
	STATUS_WARNING,
	STATUS_ERROR,
	STATUS_SUCCESS
};

#define STATUS_MESSAGE_MAX 1024
#define STATUS_SUB_MESSAGE_MAX 2048
#define STATUS_MAX_SUBSTATUS 256
#define STATUS_FILE_MAX (96 * 1024)

struct status_sub {
	char name[128];
	enum status_state state;
	int code;
	char message[STATUS_SUB_MESSAGE_MAX];
};

struct status_report {
	const char *name;          /* handler name, "Publisher.Type" */
	const char *operation;     /* "Enable", ... */
	enum status_state state;
	int code;
	char message[STATUS_MESSAGE_MAX];
	struct status_sub subs[STATUS_MAX_SUBSTATUS];
	size_t n_subs;
	/* status_sub() calls with a new name once subs[] was full; the file
	   then ends with an entry "... N more not shown" in the last slot. */
	size_t n_dropped;
};

/* "transitioning", "warning", "error", "success". */
const char *status_state_str(enum status_state s);

/* Start a report (clears substatus). */
void status_begin(struct status_report *r, const char *name,
                  const char *operation, enum status_state state, int code,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Add or replace (by name) one substatus entry. */
void status_sub(struct status_report *r, const char *name,
                enum status_state state, int code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Serialise `r` (pure; for tests and for the writer).  *out is malloc'd. */
int status_render(const struct status_report *r, char **out, size_t *len);

/* Write <dir>/<seq>.status atomically (mode 0644). */
int status_write(const char *dir, unsigned long seq,
                 const struct status_report *r);

#endif
