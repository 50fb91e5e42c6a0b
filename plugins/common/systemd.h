/*
 * systemd - the Docker daemon's configuration and life cycle on a systemd
 * distribution, shared by every plugin: a persistent drop-in (never the
 * vendor unit, never /run) whose ExecStart is the installed unit's own
 * with the extension's flags, /etc/docker/daemon.json merged with the
 * keys others put there, the TLS files, change detection over all of
 * them, restart only on a change, and readiness through the Engine API.
 */
#ifndef DX_SYSTEMD_H
#define DX_SYSTEMD_H

#include <stddef.h>

#include "family.h"

#define SD_DROPIN_DIR "/etc/systemd/system/docker.service.d"
#define SD_DROPIN SD_DROPIN_DIR "/docker-extension.conf"
#define SD_PROXY_DROPIN SD_DROPIN_DIR "/docker-extension-proxy.conf"
#define SD_DAEMON_JSON "/etc/docker/daemon.json"
#define SD_CA "/etc/docker/ca.pem"
#define SD_CERT "/etc/docker/cert.pem"
#define SD_KEY "/etc/docker/key.pem"
/* daemon.json keys the extension wrote (and whether it created the file) */
#define SD_OWNED FAMILY_STATE_DIR "/daemon-json-keys"
/* configuration changed and not yet restarted successfully */
#define SD_PENDING FAMILY_STATE_DIR "/restart-pending"
/* the Engine API socket (not under the sysroot: docker_ping is real) */
#define SD_SOCKET "/var/run/docker.sock"
#define SD_READY_TIMEOUT_MS (90u * 1000u)
#define SD_READY_POLL_MS 500u

/* Write the drop-ins, daemon.json and certificates; sets st->changed when
   any of them changed (or a change still waits for its restart). */
int systemd_configure(struct family_state *st);

/* After a change: daemon-reload, reset-failed, enable, restart; else
   enable and start.  Then wait for GET /_ping; on failure the unit's last
   journal lines go to the log and the status. */
int systemd_restart(struct family_state *st);

/* Stop docker.socket (when there is one) and docker.service. */
int systemd_stop(struct family_state *st);

/* Remove the drop-ins, the extension's daemon.json keys and the TLS files
   it wrote; *changed set when something was removed. */
int systemd_unconfigure(struct family_state *st, int *changed);

/* systemctl daemon-reload, then restart and wait when Docker is still
   installed: the daemon runs again with what remains of its
   configuration. */
int systemd_reload_restart(struct family_state *st);

/* Uninstall for a package family: when the record lists packages, stop
   Docker, remove the configuration, call remove_packages with them (NULL
   terminated) and remove the recorded repository files; otherwise remove
   the configuration and restart Docker without it.  The record goes. */
int systemd_uninstall(struct family_state *st,
                      int (*remove_packages)(struct family_state *st,
                                             const char *const *pkgs));

/* The unit's ExecStart with the extension's flags (exposed for tests of
   the family code): `out` gets the drop-in text, "" when none is needed. */
int systemd_render_dropin(struct family_state *st, char *out, size_t outsize);

#endif
