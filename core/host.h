/*
 * host - the struct dx_host the handler hands to a plugin: each member is
 * a thin wrapper over a core module (log, exec, fileio, http).
 */
#ifndef DX_HOST_H
#define DX_HOST_H

#include <stdint.h>

#include "dx_plugin.h"

/* Fill `host` with the core's functions.  `settings` stays owned by the
   caller and must outlive the plugin; `sysroot` is "" on a real VM. */
void host_init(struct dx_host *host, const struct dx_settings_view *settings,
               const char *sysroot);

/* What host->run() does, for the core's own commands (docker login,
   compose): log the argv, run it, redact its output, log a failure with
   the output's tail. */
int host_run_command(struct dx_run *run);

/* What host->now_ms(), ->sleep_ms() and ->docker_ping() do, for the
   core's own waits: monotonic milliseconds; a sleep that resumes after a
   signal; DX_OK when the engine on `socket_path` answers GET /_ping with
   "OK" within timeout_ms, else DX_ERR_DAEMON_DOWN. */
uint64_t host_clock_ms(void);
void host_pause_ms(unsigned ms);
int host_ping_docker(const char *socket_path, unsigned timeout_ms);

/* Where a plugin's progress lines (host->progress(), failure 0) and its
   error-level log lines (host->log() at DX_LOG_ERROR: why a step failed,
   failure 1) go besides the log (the handler puts them into the status).
   One receiver for the process; NULL for none. */
typedef void (*host_progress_fn)(void *arg, const char *line, int failure);
void host_set_progress(host_progress_fn fn, void *arg);

#endif
