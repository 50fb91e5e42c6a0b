/*
 * recording_host - a struct dx_host for plugin tests: it runs nothing and
 * writes nothing; it records every call so tests can assert on the exact
 * commands, files and downloads a plugin asks for.
 */
#ifndef DX_RECORDING_HOST_H
#define DX_RECORDING_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "dx_plugin.h"

#define RH_MAX_CALLS 64
#define RH_LINE_MAX 1024

struct recording_host {
	struct dx_host host;
	struct dx_settings_view settings;
	/* what the plugin asked for, one line per call:
	   "run /usr/bin/apt-get install -y docker-ce",
	   "write /etc/docker/daemon.json 0644 <len>",
	   "download https://... -> /path 0755 sha256=..." */
	char calls[RH_MAX_CALLS][RH_LINE_MAX];
	size_t n_calls;
	/* log lines: "ERROR: ..." */
	char logs[RH_MAX_CALLS][RH_LINE_MAX];
	size_t n_logs;
	int run_exit_status;   /* what run() reports */
	uint64_t clock_ms;     /* virtual time: sleep_ms() advances it */
};

/* Set up `rh` (sysroot is kept as a pointer). */
void rh_init(struct recording_host *rh, const char *sysroot);

/* 1 when some log line contains `needle`. */
int rh_logged(const struct recording_host *rh, const char *needle);

#endif
