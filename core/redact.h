/*
 * redact - every secret value is registered here the moment it exists;
 * redact_text() replaces each occurrence with "***" in anything that is
 * about to be written to the log, a status file, stdout/stderr or the
 * events folder, including the captured output of child processes.
 */
#ifndef DX_REDACT_H
#define DX_REDACT_H

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

/* How many secrets are registered (short ones and duplicates are not). */
size_t redact_count(void);

#endif
