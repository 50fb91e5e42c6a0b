/*
 * handler - install, enable, disable, uninstall, update.
 *
 * The shape of enable, and why:
 *   - everything that can be checked without changing the VM (handler
 *     environment, sequence number, settings in full) is checked before
 *     anything else, so a bad settings file gets an `error` status at once
 *     and nothing is half-changed;
 *   - unchanged settings (same digests, same mrseq) on a healthy Docker
 *     finish right there with a fresh `success`: no worker, no plugin;
 *   - otherwise `transitioning` is written and a detached worker (own
 *     session, stdio on the log, no inherited descriptors but the lock)
 *     does the work: waagent kills enable's process group at 300 s, and
 *     installing Docker can take longer.
 *   - One worker at a time changes the VM: it holds an flock() on
 *     <state>/lock, which the kernel releases when it dies, so there is no
 *     stale pid file to clean up.  enable takes the lock itself and hands
 *     it to the worker it forks; when the lock is busy, the holder's
 *     sequence number (in <state>/running, written only under the lock)
 *     says whether this enable is a duplicate (same seq: nothing to do) or
 *     newer (a worker waits for the lock, then applies the newer settings).
 */
#include "config.h"

#include "handler.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compose.h"
#include "distro.h"
#include "engine.h"
#include "err.h"
#include "events.h"
#include "exec.h"
#include "fileio.h"
#include "host.h"
#include "http.h"
#include "loader.h"
#include "log.h"
#include "redact.h"
#include "registry.h"
#include "secrets.h"
#include "seq.h"
#include "settings.h"
#include "state.h"
#include "status.h"

#define MSG_MAX 1024
#define LOG_FILE_NAME "docker-extension.log"
#define LOG_FILE_MAX (4u * 1024u * 1024u)
#define SETTINGS_FILE_MAX (1024u * 1024u)
#define ENV_FILE_MAX (64u * 1024u)
#define DEFAULT_NAME "Microsoft.Azure.Extensions.DockerExtension"
#define DOCKER_SOCKET "/var/run/docker.sock"
/* How long the update marker disarms uninstall: waagent runs the old
   uninstall right after the new update, seconds apart. */
#define UPDATE_MARKER_MAX_AGE_S 3600
/* How long uninstall waits for a worker it asked to stop. */
#define LOCK_WAIT_S 60
/* How long a queued worker waits for the running one (waagent waits up
   to 90 minutes for a dependency's terminal status). */
#define QUEUE_WAIT_S (2 * 3600)
/* How long the engine may take to answer after the daemon step. */
#define HEALTH_WAIT_S 5
/* After `up`: a crash loop shows as restarts within this window; health
   checks that are still starting get up to the second bound. */
#define COMPOSE_SETTLE_MS 3000u
#define COMPOSE_HEALTH_MAX_MS 120000u
#define FINGERPRINT_MAX (64u * 1024u)

struct run_ctx {
	const char *command;
	const char *operation;          /* "Enable", ... for the status */
	const char *argv0;
	char base_dir[PATH_MAX];        /* where HandlerEnvironment.json is */
	struct handler_env env;
	unsigned long seq;
	int have_seq;
	struct state st;
	struct dx_settings settings;
	struct settings_report rep;
	struct status_report *status;   /* large: on the heap */
	const char *failed_step;        /* the step that failed, for the
	                                   top-level message */
	const char *plugin_step;        /* the step a plugin is in, for its
	                                   progress lines */
	char plugin_said[512];          /* its last error line: on a
	                                   failure, the reason */
};

/* A message into a fixed buffer; a long one is cut, which is fine for a
   one-line message (and says so to the compiler). */
static void say(char *msg, size_t msgsize, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *msg, size_t msgsize, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, msgsize, fmt, ap);
	va_end(ap);
}

static const struct {
	const char *command;
	const char *operation;
} commands[] = {
	{ "install", "Install" },
	{ "enable", "Enable" },
	{ "disable", "Disable" },
	{ "uninstall", "Uninstall" },
	{ "update", "Update" },
};

int handler_is_command(const char *command)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].command, command) == 0)
			return 1;
	return 0;
}

/* ---- environment ------------------------------------------------------------ */

static int dir_of(const char *path, char *out, size_t outsize)
{
	char real[PATH_MAX];
	char *slash;

	if (realpath(path, real) == NULL)
		return -1;
	slash = strrchr(real, '/');
	if (slash == NULL)
		return -1;
	*(slash == real ? slash + 1 : slash) = '\0';
	return snprintf(out, outsize, "%s", real) < (int)outsize ? 0 : -1;
}

/* HandlerEnvironment.json: in the working directory (waagent's cwd is the
   extension directory), beside the handler, then one level up (the
   package keeps the handler in bin/). */
static int find_handler_env(struct run_ctx *c, char *msg, size_t msgsize)
{
	char dirs[3][PATH_MAX];
	char path[PATH_MAX + 32];
	size_t n = 0, i;
	char *text = NULL;
	size_t len;
	int r;

	if (getcwd(dirs[n], sizeof(dirs[n])) != NULL)
		n++;
	if (c->argv0 != NULL && strchr(c->argv0, '/') != NULL &&
	    dir_of(c->argv0, dirs[n], sizeof(dirs[n])) == 0) {
		n++;
		if (snprintf(path, sizeof(path), "%s/..", dirs[n - 1]) <
		            (int)sizeof(path) &&
		    realpath(path, dirs[n]) != NULL)
			n++;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/HandlerEnvironment.json",
		         dirs[i]);
		r = fileio_read_all(path, ENV_FILE_MAX, &text, &len);
		if (r == DX_ERR_IO && errno == ENOENT)
			continue;
		if (r != DX_OK) {
			say(msg, msgsize, "cannot read %s: %s", path,
			         r == DX_ERR_IO ? strerror(errno) : err_str(r));
			return DX_ERR_SETTINGS;
		}
		r = settings_parse_handler_env(text, len, &c->env, msg,
		                               msgsize);
		free(text);
		if (r != DX_OK)
			return r;
		snprintf(c->base_dir, sizeof(c->base_dir), "%s", dirs[i]);
		return DX_OK;
	}
	say(msg, msgsize, "HandlerEnvironment.json not found in the "
	         "working directory, beside the handler or one level up");
	return DX_ERR_SETTINGS;
}

static const char *handler_name(const struct run_ctx *c)
{
	return c->env.name != NULL ? c->env.name : DEFAULT_NAME;
}

static void open_log(const struct run_ctx *c)
{
	char path[PATH_MAX + 32];

	(void)mkdir(c->env.log_folder, 0755);
	snprintf(path, sizeof(path), "%s/" LOG_FILE_NAME, c->env.log_folder);
	if (log_open_file(path, LOG_FILE_MAX) != DX_OK)
		fprintf(stderr, "docker-extension: cannot open the log %s: "
		        "%s\n", path, strerror(errno));
}

/* ---- status ------------------------------------------------------------------- */

static void write_status(struct run_ctx *c)
{
	if (!c->have_seq)
		return;
	if (status_write(c->env.status_folder, c->seq, c->status) != DX_OK)
		log_error("cannot write %s/%lu.status: %s",
		          c->env.status_folder, c->seq, strerror(errno));
}

static void report(struct run_ctx *c, enum status_state state, int err,
                   const char *message)
{
	status_begin(c->status, handler_name(c), c->operation, state,
	             err_status_code(err), "%s", message);
}

/* ---- settings ----------------------------------------------------------------- */

static void register_secret(void *ctx, const char *secret)
{
	(void)ctx;
	(void)redact_add(secret);
}

/* Read and validate <config>/<seq>.settings.  `missing_ok`: disable,
   uninstall and update run with a sequence number whose file may be in
   the new version's folder only (waagent-contract.md 3.7). */
static int load_settings(struct run_ctx *c, int missing_ok, char *msg,
                         size_t msgsize)
{
	char path[PATH_MAX + 32];
	struct secrets_keydir keydir;
	char *text = NULL;
	size_t len = 0, i;
	int r;

	snprintf(path, sizeof(path), "%s/%lu.settings", c->env.config_folder,
	         c->seq);
	r = fileio_read_all(path, SETTINGS_FILE_MAX, &text, &len);
	if (r == DX_ERR_IO && errno == ENOENT && missing_ok)
		return DX_OK;
	if (r != DX_OK) {
		say(msg, msgsize, "cannot read %s: %s", path,
		         r == DX_ERR_IO ? strerror(errno) : err_str(r));
		return r == DX_ERR_TOO_LARGE ? DX_ERR_SETTINGS : r;
	}
	/* The key pair is where waagent puts it: <configFolder>/../.. */
	snprintf(keydir.dir, sizeof(keydir.dir), "%s/../..",
	         c->env.config_folder);
	r = settings_parse_file(text, len, secrets_decrypt, &keydir,
	                        &c->settings, &c->rep);
	free(text);
	settings_each_secret(&c->settings, register_secret, NULL);
	for (i = 0; i < c->rep.n_warnings; i++)
		log_warn("settings: %s", c->rep.warnings[i]);
	for (i = 0; i < c->rep.n_errors; i++)
		log_error("settings: %s", c->rep.errors[i]);
	if (r != DX_OK && r != DX_ERR_SETTINGS && c->rep.n_errors > 0)
		say(msg, msgsize, "cannot use %lu.settings: %s", c->seq,
		    c->rep.errors[0]);
	else if (r != DX_OK && c->rep.n_errors > 0)
		say(msg, msgsize, "invalid settings in %lu.settings: %s%s",
		         c->seq, c->rep.errors[0],
		         c->rep.n_errors > 1 ? " (more in the substatus)" : "");
	else if (r != DX_OK)
		say(msg, msgsize, "invalid settings in %lu.settings: %s",
		         c->seq, err_str(r));
	return r;
}

/* All problems of the settings in one substatus entry: errors first,
   then warnings (an unknown key often explains an error). */
static void settings_substatus(struct run_ctx *c)
{
	char text[STATUS_SUB_MESSAGE_MAX];
	size_t used = 0, i;

	text[0] = '\0';
	for (i = 0; i < c->rep.n_errors && used < sizeof(text); i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
		                         "%s%s", used ? "; " : "",
		                         c->rep.errors[i]);
	for (i = 0; i < c->rep.n_warnings && used < sizeof(text); i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
		                         "%swarning: %s", used ? "; " : "",
		                         c->rep.warnings[i]);
	if (c->rep.n_errors)
		status_sub(c->status, "settings", STATUS_ERROR,
		           err_status_code(DX_ERR_SETTINGS), "%s", text);
	else if (c->rep.n_warnings)
		status_sub(c->status, "settings", STATUS_WARNING, 0, "%s", text);
	else
		status_sub(c->status, "settings", STATUS_SUCCESS, 0, "valid");
}

/* ---- Docker health ------------------------------------------------------------ */

static const char *docker_socket(void)
{
	const char *h = getenv("DOCKER_HOST");

	if (h != NULL && strncmp(h, "unix://", 7) == 0 && h[7] == '/')
		return h + 7;
	return DOCKER_SOCKET;
}

static int ping_once(void)
{
	return host_ping_docker(docker_socket(), 2000) == DX_OK;
}

/* A busy VM (another extension installing packages) can make one ping
   slow; a daemon is declared down only after three tries. */
static int docker_healthy(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (ping_once())
			return 1;
		if (i < 2)
			host_pause_ms(200);
	}
	return 0;
}

/* ---- applying ----------------------------------------------------------------- */

static void fill_view(const struct dx_settings *s, struct dx_settings_view *v)
{
	memset(v, 0, sizeof(*v));
	v->version = s->version;
	v->source = s->source;
	v->mirror = s->mirror;
	v->china_cloud = s->china_cloud;
	v->port = s->port;
	v->options = (const char *const *)s->options;
	v->n_options = s->n_options;
	v->daemon_json = s->daemon_json;
	v->proxy_http = s->proxy_http;
	v->proxy_https = s->proxy_https;
	v->no_proxy = s->no_proxy;
	v->users = (const char *const *)s->users;
	v->n_users = s->n_users;
	v->tls_ca = s->cert_ca;
	v->tls_cert = s->cert_cert;
	v->tls_key = s->cert_key;
	v->allow_unauthenticated_port = s->allow_unauthenticated_port;
}

/* The VM's provisioned admin user: <UserName> in the ovf-env.xml that
   waagent keeps in its library directory (<configFolder>/../..), with or
   without a namespace prefix.  "" when there is none; a warning, not an
   error (the original failed the whole enable on it). */
static void admin_user(const struct run_ctx *c, char *out, size_t outsize)
{
	char path[PATH_MAX];
	char *xml = NULL;
	const char *p, *start, *end;
	size_t len, i;

	out[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/../../ovf-env.xml",
	             c->env.config_folder) >= (int)sizeof(path) ||
	    fileio_read_all(path, ENV_FILE_MAX, &xml, &len) != DX_OK) {
		log_warn("no ovf-env.xml next to waagent's files: the admin "
		         "user is not added to the docker group");
		return;
	}
	p = strstr(xml, "UserName>");
	start = p != NULL ? p + strlen("UserName>") : NULL;
	end = start != NULL ? strchr(start, '<') : NULL;
	len = end != NULL ? (size_t)(end - start) : 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)start[i]) && start[i] != '_' &&
		    start[i] != '-' && start[i] != '.')
			len = 0;
	if (len == 0 || len >= outsize || len > 32 ||
	    start[0] == '-')
		log_warn("ovf-env.xml names no usable admin user: it is not "
		         "added to the docker group");
	else
		snprintf(out, outsize, "%.*s", (int)len, start);
	free(xml);
}

/* docker.users plus the admin user, each once. */
static size_t group_members(const struct run_ctx *c, const char *admin,
                            const char **out, size_t max)
{
	size_t n = 0, i;
	int admin_listed = admin[0] == '\0';

	for (i = 0; i < c->settings.n_users && n < max; i++) {
		out[n++] = c->settings.users[i];
		if (strcmp(c->settings.users[i], admin) == 0)
			admin_listed = 1;
	}
	if (!admin_listed && n < max)
		out[n++] = admin;
	out[n] = NULL;
	return n;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)((t1.tv_sec - t0->tv_sec) * 1000 +
	              (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Record the outcome of one step: substatus, log line, telemetry event. */
static int step(struct run_ctx *c, const char *name, int r,
                const char *done_msg, const struct timespec *t0)
{
	events_emit(name, r != DX_OK, ms_since(t0), "%s: %s", name,
	            r == DX_OK ? done_msg : err_str(r));
	if (r == DX_OK) {
		status_sub(c->status, name, STATUS_SUCCESS, 0, "%s", done_msg);
		log_info("%s: %s", name, done_msg);
	} else {
		c->failed_step = name;
		if (c->plugin_step != NULL && c->plugin_said[0] != '\0')
			/* The plugin's own words: what it ran, what the unit's
			   journal said (redacted by status_sub). */
			status_sub(c->status, name, STATUS_ERROR,
			           err_status_code(r), "%s failed: %s: %s", name,
			           err_str(r), c->plugin_said);
		else
			status_sub(c->status, name, STATUS_ERROR,
			           err_status_code(r),
			           "%s failed: %s (details in %s/" LOG_FILE_NAME ")",
			           name, err_str(r), c->env.log_folder);
		log_error("%s failed: %s", name, err_str(r));
	}
	c->plugin_step = NULL;          /* what the plugin said was about this step */
	c->plugin_said[0] = '\0';
	return r;
}

/* A plugin's progress line ("waiting for the package manager lock held
   by ...") goes into the status at once, as the running step's
   substatus, so that whoever reads the status (waagent, the portal,
   `docker-extension status`) sees why the step takes long. */
static void on_plugin_progress(void *arg, const char *line, int failure)
{
	struct run_ctx *c = arg;

	if (failure) {
		/* Why the step is failing, in the plugin's words: step()
		   reports it. */
		snprintf(c->plugin_said, sizeof(c->plugin_said), "%s", line);
		return;
	}
	status_sub(c->status, c->plugin_step != NULL ? c->plugin_step : "plugin",
	           STATUS_TRANSITIONING, 0, "%s", line);
	write_status(c);
}

/* Make the VM match the settings: the plugin installs and configures
   Docker; the daemon is reconfigured and restarted only when its area of
   the settings changed. */
/* Record that `area` is being changed ("" until its step succeeds) or
   has been applied: a worker that dies in between leaves it marked for
   the next enable, and the areas that did succeed stay recorded (so a
   failing later step does not restart the daemon on every enable). */
static void mark_area(struct run_ctx *c, struct state_digests *cur,
                      const struct state_digests *want, enum state_area a,
                      int done)
{
	if (done)
		memcpy(cur->hex[a], want->hex[a], sizeof(cur->hex[a]));
	else
		cur->hex[a][0] = '\0';
	(void)state_write_applied(&c->st, cur);
}

/* ---- registries and compose ------------------------------------------------------ */

/* The servers logged in to, one per line, for uninstall's logout. */
static void record_login(struct run_ctx *c, const char *server)
{
	char path[PATH_MAX], *old = NULL, *text;
	size_t len = 0, n;
	const char *line = server[0] ? server : "-";

	if (state_path(&c->st, "logins", path, sizeof(path)) != DX_OK)
		return;
	(void)fileio_read_all(path, FINGERPRINT_MAX, &old, &len);
	if (old != NULL) {
		const char *p = old;

		for (; *p != '\0'; p += strcspn(p, "\n"), p += *p == '\n') {
			n = strcspn(p, "\n");
			if (n == strlen(line) && strncmp(p, line, n) == 0) {
				free(old);
				return;
			}
		}
	}
	n = len + strlen(line) + 2;
	text = malloc(n);
	if (text != NULL) {
		snprintf(text, n, "%s%s\n", old != NULL ? old : "", line);
		(void)fileio_write_atomic(path, text, strlen(text), 0600);
		free(text);
	}
	free(old);
}

static int step_login(struct run_ctx *c, struct state_digests *cur,
                      const struct state_digests *want)
{
	char msg[MSG_MAX];
	struct timespec t0;
	size_t i;
	int r = DX_OK;

	if (c->settings.n_logins == 0 ||
	    strcmp(cur->hex[STATE_AREA_LOGIN], want->hex[STATE_AREA_LOGIN]) ==
	            0) {
		mark_area(c, cur, want, STATE_AREA_LOGIN, 1);
		return DX_OK;
	}
	mark_area(c, cur, want, STATE_AREA_LOGIN, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < c->settings.n_logins && r == DX_OK; i++) {
		const struct settings_login *l = &c->settings.logins[i];

		msg[0] = '\0';
		r = registry_login(l, msg, sizeof(msg));
		if (r == DX_OK)
			record_login(c, l->server);
		else
			log_error("%s", msg);
	}
	if (r != DX_OK) {
		c->failed_step = "login";
		status_sub(c->status, "login", STATUS_ERROR, err_status_code(r),
		           "%s", msg);
		events_emit("login", 1, ms_since(&t0), "login: %s", err_str(r));
		return r;
	}
	snprintf(msg, sizeof(msg), "logged in to %zu registr%s",
	         c->settings.n_logins, c->settings.n_logins == 1 ? "y" : "ies");
	(void)step(c, "login", DX_OK, msg, &t0);
	mark_area(c, cur, want, STATE_AREA_LOGIN, 1);
	return DX_OK;
}

static int read_state_text(const struct run_ctx *c, const char *name,
                           char **out)
{
	char path[PATH_MAX];
	size_t len;

	*out = NULL;
	if (state_path(&c->st, name, path, sizeof(path)) != DX_OK)
		return DX_ERR_IO;
	return fileio_read_all(path, FINGERPRINT_MAX, out, &len);
}

static void write_state_text(const struct run_ctx *c, const char *name,
                             const char *text)
{
	char path[PATH_MAX];

	if (state_path(&c->st, name, path, sizeof(path)) == DX_OK)
		(void)fileio_write_atomic(path, text, strlen(text), 0600);
}

/* Every service runs from the configuration we last verified (compose's
   config-hash per service is what we recorded then). */
static int compose_unchanged(const struct run_ctx *c)
{
	char *had = NULL, *now;
	int same = 0;

	if (c->settings.compose_json == NULL)
		return 1;
	now = malloc(FINGERPRINT_MAX);
	if (now == NULL)
		return 0;
	if (read_state_text(c, "compose-fingerprint", &had) == DX_OK &&
	    compose_fingerprint(docker_socket(), &c->settings, now,
	                        FINGERPRINT_MAX) == DX_OK &&
	    now[0] != '\0' && strcmp(had, now) == 0)
		same = 1;
	free(had);
	free(now);
	return same;
}

static int fingerprint_record(struct run_ctx *c)
{
	char *fp = malloc(FINGERPRINT_MAX);
	int r;

	if (fp == NULL)
		return DX_ERR_NOMEM;
	r = compose_fingerprint(docker_socket(), &c->settings, fp,
	                        FINGERPRINT_MAX);
	if (r == DX_OK)
		write_state_text(c, "compose-fingerprint", fp);
	free(fp);
	return r;
}

/* Write the file, pull, up, and judge every service. */
static int compose_converge(struct run_ctx *c, char *msg, size_t msgsize)
{
	struct compose_tool tool;
	struct compose_result *res = NULL;
	char path[PATH_MAX], tool_name[96];
	char *text = NULL;
	size_t n = 0;
	int r;

	r = compose_find_tool(&tool, msg, msgsize);
	if (r != DX_OK)
		return r;
	compose_tool_name(&tool, tool_name, sizeof(tool_name));
	log_info("compose tool: %s", tool_name);
	r = compose_file_path(path, sizeof(path));
	if (r == DX_OK)
		r = compose_render(c->settings.compose_json, &tool, &text);
	if (r == DX_OK)
		r = compose_write(path, text);
	if (r != DX_OK) {
		say(msg, msgsize, "cannot write %s", path);
		goto out;
	}
	write_state_text(c, "compose-project", compose_project(&c->settings));
	r = compose_up(&tool, &c->settings, docker_socket(), path, msg,
	               msgsize);
	if (r != DX_OK)
		goto out;
	r = compose_verify(docker_socket(), &c->settings, COMPOSE_SETTLE_MS,
	                   COMPOSE_HEALTH_MAX_MS, &res, &n);
	compose_report(c->status, res, n);
	if (r == DX_OK) {
		r = fingerprint_record(c);
		snprintf(msg, msgsize, "%zu service%s running (%s)", n,
		         n == 1 ? "" : "s", tool_name);
	} else {
		snprintf(msg, msgsize, "%s", r == DX_ERR_SERVICE_FAILED
		         ? "some services are not running (see their substatus)"
		         : "the Docker Engine API did not answer");
	}
out:
	free(res);
	free(text);
	return r;
}

/* compose down for the project enable brought up (its name recorded
   then), named volumes kept; the compose file goes too. */
static void remove_compose_project(struct run_ctx *c)
{
	struct compose_tool tool;
	struct dx_settings s;
	struct settings_pair env = { "COMPOSE_PROJECT_NAME", NULL };
	char path[PATH_MAX], msg[MSG_MAX] = "";
	char *project = NULL;

	if (read_state_text(c, "compose-project", &project) != DX_OK ||
	    compose_file_path(path, sizeof(path)) != DX_OK)
		goto out;
	memset(&s, 0, sizeof(s));
	env.value = project;
	s.compose_env = &env;
	s.n_compose_env = 1;
	if (compose_find_tool(&tool, msg, sizeof(msg)) != DX_OK ||
	    compose_down(&tool, &s, path, msg, sizeof(msg)) != DX_OK)
		log_warn("compose down for project %s: %s", project, msg);
	else
		log_info("compose project %s removed", project);
	if (unlink(path) != 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", path, strerror(errno));
	compose_env_file_remove();      /* a killed worker's, if any */
	if (state_path(&c->st, "compose-project", path, sizeof(path)) ==
	    DX_OK)
		(void)unlink(path);
	if (state_path(&c->st, "compose-fingerprint", path, sizeof(path)) ==
	    DX_OK)
		(void)unlink(path);
out:
	free(project);
}

static int step_compose(struct run_ctx *c, struct state_digests *cur,
                        const struct state_digests *want)
{
	char msg[MSG_MAX] = "";
	char *had = NULL;
	struct timespec t0;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (c->settings.compose_json == NULL) {
		/* The compose section went away: so do its containers, as a
		   service removed from it would. */
		if (read_state_text(c, "compose-project", &had) == DX_OK) {
			remove_compose_project(c);
			snprintf(msg, sizeof(msg), "no compose in the settings: "
			         "project %s brought down", had);
			free(had);
			(void)step(c, "compose", DX_OK, msg, &t0);
		}
		mark_area(c, cur, want, STATE_AREA_COMPOSE, 1);
		return DX_OK;
	}
	if (strcmp(cur->hex[STATE_AREA_COMPOSE],
	           want->hex[STATE_AREA_COMPOSE]) == 0 &&
	    compose_unchanged(c)) {
		snprintf(msg, sizeof(msg), "unchanged: %zu service%s running",
		         c->settings.n_compose_services,
		         c->settings.n_compose_services == 1 ? "" : "s");
		return step(c, "compose", DX_OK, msg, &t0);
	}
	mark_area(c, cur, want, STATE_AREA_COMPOSE, 0);
	r = compose_converge(c, msg, sizeof(msg));
	if (r == DX_OK) {
		mark_area(c, cur, want, STATE_AREA_COMPOSE, 1);
		return step(c, "compose", DX_OK, msg, &t0);
	}
	c->failed_step = "compose";
	log_error("compose failed: %s", msg);
	status_sub(c->status, "compose", STATUS_ERROR, err_status_code(r),
	           "%s: %s", err_str(r), msg);
	events_emit("compose", 1, ms_since(&t0), "compose: %s", err_str(r));
	return r;
}

/* Docker answers within `seconds` (the plugin's restart already waited
   for it; this confirms, and catches a daemon that died since). */
static int docker_answers_within(int seconds)
{
	int i;

	for (i = 0; i < seconds * 4; i++) {
		if (ping_once())
			return 1;
		host_pause_ms(250);
	}
	return 0;
}

static int apply(struct run_ctx *c, const struct state_digests *want,
                 struct state_digests *cur)
{
	struct distro_info info;
	enum dx_distro d;
	char msg[MSG_MAX] = "";
	char dir[PATH_MAX];
	struct dx_settings_view view;
	struct dx_host host;
	struct loader_plugin lp;
	struct timespec t0;
	char admin[64];
	const char *members[SETTINGS_MAX_USERS + 2];
	int daemon_changed, healthy, r;

	memset(&lp, 0, sizeof(lp));
	r = distro_detect("", &info, &d, msg, sizeof(msg));
	if (r == DX_OK)
		r = loader_plugin_dir(c->argv0, dir, sizeof(dir));
	if (r == DX_OK) {
		fill_view(&c->settings, &view);
		admin_user(c, admin, sizeof(admin));
		view.n_users = group_members(c, admin, members,
		                             sizeof(members) / sizeof(members[0]) - 1);
		view.users = members;
		host_init(&host, &view, "");
		host_set_progress(on_plugin_progress, c);
		r = loader_load(d, dir, &host, &lp, msg, sizeof(msg));
	}
	if (r != DX_OK) {
		log_error("plugin: %s", msg);
		status_sub(c->status, "plugin", STATUS_ERROR, err_status_code(r),
		           "%s", msg);
		c->failed_step = "plugin";
		goto out;
	}
	status_sub(c->status, "plugin", STATUS_SUCCESS, 0, "%s (%s %s)",
	           lp.plugin->name, info.id, info.version_id);

	/* A daemon that does not answer is restarted even when its
	   settings did not change (it crashed, or someone stopped it). */
	healthy = docker_healthy();

	log_set_step("install");
	c->plugin_step = "install";
	c->plugin_said[0] = '\0';
	mark_area(c, cur, want, STATE_AREA_INSTALL, 0);
	mark_area(c, cur, want, STATE_AREA_USERS, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = step(c, "install", lp.plugin->install(lp.state),
	         "Docker Engine and Compose installed", &t0);
	if (r != DX_OK)
		goto out;
	mark_area(c, cur, want, STATE_AREA_INSTALL, 1);
	mark_area(c, cur, want, STATE_AREA_USERS, 1);

	log_set_step("daemon");
	c->plugin_step = "daemon";
	c->plugin_said[0] = '\0';
	daemon_changed = strcmp(cur->hex[STATE_AREA_DAEMON],
	                        want->hex[STATE_AREA_DAEMON]) != 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (daemon_changed || !healthy) {
		mark_area(c, cur, want, STATE_AREA_DAEMON, 0);
		r = lp.plugin->configure(lp.state);
		if (r == DX_OK)
			r = lp.plugin->restart(lp.state);
		r = step(c, "daemon", r, daemon_changed
		         ? "daemon configured and restarted"
		         : "daemon was not answering: restarted", &t0);
	} else {
		r = step(c, "daemon", DX_OK, "configuration unchanged", &t0);
	}
	if (r != DX_OK)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!docker_answers_within(HEALTH_WAIT_S)) {
		log_error("Docker Engine does not answer on %s",
		          docker_socket());
		r = step(c, "docker", DX_ERR_DAEMON_DOWN, "", &t0);
		goto out;
	}
	mark_area(c, cur, want, STATE_AREA_DAEMON, 1);
	(void)step(c, "docker", DX_OK, "Docker Engine answers on its socket",
	           &t0);

	log_set_step("login");
	r = step_login(c, cur, want);
	if (r != DX_OK)
		goto out;
	log_set_step("compose");
	r = step_compose(c, cur, want);
	if (r != DX_OK)
		goto out;
	r = DX_OK;
out:
	log_set_step(c->command);
	host_set_progress(NULL, NULL);
	c->plugin_step = NULL;
	loader_unload(&lp);
	return r;
}

/* ---- the lock and the worker ---------------------------------------------------- */

static int open_state_file(const struct run_ctx *c, const char *name)
{
	char path[PATH_MAX];

	if (state_path(&c->st, name, path, sizeof(path)) != DX_OK)
		return -1;
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
}

/* The worker lock: held by the one worker that changes the VM. */
static int open_lock(const struct run_ctx *c)
{
	return open_state_file(c, "lock");
}

/* This run's ticket: its sequence number, pid and status folder. */
static void my_ticket(const struct run_ctx *c, struct state_ticket *t)
{
	memset(t, 0, sizeof(*t));
	t->seq = c->seq;
	t->pid = (long)getpid();
	snprintf(t->folder, sizeof(t->folder), "%s", c->env.status_folder);
}

/* Whether a worker of this very ticket (sequence number and status
   folder) runs or waits and has not finished: then an enable adds nothing.
   Every worker writes its ticket to "done" before it lets go of the lock,
   so a worker that has finished but not yet exited does not swallow the
   retry that follows its failure. */
static int ticket_pending(struct run_ctx *c, const struct state_ticket *mine)
{
	struct state_ticket t;
	int done = state_read_ticket(&c->st, "done", &t) == DX_OK &&
	           state_ticket_same(&t, mine);

	if (done)
		return 0;
	return (state_read_ticket(&c->st, "running", &t) == DX_OK &&
	        state_ticket_same(&t, mine)) ||
	       (state_read_ticket(&c->st, "requested", &t) == DX_OK &&
	        state_ticket_same(&t, mine));
}

/* Say this worker is done (before its terminal status: whoever reads
   that status and enables again must not take us for still running). */
static void mark_done(const struct run_ctx *c)
{
	struct state_ticket mine;

	my_ticket(c, &mine);
	(void)state_write_ticket(&c->st, "done", &mine);
}

/* The fast path: the settings in effect are the ones last applied (a new
   sequence number with the same content included) and Docker answers. */
static int unchanged_and_healthy(struct run_ctx *c,
                                 const struct state_digests *want)
{
	struct state_digests had;

	return state_read_applied(&c->st, &had) == DX_OK &&
	       memcmp(&had, want, sizeof(had)) == 0 && docker_healthy() &&
	       compose_unchanged(c);
}

static int finish_unchanged(struct run_ctx *c)
{
	(void)seq_write_mrseq(c->base_dir, c->seq);
	report(c, STATUS_SUCCESS, DX_OK,
	       "Enable succeeded: settings unchanged and Docker healthy");
	status_sub(c->status, "docker", STATUS_SUCCESS, 0,
	           "Docker Engine answers on its socket");
	write_status(c);
	log_info("seq %lu: nothing changed and Docker is healthy", c->seq);
	return DX_OK;
}

/* Terminal and true: this sequence number's settings were not applied
   and never will be; the newer one's are. */
static void report_superseded(struct run_ctx *c, unsigned long newer)
{
	log_info("seq %lu superseded by seq %lu: not applied", c->seq, newer);
	report(c, STATUS_ERROR, DX_ERR_SUPERSEDED, "");
	snprintf(c->status->message, sizeof(c->status->message),
	         "Not applied: superseded by sequence number %lu, which "
	         "applies the newer settings", newer);
	write_status(c);
}

/* A newer sequence number of this extension directory was requested
   already (its worker waits for the lock or runs): an older one must not
   take its place, whichever gets the lock first. */
static int newer_requested(const struct run_ctx *c,
                           const struct state_ticket *mine,
                           unsigned long *newer)
{
	struct state_ticket req;

	if (state_read_ticket(&c->st, "requested", &req) != DX_OK ||
	    strcmp(req.folder, mine->folder) != 0 || req.seq <= mine->seq)
		return 0;
	*newer = req.seq;
	return 1;
}

/* A newer sequence number of this extension directory was applied
   already (two enables raced and the newer one got the lock first):
   applying this older one now would undo it. */
static int older_than_applied(const struct run_ctx *c, unsigned long *newer)
{
	unsigned long mr;

	if (seq_read_mrseq(c->base_dir, &mr) != DX_OK || mr <= c->seq)
		return 0;
	*newer = mr;
	return 1;
}

/* The worker's body: with the lock held, apply (or find that a newer
   enable or an uninstall came first, or that there is nothing to do). */
static int work(struct run_ctx *c, const struct state_digests *want)
{
	struct state_digests cur;
	struct state_ticket mine, requested;
	struct timespec started;
	unsigned long newer;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &started);
	my_ticket(c, &mine);
	(void)state_write_ticket(&c->st, "running", &mine);
	if (state_read_ticket(&c->st, "requested", &requested) != DX_OK) {
		log_info("seq %lu: cancelled (the extension is being "
		         "uninstalled)", c->seq);
		return DX_OK;
	}
	if (!state_ticket_same(&requested, &mine)) {
		log_info("seq %lu superseded by seq %lu of %s; leaving it to "
		         "that enable", c->seq, requested.seq, requested.folder);
		mark_done(c);
		report_superseded(c, requested.seq);
		return DX_OK;
	}
	if (older_than_applied(c, &newer)) {
		mark_done(c);
		report_superseded(c, newer);
		return DX_OK;
	}
	if (unchanged_and_healthy(c, want)) {
		mark_done(c);
		return finish_unchanged(c);
	}
	(void)state_read_applied(&c->st, &cur);
	report(c, STATUS_TRANSITIONING, DX_OK, "Enabling Docker");
	settings_substatus(c);
	r = apply(c, want, &cur);
	if (r == DX_OK) {
		(void)seq_write_mrseq(c->base_dir, c->seq);
		c->status->state = STATUS_SUCCESS;
		c->status->code = 0;
		snprintf(c->status->message, sizeof(c->status->message),
		         "Enable succeeded");
	} else {
		c->status->state = STATUS_ERROR;
		c->status->code = err_status_code(r);
		snprintf(c->status->message, sizeof(c->status->message),
		         "Enable failed at %s: %s (see the substatus and %s/"
		         LOG_FILE_NAME ")",
		         c->failed_step ? c->failed_step : "enable", err_str(r),
		         c->env.log_folder);
	}
	mark_done(c);
	write_status(c);
	log_info("seq %lu: %s", c->seq, c->status->message);
	events_emit("enable", r != DX_OK, ms_since(&started), "seq %lu: %s",
	            c->seq, c->status->message);
	return r;
}

/* The worker lock within `seconds` (polled: a blocked flock() cannot be
   bounded without signals); the descriptor, or -1 on timeout. */
static int wait_for_lock(struct run_ctx *c, int seconds)
{
	int fd = open_lock(c);
	int waited;

	if (fd < 0)
		return -1;
	for (waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; waited++) {
		if (waited >= seconds) {
			log_warn("the lock is still held after %d s", seconds);
			close(fd);
			return -1;
		}
		sleep(1);
	}
	return fd;
}

static _Noreturn void worker_main(struct run_ctx *c, int lock_fd,
                                  const struct state_digests *want)
{
	int devnull = open("/dev/null", O_RDWR);
	int log_fd = log_fd_get();
	int r;

	if (devnull >= 0)
		(void)dup2(devnull, 0);
	if (log_fd >= 0) {
		(void)dup2(log_fd, 1);
		(void)dup2(log_fd, 2);
	}
	/* Let go of the log's own descriptor before closing the rest (it is
	   reopened below; closing it twice could close the new one). */
	log_close_file();
	/* Nothing else stays open: not waagent's output files, not anything
	   the enable process had.  The lock (if we hold it) moves to 3. */
	if (lock_fd >= 0 && lock_fd != 3) {
		(void)dup2(lock_fd, 3);
		lock_fd = 3;
	}
	exec_close_from(lock_fd >= 0 ? 4 : 3);
	open_log(c);
	log_set_step("worker");
	if (lock_fd >= 0) {
		struct state_ticket mine;

		my_ticket(c, &mine);
		(void)state_write_ticket(&c->st, "running", &mine);
	}
	if (lock_fd < 0) {
		log_info("seq %lu: waiting for the running worker", c->seq);
		lock_fd = wait_for_lock(c, QUEUE_WAIT_S);
		if (lock_fd < 0) {
			report(c, STATUS_ERROR, DX_ERR_EXEC_TIMEOUT,
			       "Enable failed: another worker held the lock for "
			       "too long; the next enable will try again");
			write_status(c);
			_exit(err_exit_code(DX_ERR_EXEC_TIMEOUT));
		}
	}
	log_set_step("enable");
	r = work(c, want);
	mark_done(c);
	_exit(err_exit_code(r));
}

/* Fork the worker: setsid() puts it out of waagent's process group (which
   waagent kills at the time limit), the second fork makes sure it is
   never a session leader that could take a terminal. */
static int spawn_worker(struct run_ctx *c, int lock_fd,
                        const struct state_digests *want)
{
	pid_t pid = fork();
	pid_t waited;
	int status = 0;

	if (pid < 0)
		return DX_ERR_INTERNAL;
	if (pid == 0) {
		if (setsid() < 0)
			_exit(1);
		pid = fork();
		if (pid != 0)
			_exit(pid < 0 ? 1 : 0);
		worker_main(c, lock_fd, want);
	}
	while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (waited != pid)
		return DX_ERR_INTERNAL;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? DX_OK
	                                                     : DX_ERR_INTERNAL;
}

/* ---- commands ------------------------------------------------------------------------ */

static int cmd_enable(struct run_ctx *c, char *msg, size_t msgsize)
{
	struct state_digests want;
	struct state_ticket mine;
	unsigned long newer;
	int lock_fd = -1, req_fd = -1;
	int r;

	r = load_settings(c, 0, msg, msgsize);
	if (r != DX_OK) {
		report(c, STATUS_ERROR, r, msg);
		if (c->rep.n_errors)
			settings_substatus(c);
		write_status(c);
		return r;
	}
	r = state_open(&c->st, msg, msgsize);
	if (r == DX_OK)
		r = state_digest(&c->st, &c->settings, &want);
	if (r != DX_OK) {
		if (msg[0] == '\0')
			say(msg, msgsize, "state: %s", err_str(r));
		report(c, STATUS_ERROR, r, msg);
		write_status(c);
		return r;
	}
	lock_fd = open_lock(c);
	if (lock_fd < 0) {
		say(msg, msgsize, "cannot open the worker lock in %s: %s",
		         c->st.dir, strerror(errno));
		report(c, STATUS_ERROR, DX_ERR_IO, msg);
		write_status(c);
		return DX_ERR_IO;
	}
	/* An enable ends any update: the old version's uninstall has run
	   (or, with updateMode UpdateWithoutInstall, never will). */
	state_clear_updating(&c->st);
	my_ticket(c, &mine);
	/* Two enables at the same moment: the decision below (superseded,
	   nothing to do, or request a worker) is made by one at a time, so
	   that an older number never overwrites a newer request. */
	req_fd = open_state_file(c, "request-lock");
	if (req_fd >= 0)
		(void)flock(req_fd, LOCK_EX);
	if (newer_requested(c, &mine, &newer) ||
	    older_than_applied(c, &newer)) {
		report_superseded(c, newer);
		r = DX_OK;
		goto out;
	}
	if (flock(lock_fd, LOCK_EX | LOCK_NB) == 0) {
		if (unchanged_and_healthy(c, &want)) {
			r = finish_unchanged(c);
			goto out;
		}
	} else {
		close(lock_fd);
		lock_fd = -1;
		/* A worker of this very extension directory already runs or
		   waits for this sequence number: nothing to add.  Another
		   directory with the same number is another version during an
		   update: it gets a worker of its own. */
		if (ticket_pending(c, &mine)) {
			log_info("seq %lu: a worker is already on it", c->seq);
			printf("enable seq %lu: already in progress\n", c->seq);
			r = DX_OK;
			goto out;
		}
	}
	(void)state_write_ticket(&c->st, "requested", &mine);
	if (req_fd >= 0) {
		close(req_fd);
		req_fd = -1;
	}
	/* The holder's pid is the worker's, which it records itself first
	   thing; until then 0 says "not known yet" (uninstall must never
	   signal enable's pid, which may be reused once enable exits). */
	if (lock_fd >= 0) {
		struct state_ticket holder = mine;

		holder.pid = 0;
		(void)state_write_ticket(&c->st, "running", &holder);
	}
	report(c, STATUS_TRANSITIONING, DX_OK, "Enabling Docker");
	settings_substatus(c);
	write_status(c);
	r = spawn_worker(c, lock_fd, &want);
	if (r != DX_OK) {
		say(msg, msgsize, "cannot start the worker: %s",
		         strerror(errno));
		report(c, STATUS_ERROR, r, msg);
		write_status(c);
		goto out;
	}
	printf("enable seq %lu: working in the background; status in %s/"
	       "%lu.status\n", c->seq, c->env.status_folder, c->seq);
	r = DX_OK;
out:
	if (req_fd >= 0)
		close(req_fd);
	if (lock_fd >= 0)
		close(lock_fd);   /* the worker's copy keeps the lock */
	return r;
}

static int cmd_install(struct run_ctx *c, char *msg, size_t msgsize)
{
	struct distro_info info;
	enum dx_distro d;
	int r;

	/* Fail at install on a distribution we cannot serve: the user sees
	   it at once instead of at enable. */
	r = distro_detect("", &info, &d, msg, msgsize);
	if (r != DX_OK)
		return r;
	r = state_open(&c->st, msg, msgsize);
	if (r != DX_OK)
		return r;
	/* A new version's install ends an update: the old uninstall has
	   run by now. */
	state_clear_updating(&c->st);
	(void)state_mark_installed(&c->st);
	log_info("installed on %s %s; Docker itself is installed by enable "
	         "(waagent's time limit for install is shorter than a slow "
	         "package mirror)", info.id, info.version_id);
	return DX_OK;
}

static int cmd_disable(struct run_ctx *c, char *msg, size_t msgsize)
{
	int r = load_settings(c, 1, msg, msgsize);

	(void)r;  /* disable must not fail on settings it does not use */
	report(c, STATUS_SUCCESS, DX_OK,
	       "Disable succeeded: Docker and its containers keep running");
	write_status(c);
	return DX_OK;
}

static int cmd_update(struct run_ctx *c, char *msg, size_t msgsize)
{
	int r = state_open(&c->st, msg, msgsize);

	if (r != DX_OK)
		return r;
	r = state_mark_updating(&c->st);
	if (r != DX_OK) {
		say(msg, msgsize, "cannot write the update marker in %s",
		         c->st.dir);
		return r;
	}
	log_info("update from %s to %s: the old version's uninstall will "
	         "keep Docker, containers and configuration",
	         getenv("AZURE_GUEST_AGENT_UPDATING_FROM_VERSION")
	                 ? getenv("AZURE_GUEST_AGENT_UPDATING_FROM_VERSION")
	                 : "?",
	         getenv("VERSION") ? getenv("VERSION") : "?");
	report(c, STATUS_SUCCESS, DX_OK, "Update succeeded");
	write_status(c);
	return DX_OK;
}

static void logout_all(struct run_ctx *c)
{
	char path[PATH_MAX];
	char *list = NULL, *line, *save = NULL;

	if (read_state_text(c, "logins", &list) != DX_OK)
		return;
	for (line = strtok_r(list, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *server = strcmp(line, "-") == 0 ? "" : line;

		registry_logout(server);
		log_info("logged out of %s", registry_display(server));
	}
	free(list);
	if (state_path(&c->st, "logins", path, sizeof(path)) == DX_OK)
		(void)unlink(path);
}

/* The plugin removes what it installed and configured. */
static void plugin_uninstall(const char *argv0)
{
	struct distro_info info;
	enum dx_distro d;
	char msg[MSG_MAX] = "", dir[PATH_MAX];
	struct dx_settings_view view;
	struct dx_host host;
	struct loader_plugin lp;
	int r;

	memset(&lp, 0, sizeof(lp));
	memset(&view, 0, sizeof(view));
	r = distro_detect("", &info, &d, msg, sizeof(msg));
	if (r == DX_OK)
		r = loader_plugin_dir(argv0, dir, sizeof(dir));
	if (r == DX_OK) {
		host_init(&host, &view, "");
		r = loader_load(d, dir, &host, &lp, msg, sizeof(msg));
	}
	if (r == DX_OK)
		r = lp.plugin->uninstall(lp.state);
	if (r != DX_OK)
		log_warn("plugin uninstall: %s", msg[0] ? msg : err_str(r));
	loader_unload(&lp);
}

static int cmd_uninstall(struct run_ctx *c, char *msg, size_t msgsize)
{
	char path[PATH_MAX];
	int lock_fd;
	int r = state_open(&c->st, msg, msgsize);

	if (r != DX_OK) {
		log_warn("uninstall: %s; nothing to remove", msg);
		return DX_OK;
	}
	if (state_is_updating(&c->st, UPDATE_MARKER_MAX_AGE_S)) {
		log_info("uninstall during an update: Docker, containers and "
		         "configuration stay");
		return DX_OK;
	}
	/* Queued workers find no request when they get the lock and stop;
	   the running one is asked to stop (its children, say an apt-get,
	   finish on their own rather than die half-way). */
	state_remove(&c->st, "requested");
	lock_fd = open_lock(c);
	if (lock_fd >= 0 && flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
		struct state_ticket holder;

		close(lock_fd);
		if (state_read_ticket(&c->st, "running", &holder) == DX_OK &&
		    holder.pid > 1) {
			log_info("asking the worker (pid %ld, seq %lu) to stop",
			         holder.pid, holder.seq);
			(void)kill((pid_t)holder.pid, SIGTERM);
		}
		lock_fd = wait_for_lock(c, LOCK_WAIT_S);
	}
	/* Containers first (they need the engine), then credentials, then
	   the plugin's packages and configuration.  Never fails: waagent
	   deletes the directory anyway, and a half-removed VM is reported
	   in the log. */
	remove_compose_project(c);
	logout_all(c);
	plugin_uninstall(c->argv0);
	state_forget_applied(&c->st);
	if (state_path(&c->st, "installed", path, sizeof(path)) == DX_OK)
		(void)unlink(path);
	state_remove(&c->st, "running");
	state_remove(&c->st, "done");
	log_info("uninstalled: state in %s cleared", c->st.dir);
	if (lock_fd >= 0)
		close(lock_fd);
	return DX_OK;
}

/* ---- entry ------------------------------------------------------------------------------- */

int handler_run(const char *command, const char *argv0)
{
	struct run_ctx *c = calloc(1, sizeof(*c));
	char msg[MSG_MAX] = "";
	size_t i;
	int r;

	if (c == NULL)
		return DX_ERR_NOMEM;
	c->status = calloc(1, sizeof(*c->status));
	if (c->status == NULL) {
		r = DX_ERR_NOMEM;
		goto out;
	}
	c->argv0 = argv0;
	c->command = command;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].command, command) == 0)
			c->operation = commands[i].operation;
	if (c->operation == NULL) {
		r = DX_ERR_USAGE;
		goto out;
	}
	r = find_handler_env(c, msg, sizeof(msg));
	if (r != DX_OK)
		goto out;
	open_log(c);
	log_set_step(command);
	{
		char op_id[64];

		snprintf(op_id, sizeof(op_id), "%s-%d-%ld", command,
		         (int)getpid(), (long)time(NULL));
		events_init(c->env.events_folder, op_id);
	}
	log_info("---- %s (docker-extension %s, pid %d)", command,
	         PACKAGE_VERSION, (int)getpid());
	r = seq_current(c->env.config_folder, &c->seq, msg, sizeof(msg));
	c->have_seq = r == DX_OK;
	if (r != DX_OK && strcmp(command, "enable") == 0)
		goto out;
	if (c->have_seq)
		log_info("sequence number %lu", c->seq);
	msg[0] = '\0';

	if (strcmp(command, "install") == 0)
		r = cmd_install(c, msg, sizeof(msg));
	else if (strcmp(command, "enable") == 0)
		r = cmd_enable(c, msg, sizeof(msg));
	else if (strcmp(command, "disable") == 0)
		r = cmd_disable(c, msg, sizeof(msg));
	else if (strcmp(command, "update") == 0)
		r = cmd_update(c, msg, sizeof(msg));
	else
		r = cmd_uninstall(c, msg, sizeof(msg));
out:
	/* A failing disable blocks uninstall and update for good, and a
	   failing uninstall is ignored anyway (waagent-contract.md 0.9): say
	   what went wrong, exit 0. */
	if (r != DX_OK && (strcmp(command, "disable") == 0 ||
	                   strcmp(command, "uninstall") == 0)) {
		log_error("%s: %s (not failing: waagent must go on)", command,
		          msg[0] ? msg : err_str(r));
		r = DX_OK;
	}
	if (r != DX_OK) {
		if (msg[0] == '\0')
			say(msg, sizeof(msg), "%s", err_str(r));
		log_error("%s failed: %s", command, msg);
		/* waagent keeps the first 3200 bytes and shows them: one
		   line, redacted. */
		redact_text(msg, sizeof(msg));
		fprintf(stderr, "docker-extension %s: %s\n", command, msg);
	} else {
		log_info("%s done", command);
	}
	settings_free(&c->settings);
	settings_report_free(&c->rep);
	settings_free_handler_env(&c->env);
	free(c->status);
	free(c);
	log_close_file();
	return r;
}
