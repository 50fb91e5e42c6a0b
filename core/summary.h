/*
 * summary - `docker-extension status`: what the last run of the installed
 * extension did, for a person on the VM.  It reads the newest status file
 * (each step's result) and the log (each step's duration) and says what to
 * do next when something failed.  Read-only.
 */
#ifndef DX_SUMMARY_H
#define DX_SUMMARY_H

#include <stdio.h>

/* argv: status [--json] [--dir EXTENSION_DIR].  Exit 0 when the last run
   succeeded, 1 when it failed, 3 while it is still running, 2 on a usage
   error or when no installed extension is found. */
int summary_main(int argc, char **argv);

/* The advice for a status code (0 gives ""). */
const char *summary_hint(int code);

/* Milliseconds since the epoch of a log line's time stamp, or -1. */
long long summary_log_time(const char *line);

#endif
