/*
 * host - the core's side of the plugin ABI.
 */
#include "config.h"

#include "host.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec.h"
#include "fileio.h"
#include "http.h"
#include "log.h"
#include "redact.h"

struct host_ctx {
	const struct dx_settings_view *settings;
	host_progress_fn progress;
	void *progress_arg;
};

/* One context for the process: the handler loads one plugin at a time. */
static struct host_ctx the_ctx;

static void host_log(void *ctx, enum dx_log_level level, const char *fmt, ...)
{
	struct host_ctx *c = ctx;
	char line[512];
	int failure = level == DX_LOG_ERROR && c != NULL && c->progress != NULL;
	va_list ap, again;

	va_start(ap, fmt);
	if (failure) {
		va_copy(again, ap);
		(void)vsnprintf(line, sizeof(line), fmt, again);
		va_end(again);
	}
	log_vmsg(level, fmt, ap);
	va_end(ap);
	if (failure)
		c->progress(c->progress_arg, line, 1);
}

/* The command line as one log word list (argv never holds a secret, but
   it goes through redaction like every log line). */
static void log_argv(const struct dx_run *run)
{
	char line[1024];
	size_t used = 0, i;

	line[0] = '\0';
	for (i = 0; run->argv != NULL && run->argv[i] != NULL &&
	            used < sizeof(line);
	     i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s",
		                         i ? " " : "", run->argv[i]);
	log_info("run: %s", line);
}

/* Every child's output is redacted before anyone sees it: the plugin, the
   log, and through them the status file. */
static int host_run(void *ctx, struct dx_run *run)
{
	(void)ctx;
	return host_run_command(run);
}

int host_run_command(struct dx_run *run)
{
	int r;

	log_argv(run);
	r = exec_run(run);
	if (run->output != NULL && run->output_size > 0) {
		run->output_len = redact_text(run->output, run->output_size);
		/* Only the tail was kept: its first bytes may be the end of
		   a secret whose start was cut off. */
		if (run->output_truncated)
			(void)redact_cut_start(run->output, run->output_len);
	}
	if (r == DX_OK && run->exit_status == 0)
		return r;
	if (r == DX_ERR_EXEC_TIMEOUT)
		log_warn("timed out after %u ms", run->timeout_ms);
	else if (r != DX_OK)
		log_warn("could not start: %s", run->argv[0]);
	else if (run->term_signal)
		log_warn("killed by signal %d", run->term_signal);
	else
		log_warn("exit status %d", run->exit_status);
	if (run->output != NULL && run->output_len > 0)
		log_warn("output (last %zu bytes): %s", run->output_len,
		         run->output);
	return r;
}

static int host_write_file(void *ctx, const char *path, const void *data,
                           size_t len, unsigned mode)
{
	(void)ctx;
	return fileio_write_atomic(path, data, len, (mode_t)mode);
}

static int host_download(void *ctx, const char *url, const char *path,
                         unsigned mode, const char *sha256_hex)
{
	(void)ctx;
	return http_download(url, path, (mode_t)mode, sha256_hex);
}

static const struct dx_settings_view *host_settings(void *ctx)
{
	struct host_ctx *c = ctx;

	return c->settings;
}

static void host_progress(void *ctx, const char *fmt, ...)
{
	struct host_ctx *c = ctx;
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_info("%s", line);
	if (c->progress != NULL)
		c->progress(c->progress_arg, line, 0);
}

uint64_t host_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* nanosleep(), which POSIX keeps (usleep() is gone since 2008). */
void host_pause_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int host_ping_docker(const char *socket_path, unsigned timeout_ms)
{
	char *body = NULL;
	size_t len;
	int ok;

	if (http_unix_get(socket_path, "/_ping", timeout_ms, 64, &body,
	                  &len) != DX_OK)
		return DX_ERR_DAEMON_DOWN;
	ok = strcmp(body, "OK") == 0;
	free(body);
	return ok ? DX_OK : DX_ERR_DAEMON_DOWN;
}

static uint64_t host_now_ms(void *ctx)
{
	(void)ctx;
	return host_clock_ms();
}

static void host_sleep_ms(void *ctx, unsigned ms)
{
	(void)ctx;
	host_pause_ms(ms);
}

static int host_docker_ping(void *ctx, const char *socket_path,
                            unsigned timeout_ms)
{
	(void)ctx;
	return host_ping_docker(socket_path, timeout_ms);
}

void host_set_progress(host_progress_fn fn, void *arg)
{
	the_ctx.progress = fn;
	the_ctx.progress_arg = arg;
}

void host_init(struct dx_host *host, const struct dx_settings_view *settings,
               const char *sysroot)
{
	the_ctx.settings = settings;
	host->abi_version = DX_ABI_VERSION;
	host->ctx = &the_ctx;
	host->sysroot = sysroot != NULL ? sysroot : "";
	host->log = host_log;
	host->run = host_run;
	host->write_file = host_write_file;
	host->download = host_download;
	host->settings = host_settings;
	host->progress = host_progress;
	host->now_ms = host_now_ms;
	host->sleep_ms = host_sleep_ms;
	host->docker_ping = host_docker_ping;
}
