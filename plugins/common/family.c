#include "config.h"

#include "family.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_SIZE 4096
#define OSRELEASE_MAX (64u * 1024u)
#define RECORD_MAX (256u * 1024u)
#define GROUP_MAX (4u * 1024u * 1024u)

static const struct dx_settings_view empty_view;

/* ---- strings ------------------------------------------------------------------- */

int family_cat(char *buf, size_t size, const char *s)
{
	size_t have = strlen(buf), add = strlen(s);

	if (have + add >= size) {
		return -1;
	}
	memcpy(buf + have, s, add + 1);
	return 0;
}

void family_last_line(const char *output, char *line, size_t linesize)
{
	const char *end = output + strlen(output), *start;

	while (end > output && isspace((unsigned char)end[-1]))
		end--;
	start = end;
	while (start > output && start[-1] != '\n')
		start--;
	while (start < end && isspace((unsigned char)*start))
		start++;
	snprintf(line, linesize, "%.*s", (int)(end - start), start);
}

void family_docker_base(const struct family_state *st, char *out,
                        size_t outsize)
{
	const char *base = "https://download.docker.com";
	size_t len;

	if (st->set->mirror != NULL && st->set->mirror[0] != '\0')
		base = st->set->mirror;
	else if (st->set->china_cloud)
		base = "https://mirror.azure.cn/docker-ce";
	snprintf(out, outsize, "%s", base);
	len = strlen(out);
	while (len > 0 && out[len - 1] == '/')
		out[--len] = '\0';
}

int family_version_matches(const char *have, const char *pin)
{
	size_t n = strlen(pin);
	const char *colon = strchr(have, ':');

	if (strchr(pin, ':') == NULL && colon != NULL)
		have = colon + 1;
	if (strncmp(have, pin, n) != 0)
		return 0;
	return have[n] == '\0' || have[n] == '-' || have[n] == '~' ||
	       have[n] == '.' || have[n] == '+';
}

/* ---- logging ------------------------------------------------------------------ */

void family_log(struct family_state *st, enum dx_log_level level,
                const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	st->host->log(st->host->ctx, level, "%s plugin: %s", st->plugin, line);
}

void family_fail(struct family_state *st, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	st->host->log(st->host->ctx, DX_LOG_ERROR, "%s plugin: %s", st->plugin,
	              line);
	st->host->progress(st->host->ctx, "%s", line);
}

/* ---- files --------------------------------------------------------------------- */

int family_path(const struct family_state *st, const char *path, char *out,
                size_t outsize)
{
	const char *root = st->host->sysroot != NULL ? st->host->sysroot : "";
	int n = snprintf(out, outsize, "%s%s", root, path);

	return n >= 0 && (size_t)n < outsize ? 0 : -1;
}

int family_exists(const struct family_state *st, const char *path)
{
	char full[PATH_SIZE];
	struct stat sb;

	return family_path(st, path, full, sizeof(full)) == 0 &&
	       lstat(full, &sb) == 0;
}

int family_mkdirs(const struct family_state *st, const char *dir,
                  unsigned mode)
{
	char full[PATH_SIZE];
	size_t skip = strlen(st->host->sysroot != NULL ? st->host->sysroot : "");
	char *p;

	if (family_path(st, dir, full, sizeof(full)) != 0)
		return DX_ERR_INVALID_ARG;
	/* Only the part below the sysroot is ours to create. */
	for (p = full + skip + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(full, (mode_t)mode) != 0 && errno != EEXIST)
			return DX_ERR_IO;
		*p = '/';
	}
	if (mkdir(full, (mode_t)mode) != 0 && errno != EEXIST)
		return DX_ERR_IO;
	return DX_OK;
}

int family_read(const struct family_state *st, const char *path, size_t max,
                char **out, size_t *len)
{
	char full[PATH_SIZE];
	char *buf = NULL;
	size_t used = 0;
	int fd = -1, r = DX_ERR_IO;

	*out = NULL;
	*len = 0;
	if (family_path(st, path, full, sizeof(full)) != 0)
		return DX_ERR_INVALID_ARG;
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return DX_ERR_IO;
	buf = malloc(max + 1);
	if (buf == NULL) {
		r = DX_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + used, max + 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			r = DX_ERR_TOO_LARGE;
			goto out;
		}
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
	r = DX_OK;
out:
	free(buf);
	close(fd);
	return r;
}

static void parent_of(const char *path, char *out, size_t outsize)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash != NULL ? (size_t)(slash - path) : 0;

	snprintf(out, outsize, "%.*s", (int)n, path);
}

int family_write(struct family_state *st, const char *path, const char *data,
                 size_t len, unsigned mode)
{
	char full[PATH_SIZE], dir[PATH_SIZE];
	int r;

	parent_of(path, dir, sizeof(dir));
	if (dir[0] != '\0' && family_mkdirs(st, dir, 0755) != DX_OK) {
		family_log(st, DX_LOG_ERROR, "cannot create %s: %s", dir,
		           strerror(errno));
		return DX_ERR_IO;
	}
	if (family_path(st, path, full, sizeof(full)) != 0)
		return DX_ERR_INVALID_ARG;
	r = st->host->write_file(st->host->ctx, full, data, len, mode);
	if (r != DX_OK)
		family_log(st, DX_LOG_ERROR, "cannot write %s (code %d)", path,
		           r);
	return r;
}

static void wipe(char *p, size_t n)
{
	volatile char *v = p;

	while (n-- > 0)
		*v++ = 0;
}

int family_write_if_changed(struct family_state *st, const char *path,
                            const char *data, size_t len, unsigned mode,
                            int secret, int *changed)
{
	char full[PATH_SIZE];
	struct stat sb;
	char *old = NULL;
	size_t old_len = 0;
	int same;

	(void)family_read(st, path, len + 1, &old, &old_len);
	same = old != NULL && old_len == len && memcmp(old, data, len) == 0 &&
	       family_path(st, path, full, sizeof(full)) == 0 &&
	       stat(full, &sb) == 0 && (sb.st_mode & 07777) == mode;
	if (old != NULL && secret)
		wipe(old, old_len);
	free(old);
	if (same)
		return DX_OK;
	*changed = 1;
	return family_write(st, path, data, len, mode);
}

int family_remove(struct family_state *st, const char *path, int *changed)
{
	char full[PATH_SIZE];

	if (family_path(st, path, full, sizeof(full)) != 0)
		return DX_ERR_INVALID_ARG;
	if (unlink(full) == 0) {
		*changed = 1;
		family_log(st, DX_LOG_INFO, "removed %s", path);
		return DX_OK;
	}
	if (errno == ENOENT)
		return DX_OK;
	family_log(st, DX_LOG_ERROR, "cannot remove %s: %s", path,
	           strerror(errno));
	return DX_ERR_IO;
}

int family_symlink(struct family_state *st, const char *target,
                   const char *path, unsigned dir_mode, int *created)
{
	char full[PATH_SIZE], dir[PATH_SIZE];

	*created = 0;
	if (family_exists(st, path))
		return DX_OK;
	parent_of(path, dir, sizeof(dir));
	if (family_path(st, path, full, sizeof(full)) != 0)
		return DX_ERR_INVALID_ARG;
	if ((dir[0] != '\0' && family_mkdirs(st, dir, dir_mode) != DX_OK) ||
	    symlink(target, full) != 0) {
		family_log(st, DX_LOG_ERROR, "cannot link %s to %s: %s", path,
		           target, strerror(errno));
		return DX_ERR_IO;
	}
	*created = 1;
	return DX_OK;
}

/* ---- os-release ---------------------------------------------------------------- */

/* The value of KEY=VALUE with one level of quotes and backslash escapes
   removed, as os-release(5) describes. */
static void unquote(const char *v, size_t n, char *out, size_t outsize)
{
	size_t o = 0, i = 0;
	char q = 0;

	if (n > 0 && (v[0] == '"' || v[0] == '\'')) {
		q = v[0];
		i = 1;
		if (n > 1 && v[n - 1] == q)
			n--;
	}
	for (; i < n && o + 1 < outsize; i++) {
		if (q == '"' && v[i] == '\\' && i + 1 < n)
			i++;
		out[o++] = v[i];
	}
	out[o] = '\0';
}

static void os_field(const char *text, const char *key, char *out,
                     size_t outsize)
{
	size_t klen = strlen(key);
	const char *p = text;

	out[0] = '\0';
	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, "\n");

		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t vn = n - klen - 1;

			while (vn > 0 && (p[klen + vn] == '\r' ||
			                  p[klen + vn] == ' '))
				vn--;
			unquote(p + klen + 1, vn, out, outsize);
		}
		p += n;
		if (*p == '\n')
			p++;
	}
}

static void read_os(struct family_state *st)
{
	char *text = NULL;
	size_t len;
	char ubuntu[64];

	if (family_read(st, "/etc/os-release", OSRELEASE_MAX, &text, &len) !=
	        DX_OK &&
	    family_read(st, "/usr/lib/os-release", OSRELEASE_MAX, &text,
	                &len) != DX_OK)
		return;
	os_field(text, "ID", st->os.id, sizeof(st->os.id));
	os_field(text, "VERSION_ID", st->os.version_id,
	         sizeof(st->os.version_id));
	os_field(text, "VERSION_CODENAME", st->os.codename,
	         sizeof(st->os.codename));
	os_field(text, "UBUNTU_CODENAME", ubuntu, sizeof(ubuntu));
	if (ubuntu[0] != '\0')
		snprintf(st->os.codename, sizeof(st->os.codename), "%s", ubuntu);
	st->os.major = (unsigned)strtoul(st->os.version_id, NULL, 10);
	free(text);
}

/* ---- life cycle ---------------------------------------------------------------- */

int family_init(const struct dx_host *host, void **state, const char *plugin,
                const struct family_distro *distro)
{
	struct family_state *st;
	const struct dx_settings_view *v;

	*state = NULL;
	if (host == NULL || DX_ABI_MAJOR_OF(host->abi_version) != DX_ABI_MAJOR)
		return DX_ERR_PLUGIN_ABI;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return DX_ERR_NOMEM;
	st->host = host;
	st->plugin = plugin;
	st->distro = distro;
	v = host->settings != NULL ? host->settings(host->ctx) : NULL;
	st->set = v != NULL ? v : &empty_view;
	read_os(st);
	*state = st;
	return DX_OK;
}

void family_fini(void *state)
{
	free(state);
}

static int is_executable(const struct family_state *st, const char *path)
{
	char full[PATH_SIZE];
	struct stat sb;

	if (family_path(st, path, full, sizeof(full)) != 0)
		return 0;
	return stat(full, &sb) == 0 && S_ISREG(sb.st_mode) &&
	       (sb.st_mode & 0111) != 0;
}

int family_probe(void *state, struct dx_probe *out)
{
	static const char *const dockerd_paths[] = {
		"/usr/bin/dockerd", "/usr/sbin/dockerd", NULL
	};
	static const char *const compose_paths[] = {
		"/usr/libexec/docker/cli-plugins/docker-compose",
		"/usr/lib/docker/cli-plugins/docker-compose",
		"/usr/local/lib/docker/cli-plugins/docker-compose",
		"/usr/local/libexec/docker/cli-plugins/docker-compose",
		"/usr/bin/docker-compose",
		"/usr/local/bin/docker-compose",
		"/opt/bin/docker-compose",
		NULL
	};
	struct family_state *st = state;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; dockerd_paths[i] != NULL; i++)
		if (is_executable(st, dockerd_paths[i]))
			out->docker_installed = 1;
	for (i = 0; compose_paths[i] != NULL; i++)
		if (is_executable(st, compose_paths[i]))
			out->compose_installed = 1;
	/* Versions need the engine to answer; install asks the package
	   database where a version matters (a pin). */
	return DX_OK;
}

int family_not_implemented(struct family_state *st, const char *what)
{
	st->host->log(st->host->ctx, DX_LOG_ERROR,
	              "%s plugin: %s is not implemented yet", st->plugin, what);
	return DX_ERR_NOT_IMPLEMENTED;
}

/* ---- commands ------------------------------------------------------------------ */

int family_run(struct family_state *st, const char *const *argv,
               const char *const *envp, unsigned timeout_ms, char *out,
               size_t outsize, int *exit_status)
{
	struct dx_run run;
	int r;

	memset(&run, 0, sizeof(run));
	run.argv = argv;
	run.envp = envp;
	run.timeout_ms = timeout_ms;
	run.output = out;
	run.output_size = outsize;
	if (out != NULL && outsize > 0)
		out[0] = '\0';
	r = st->host->run(st->host->ctx, &run);
	*exit_status = r == DX_OK ? run.exit_status : -1;
	if (r == DX_OK && run.exit_status != 0 && run.term_signal != 0)
		*exit_status = -1;
	return r;
}

int family_run_ok(struct family_state *st, const char *const *argv,
                  const char *const *envp, unsigned timeout_ms, char *out,
                  size_t outsize)
{
	char local[2048];
	char last[512];
	int status, r;

	if (out == NULL) {
		out = local;
		outsize = sizeof(local);
	}
	r = family_run(st, argv, envp, timeout_ms, out, outsize, &status);
	if (r != DX_OK) {
		family_log(st, DX_LOG_ERROR, "%s %s", argv[0],
		           r == DX_ERR_EXEC_TIMEOUT ? "timed out"
		                                    : "could not be started");
		return r;
	}
	if (status != 0) {
		family_last_line(out, last, sizeof(last));
		family_log(st, DX_LOG_ERROR, "%s %s exited with %d: %s",
		           argv[0], argv[1] != NULL ? argv[1] : "", status,
		           last);
		return DX_ERR_EXEC_FAILED;
	}
	return DX_OK;
}

static unsigned next_delay(unsigned delay, unsigned max)
{
	return delay >= max / 2 ? max : delay * 2;
}

int family_output_says(const char *out, const char *const *signs)
{
	size_t i;

	for (i = 0; out != NULL && signs[i] != NULL; i++)
		if (strstr(out, signs[i]) != NULL)
			return 1;
	return 0;
}

/* DOCKER_EXTENSION_RETRY_LIMIT_S caps the plugins' bounds (package
   commands, downloads, the package manager lock wait) at that many
   seconds: for tests of an unreachable mirror, and for whoever would
   rather fail fast than wait 15 minutes.  Compose's registry retries
   (one minute) are the core's and are not capped. */
static uint64_t retry_bound_ms(uint64_t bound_ms)
{
	const char *v = getenv("DOCKER_EXTENSION_RETRY_LIMIT_S");
	unsigned long s;
	char *end;

	if (v == NULL || *v == '\0')
		return bound_ms;
	errno = 0;
	s = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || s > bound_ms / 1000)
		return bound_ms;
	return (uint64_t)s * 1000u;
}

int family_retry(struct family_state *st, const struct family_retry *policy,
                 const char *what, const char *const *argv,
                 const char *const *envp, char *out, size_t outsize)
{
	char local[8192];
	char last[512];
	uint64_t start = st->host->now_ms(st->host->ctx);
	unsigned delay = policy->first_delay_ms;
	unsigned attempt;
	int status, r;

	if (out == NULL) {
		out = local;
		outsize = sizeof(local);
	}
	for (attempt = 1;; attempt++) {
		uint64_t elapsed;

		if (policy->before != NULL) {
			r = policy->before(st);
			if (r != DX_OK)
				return r;
		}
		r = family_run(st, argv, envp, FAMILY_CMD_TIMEOUT_MS, out,
		               outsize, &status);
		if (r == DX_OK && status == 0)
			return DX_OK;
		if (r != DX_OK) {
			family_fail(st, "%s %s", what,
			            r == DX_ERR_EXEC_TIMEOUT
			                ? "ran past its time limit"
			                : "could not be started");
			return r;
		}
		family_last_line(out, last, sizeof(last));
		elapsed = st->host->now_ms(st->host->ctx) - start;
		if (policy->transient == NULL ||
		    !policy->transient(out, status)) {
			family_fail(st, "%s failed (exit status %d): %s", what,
			            status, last);
			return DX_ERR_EXEC_FAILED;
		}
		if (elapsed + delay > retry_bound_ms(policy->total_ms)) {
			family_fail(st, "%s kept failing for %u s (%u attempts), "
			            "last: %s", what, (unsigned)(elapsed / 1000),
			            attempt, last);
			return DX_ERR_EXEC_FAILED;
		}
		st->host->progress(st->host->ctx,
		                   "%s failed (attempt %u, temporary: %s); "
		                   "retrying in %u s", what, attempt, last,
		                   delay / 1000);
		st->host->sleep_ms(st->host->ctx, delay);
		delay = next_delay(delay, policy->max_delay_ms);
	}
}

int family_download(struct family_state *st, const char *url,
                    const char *path, unsigned mode, const char *sha256_hex)
{
	char full[PATH_SIZE], dir[PATH_SIZE];
	uint64_t start = st->host->now_ms(st->host->ctx);
	unsigned delay = FAMILY_DL_FIRST_DELAY_MS;
	unsigned attempt;
	int r;

	parent_of(path, dir, sizeof(dir));
	if (family_path(st, path, full, sizeof(full)) != 0)
		return DX_ERR_INVALID_ARG;
	if (dir[0] != '\0' && family_mkdirs(st, dir, 0755) != DX_OK) {
		family_fail(st, "cannot create %s: %s", dir, strerror(errno));
		return DX_ERR_IO;
	}
	for (attempt = 1;; attempt++) {
		uint64_t elapsed;

		r = st->host->download(st->host->ctx, url, full, mode,
		                       sha256_hex);
		if (r == DX_OK)
			return DX_OK;
		elapsed = st->host->now_ms(st->host->ctx) - start;
		if (r == DX_ERR_CHECKSUM) {
			family_fail(st, "%s does not match its published "
			            "SHA-256: not installed", url);
			return r;
		}
		if (r != DX_ERR_DOWNLOAD) {
			family_fail(st, "cannot download %s to %s (code %d)",
			            url, path, r);
			return r;
		}
		if (elapsed + delay > retry_bound_ms(FAMILY_DL_TOTAL_MS)) {
			family_fail(st, "cannot download %s: still failing "
			            "after %u attempts in %u s", url, attempt,
			            (unsigned)(elapsed / 1000));
			return r;
		}
		st->host->progress(st->host->ctx,
		                   "download of %s failed (attempt %u); "
		                   "retrying in %u s", url, attempt,
		                   delay / 1000);
		st->host->sleep_ms(st->host->ctx, delay);
		delay = next_delay(delay, FAMILY_DL_MAX_DELAY_MS);
	}
}

/* ---- locks --------------------------------------------------------------------- */

/* The pid holding a conflicting POSIX lock on <sysroot><path>, else 0. */
static long lock_holder(const struct family_state *st, const char *path)
{
	char full[PATH_SIZE];
	struct flock fl;
	int fd;
	long pid = 0;

	if (family_path(st, path, full, sizeof(full)) != 0)
		return 0;
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		pid = fl.l_pid > 0 ? (long)fl.l_pid : -1;
	close(fd);
	return pid;
}

/* The live pid a pid file (yum's) names, else 0. */
static long pidfile_holder(const struct family_state *st, const char *path)
{
	char *text = NULL;
	size_t len;
	long pid;

	if (family_read(st, path, 64, &text, &len) != DX_OK)
		return 0;
	pid = strtol(text, NULL, 10);
	free(text);
	if (pid <= 1 || pid == (long)getpid())
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM ? pid : 0;
}

/* "unattended-upgr" from /proc/<pid>/comm (the real /proc: locks are
   held by processes of this machine), or "". */
static void process_name(long pid, char *out, size_t outsize)
{
	char path[64];
	FILE *f;

	out[0] = '\0';
	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return;
	if (fgets(out, (int)outsize, f) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static const char *held_lock(const struct family_state *st,
                             const char *const *locks,
                             const char *const *pids, long *pid)
{
	size_t i;

	for (i = 0; locks != NULL && locks[i] != NULL; i++) {
		*pid = lock_holder(st, locks[i]);
		if (*pid != 0)
			return locks[i];
	}
	for (i = 0; pids != NULL && pids[i] != NULL; i++) {
		*pid = pidfile_holder(st, pids[i]);
		if (*pid != 0)
			return pids[i];
	}
	return NULL;
}

int family_wait_locks(struct family_state *st, const char *const *lock_files,
                      const char *const *pid_files)
{
	uint64_t start = st->host->now_ms(st->host->ctx);
	const char *what;
	long pid;

	while ((what = held_lock(st, lock_files, pid_files, &pid)) != NULL) {
		uint64_t waited = st->host->now_ms(st->host->ctx) - start;
		char name[64], holder[128];

		process_name(pid, name, sizeof(name));
		if (pid > 0)
			snprintf(holder, sizeof(holder), "pid %ld%s%s%s", pid,
			         name[0] ? " (" : "", name, name[0] ? ")" : "");
		else
			snprintf(holder, sizeof(holder), "another process");
		if (waited >= retry_bound_ms(FAMILY_LOCK_TOTAL_MS)) {
			family_fail(st, "the package manager is busy: %s was "
			            "still held by %s after %u s; try again "
			            "when the other installation has finished",
			            what, holder, (unsigned)(waited / 1000));
			return DX_ERR_PKG_LOCKED;
		}
		st->host->progress(st->host->ctx,
		                   "waiting for the package manager lock %s "
		                   "held by %s (%u s so far, at most %u s)",
		                   what, holder, (unsigned)(waited / 1000),
		                   (unsigned)(retry_bound_ms(FAMILY_LOCK_TOTAL_MS) /
		                              1000));
		st->host->sleep_ms(st->host->ctx, FAMILY_LOCK_POLL_MS);
	}
	return DX_OK;
}

/* ---- users --------------------------------------------------------------------- */

/* The member list of group `name` in /etc/group text, or NULL. */
static const char *group_line(const char *groups, const char *name,
                              size_t *linelen)
{
	size_t nlen = strlen(name);
	const char *p = groups;

	while (*p != '\0') {
		size_t n = strcspn(p, "\n");

		if (n > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == ':') {
			*linelen = n;
			return p;
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	return NULL;
}

/* Whether `user` is in the member list (4th field) of a group line. */
static int group_has(const char *line, size_t linelen, const char *user)
{
	const char *p = line, *end = line + linelen;
	size_t ulen = strlen(user);
	int colons = 0;

	while (p < end && colons < 3)
		if (*p++ == ':')
			colons++;
	while (p < end) {
		size_t n = 0;

		while (p + n < end && p[n] != ',')
			n++;
		if (n == ulen && strncmp(p, user, ulen) == 0)
			return 1;
		p += n + (p + n < end ? 1 : 0);
	}
	return 0;
}

int family_users(struct family_state *st)
{
	char *groups = NULL;
	const char *line;
	size_t len, linelen = 0, i;
	int r = DX_OK;

	if (st->set->n_users == 0)
		return DX_OK;
	(void)family_read(st, "/etc/group", GROUP_MAX, &groups, &len);
	line = groups != NULL ? group_line(groups, "docker", &linelen) : NULL;
	if (line == NULL) {
		static const char *const groupadd[] = {
			"/usr/sbin/groupadd", "--system", "docker", NULL
		};

		family_log(st, DX_LOG_INFO, "creating the docker group");
		r = family_run_ok(st, groupadd, NULL, FAMILY_QUICK_TIMEOUT_MS,
		                  NULL, 0);
		if (r != DX_OK) {
			family_fail(st, "cannot create the docker group");
			goto out;
		}
	}
	for (i = 0; i < st->set->n_users; i++) {
		const char *user = st->set->users[i];
		const char *usermod[] = { "/usr/sbin/usermod", "-aG", "docker",
		                          user, NULL };

		if (line != NULL && group_has(line, linelen, user))
			continue;
		/* A user that does not exist (yet) is not worth failing the
		   whole installation for: say so and go on. */
		if (family_run_ok(st, usermod, NULL, FAMILY_QUICK_TIMEOUT_MS,
		                  NULL, 0) != DX_OK)
			family_log(st, DX_LOG_WARN, "could not add user %s to "
			           "the docker group (does the user exist?)",
			           user);
		else
			family_log(st, DX_LOG_INFO, "added %s to the docker "
			           "group", user);
	}
out:
	free(groups);
	return r;
}

/* ---- the record ---------------------------------------------------------------- */

static int record_read(struct family_state *st, char **text)
{
	size_t len;
	int r = family_read(st, FAMILY_RECORD, RECORD_MAX, text, &len);

	if (r == DX_ERR_IO && errno == ENOENT) {
		*text = strdup("");
		return *text != NULL ? DX_OK : DX_ERR_NOMEM;
	}
	return r;
}

int family_record_each(struct family_state *st, const char *kind,
                       void (*fn)(struct family_state *st, const char *value,
                                  void *arg),
                       void *arg)
{
	size_t klen = strlen(kind);
	char *text = NULL, *line, *save = NULL;
	int r = record_read(st, &text);

	if (r != DX_OK)
		return r;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, kind, klen) == 0 && line[klen] == ' ')
			fn(st, line + klen + 1, arg);
	free(text);
	return DX_OK;
}

struct has_arg {
	const char *value;
	int found;
};

static void has_fn(struct family_state *st, const char *value, void *arg)
{
	struct has_arg *h = arg;

	(void)st;
	if (strcmp(value, h->value) == 0)
		h->found = 1;
}

int family_record_has(struct family_state *st, const char *kind,
                      const char *value)
{
	struct has_arg h = { value, 0 };

	(void)family_record_each(st, kind, has_fn, &h);
	return h.found;
}

int family_record_add(struct family_state *st, const char *kind,
                      const char *value)
{
	char *text = NULL, *next = NULL;
	size_t len, add;
	int r;

	if (family_record_has(st, kind, value))
		return DX_OK;
	r = record_read(st, &text);
	if (r != DX_OK)
		return r;
	len = strlen(text);
	add = strlen(kind) + strlen(value) + 3;
	next = malloc(len + add);
	if (next == NULL) {
		r = DX_ERR_NOMEM;
		goto out;
	}
	snprintf(next, len + add, "%s%s %s\n", text, kind, value);
	if (family_mkdirs(st, FAMILY_STATE_DIR, 0700) != DX_OK) {
		r = DX_ERR_IO;
		goto out;
	}
	r = family_write(st, FAMILY_RECORD, next, strlen(next), 0600);
out:
	free(text);
	free(next);
	return r;
}

int family_record_clear(struct family_state *st)
{
	int changed = 0;

	return family_remove(st, FAMILY_RECORD, &changed);
}
