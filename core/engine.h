/*
 * engine - what the Docker Engine API says about a compose project's
 * containers, read over the unix socket (http_unix_get).  The handler
 * verifies compose through it instead of trusting compose's exit status:
 * a container that crash-loops behind a successful `up -d` is an error.
 * The answers are JSON, read through the json module.
 */
#ifndef DX_ENGINE_H
#define DX_ENGINE_H

#include <stddef.h>

/* The labels compose puts on every container it creates. */
#define ENGINE_LABEL_PROJECT "com.docker.compose.project"
#define ENGINE_LABEL_SERVICE "com.docker.compose.service"
#define ENGINE_LABEL_HASH "com.docker.compose.config-hash"
#define ENGINE_LABEL_ONEOFF "com.docker.compose.oneoff"

struct engine_container {
	char id[72];
	char service[128];
	char image[256];
	char state[16];          /* running, exited, restarting, created, ... */
	char status[64];         /* "Up 3 minutes", "Exited (0) 2 hours ago" */
	char config_hash[72];    /* compose's config-hash label, "" if none */
	/* filled by engine_inspect() */
	int exit_code;
	int restart_count;
	char health[16];         /* "", starting, healthy, unhealthy */
	char restart_policy[32]; /* "", no, always, unless-stopped, on-failure */
};

/* compose's form of a project name: lower case, only [a-z0-9_-] kept
   (what both compose v1 >= 1.21 and v2 put into the project label). */
void engine_project_label(const char *project, char *out, size_t outsize);

/* Every container of `project` (one-off `run` containers left out), the
   stopped ones included.  *out is malloc()ed (NULL when *n is 0). */
int engine_list_project(const char *socket, const char *project,
                        struct engine_container **out, size_t *n);

/* Fill the inspect-only fields of `c` (exit code, restarts, health,
   restart policy) and refresh its state. */
int engine_inspect(const char *socket, struct engine_container *c);

/* 1 when the engine has image `name` (GET /images/NAME/json answers),
   0 when not or when it cannot say. */
int engine_image_present(const char *socket, const char *name);

/* The last `lines` lines of the container's stdout and stderr, as text
   (the stream's 8-byte frame headers removed), NUL-terminated. */
int engine_logs_tail(const char *socket, const char *id, unsigned lines,
                     char *out, size_t outsize);

/* Parsers, separate for the unit tests and the fuzzer. */
int engine_parse_list(const char *text, size_t len,
                      struct engine_container **out, size_t *n);
int engine_parse_inspect(const char *text, size_t len,
                         struct engine_container *c);
size_t engine_demux_logs(const char *raw, size_t len, char *out,
                         size_t outsize);

#endif
