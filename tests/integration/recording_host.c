#include "config.h"

#include "recording_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

static char *next_slot(char (*slots)[RH_LINE_MAX], size_t *n)
{
	if (*n >= RH_MAX_CALLS)
		return NULL;
	return slots[(*n)++];
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

static int rh_run(void *ctx, struct dx_run *run)
{
	struct recording_host *rh = ctx;
	char *slot = next_slot(rh->calls, &rh->n_calls);
	size_t used, i;

	if (slot == NULL)
		return DX_ERR_INTERNAL;
	used = (size_t)snprintf(slot, RH_LINE_MAX, "run");
	for (i = 0; run->argv[i] != NULL && used < RH_LINE_MAX; i++)
		used += (size_t)snprintf(slot + used, RH_LINE_MAX - used, " %s",
		                         run->argv[i]);
	run->exit_status = rh->run_exit_status;
	run->term_signal = 0;
	run->timed_out = 0;
	run->output_len = 0;
	if (run->output != NULL && run->output_size > 0)
		run->output[0] = '\0';
	return DX_OK;
}

static int rh_write_file(void *ctx, const char *path, const void *data,
                         size_t len, unsigned mode)
{
	struct recording_host *rh = ctx;
	char *slot = next_slot(rh->calls, &rh->n_calls);

	(void)data;
	if (slot == NULL)
		return DX_ERR_INTERNAL;
	snprintf(slot, RH_LINE_MAX, "write %s %04o %zu", path, mode, len);
	return DX_OK;
}

static int rh_download(void *ctx, const char *url, const char *path,
                       unsigned mode, const char *sha256_hex)
{
	struct recording_host *rh = ctx;
	char *slot = next_slot(rh->calls, &rh->n_calls);

	if (slot == NULL)
		return DX_ERR_INTERNAL;
	snprintf(slot, RH_LINE_MAX, "download %s -> %s %04o sha256=%s", url,
	         path, mode, sha256_hex != NULL ? sha256_hex : "(none)");
	return DX_OK;
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
	((struct recording_host *)ctx)->clock_ms += ms;
}

static int rh_docker_ping(void *ctx, const char *socket_path,
                          unsigned timeout_ms)
{
	struct recording_host *rh = ctx;
	char *slot = next_slot(rh->calls, &rh->n_calls);

	(void)timeout_ms;
	if (slot != NULL)
		snprintf(slot, RH_LINE_MAX, "ping %s", socket_path);
	return DX_OK;
}

void rh_init(struct recording_host *rh, const char *sysroot)
{
	memset(rh, 0, sizeof(*rh));
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

int rh_logged(const struct recording_host *rh, const char *needle)
{
	size_t i;

	for (i = 0; i < rh->n_logs; i++)
		if (strstr(rh->logs[i], needle) != NULL)
			return 1;
	return 0;
}
