/*
 * state - what the extension last applied, kept where extension updates
 * do not reach: /var/lib/docker-extension (0700, root), or the directory
 * in DOCKER_EXTENSION_STATE_DIR (tests).  Holds:
 *   key        32 random bytes (0600): the HMAC key for the digests, so a
 *              digest of settings that hold secrets reveals nothing
 *   applied    one "area=<hmac hex>" line per area of the settings
 *   requested  the newest request of an enable (seq, pid, status folder)
 *   running    the lock holder's (seq, pid, status folder)
 *   done       the last worker's, written before it lets go of the lock
 *   updating   the update marker (see state_mark_updating)
 *   installed  written by install
 *   lock       flock()ed by the one worker that changes the VM
 */
#ifndef DX_STATE_H
#define DX_STATE_H

#include <stddef.h>

#include "hash.h"
#include "settings.h"

#define STATE_DEFAULT_DIR "/var/lib/docker-extension"

/* The areas of the settings, each with its own digest, so that the
   worker changes only what changed (a daemon restart only when the daemon
   area changed, no compose call when the compose area did not). */
enum state_area {
	STATE_AREA_INSTALL = 0,  /* version, source, mirror, cloud */
	STATE_AREA_DAEMON,       /* port, options, daemon.json, proxy, certs */
	STATE_AREA_USERS,        /* docker group members */
	STATE_AREA_LOGIN,        /* registry logins */
	STATE_AREA_COMPOSE,      /* definition, environment, installonly */
	STATE_AREA__COUNT
};

struct state_digests {
	char hex[STATE_AREA__COUNT][HASH_SHA256_HEX_LEN + 1];
};

struct state {
	char dir[4096];
};

/* Create (0700) or check the state directory. */
int state_open(struct state *st, char *msg, size_t msgsize);

/* The digests of `s` under the state's key (created on first use). */
int state_digest(const struct state *st, const struct dx_settings *s,
                 struct state_digests *out);

/* The digests last applied; DX_ERR_IO when none were recorded.  An area
   whose step has not (or not yet) succeeded reads as "" (it never equals
   a digest), so that it is applied again. */
int state_read_applied(const struct state *st, struct state_digests *out);
int state_write_applied(const struct state *st,
                        const struct state_digests *d);
void state_forget_applied(const struct state *st);

/* "area name" for logs: "install", "daemon", ... */
const char *state_area_name(enum state_area a);

/* Who works on what: the newest request ("requested", written by enable)
   and the lock holder ("running", written under the lock).  The status
   folder tells two versions of the extension apart during an update,
   when both see the same sequence number. */
struct state_ticket {
	unsigned long seq;
	long pid;
	char folder[4096];
};

int state_read_ticket(const struct state *st, const char *name,
                      struct state_ticket *t);
int state_write_ticket(const struct state *st, const char *name,
                       const struct state_ticket *t);
/* 1 when both name the same sequence number and status folder. */
int state_ticket_same(const struct state_ticket *a,
                      const struct state_ticket *b);
void state_remove(const struct state *st, const char *name);

/* The update marker: `update` sets it so that the old version's
   `uninstall`, which waagent runs next, skips every destructive step.  It
   counts only for `max_age_s` seconds (an update that died half-way must
   not disarm a real uninstall months later). */
int state_mark_updating(const struct state *st);
int state_is_updating(const struct state *st, long max_age_s);
void state_clear_updating(const struct state *st);

int state_mark_installed(const struct state *st);

/* <dir>/<name> into out. */
int state_path(const struct state *st, const char *name, char *out,
               size_t outsize);

#endif
