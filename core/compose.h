/*
 * compose - bringing the settings' compose definition up, and down: the
 * tool (docker compose v2 or docker-compose), the file (0600, atomic, at
 * a fixed path), the environment (given to the compose process only),
 * pull then `up -d --remove-orphans`, and the verdict per service from
 * the Docker Engine API (engine), not from compose's exit status.
 */
#ifndef DX_COMPOSE_H
#define DX_COMPOSE_H

#include <limits.h>
#include <stddef.h>

#include "settings.h"

#define COMPOSE_DEFAULT_DIR "/etc/docker/compose"
#define COMPOSE_FILE_NAME "docker-compose.yml"
#define COMPOSE_ENV_FILE_NAME "docker-compose.env"
/* The env file lives on tmpfs: a worker killed mid-run leaves nothing
   on disk (and uninstall removes it). */
#define COMPOSE_ENV_DIR "/run/docker-extension"

struct compose_tool {
	char path[PATH_MAX];     /* /usr/bin/docker or .../docker-compose */
	int plugin;              /* 1: `docker compose` (the v2 plugin) */
	char version[64];        /* "2.29.7", "1.29.2" */
};

/* Where the file goes: $DOCKER_EXTENSION_COMPOSE_DIR (tests) or
   COMPOSE_DEFAULT_DIR, plus COMPOSE_FILE_NAME. */
int compose_file_path(char *out, size_t outsize);

/* The project name the settings give (COMPOSE_PROJECT_NAME, default
   "compose"). */
const char *compose_project(const struct dx_settings *s);

/* The environment of a compose run.  `items` is the process's
   environment: compose-environment (minus the names the protected
   environment also sets), then DOCKER_HOST and DOCKER_CONFIG when the
   handler has them; "NAME=VALUE", NULL-terminated.  `file` holds the
   protected values as NAME='VALUE' lines for compose's --env-file, so
   that no secret is in the environment of a process (/proc/PID/environ);
   NULL when there is none.  A protected value that an env file cannot
   carry the same way for every compose (a ', a \, a $ or a line break
   in it), or a docker-compose before 1.26 (1.25 keeps the quotes),
   puts the value in `items` instead, and the run logs the name.  Free
   (and wipe) with compose_environment_free(). */
struct env_list {
	char **items;
	size_t n;
	char *file;
	size_t file_len;
	size_t in_environ;       /* protected values in items (see above) */
};
int compose_environment(const struct compose_tool *t,
                        const struct dx_settings *s, struct env_list *e);
void compose_environment_free(struct env_list *e);

/* The env file: COMPOSE_ENV_DIR/COMPOSE_ENV_FILE_NAME, or next to the
   compose file when DOCKER_EXTENSION_COMPOSE_DIR moves that (tests).  It
   exists only while a compose command runs; compose_env_file_remove()
   removes one that a killed worker left. */
int compose_env_file_path(char *out, size_t outsize);
void compose_env_file_remove(void);

/* `docker compose` when the plugin answers, else docker-compose.
   DX_ERR_EXEC with a message when neither is there. */
int compose_find_tool(struct compose_tool *t, char *msg, size_t msgsize);

/* "docker compose 2.29.7" / "docker-compose 1.29.2", for the status. */
void compose_tool_name(const struct compose_tool *t, char *out,
                       size_t outsize);

/* The file's text for this tool: the modern form, with a "version" key
   added for docker-compose older than 1.27 (which needs one).  *out is
   malloc()ed. */
int compose_render(const char *modern_json, const struct compose_tool *t,
                   char **out);

/* Write the rendered file (directory 0700, file 0600, atomic). */
int compose_write(const char *path, const char *text);

/* pull, then up -d --remove-orphans.  Transient registry failures are
   retried with backoff inside a bound while some image is missing on the
   VM (asked through the engine on `socket`); a failed pull still goes on
   to `up`, which decides.  On failure `msg` says what went wrong (the
   last bytes of compose's output, redacted). */
int compose_up(const struct compose_tool *t, const struct dx_settings *s,
               const char *socket, const char *file, char *msg,
               size_t msgsize);

/* down --remove-orphans (named volumes are kept). */
int compose_down(const struct compose_tool *t, const struct dx_settings *s,
                 const char *file, char *msg, size_t msgsize);

/* The verdict for one service. */
struct compose_result {
	char service[128];
	int err;                 /* DX_OK, DX_ERR_SERVICE_FAILED, ... */
	char image[256];
	char detail[512];        /* "running", "exited with code 3: <logs>" */
	char config_hash[72];
};

/* Watch the project's containers for `settle_ms` (a crash loop shows as
   restarts in that window), longer while health checks are starting (up
   to `max_ms`), then judge each service.  *res is malloc()ed, one entry
   per settings service in order.  Returns DX_OK when every service is
   running (or a one-shot exited 0), DX_ERR_SERVICE_FAILED otherwise, or
   the Engine API's error. */
int compose_verify(const char *socket, const struct dx_settings *s,
                   unsigned settle_ms, unsigned max_ms,
                   struct compose_result **res, size_t *n);

struct status_report;
/* One substatus per service (up to 20 services; beyond that only the
   failed ones and a "N of M services running" summary) and a log line. */
void compose_report(struct status_report *st,
                    const struct compose_result *res, size_t n);

/* "svc=hash\n" per service, from the running containers: what the
   handler records after a verified up and compares on the next enable
   (compose's config-hash changes with the service's configuration).  ""
   into `out` (and DX_OK) when some service is not running.  */
int compose_fingerprint(const char *socket, const struct dx_settings *s,
                        char *out, size_t outsize);

#endif
