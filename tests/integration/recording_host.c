#include "config.h"

#include "recording_host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

static char *next_slot(char (*slots)[RH_LINE_MAX], size_t *n)
{
	if (*n >= RH_MAX_CALLS)
		return NULL;
	return slots[(*n)++];
}

/* A path as the test sees it: relative to the fake root. */
static const char *shown(const struct recording_host *rh, const char *path)
{
	size_t n = rh->root != NULL ? strlen(rh->root) : 0;

	if (n > 0 && strncmp(path, rh->root, n) == 0)
		return path + n;
	return path;
}

static void rh_log(void *ctx, enum dx_log_level level, const char *fmt, ...)
{
	struct recording_host *rh = ctx;
	char *slot = next_slot(rh->logs, &rh->n_logs);
	va_list ap;
	int n;

	if (slot == NULL)
		return;
	n = snprintf(slot, RH_LINE_MAX, "%s: ",
	             level <= DX_LOG_DEBUG ? level_names[level] : "?");
	va_start(ap, fmt);
	vsnprintf(slot + n, RH_LINE_MAX - (size_t)n, fmt, ap);
	va_end(ap);
}

/* The first unused script entry for `line`, or NULL. */
static struct rh_answer *find_answer(struct recording_host *rh,
                                     const char *line)
{
	size_t i;

	/* The latest entry first: a test's own answers win over the kit's
	   defaults. */
	for (i = rh->n_script; i-- > 0;) {
		struct rh_answer *a = &rh->script[i];

		if (strncmp(line, a->prefix, strlen(a->prefix)) != 0)
			continue;
		if (a->times > 0 && rh->used[i] >= a->times)
			continue;
		rh->used[i]++;
		return a;
	}
	return NULL;
}

static void put_output(struct dx_run *run, const char *text)
{
	size_t n = strlen(text);

	run->output_len = 0;
	if (run->output == NULL || run->output_size == 0)
		return;
	if (n >= run->output_size)
		n = run->output_size - 1;
	memcpy(run->output, text, n);
	run->output[n] = '\0';
	run->output_len = n;
}

static int rh_run(void *ctx, struct dx_run *run)
{
	struct recording_host *rh = ctx;
	char *slot = next_slot(rh->calls, &rh->n_calls);
	const struct rh_answer *a;
	size_t used, i;

	if (slot == NULL)
		return DX_ERR_INTERNAL;
	used = (size_t)snprintf(slot, RH_LINE_MAX, "run");
	for (i = 0; run->argv[i] != NULL && used < RH_LINE_MAX; i++)
		used += (size_t)snprintf(slot + used, RH_LINE_MAX - used, " %s",
		                         run->argv[i]);
	rh->last_envp[0] = '\0';
	for (i = 0; run->envp != NULL && run->envp[i] != NULL; i++)
		snprintf(rh->last_envp + strlen(rh->last_envp),
		         RH_LINE_MAX - strlen(rh->last_envp), "%s%s",
		         i ? " " : "", run->envp[i]);
	a = find_answer(rh, slot);
	run->exit_status = a != NULL ? a->exit_status : rh->run_exit_status;
	run->term_signal = 0;
	run->timed_out = a != NULL && a->result == DX_ERR_EXEC_TIMEOUT;
	put_output(run, a != NULL && a->output != NULL ? a->output : "");
	if (a != NULL && a->effect != NULL)
		a->effect(rh);
	return a != NULL ? a->result : DX_OK;
}

static int write_real(const char *path, const void *data, size_t len,
                      unsigned mode)
{
	char tmp[4096];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.rh-tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return DX_ERR_IO;
	if ((len > 0 && write(fd, data, len) != (ssize_t)len) ||
	    fchmod(fd, (mode_t)mode) != 0) {
		close(fd);
		unlink(tmp);
		return DX_ERR_IO;
	}
	close(fd);
	return rename(tmp, path) == 0 ? DX_OK : DX_ERR_IO;
}

static int rh_write_file(void *ctx, const char *path, const void *data,
                         size_t len, unsigned mode)
{
	struct recording_host *rh = ctx;
	char *slot = next_slot(rh->calls, &rh->n_calls);

	if (slot == NULL)
		return DX_ERR_INTERNAL;
	snprintf(slot, RH_LINE_MAX, "write %s %04o %zu", shown(rh, path), mode,
	         len);
	return write_real(path, data, len, mode);
}

static int rh_download(void *ctx, const char *url, const char *path,
                       unsigned mode, const char *sha256_hex)
{
	struct recording_host *rh = ctx;
	char *slot = next_slot(rh->calls, &rh->n_calls);
	const struct rh_answer *a;
	char line[RH_LINE_MAX];

	if (slot == NULL)
		return DX_ERR_INTERNAL;
	snprintf(slot, RH_LINE_MAX, "download %s -> %s %04o sha256=%s", url,
	         shown(rh, path), mode,
	         sha256_hex != NULL ? sha256_hex : "(none)");
	if (rh->download_via != NULL)
		return rh->download_via(rh, url, path, mode, sha256_hex);
	snprintf(line, sizeof(line), "download %s", url);
	a = find_answer(rh, line);
	if (a != NULL && a->result != DX_OK)
		return a->result;
	return write_real(path, a != NULL && a->output != NULL ? a->output
	                                                       : "downloaded\n",
	                  a != NULL && a->output != NULL ? strlen(a->output)
	                                                 : 11,
	                  mode);
}

static const struct dx_settings_view *rh_settings(void *ctx)
{
	struct recording_host *rh = ctx;

	return &rh->settings;
}

static void rh_progress(void *ctx, const char *fmt, ...)
{
	struct recording_host *rh = ctx;
	char *slot = next_slot(rh->logs, &rh->n_logs);
	va_list ap;

	if (slot == NULL)
		return;
	memcpy(slot, "PROGRESS: ", 11);
	va_start(ap, fmt);
	vsnprintf(slot + 10, RH_LINE_MAX - 10, fmt, ap);
	va_end(ap);
}

/* A virtual clock: sleeping advances it, nothing waits. */
static uint64_t rh_now_ms(void *ctx)
{
	return ((struct recording_host *)ctx)->clock_ms;
}

static void rh_sleep_ms(void *ctx, unsigned ms)
{
	struct recording_host *rh = ctx;

	rh->clock_ms += ms;
	rh->n_sleeps++;
	if (rh->on_sleep != NULL)
		rh->on_sleep(rh);
}

static int rh_docker_ping(void *ctx, const char *socket_path,
                          unsigned timeout_ms)
{
	struct recording_host *rh = ctx;
	char *slot = next_slot(rh->calls, &rh->n_calls);

	rh->clock_ms += 1;  /* a ping takes time too */
	if (slot != NULL)
		snprintf(slot, RH_LINE_MAX, "ping %s", socket_path);
	if (rh->ping_down < 0) {
		rh->clock_ms += timeout_ms;
		return DX_ERR_DAEMON_DOWN;
	}
	if (rh->ping_down > 0) {
		rh->ping_down--;
		return DX_ERR_DAEMON_DOWN;
	}
	return DX_OK;
}

void rh_init(struct recording_host *rh, const char *sysroot)
{
	memset(rh, 0, sizeof(*rh));
	rh->root = sysroot;
	rh->host.abi_version = DX_ABI_VERSION;
	rh->host.ctx = rh;
	rh->host.sysroot = sysroot;
	rh->host.log = rh_log;
	rh->host.run = rh_run;
	rh->host.write_file = rh_write_file;
	rh->host.download = rh_download;
	rh->host.settings = rh_settings;
	rh->host.progress = rh_progress;
	rh->host.now_ms = rh_now_ms;
	rh->host.sleep_ms = rh_sleep_ms;
	rh->host.docker_ping = rh_docker_ping;
}

void rh_answer(struct recording_host *rh, const char *prefix, int times,
               int result, int exit_status, const char *output)
{
	struct rh_answer *a;

	if (rh->n_script >= RH_MAX_SCRIPT)
		abort();
	a = &rh->script[rh->n_script++];
	memset(a, 0, sizeof(*a));
	a->prefix = prefix;
	a->times = times;
	a->result = result;
	a->exit_status = exit_status;
	a->output = output;
}

void rh_effect(struct recording_host *rh, const char *prefix,
               void (*effect)(struct recording_host *rh))
{
	rh_answer(rh, prefix, 0, DX_OK, 0, NULL);
	rh->script[rh->n_script - 1].effect = effect;
}

void rh_reset(struct recording_host *rh)
{
	rh->n_calls = 0;
	rh->n_logs = 0;
}

int rh_logged(const struct recording_host *rh, const char *needle)
{
	size_t i;

	for (i = 0; i < rh->n_logs; i++)
		if (strstr(rh->logs[i], needle) != NULL)
			return 1;
	return 0;
}

const char *rh_calls(const struct recording_host *rh, const char *kinds)
{
	static char buf[RH_MAX_CALLS * 256];
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < rh->n_calls; i++) {
		char kind[16];
		size_t k = strcspn(rh->calls[i], " ");
		const char *p;
		int match = 0;

		snprintf(kind, sizeof(kind), "%.*s", (int)k, rh->calls[i]);
		for (p = kinds; *p != '\0';) {
			size_t n = strcspn(p, " ");

			if (n == strlen(kind) && strncmp(p, kind, n) == 0)
				match = 1;
			p += n;
			while (*p == ' ')
				p++;
		}
		if (match)
			used += (size_t)snprintf(buf + used, sizeof(buf) - used,
			                         "%s\n", rh->calls[i]);
		if (used >= sizeof(buf))
			break;
	}
	return buf;
}
