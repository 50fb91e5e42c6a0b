/*
 * recording_host - a struct dx_host for plugin tests (the plugin test
 * kit).  It records every call so tests can assert on the exact commands,
 * files and downloads a plugin asks for; it runs nothing: each command
 * gets a scripted answer (exit status, output, "fails twice then works");
 * write_file() and download() really write, into the fake root, so tests
 * check contents and modes; time is a virtual clock.
 */
#ifndef DX_RECORDING_HOST_H
#define DX_RECORDING_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "dx_plugin.h"

#define RH_MAX_CALLS 256
#define RH_LINE_MAX 1024
#define RH_MAX_SCRIPT 32

struct recording_host;

/* A scripted answer for the calls whose line starts with `prefix`
   ("run /usr/bin/apt-get install", "download https://"). */
struct rh_answer {
	const char *prefix;
	int times;            /* how many calls it answers; 0: every one */
	int result;           /* what run()/download() returns (DX_OK...) */
	int exit_status;      /* run(): the command's exit status */
	const char *output;   /* run(): its output; download(): the body */
	/* run(): what the command does to the fake root (say, apt-get
	   install creating /usr/bin/dockerd) */
	void (*effect)(struct recording_host *rh);
};

struct recording_host {
	struct dx_host host;
	struct dx_settings_view settings;
	const char *root;     /* the fake root (the sysroot) */
	/* what the plugin asked for, one line per call, paths shown
	   relative to the root:
	   "run /usr/bin/apt-get install -y docker-ce",
	   "write /etc/docker/daemon.json 0644 <len>",
	   "download https://... -> /path 0644 sha256=...",
	   "ping /var/run/docker.sock" */
	char calls[RH_MAX_CALLS][RH_LINE_MAX];
	size_t n_calls;
	/* log lines: "ERROR: ...", and "PROGRESS: ..." */
	char logs[RH_MAX_CALLS][RH_LINE_MAX];
	size_t n_logs;
	struct rh_answer script[RH_MAX_SCRIPT];
	size_t n_script;
	int used[RH_MAX_SCRIPT];
	int run_exit_status;  /* answer to a run() no script entry matches */
	int ping_down;        /* the first N pings fail; -1: all of them */
	uint64_t clock_ms;    /* virtual time: sleep_ms() advances it */
	unsigned n_sleeps;
	/* called after each sleep (say, to release a lock) */
	void (*on_sleep)(struct recording_host *rh);
	void *user;
	/* When set, download() is recorded and then really done by it (the
	   core's http_download in the loopback tests); the script is not
	   asked. */
	int (*download_via)(struct recording_host *rh, const char *url,
	                    const char *path, unsigned mode,
	                    const char *sha256_hex);
	/* envp of the last run() whose argv[0] ends in "apt-get" */
	char last_envp[RH_LINE_MAX];
};

/* Set up `rh` (sysroot is kept as a pointer). */
void rh_init(struct recording_host *rh, const char *sysroot);

/* Add a scripted answer (the latest added that matches and is not used
   up wins). */
void rh_answer(struct recording_host *rh, const char *prefix, int times,
               int result, int exit_status, const char *output);
void rh_effect(struct recording_host *rh, const char *prefix,
               void (*effect)(struct recording_host *rh));

/* Forget the recorded calls and logs (the script stays). */
void rh_reset(struct recording_host *rh);

/* 1 when some log line contains `needle`. */
int rh_logged(const struct recording_host *rh, const char *needle);

/* The recorded calls of the given kinds ("run", "download", "ping",
   "write"; a space-separated list), one per line, in a static buffer. */
const char *rh_calls(const struct recording_host *rh, const char *kinds);

#endif
