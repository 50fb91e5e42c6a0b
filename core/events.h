/*
 * events - telemetry for waagent's ExtensionTelemetryPipeline: one JSON
 * event per step (name, duration, result) as a file <eventsFolder>/<N>.json
 * holding an array of one event with the keys waagent collects (Version,
 * Timestamp, TaskName, EventLevel, Message, EventPid, EventTid,
 * OperationId).  Within waagent's limits: a message is cut to 3 KiB, an
 * event stays far below 6 KiB, and a run emits a handful, far below 300.
 * Messages pass through redaction like everything else that leaves us.
 */
#ifndef DX_EVENTS_H
#define DX_EVENTS_H

#define EVENTS_MESSAGE_MAX 3072

/* Where events go (NULL or "": nowhere) and the operation id that ties
   the events of one run together. */
void events_init(const char *folder, const char *operation_id);

/* Emit one event; best effort (telemetry never fails a command). */
void events_emit(const char *task, int is_error, long duration_ms,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
