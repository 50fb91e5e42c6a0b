/*
 * summary - `docker-extension status`.
 */
#include "config.h"

#include "summary.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dx_plugin.h"
#include "fileio.h"
#include "json.h"
#include "jsonw.h"
#include "settings.h"

#define WAAGENT_DIR "/var/lib/waagent"
#define ENV_MAX (64u * 1024u)
#define STATUS_READ_MAX (1024u * 1024u)
#define LOG_READ_MAX (8u * 1024u * 1024u)
#define MAX_STEPS 64

struct step {
	char name[128];
	char status[24];
	int code;
	char message[2048];
	long long first_ms;  /* from the log; -1 when the log has no line */
	long long last_ms;
};

struct summary {
	char dir[PATH_MAX];
	struct handler_env env;
	unsigned long seq;
	char status[24];
	int code;
	char message[1024];
	char when[40];
	struct step steps[MAX_STEPS];
	size_t n_steps;
	char log_path[PATH_MAX + 32];
};

/* ---- advice -------------------------------------------------------------------------- */

static const struct {
	int code;
	const char *text;
} hints[] = {
	{ 107, "this distribution or release is not supported: see the README's list" },
	{ 118, "fix every problem listed under 'settings' (`docker-extension validate "
	       "SETTINGS.json` checks a file before you deploy it), then deploy again" },
	{ 127, "check login.username and login.password in the protected settings; "
	       "`docker login SERVER` on the VM shows the registry's own answer" },
	{ 129, "compose refused the definition: its words are under 'compose'; "
	       "check the compose section of the settings" },
	{ 130, "a service does not stay up: its last log lines are in its "
	       "substatus; `docker ps -a` and `docker logs CONTAINER` show more" },
	{ 131, "an image name or tag is wrong, or its registry needs a login that "
	       "the protected settings do not give" },
	{ 205, "this step is not implemented for this distribution yet" },
	{ 213, "a command could not be started: the log names it" },
	{ 214, "a command ran out of time: the log names it; another package "
	       "manager or a slow mirror is the usual cause" },
	{ 215, "a command failed: its last output lines are in the log" },
	{ 216, "a download failed: check the VM's network, proxy (docker.proxy) "
	       "and docker.mirror" },
	{ 217, "a download did not match its checksum: the mirror serves "
	       "something else; check docker.mirror" },
	{ 221, "the protected settings could not be decrypted: deploy them again" },
	{ 222, "the certificate for the protected settings is missing on the VM: "
	       "waagent fetches it again with the next goal state" },
	{ 223, "the protected settings were encrypted for another certificate: "
	       "deploy them again" },
	{ 224, "the protected settings are damaged: deploy them again" },
	{ 225, "the protected settings use an algorithm we do not support (the "
	       "message names it)" },
	{ 226, "Docker does not start: `journalctl -u docker -n 50`; a bad "
	       "docker.options or docker.daemon value is the usual cause" },
	{ 228, "a registry could not be reached: check DNS, the network and the "
	       "proxy; the next enable tries again" },
};

const char *summary_hint(int code)
{
	size_t i;

	if (code == 0)
		return "";
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (hints[i].code == code)
			return hints[i].text;
	if (code >= 208 && code <= 212)
		return "the plugin could not be used: reinstall the extension "
		       "package (the log says why)";
	return "the log says what happened";
}

/* ---- finding the extension --------------------------------------------------------- */

static int has_env(const char *dir)
{
	char path[PATH_MAX + 32];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/HandlerEnvironment.json", dir);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The newest <waagent>/<Publisher>.DockerExtension-<version> with a
   HandlerEnvironment.json (an update leaves the old one for a while). */
static int newest_in_waagent(char *out, size_t outsize)
{
	DIR *d = opendir(WAAGENT_DIR);
	struct dirent *e;
	time_t best = 0;
	int found = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat sb;

		if (strstr(e->d_name, "DockerExtension-") == NULL ||
		    snprintf(path, sizeof(path), "%s/%s", WAAGENT_DIR,
		             e->d_name) >= (int)sizeof(path) ||
		    stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
		    !has_env(path) || (found && sb.st_mtime < best))
			continue;
		best = sb.st_mtime;
		found = 1;
		snprintf(out, outsize, "%s", path);
	}
	closedir(d);
	return found;
}

static int find_dir(const char *given, const char *argv0, char *out,
                    size_t outsize)
{
	char buf[PATH_MAX], real[PATH_MAX];
	char *slash;

	if (given != NULL)
		return realpath(given, out) != NULL && has_env(out) ? 0 : -1;
	if (getcwd(buf, sizeof(buf)) != NULL && has_env(buf)) {
		snprintf(out, outsize, "%s", buf);
		return 0;
	}
	if (argv0 != NULL && strchr(argv0, '/') != NULL &&
	    realpath(argv0, real) != NULL &&
	    (slash = strrchr(real, '/')) != NULL) {
		*slash = '\0';
		if (has_env(real)) {
			snprintf(out, outsize, "%s", real);
			return 0;
		}
		slash = strrchr(real, '/');
		if (slash != NULL && slash != real) {
			*slash = '\0';
			if (has_env(real)) {
				snprintf(out, outsize, "%s", real);
				return 0;
			}
		}
	}
	return newest_in_waagent(out, outsize) ? 0 : -1;
}

/* ---- the status file --------------------------------------------------------------- */

/* The highest N of <statusFolder>/N.status. */
static int newest_status(const char *folder, unsigned long *seq)
{
	DIR *d = opendir(folder);
	struct dirent *e;
	int found = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char *end;
		unsigned long n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		errno = 0;
		n = strtoul(e->d_name, &end, 10);
		if (errno != 0 || strcmp(end, ".status") != 0)
			continue;
		if (!found || n > *seq)
			*seq = n;
		found = 1;
	}
	closedir(d);
	return found;
}

static void read_step(json_val *sub, struct step *st)
{
	snprintf(st->name, sizeof(st->name), "%s",
	         json_str(json_get(sub, "name")));
	snprintf(st->status, sizeof(st->status), "%s",
	         json_str(json_get(sub, "status")));
	st->code = json_int(json_get(sub, "code"));
	snprintf(st->message, sizeof(st->message), "%s",
	         json_str(json_get(json_get(sub, "formattedMessage"),
	                           "message")));
	st->first_ms = -1;
	st->last_ms = -1;
}

static int read_status(struct summary *s, char *msg, size_t msgsize)
{
	char path[PATH_MAX + 64];
	char *text = NULL;
	size_t len;
	struct json *doc;
	json_val *top, *sub;

	if (!newest_status(s->env.status_folder, &s->seq)) {
		snprintf(msg, msgsize, "no status file in %.900s yet: waagent has "
		         "not run enable", s->env.status_folder);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%lu.status", s->env.status_folder,
	         s->seq);
	if (fileio_read_all(path, STATUS_READ_MAX, &text, &len) != DX_OK) {
		snprintf(msg, msgsize, "cannot read %.900s", path);
		return -1;
	}
	doc = json_parse(text, len);
	free(text);
	top = json_first(json_root(doc));
	if (!json_is_object(top)) {
		json_free(doc);
		snprintf(msg, msgsize, "%.900s is not a status file", path);
		return -1;
	}
	snprintf(s->when, sizeof(s->when), "%s",
	         json_str(json_get(top, "timestampUTC")));
	top = json_get(top, "status");
	snprintf(s->status, sizeof(s->status), "%s",
	         json_str(json_get(top, "status")));
	s->code = json_int(json_get(top, "code"));
	snprintf(s->message, sizeof(s->message), "%s",
	         json_str(json_get(json_get(top, "formattedMessage"),
	                           "message")));
	for (sub = json_first(json_get(top, "substatus"));
	     sub != NULL && s->n_steps < MAX_STEPS; sub = json_next(sub))
		read_step(sub, &s->steps[s->n_steps++]);
	json_free(doc);
	return 0;
}

/* ---- the log: how long each step took ----------------------------------------------- */

/* `n` digits at `p` as a number, or -1. */
static int digits(const char *p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

long long summary_log_time(const char *line)
{
	/* 2026-11-23T13:53:01.295Z */
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	struct tm tm;
	time_t t;
	size_t i;

	for (i = 0; i < sizeof(shape) - 1; i++)
		if (line[i] == '\0' ||
		    (shape[i] == 'd' ? (line[i] < '0' || line[i] > '9')
		                     : line[i] != shape[i]))
			return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = digits(line, 4) - 1900;
	tm.tm_mon = digits(line + 5, 2) - 1;
	tm.tm_mday = digits(line + 8, 2);
	tm.tm_hour = digits(line + 11, 2);
	tm.tm_min = digits(line + 14, 2);
	tm.tm_sec = digits(line + 17, 2);
	t = timegm(&tm);
	return t == (time_t)-1 ? -1
	                       : (long long)t * 1000 + digits(line + 20, 3);
}

/* "... [PID] LEVEL: STEP: text" -> PID and STEP. */
static int parse_line(const char *line, long *pid, char *step,
                      size_t stepsize)
{
	const char *p = strchr(line, '[');
	const char *colon, *next;
	char *end;

	if (p == NULL)
		return -1;
	errno = 0;
	*pid = strtol(p + 1, &end, 10);
	if (errno != 0 || end == p + 1 || *end != ']')
		return -1;
	colon = strstr(p, ": ");
	if (colon == NULL)
		return -1;
	next = strstr(colon + 2, ": ");
	if (next == NULL || (size_t)(next - colon - 2) >= stepsize ||
	    memchr(colon + 2, ' ', (size_t)(next - colon - 2)) != NULL)
		return -1;
	memcpy(step, colon + 2, (size_t)(next - colon - 2));
	step[next - colon - 2] = '\0';
	return 0;
}

static struct step *step_named(struct summary *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_steps; i++)
		if (strcmp(s->steps[i].name, name) == 0)
			return &s->steps[i];
	return NULL;
}

/* The worker of the last run is the pid of the last "seq N: " line; its
   lines give each step's first and last time. */
static void read_durations(struct summary *s)
{
	char needle[64], step[128];
	char *text = NULL, *line, *save = NULL;
	size_t len;
	long pid = -1, p;

	snprintf(s->log_path, sizeof(s->log_path), "%s/docker-extension.log",
	         s->env.log_folder);
	if (fileio_read_all(s->log_path, LOG_READ_MAX, &text, &len) != DX_OK)
		return;
	snprintf(needle, sizeof(needle), "seq %lu: ", s->seq);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, needle) != NULL &&
		    parse_line(line, &p, step, sizeof(step)) == 0)
			pid = p;
	free(text);
	text = NULL;
	if (pid < 0 ||
	    fileio_read_all(s->log_path, LOG_READ_MAX, &text, &len) != DX_OK)
		return;
	save = NULL;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		long long t = summary_log_time(line);
		struct step *st;

		if (t < 0 || parse_line(line, &p, step, sizeof(step)) != 0 ||
		    p != pid || (st = step_named(s, step)) == NULL)
			continue;
		if (st->first_ms < 0)
			st->first_ms = t;
		st->last_ms = t;
	}
	free(text);
}

static long long duration_ms(const struct summary *s, size_t i)
{
	size_t j;

	if (s->steps[i].first_ms < 0)
		return -1;
	/* a step lasts until the next logged step starts */
	for (j = i + 1; j < s->n_steps; j++)
		if (s->steps[j].first_ms >= 0)
			return s->steps[j].first_ms - s->steps[i].first_ms;
	return s->steps[i].last_ms - s->steps[i].first_ms;
}

/* ---- output ---------------------------------------------------------------------------- */

static const struct step *failed_step(const struct summary *s)
{
	size_t i;

	for (i = 0; i < s->n_steps; i++)
		if (strcmp(s->steps[i].status, "error") == 0)
			return &s->steps[i];
	return NULL;
}

static void print_text(const struct summary *s)
{
	const struct step *bad = failed_step(s);
	size_t i;

	printf("%s, sequence %lu, %s\n",
	       s->env.name != NULL ? s->env.name : "docker-extension", s->seq,
	       s->when);
	printf("result: %s", s->status);
	if (s->code != 0)
		printf(" (code %d)", s->code);
	printf(": %s\n\n", s->message);
	for (i = 0; i < s->n_steps; i++) {
		long long d = duration_ms(s, i);
		char dur[32] = "";

		if (d >= 0)
			snprintf(dur, sizeof(dur), "%lld.%01lld s", d / 1000,
			         (d % 1000) / 100);
		printf("  %-22s %-13s %9s  %s\n", s->steps[i].name,
		       s->steps[i].status, dur, s->steps[i].message);
	}
	if (strcmp(s->status, "transitioning") == 0)
		printf("\nstill working; run this again in a moment\n");
	else if (s->code != 0)
		printf("\nnext: %s\n",
		       summary_hint(bad != NULL && bad->code != 0 ? bad->code
		                                                  : s->code));
	printf("log: %s\n", s->log_path);
}

static int print_json(const struct summary *s)
{
	const struct step *bad = failed_step(s);
	struct jsonw w;
	size_t i;
	int r;

	jsonw_init(&w);
	jsonw_begin_object(&w);
	jsonw_key(&w, "name");
	jsonw_string(&w, s->env.name != NULL ? s->env.name : "", 256);
	jsonw_key(&w, "sequence");
	jsonw_int(&w, (long long)s->seq);
	jsonw_key(&w, "time");
	jsonw_string(&w, s->when, sizeof(s->when));
	jsonw_key(&w, "status");
	jsonw_string(&w, s->status, sizeof(s->status));
	jsonw_key(&w, "code");
	jsonw_int(&w, s->code);
	jsonw_key(&w, "message");
	jsonw_string(&w, s->message, sizeof(s->message));
	jsonw_key(&w, "steps");
	jsonw_begin_array(&w);
	for (i = 0; i < s->n_steps; i++) {
		jsonw_begin_object(&w);
		jsonw_key(&w, "name");
		jsonw_string(&w, s->steps[i].name, sizeof(s->steps[i].name));
		jsonw_key(&w, "status");
		jsonw_string(&w, s->steps[i].status,
		             sizeof(s->steps[i].status));
		jsonw_key(&w, "code");
		jsonw_int(&w, s->steps[i].code);
		jsonw_key(&w, "message");
		jsonw_string(&w, s->steps[i].message,
		             sizeof(s->steps[i].message));
		jsonw_key(&w, "durationMs");
		jsonw_int(&w, duration_ms(s, i));
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	jsonw_key(&w, "next");
	jsonw_string(&w, s->code != 0 && strcmp(s->status, "error") == 0
	             ? summary_hint(bad != NULL && bad->code ? bad->code
	                                                     : s->code)
	             : "", 1024);
	jsonw_key(&w, "log");
	jsonw_string(&w, s->log_path, sizeof(s->log_path));
	jsonw_end_object(&w);
	r = jsonw_failed(&w);
	if (r == 0)
		printf("%s\n", w.buf);
	jsonw_free(&w);
	return r;
}

/* ---- the command ---------------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr, "usage: docker-extension status [--json] "
	        "[--dir EXTENSION_DIR]\n");
	return 2;
}

static int load(struct summary *s, const char *dir_arg, const char *argv0)
{
	char path[PATH_MAX + 32], msg[1024] = "";
	char *text = NULL;
	size_t len;
	int r;

	if (find_dir(dir_arg, argv0, s->dir, sizeof(s->dir)) != 0) {
		fprintf(stderr, "status: %s\n", dir_arg != NULL
		        ? "no HandlerEnvironment.json in the directory given"
		        : "no installed extension found (looked in the working "
		          "directory, beside this program and in "
		          WAAGENT_DIR "); give --dir");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/HandlerEnvironment.json", s->dir);
	r = fileio_read_all(path, ENV_MAX, &text, &len);
	if (r == DX_OK)
		r = settings_parse_handler_env(text, len, &s->env, msg,
		                               sizeof(msg));
	free(text);
	if (r != DX_OK) {
		fprintf(stderr, "status: %s: %s\n", path,
		        msg[0] ? msg : "cannot read");
		return 2;
	}
	if (read_status(s, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "status: %s\n", msg);
		return 2;
	}
	read_durations(s);
	return 0;
}

int summary_main(int argc, char **argv)
{
	struct summary *s;
	const char *dir = NULL;
	int json = 0, i, r;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else
			return usage();
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return 2;
	r = load(s, dir, argv[0]);
	if (r == 0) {
		if (json ? print_json(s) != 0 : (print_text(s), 0))
			r = 2;
		else if (strcmp(s->status, "transitioning") == 0)
			r = 3;
		else
			r = strcmp(s->status, "error") == 0 ? 1 : 0;
	}
	settings_free_handler_env(&s->env);
	free(s);
	return r;
}
