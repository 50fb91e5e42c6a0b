/*
 * handler - the five commands waagent runs (waagent-contract.md): install,
 * enable, disable, uninstall, update.
 *
 * enable validates synchronously, writes `transitioning` and hands the work
 * to a detached worker that holds an exclusive flock() on the state
 * directory's lock file; the worker calls the plugin and writes `success`
 * or `error`.  A re-enable with unchanged settings on a healthy Docker is a
 * fast no-op that still writes a fresh `success`.
 */
#ifndef DX_HANDLER_H
#define DX_HANDLER_H

/* Run `command` ("install", ...).  `argv0` locates HandlerEnvironment.json
   and the plugins.  Returns an enum dx_err (main maps it to an exit code). */
int handler_run(const char *command, const char *argv0);

/* 1 when `command` is one of the five. */
int handler_is_command(const char *command);

#endif
