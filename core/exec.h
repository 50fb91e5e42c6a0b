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
   command ran to an exit or was killed by a signal other than our timeout
   (look at exit_status / term_signal); DX_ERR_EXEC when it could not be
   started (exit_status 127, errno says why); DX_ERR_EXEC_TIMEOUT when
   killed at its time limit; DX_ERR_INVALID_ARG for a NULL r, NULL/empty
   argv, an envp entry that is not NAME=VALUE, or output != NULL with
   output_size 0; DX_ERR_NOMEM; DX_ERR_INTERNAL when poll/waitpid fail.
   Output is read until EOF: a descendant that keeps stdout open (a daemon
   that does not close stdio) holds the call until the timeout, so always
   pass one.  The handler must leave SIGCHLD at its default. */
int exec_run(struct dx_run *r);

/* Close every descriptor >= lowfd (close_range where the kernel has it,
   else /proc/self/fd, else a loop). */
void exec_close_from(int lowfd);

/* The fixed search path for exec_resolve (never the caller's PATH);
   /opt/bin last: Flatcar's place for added programs (its /usr is
   read-only), where its plugin installs docker-compose. */
#define EXEC_SEARCH_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/bin"

/* The absolute path of program `name` ("apt-get") in EXEC_SEARCH_PATH:
   the first regular, executable file.  A name with a '/' is refused.
   DX_OK, DX_ERR_EXEC when not found, DX_ERR_INVALID_ARG. */
int exec_resolve(const char *name, char *out, size_t outsize);

#endif
