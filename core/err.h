/*
 * err - the project's result codes (enum dx_err, in dx_plugin.h) as text,
 * exit codes and status codes, each mapping in exactly one place.
 */
#ifndef DX_ERR_H
#define DX_ERR_H

#include "dx_plugin.h"

/* A short, stable description of `err` ("unknown error" when out of range). */
const char *err_str(int err);

/* The process exit code for `err`: 0 for DX_OK, otherwise a small
   non-zero number stable across releases. */
int err_exit_code(int err);

/* 1 when `err` is the user's mistake (bad settings, unsupported
   distribution), 0 when it is the system's. */
int err_is_user_error(int err);

/* The numeric code for status files: 0 for DX_OK, 100 + err for the
   user's mistakes, 200 + err for the system's (README: status codes). */
int err_status_code(int err);

#endif
