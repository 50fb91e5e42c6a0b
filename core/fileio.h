/*
 * fileio - whole-file reads with a size cap, and atomic writes: a temp
 * file in the same directory (O_EXCL, the final mode set before any byte
 * is written), fsync, rename, fsync of the directory.  A reader sees the
 * old file or the new one, never a part.
 */
#ifndef DX_FILEIO_H
#define DX_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Write `len` bytes to `path` atomically with permissions `mode`. */
int fileio_write_atomic(const char *path, const void *data, size_t len,
                        mode_t mode);

/* Read all of `path` into a new NUL-terminated buffer (*out, *len).
   DX_ERR_TOO_LARGE when it is larger than `max`, DX_ERR_IO when it cannot
   be read (errno kept). */
int fileio_read_all(const char *path, size_t max, char **out, size_t *len);

#endif
