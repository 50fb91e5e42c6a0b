/*
 * exec - run one command the safe way (modelled on OpenSSH subprocess()):
 * absolute argv[0], no shell, a minimal explicit environment, stdin from a
 * pipe or /dev/null, every other descriptor closed in the child, its own
 * process group (a timeout kills the whole group), bounded output capture.
 */
#ifndef DX_EXEC_H
#define DX_EXEC_H

#include "dx_plugin.h"

/* Run `r` (see struct dx_run in dx_plugin.h).  Returns DX_OK when the
   command ran to an exit (whatever its status), DX_ERR_EXEC when it could
   not be started (not absolute, not found, not executable: exit_status
   127), DX_ERR_EXEC_TIMEOUT when killed at its time limit,
   DX_ERR_INVALID_ARG for a NULL or empty argv. */
int exec_run(struct dx_run *r);

#endif
