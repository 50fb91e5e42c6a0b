/*
 * testutil - small helpers shared by the CUnit suites.
 */
#ifndef DX_TESTUTIL_H
#define DX_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* A fresh empty directory under the build tree (never /tmp: the loader's
   trust checks walk parents, and /tmp is world writable).  Returns a
   static path valid until the next call; aborts on failure. */
const char *tu_mkdtemp(const char *tag);

/* mkdir -p with mode 0755 (aborts on failure). */
void tu_mkdir_p(const char *path);

/* Remove a directory tree (used for cleanup; best effort). */
void tu_rm_rf(const char *path);

/* Write a file with `mode` (not atomically; test setup only). */
void tu_write_file(const char *path, const char *text, mode_t mode);

/* Read a whole file into a static buffer; NULL when unreadable. */
const char *tu_read_file(const char *path);

/* Copy a file, keeping nothing but the bytes; sets `mode`. */
void tu_copy_file(const char *from, const char *to, mode_t mode);

/* snprintf() that aborts the test run when the result does not fit. */
void tu_fmt(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* getenv() that aborts with a clear message when unset. */
const char *tu_env(const char *name);

/* The absolute path of the source tree's tests/fixtures/<rel>. */
const char *tu_fixture(const char *rel);

/* The number of rows in a table (an array, not a pointer). */
#define TU_N_ROWS(a) (sizeof(a) / sizeof((a)[0]))

/* A CUnit assert whose failure text names the table row:
   "[<row>] <cond>" at the caller's file and line. */
#define TU_ROW_ASSERT(cond, row) \
	tu_row_assert((cond), __LINE__, __FILE__, #cond, (row))

void tu_row_assert(int ok, unsigned line, const char *file, const char *cond,
                   const char *row);

/* Entries in directory `dir` other than . and .. (temp files included);
   -1 when it cannot be opened. */
int tu_count_entries(const char *dir);

/* The number of '\n' in a string. */
size_t tu_count_lines(const char *s);

/* Strict UTF-8 check of n bytes, written from the code point's side
   (decode, then reject overlongs, surrogates and values past U+10FFFF) so
   that it does not share jsonw's table of byte ranges.  1 when valid. */
int tu_valid_utf8(const char *text, size_t n);

#endif
