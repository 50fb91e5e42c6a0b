/*
 * redact - every secret value is registered here the moment it exists;
 * redact_text() replaces each occurrence with "***" in anything that is
 * about to be written to the log, a status file, stdout/stderr or the
 * events folder, including the captured output of child processes.
 */
#ifndef DX_REDACT_H
#define DX_REDACT_H

#include <stdarg.h>
#include <stddef.h>

#define REDACT_MASK "***"

/* Register a secret (copied; values shorter than 4 bytes are ignored:
   masking every "a" would make logs useless and protect nothing).
   Returns DX_OK or DX_ERR_NOMEM. */
int redact_add(const char *secret);

/* Replace every registered secret in buf (NUL-terminated, capacity `size`)
   in place; the text only shrinks or keeps its length, except when a
   secret is shorter than the mask, which never happens (minimum 4).
   Returns the new length. */
size_t redact_text(char *buf, size_t size);

/* Forget (and wipe) every registered secret. */
void redact_clear(void);

/* The length of the longest registered secret (0 when none). */
size_t redact_longest(void);

/* Format fmt/ap in full, mask every secret, and return the text in a new
   buffer (NULL when out of memory).  Masking before any cut matters: a
   secret cut in half would no longer match.  Free with redact_free(). */
char *redact_vformat(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));
void redact_free(char *text);

/* The start of `buf` may hold the tail of a secret whose beginning was
   cut off (the last bytes of a long output): mask it ('*') up to the
   longest secret's length - 1.  Returns the length. */
size_t redact_cut_start(char *buf, size_t len);

/* How many secrets are registered (short ones and duplicates are not). */
size_t redact_count(void);

#endif
