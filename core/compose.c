/*
 * compose - the compose project: tool, file, environment, up, verdict.
 */
#include "config.h"

#include "compose.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "engine.h"
#include "err.h"
#include "exec.h"
#include "fileio.h"
#include "host.h"
#include "log.h"
#include "redact.h"
#include "status.h"

#define COMPOSE_OUTPUT_MAX 8192
#define COMPOSE_PULL_TIMEOUT_MS (20u * 60u * 1000u)
#define COMPOSE_UP_TIMEOUT_MS (20u * 60u * 1000u)
#define COMPOSE_VERSION_TIMEOUT_MS 15000u
/* Transient registry failures: 2, 4, 8, 16, 30 s apart, 60 s at most. */
#define COMPOSE_RETRY_FIRST_MS 2000u
#define COMPOSE_RETRY_MAX_MS 30000u
#define COMPOSE_RETRY_TOTAL_MS 60000u
#define COMPOSE_LOG_LINES 10u
/* Up to this many services get a substatus each; beyond it, only the
   failed ones and a summary (the status file stays small). */
#define COMPOSE_SUBSTATUS_EACH 20u
/* Variables a test (or a VM with a non-default engine) sets for us and
   that compose and docker must see; nothing else is inherited. */
static const char *const passed_through[] = { "DOCKER_HOST", "DOCKER_CONFIG" };

/* ---- small helpers ---------------------------------------------------------------- */

/* Case-insensitive substring search in compose's or docker's output. */
static int mentions(const char *text, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; text[i] != '\0'; i++)
		if (strncasecmp(text + i, needle, n) == 0)
			return 1;
	return 0;
}

static int mentions_any(const char *text, const char *const *needles)
{
	for (; *needles != NULL; needles++)
		if (mentions(text, *needles))
			return 1;
	return 0;
}

/* The last `max` bytes of `from` on one line, for a status message. */
static void tail_line(const char *from, size_t max, char *line,
                      size_t linesize)
{
	size_t len = strlen(from), n = 0, i;

	while (len > 0 && isspace((unsigned char)from[len - 1]))
		len--;
	i = len > max ? len - max : 0;
	for (; i < len && n + 1 < linesize; i++) {
		char ch = from[i];

		if (ch == '\n' || ch == '\r')
			ch = ' ';
		line[n++] = ch;
	}
	line[n] = '\0';
}

const char *compose_project(const struct dx_settings *s)
{
	size_t i;

	for (i = 0; i < s->n_compose_env; i++)
		if (strcmp(s->compose_env[i].name, "COMPOSE_PROJECT_NAME") == 0 &&
		    s->compose_env[i].value[0] != '\0')
			return s->compose_env[i].value;
	return "compose";
}

/* name in $DOCKER_EXTENSION_COMPOSE_DIR (tests: an absolute path) or in
   dir. */
static int compose_path(const char *dir, const char *name, char *out,
                        size_t outsize)
{
	const char *moved = getenv("DOCKER_EXTENSION_COMPOSE_DIR");
	int n;

	if (moved != NULL && moved[0] == '/')
		dir = moved;
	n = snprintf(out, outsize, "%s/%s", dir, name);
	return n > 0 && (size_t)n < outsize ? DX_OK : DX_ERR_INVALID_ARG;
}

int compose_file_path(char *out, size_t outsize)
{
	return compose_path(COMPOSE_DEFAULT_DIR, COMPOSE_FILE_NAME, out, outsize);
}

/* ---- the tool ------------------------------------------------------------------------- */

/* Run a short command that prints a version; 0 when it said one. */
static int version_of(const char *const *argv, char *out, size_t outsize)
{
	char buf[256];
	struct dx_run run;
	size_t len;

	memset(&run, 0, sizeof(run));
	run.argv = argv;
	run.timeout_ms = COMPOSE_VERSION_TIMEOUT_MS;
	run.output = buf;
	run.output_size = sizeof(buf);
	if (exec_run(&run) != DX_OK || run.exit_status != 0)
		return -1;
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	/* "v2.29.7" from some builds; a version is short */
	buf[sizeof(buf) > 63 ? 63 : sizeof(buf) - 1] = '\0';
	if (strlen(buf) >= outsize)
		return -1;
	memcpy(out, buf[0] == 'v' ? buf + 1 : buf,
	       strlen(buf[0] == 'v' ? buf + 1 : buf) + 1);
	return isdigit((unsigned char)out[0]) ? 0 : -1;
}

int compose_find_tool(struct compose_tool *t, char *msg, size_t msgsize)
{
	memset(t, 0, sizeof(*t));
	if (exec_resolve("docker", t->path, sizeof(t->path)) == DX_OK) {
		const char *argv[] = { t->path, "compose", "version", "--short",
		                       NULL };

		if (version_of(argv, t->version, sizeof(t->version)) == 0) {
			t->plugin = 1;
			return DX_OK;
		}
	}
	if (exec_resolve("docker-compose", t->path, sizeof(t->path)) ==
	    DX_OK) {
		const char *argv[] = { t->path, "version", "--short", NULL };

		if (version_of(argv, t->version, sizeof(t->version)) == 0)
			return DX_OK;
	}
	snprintf(msg, msgsize, "no compose tool: neither `docker compose` "
	         "nor docker-compose answers (install docker-compose-plugin "
	         "or docker-compose)");
	return DX_ERR_EXEC;
}

void compose_tool_name(const struct compose_tool *t, char *out,
                       size_t outsize)
{
	snprintf(out, outsize, "%s %s",
	         t->plugin ? "docker compose" : "docker-compose", t->version);
}

/* docker-compose's "major.minor" (0 on success; the plugin has none of
   the v1 limits, and an unreadable version is treated as unknown). */
static int v1_version(const struct compose_tool *t, unsigned long *major,
                      unsigned long *minor)
{
	char *end;

	errno = 0;
	*major = strtoul(t->version, &end, 10);
	if (errno != 0 || end == t->version || *end != '.')
		return -1;
	*minor = strtoul(end + 1, &end, 10);
	return errno != 0 ? -1 : 0;
}

/* docker-compose before 1.27 reads a file without "version" as the v1
   format; the modern form needs one there. */
static int needs_version_key(const struct compose_tool *t)
{
	unsigned long major, minor;

	if (t->plugin || v1_version(t, &major, &minor) != 0)
		return 0;
	return major < 1 || (major == 1 && minor < 27);
}

int compose_render(const char *modern_json, const struct compose_tool *t,
                   char **out)
{
	static const char version_key[] = "\"version\":\"2.4\",";
	size_t len = strlen(modern_json);

	*out = NULL;
	if (len < 2 || modern_json[0] != '{')
		return DX_ERR_INVALID_ARG;
	if (!needs_version_key(t) || strstr(modern_json, "\"version\":") ==
	                                     modern_json + 1) {
		*out = strdup(modern_json);
		return *out != NULL ? DX_OK : DX_ERR_NOMEM;
	}
	*out = malloc(len + sizeof(version_key));
	if (*out == NULL)
		return DX_ERR_NOMEM;
	snprintf(*out, len + sizeof(version_key), "{%s%s", version_key,
	         modern_json + 1);
	return DX_OK;
}

int compose_write(const char *path, const char *text)
{
	char dir[PATH_MAX];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return DX_ERR_INVALID_ARG;
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		/* /etc/docker may not exist yet on a VM where the engine
		   came with the OS and was never configured. */
		slash = strrchr(dir, '/');
		if (slash != NULL && slash != dir) {
			*slash = '\0';
			(void)mkdir(dir, 0755);
			*slash = '/';
		}
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			log_error("cannot create %s: %s", dir, strerror(errno));
			return DX_ERR_IO;
		}
	}
	return fileio_write_atomic(path, text, strlen(text), 0600);
}

/* ---- running compose -------------------------------------------------------------- */

static int env_build(const struct compose_tool *t,
                     const struct dx_settings *s, struct env_list *e);

static void env_free(struct env_list *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		mbedtls_platform_zeroize(e->items[i], strlen(e->items[i]));
		free(e->items[i]);
	}
	free(e->items);
	if (e->file != NULL)
		mbedtls_platform_zeroize(e->file, e->file_len);
	free(e->file);
	memset(e, 0, sizeof(*e));
}

void compose_environment_free(struct env_list *e)
{
	env_free(e);
}

int compose_environment(const struct compose_tool *t,
                        const struct dx_settings *s, struct env_list *e)
{
	return env_build(t, s, e);
}

int compose_env_file_path(char *out, size_t outsize)
{
	return compose_path(COMPOSE_ENV_DIR, COMPOSE_ENV_FILE_NAME, out, outsize);
}

static void env_file_remove(const char *path)
{
	if (unlink(path) != 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", path, strerror(errno));
}

void compose_env_file_remove(void)
{
	char path[PATH_MAX];

	if (compose_env_file_path(path, sizeof(path)) == DX_OK)
		env_file_remove(path);
}

static int env_add(struct env_list *e, const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;
	char *item = malloc(len);

	if (item == NULL)
		return DX_ERR_NOMEM;
	snprintf(item, len, "%s=%s", name, value);
	e->items[e->n++] = item;
	return DX_OK;
}

/* An env file whose NAME='VALUE' lines mean VALUE: the compose plugin,
   and docker-compose from 1.26 (python-dotenv; 1.25 has --env-file but
   keeps the quotes in the value). */
static int reads_env_file(const struct compose_tool *t)
{
	unsigned long major, minor;

	if (t->plugin)
		return 1;
	if (v1_version(t, &major, &minor) != 0)
		return 0;
	return major > 1 || (major == 1 && minor >= 26);
}

/* NAME='VALUE' means VALUE, byte for byte, to docker-compose's
   python-dotenv and to compose v2's parser alike only when VALUE has no
   quote, backslash or line break, and no '$' (python-dotenv expands
   ${X} even between single quotes). */
static int env_file_can_carry(const char *value)
{
	return strpbrk(value, "'\\$\r\n") == NULL;
}

static int env_file_add(struct env_list *e, size_t cap, const char *name,
                        const char *value)
{
	int n = snprintf(e->file + e->file_len, cap - e->file_len, "%s='%s'\n",
	                 name, value);

	if (n < 0 || (size_t)n >= cap - e->file_len)
		return DX_ERR_NOMEM;   /* cap was computed from the lengths */
	e->file_len += (size_t)n;
	return DX_OK;
}

static size_t env_file_cap(const struct dx_settings *s)
{
	size_t cap = 1, i;

	for (i = 0; i < s->n_secret_env; i++)
		cap += strlen(s->secret_env[i].name) +
		       strlen(s->secret_env[i].value) + 4;
	return cap;
}

/* compose-environment, then the protected environment: a name in both
   gets the protected value (the public entry is left out, so compose
   never sees two). */
static int env_build(const struct compose_tool *t,
                     const struct dx_settings *s, struct env_list *e)
{
	size_t cap = s->n_compose_env + s->n_secret_env + 3, i, j;
	int use_file = s->n_secret_env > 0 && reads_env_file(t);
	size_t file_cap = use_file ? env_file_cap(s) : 0;
	int r = DX_OK;

	memset(e, 0, sizeof(*e));
	e->items = calloc(cap + 1, sizeof(char *));
	e->file = use_file ? calloc(1, file_cap) : NULL;
	if (e->items == NULL || (use_file && e->file == NULL)) {
		env_free(e);
		return DX_ERR_NOMEM;
	}
	for (i = 0; i < s->n_compose_env && r == DX_OK; i++) {
		int overridden = 0;

		for (j = 0; j < s->n_secret_env; j++)
			if (strcmp(s->secret_env[j].name,
			           s->compose_env[i].name) == 0)
				overridden = 1;
		if (!overridden)
			r = env_add(e, s->compose_env[i].name,
			            s->compose_env[i].value);
	}
	for (i = 0; i < s->n_secret_env && r == DX_OK; i++) {
		if (e->file != NULL &&
		    env_file_can_carry(s->secret_env[i].value)) {
			r = env_file_add(e, file_cap, s->secret_env[i].name,
			                 s->secret_env[i].value);
		} else {
			r = env_add(e, s->secret_env[i].name,
			            s->secret_env[i].value);
			e->in_environ++;
		}
	}
	for (i = 0; i < sizeof(passed_through) / sizeof(passed_through[0]) &&
	            r == DX_OK;
	     i++) {
		const char *v = getenv(passed_through[i]);

		if (v != NULL)
			r = env_add(e, passed_through[i], v);
	}
	if (r == DX_OK && e->file != NULL && e->file_len == 0) {
		free(e->file);
		e->file = NULL;
	}
	if (r != DX_OK)
		env_free(e);
	return r;
}

/* Only names: values may be secrets, and public ones add nothing.  A
   protected value that has to travel in compose's environment is said,
   by name, with the reason. */
static void log_env_names(const struct compose_tool *t,
                          const struct dx_settings *s)
{
	char line[1024];
	size_t used = 0, i;
	int file = reads_env_file(t);

	line[0] = '\0';
	for (i = 0; i < s->n_compose_env && used < sizeof(line); i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, " %s",
		                         s->compose_env[i].name);
	for (i = 0; i < s->n_secret_env && used < sizeof(line); i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used,
		                         " %s(protected)", s->secret_env[i].name);
	log_info("compose environment:%s", line);
	for (i = 0; i < s->n_secret_env; i++) {
		if (!file)
			log_warn("protected %s is passed in compose's "
			         "environment: %s %s reads no env file the "
			         "same way (1.26 does)", s->secret_env[i].name,
			         t->plugin ? "docker compose" : "docker-compose",
			         t->version);
		else if (!env_file_can_carry(s->secret_env[i].value))
			log_warn("protected %s is passed in compose's "
			         "environment: its value has a quote, a "
			         "backslash, a '$' or a line break, which an env "
			         "file cannot carry for every compose",
			         s->secret_env[i].name);
	}
}

/* The protected values go to compose in a 0600 file that lives only
   while the command runs. */
static int env_file_write(const struct env_list *env, char *path,
                          size_t pathsize)
{
	/* compose_write: its directory 0700, the file 0600, atomic. */
	int r = compose_env_file_path(path, pathsize);

	if (r == DX_OK)
		r = compose_write(path, env->file);
	if (r != DX_OK)
		log_error("cannot write the compose environment file %s: %s",
		          path, err_str(r));
	return r;
}

/* One compose command: <tool> [--env-file F] -p P -f FILE <verb...>. */
static int run_compose(const struct compose_tool *t,
                       const struct dx_settings *s, const char *file,
                       const char *const *verb, unsigned timeout_ms,
                       char *out, size_t outsize)
{
	const char *argv[18];
	char env_path[PATH_MAX] = "";
	struct env_list env;
	struct dx_run run;
	size_t n = 0;
	int r;

	r = env_build(t, s, &env);
	if (r != DX_OK)
		return r;
	if (env.file != NULL) {
		r = env_file_write(&env, env_path, sizeof(env_path));
		if (r != DX_OK)
			goto out;
	}
	argv[n++] = t->path;
	if (t->plugin)
		argv[n++] = "compose";
	if (env.file != NULL) {
		argv[n++] = "--env-file";
		argv[n++] = env_path;
	}
	argv[n++] = "-p";
	argv[n++] = compose_project(s);
	argv[n++] = "-f";
	argv[n++] = file;
	for (; *verb != NULL && n < sizeof(argv) / sizeof(argv[0]) - 1; verb++)
		argv[n++] = *verb;
	argv[n] = NULL;
	memset(&run, 0, sizeof(run));
	run.argv = argv;
	run.envp = (const char *const *)env.items;
	run.timeout_ms = timeout_ms;
	run.output = out;
	run.output_size = outsize;
	r = host_run_command(&run);
	if (r == DX_OK && run.exit_status != 0)
		r = DX_ERR_EXEC_FAILED;
out:
	if (env_path[0] != '\0')
		env_file_remove(env_path);
	env_free(&env);
	return r;
}

static const char *const image_missing[] = {
	"manifest unknown", "not found", "pull access denied",
	"repository does not exist", "invalid reference format",
	"unauthorized", "denied", NULL
};
static const char *const transient[] = {
	"connection refused", "i/o timeout", "no such host",
	"tls handshake timeout", "connection reset", "temporary failure",
	"service unavailable", "bad gateway", "too many requests",
	"context deadline exceeded", "timeout", NULL
};

/* What a failed pull or up says about whose fault it is. */
static int classify(const char *out, int r)
{
	if (r != DX_ERR_EXEC_FAILED)
		return r;     /* not compose's verdict: could not run, timed out,
		                 no memory, the env file not written */
	if (mentions_any(out, image_missing))
		return DX_ERR_IMAGE_PULL;
	if (mentions_any(out, transient))
		return DX_ERR_REGISTRY;
	return DX_ERR_COMPOSE;
}

/* Run `verb`, retrying while the registry failure looks transient.  The
   bound, COMPOSE_RETRY_TOTAL_MS, runs from the first transient failure
   of pull or up (*first_failure, 0 until then): an unreachable registry
   costs a minute, not a minute for each, and a long successful pull
   does not use up up's retries. */
static int run_with_retry(const struct compose_tool *t,
                          const struct dx_settings *s, const char *file,
                          const char *const *verb, unsigned timeout_ms,
                          uint64_t *first_failure, char *msg, size_t msgsize)
{
	char out[COMPOSE_OUTPUT_MAX];
	unsigned delay = COMPOSE_RETRY_FIRST_MS;
	int r;

	for (;;) {
		out[0] = '\0';
		r = run_compose(t, s, file, verb, timeout_ms, out, sizeof(out));
		if (r == DX_OK)
			return DX_OK;
		r = classify(out, r);
		if (r != DX_ERR_REGISTRY)
			break;
		if (*first_failure == 0)
			*first_failure = host_clock_ms();
		if (host_clock_ms() - *first_failure + delay >
		    COMPOSE_RETRY_TOTAL_MS)
			break;
		log_warn("compose %s: registry not reachable, retrying in %u s",
		         verb[0], delay / 1000);
		host_pause_ms(delay);
		delay = delay * 2 > COMPOSE_RETRY_MAX_MS ? COMPOSE_RETRY_MAX_MS
		                                        : delay * 2;
	}
	tail_line(out, 300, msg, msgsize);
	return r;
}

/* Every image the definition names is on the VM already. */
static int images_present(const char *socket, const struct dx_settings *s)
{
	size_t i;

	for (i = 0; i < s->n_compose_services; i++)
		if (s->compose_images[i] != NULL &&
		    !engine_image_present(socket, s->compose_images[i]))
			return 0;
	return 1;
}

int compose_up(const struct compose_tool *t, const struct dx_settings *s,
               const char *socket, const char *file, char *msg,
               size_t msgsize)
{
	static const char *const pull[] = { "pull", NULL };
	static const char *const up[] = { "up", "-d", "--remove-orphans",
		                          NULL };
	char out[COMPOSE_OUTPUT_MAX];
	uint64_t first_failure = 0;
	int r;

	log_env_names(t, s);
	if (!images_present(socket, s)) {
		/* Something must come from a registry: wait out its hiccups. */
		r = run_with_retry(t, s, file, pull, COMPOSE_PULL_TIMEOUT_MS,
		                   &first_failure, msg, msgsize);
	} else {
		/* Everything is here; one pull refreshes moving tags, and a
		   registry that does not answer does not hold up the VM. */
		out[0] = '\0';
		r = run_compose(t, s, file, pull, COMPOSE_PULL_TIMEOUT_MS, out,
		                sizeof(out));
		tail_line(out, 300, msg, msgsize);
	}
	/* A failed pull is not the end: `up` tells a missing image from one
	   the VM has (an earlier run's, or one baked into the VM image). */
	if (r != DX_OK)
		log_warn("compose pull failed (%s); trying up with the local "
		         "images", err_str(classify(msg, r)));
	return run_with_retry(t, s, file, up, COMPOSE_UP_TIMEOUT_MS,
	                      &first_failure, msg, msgsize);
}

int compose_down(const struct compose_tool *t, const struct dx_settings *s,
                 const char *file, char *msg, size_t msgsize)
{
	static const char *const down[] = { "down", "--remove-orphans", NULL };
	char out[COMPOSE_OUTPUT_MAX];
	int r;

	out[0] = '\0';
	r = run_compose(t, s, file, down, COMPOSE_UP_TIMEOUT_MS, out,
	                sizeof(out));
	if (r != DX_OK)
		tail_line(out, 300, msg, msgsize);
	return r;
}

/* ---- the verdict ------------------------------------------------------------------------ */

/* A one-shot service: it exited 0 and nothing will restart it. */
static int completed(const struct engine_container *c)
{
	return strcmp(c->state, "exited") == 0 && c->exit_code == 0 &&
	       strcmp(c->restart_policy, "always") != 0 &&
	       strcmp(c->restart_policy, "unless-stopped") != 0;
}

struct watch {
	struct engine_container *first;  /* first look, for restart counts */
	size_t n_first;
	struct engine_container *now;
	size_t n_now;
};

static int look(const char *socket, const struct dx_settings *s,
                struct engine_container **out, size_t *n)
{
	size_t i;
	int r = engine_list_project(socket, compose_project(s), out, n);

	for (i = 0; r == DX_OK && i < *n; i++)
		r = engine_inspect(socket, &(*out)[i]);
	return r;
}

static const struct engine_container *
find_by_id(const struct engine_container *list, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i].id, id) == 0)
			return &list[i];
	return NULL;
}

/* Still settling: a health check starting, a container being created or
   restarted for the first time. */
static int pending(const struct watch *w)
{
	size_t i;

	for (i = 0; i < w->n_now; i++)
		if (strcmp(w->now[i].health, "starting") == 0 ||
		    strcmp(w->now[i].state, "created") == 0)
			return 1;
	return 0;
}

static void last_logs(const char *socket, const char *id, char *out,
                      size_t outsize)
{
	char raw[4096];

	if (engine_logs_tail(socket, id, COMPOSE_LOG_LINES, raw,
	                     sizeof(raw)) != DX_OK) {
		snprintf(out, outsize, "(no logs)");
		return;
	}
	(void)redact_text(raw, sizeof(raw));
	tail_line(raw, 240, out, outsize);
}

static void judge_container(const char *socket, const struct watch *w,
                            const struct engine_container *c,
                            struct compose_result *res)
{
	const struct engine_container *was =
		find_by_id(w->first, w->n_first, c->id);
	int restarted = was != NULL && c->restart_count > was->restart_count;
	char logs[300];

	snprintf(res->image, sizeof(res->image), "%s", c->image);
	snprintf(res->config_hash, sizeof(res->config_hash), "%s",
	         c->config_hash);
	if (strcmp(c->state, "running") == 0 && !restarted &&
	    strcmp(c->health, "unhealthy") != 0 &&
	    strcmp(c->health, "starting") != 0) {
		res->err = DX_OK;
		snprintf(res->detail, sizeof(res->detail), "running%s",
		         c->health[0] ? " (healthy)" : "");
		return;
	}
	if (completed(c) && !restarted) {
		res->err = DX_OK;
		snprintf(res->detail, sizeof(res->detail),
		         "completed (exit code 0)");
		return;
	}
	res->err = DX_ERR_SERVICE_FAILED;
	last_logs(socket, c->id, logs, sizeof(logs));
	if (restarted || strcmp(c->state, "restarting") == 0)
		snprintf(res->detail, sizeof(res->detail),
		         "crash-looping (restarted %d times, last exit code "
		         "%d); last log lines: %s", c->restart_count,
		         c->exit_code, logs);
	else if (strcmp(c->health, "unhealthy") == 0 ||
	         strcmp(c->health, "starting") == 0)
		snprintf(res->detail, sizeof(res->detail),
		         "health check %s; last log lines: %s", c->health, logs);
	else
		snprintf(res->detail, sizeof(res->detail),
		         "%s with code %d; last log lines: %s", c->state,
		         c->exit_code, logs);
}

static void judge(const char *socket, const struct dx_settings *s,
                  const struct watch *w, struct compose_result *res)
{
	size_t i, j;

	for (i = 0; i < s->n_compose_services; i++) {
		struct compose_result *r = &res[i];
		int seen = 0;

		memset(r, 0, sizeof(*r));
		snprintf(r->service, sizeof(r->service), "%s",
		         s->compose_services[i]);
		r->err = DX_ERR_SERVICE_FAILED;
		snprintf(r->detail, sizeof(r->detail), "no container");
		/* Every replica must be fine; the first bad one speaks. */
		for (j = 0; j < w->n_now; j++) {
			struct compose_result one;

			if (strcmp(w->now[j].service, r->service) != 0)
				continue;
			memset(&one, 0, sizeof(one));
			judge_container(socket, w, &w->now[j], &one);
			if (!seen || one.err != DX_OK) {
				snprintf(one.service, sizeof(one.service), "%s",
				         r->service);
				*r = one;
			}
			seen = 1;
			if (one.err != DX_OK)
				break;
		}
	}
}

int compose_verify(const char *socket, const struct dx_settings *s,
                   unsigned settle_ms, unsigned max_ms,
                   struct compose_result **res, size_t *n)
{
	struct watch w;
	uint64_t start = host_clock_ms();
	size_t i;
	int r;

	*res = NULL;
	*n = 0;
	memset(&w, 0, sizeof(w));
	r = look(socket, s, &w.first, &w.n_first);
	while (r == DX_OK) {
		uint64_t spent = host_clock_ms() - start;

		free(w.now);
		w.now = NULL;
		r = look(socket, s, &w.now, &w.n_now);
		if (r != DX_OK)
			break;
		if (spent >= max_ms || (spent >= settle_ms && !pending(&w)))
			break;
		host_pause_ms(500);
	}
	if (r != DX_OK)
		goto out;
	*res = calloc(s->n_compose_services + 1, sizeof(**res));
	if (*res == NULL) {
		r = DX_ERR_NOMEM;
		goto out;
	}
	*n = s->n_compose_services;
	judge(socket, s, &w, *res);
	for (i = 0; i < *n; i++)
		if ((*res)[i].err != DX_OK)
			r = DX_ERR_SERVICE_FAILED;
out:
	free(w.first);
	free(w.now);
	return r;
}

/* ---- the fingerprint ------------------------------------------------------------------ */

static const struct engine_container *
running_of(const struct engine_container *list, size_t n, const char *svc)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i].service, svc) == 0 &&
		    (strcmp(list[i].state, "running") == 0 ||
		     strncmp(list[i].status, "Exited (0)", 10) == 0))
			return &list[i];
	return NULL;
}

int compose_fingerprint(const char *socket, const struct dx_settings *s,
                        char *out, size_t outsize)
{
	struct engine_container *list = NULL;
	size_t n, used = 0, i;
	int r;

	out[0] = '\0';
	r = engine_list_project(socket, compose_project(s), &list, &n);
	for (i = 0; r == DX_OK && i < s->n_compose_services; i++) {
		const struct engine_container *c =
			running_of(list, n, s->compose_services[i]);
		int k;

		if (c == NULL || c->config_hash[0] == '\0') {
			out[0] = '\0';
			break;
		}
		k = snprintf(out + used, outsize - used, "%s=%s\n",
		             s->compose_services[i], c->config_hash);
		if (k < 0 || (size_t)k >= outsize - used) {
			r = DX_ERR_TOO_LARGE;
			out[0] = '\0';
			break;
		}
		used += (size_t)k;
	}
	free(list);
	return r;
}

/* ---- the report ---------------------------------------------------------------------------- */

void compose_report(struct status_report *st, const struct compose_result *res,
                    size_t n)
{
	size_t i, failed = 0;

	for (i = 0; i < n; i++) {
		int ok = res[i].err == DX_OK;
		char name[160];

		failed += !ok;
		if (ok && n > COMPOSE_SUBSTATUS_EACH)
			continue;
		snprintf(name, sizeof(name), "service %s", res[i].service);
		status_sub(st, name, ok ? STATUS_SUCCESS : STATUS_ERROR,
		           ok ? 0 : err_status_code(res[i].err), "%s (%s)",
		           res[i].detail, res[i].image[0] ? res[i].image : "-");
		if (ok)
			log_info("service %s: %s", res[i].service, res[i].detail);
		else
			log_error("service %s: %s", res[i].service,
			          res[i].detail);
	}
	if (n > COMPOSE_SUBSTATUS_EACH)
		status_sub(st, "services", failed ? STATUS_ERROR : STATUS_SUCCESS,
		           failed ? err_status_code(DX_ERR_SERVICE_FAILED) : 0,
		           "%zu of %zu services running", n - failed, n);
}
