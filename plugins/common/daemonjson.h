/*
 * daemonjson - /etc/docker/daemon.json as the extension sees it: a JSON
 * object whose top-level keys are either the extension's (from
 * docker.daemon) or someone else's (an administrator's, another tool's),
 * which are kept as they are.
 *
 * Why not cJSON: the merge only needs the top-level members, each value
 * kept as its exact source text, and a validation that the file is JSON.
 * A small validating scanner does that without giving every plugin a
 * run-time library dependency of its own (plugins link nothing but libc;
 * the extension package would otherwise have to make libcjson findable
 * from each dlopen()ed plugin).
 */
#ifndef DX_DAEMONJSON_H
#define DX_DAEMONJSON_H

#include <stddef.h>

#define DJ_MAX_MEMBERS 256

struct dj_member {
	const char *key;      /* the key's text between its quotes (raw) */
	size_t key_len;
	const char *value;    /* the value's source text */
	size_t value_len;
};

struct dj_object {
	struct dj_member m[DJ_MAX_MEMBERS];
	size_t n;
};

/* Parse a JSON object (the members point into `text`).  0, or -1 with a
   reason ("not a JSON object", "unexpected 'x' at byte 12", ...). */
int dj_parse(const char *text, size_t len, struct dj_object *out,
             char *why, size_t whysize);

/* Index of member `key` (raw text), or -1. */
int dj_find(const struct dj_object *o, const char *key, size_t key_len);

/* The merged file, malloc'd: the members of `old` whose keys are neither
   in `drop` (keys this extension owned before, or keys that conflict with
   its flags; NULL-terminated list of raw keys) nor in `want`, in their
   order, then every member of `want`.  Pretty-printed, ending with a
   newline.  NULL when out of memory. */
char *dj_merge(const struct dj_object *old, const char *const *drop,
               const struct dj_object *want);

#endif
