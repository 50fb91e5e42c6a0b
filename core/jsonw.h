/*
 * jsonw - a small JSON writer into a growing buffer, for the files we
 * emit (status, events, heartbeat).  Strings are written as valid UTF-8:
 * invalid bytes become U+FFFD, control characters are escaped.  An
 * allocation failure sticks (jsonw_failed) so callers check once.
 */
#ifndef DX_JSONW_H
#define DX_JSONW_H

#include <stddef.h>

struct jsonw {
	char *buf;        /* NUL-terminated once anything was written */
	size_t len;
	size_t cap;
	int failed;
	int need_comma;   /* internal */
};

void jsonw_init(struct jsonw *w);
void jsonw_free(struct jsonw *w);

void jsonw_begin_object(struct jsonw *w);
void jsonw_end_object(struct jsonw *w);
void jsonw_begin_array(struct jsonw *w);
void jsonw_end_array(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);
/* A string value; at most `max` bytes of it (0: no limit), cut on a UTF-8
   boundary with "..." appended when cut.  `max` counts the repaired text
   (a U+FFFD is 3 bytes), not the escapes.  NULL is written as null. */
void jsonw_string(struct jsonw *w, const char *s, size_t max);
void jsonw_int(struct jsonw *w, long long v);
void jsonw_raw(struct jsonw *w, const char *text);  /* e.g. "1.0", "null" */

int jsonw_failed(const struct jsonw *w);

#endif
