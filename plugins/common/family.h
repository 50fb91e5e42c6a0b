/*
 * family - what every plugin shares: state, the host ABI check, the
 * release read from os-release, files under the sysroot, commands run
 * through the host with bounded retries, downloads with retries,
 * package-manager lock waits, the docker group, and the record of what
 * the extension installed (uninstall reads it).  Compiled into each plugin
 * (never exported: plugins build with hidden visibility).
 *
 * Time always comes from host->now_ms()/sleep_ms(), so that the test kit
 * runs every wait and backoff on a virtual clock.
 */
#ifndef DX_FAMILY_H
#define DX_FAMILY_H

#include <stddef.h>

#include "dx_plugin.h"

/* What /etc/os-release says about the release ("" when absent). */
struct family_os {
	char id[32];           /* "debian", "ubuntu", "rocky", ... */
	char version_id[32];   /* "12", "22.04", "9.3" */
	char codename[64];     /* VERSION_CODENAME / UBUNTU_CODENAME */
	unsigned major;        /* leading number of version_id */
};

/* What a plugin file says about its distribution: the only data that
   differs between plugins of one family. */
struct family_distro {
	/* Directory of Docker's repository for it: <base>/linux/<repo_dist> */
	const char *repo_dist;
	/* The distribution's own packages for `os`: the engine and Compose.
	   *engine NULL (with DX_OK) when the release has none. */
	void (*distro_packages)(const struct family_os *os,
	                        const char **engine, const char **compose);
	/* The apt suite when os-release names none (old or testing
	   releases); NULL for rpm. */
	const char *(*codename_fallback)(const struct family_os *os);
	/* The directory of Docker's repository when it depends on the
	   release (overrides repo_dist); NULL when it does not. */
	const char *(*repo_dist_of)(const struct family_os *os);
};

struct family_state {
	const struct dx_host *host;
	const char *plugin;    /* "ubuntu", ... for messages */
	const struct family_distro *distro;
	const struct dx_settings_view *set;  /* never NULL (empty at uninstall) */
	struct family_os os;
	int changed;           /* configure() changed something */
	int had_docker;        /* install() found Docker already there */
};

/* Accept a host of our ABI major; allocate the state; read os-release. */
int family_init(const struct dx_host *host, void **state, const char *plugin,
                const struct family_distro *distro);
void family_fini(void *state);

/* Look for dockerd and the compose tool under the host's sysroot. */
int family_probe(void *state, struct dx_probe *out);

/* Log that `what` is not implemented yet and return DX_ERR_NOT_IMPLEMENTED
   (the skeleton's honest answer). */
int family_not_implemented(struct family_state *st, const char *what);

/* ---- logging ---------------------------------------------------------------- */

void family_log(struct family_state *st, enum dx_log_level level,
                const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* One line for the user: an error line in the log and the transitioning
   status (host->progress) so the reason for a failure reaches the status. */
void family_fail(struct family_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- files under the sysroot ------------------------------------------------- */

/* <sysroot><path> into out; 0 on success, -1 when it does not fit. */
int family_path(const struct family_state *st, const char *path, char *out,
                size_t outsize);
/* 1 when <sysroot><path> exists (any type, symlinks followed or not). */
int family_exists(const struct family_state *st, const char *path);
/* mkdir -p <sysroot><dir> with `mode` for the directories it creates. */
int family_mkdirs(const struct family_state *st, const char *dir,
                  unsigned mode);
/* Read <sysroot><path> (at most `max` bytes) into a NUL-terminated
   malloc'd buffer.  DX_ERR_IO with *out NULL when it does not exist
   (errno ENOENT) or cannot be read. */
int family_read(const struct family_state *st, const char *path, size_t max,
                char **out, size_t *len);
/* Write <sysroot><path> through host->write_file (atomic), creating the
   parent directories 0755. */
int family_write(struct family_state *st, const char *path, const char *data,
                 size_t len, unsigned mode);
/* Write only when the content or mode differs; *changed set to 1 when
   written.  `secret`: the old content is wiped after the comparison. */
int family_write_if_changed(struct family_state *st, const char *path,
                            const char *data, size_t len, unsigned mode,
                            int secret, int *changed);
/* Remove <sysroot><path>; *changed set to 1 when something was removed. */
int family_remove(struct family_state *st, const char *path, int *changed);
/* A symbolic link <sysroot><path> -> target (target as written, not
   under the sysroot: it is read on the VM), parents created with
   dir_mode.  DX_OK with *created 0 when something is already there. */
int family_symlink(struct family_state *st, const char *target,
                   const char *path, unsigned dir_mode, int *created);

/* ---- commands ---------------------------------------------------------------- */

#define FAMILY_CMD_TIMEOUT_MS (10u * 60u * 1000u)   /* one package command */
#define FAMILY_QUICK_TIMEOUT_MS (60u * 1000u)      /* systemctl, dpkg-query */

/* Run argv through the host.  *exit_status gets the exit status (-1 when
   killed by a signal).  Returns the host's code (DX_OK when it ran). */
int family_run(struct family_state *st, const char *const *argv,
               const char *const *envp, unsigned timeout_ms, char *out,
               size_t outsize, int *exit_status);
/* family_run, and a non-zero exit is DX_ERR_EXEC_FAILED, logged with the
   end of the output. */
int family_run_ok(struct family_state *st, const char *const *argv,
                  const char *const *envp, unsigned timeout_ms, char *out,
                  size_t outsize);

/* 1 when a command's output contains one of `signs` (NULL-terminated):
   how a family's transient() tells "try again later" from its tool's
   words. */
int family_output_says(const char *out, const char *const *signs);

/* How family_retry() decides and waits. */
struct family_retry {
	/* 1 when a failed run's output shows a temporary failure (network,
	   lock): worth another attempt. */
	int (*transient)(const char *output, int exit_status);
	/* Called before every attempt (e.g. wait for the package manager
	   lock); a non-DX_OK result ends the retries with that code. */
	int (*before)(struct family_state *st);
	unsigned first_delay_ms;   /* backoff: doubles after each attempt */
	unsigned max_delay_ms;
	unsigned total_ms;         /* no attempt starts after this */
};

/* Default bounds for package-manager commands. */
#define FAMILY_PKG_FIRST_DELAY_MS 5000u
#define FAMILY_PKG_MAX_DELAY_MS 60000u
#define FAMILY_PKG_TOTAL_MS (15u * 60u * 1000u)

/* Run argv until it succeeds, a failure is not transient, or the time
   bound is reached.  `what` names it for the user ("apt-get update").
   out/outsize may be NULL/0 (a local buffer is used). */
int family_retry(struct family_state *st, const struct family_retry *policy,
                 const char *what, const char *const *argv,
                 const char *const *envp, char *out, size_t outsize);

/* Downloads: retried on DX_ERR_DOWNLOAD (network, HTTP error), never on a
   checksum mismatch. */
#define FAMILY_DL_FIRST_DELAY_MS 2000u
#define FAMILY_DL_MAX_DELAY_MS 30000u
#define FAMILY_DL_TOTAL_MS (3u * 60u * 1000u)
/* Download url to <sysroot><path> (parents created 0755). */
int family_download(struct family_state *st, const char *url,
                    const char *path, unsigned mode, const char *sha256_hex);

/* ---- the package manager lock ------------------------------------------------ */

#define FAMILY_LOCK_POLL_MS 5000u
#define FAMILY_LOCK_TOTAL_MS (10u * 60u * 1000u)

/* Wait (bounded) until no other process holds a POSIX lock on any of the
   `lock_files` (under the sysroot; a missing file is free) and no live
   process is named by the `pid_files`.  Says what it waits for through
   host->progress.  DX_ERR_PKG_LOCKED when still held at the bound. */
int family_wait_locks(struct family_state *st, const char *const *lock_files,
                      const char *const *pid_files);

/* ---- users ------------------------------------------------------------------- */

/* Create the docker group if needed and add the settings' users to it. */
int family_users(struct family_state *st);

/* ---- what the extension installed --------------------------------------------- */

/* The plugin's own state, under the sysroot. */
#define FAMILY_STATE_DIR "/var/lib/docker-extension/plugin"
#define FAMILY_RECORD FAMILY_STATE_DIR "/installed"

/* The record holds lines "<kind> <value>": kinds "package" (installed by
   the extension) and "file" (created by it). */
int family_record_has(struct family_state *st, const char *kind,
                      const char *value);
int family_record_add(struct family_state *st, const char *kind,
                      const char *value);
/* Calls fn for each value of `kind`, in the order recorded. */
int family_record_each(struct family_state *st, const char *kind,
                       void (*fn)(struct family_state *st, const char *value,
                                  void *arg),
                       void *arg);
int family_record_clear(struct family_state *st);

/* ---- small string helpers ----------------------------------------------------- */

/* Append to a fixed buffer; returns -1 (and keeps it terminated) when it
   does not fit. */
int family_cat(char *buf, size_t size, const char *s);
/* The last non-empty line of text, trimmed, into out. */
void family_last_line(const char *output, char *line, size_t linesize);
/* 1 when the package version `have` ("5:27.3.1-1~debian.12~bookworm",
   "3:27.3.1-1.el9") is the pinned `pin` ("27.3.1", "27.3", or the full
   version): the epoch is ignored unless the pin has one, and a shorter
   pin must end at a component boundary ("24.0" is not "24.04"). */
int family_version_matches(const char *have, const char *pin);
/* The base URL of Docker's repository: mirror, China mirror, or default,
   without a trailing slash. */
void family_docker_base(const struct family_state *st, char *out,
                        size_t outsize);

#endif
