/*
 * json - reading JSON answers and files (the Docker Engine API's, our own
 * status files) through cJSON, so that the modules that read them do not
 * each depend on cJSON's API.  A read-only view: look up members, walk
 * arrays, take strings and numbers; absent or mistyped values read as
 * NULL / "" / 0, so callers need no type checks for optional fields.
 *
 * (settings.c, which validates user input key by key with exact type
 * errors, still uses cJSON directly; it predates this module.)
 */
#ifndef DX_JSON_H
#define DX_JSON_H

#include <stddef.h>

struct json;                 /* a parsed document */
typedef const void json_val; /* a value inside it */

/* NULL when `text` is not JSON (or on memory exhaustion). */
struct json *json_parse(const char *text, size_t len);
void json_free(struct json *doc);
json_val *json_root(const struct json *doc);

/* The member `name` of an object (case-sensitive), or NULL. */
json_val *json_get(json_val *obj, const char *name);
/* Walking an array or object: for (v = json_first(a); v; v = json_next(v)).
   json_first() is NULL for anything else; json_count() 0. */
json_val *json_first(json_val *container);
json_val *json_next(json_val *v);
size_t json_count(json_val *arr);

int json_is_object(json_val *v);
int json_is_array(json_val *v);
/* The string, or "" when v is not a string. */
const char *json_str(json_val *v);
/* The number as int (clamped), or 0 when v is not a number. */
int json_int(json_val *v);
/* The key under which v sits in its object, or "". */
const char *json_key(json_val *v);

#endif
