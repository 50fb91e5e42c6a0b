/*
 * host - the core's side of the plugin ABI.
 */
#include "config.h"

#include "host.h"

#include <stdarg.h>

#include "exec.h"
#include "fileio.h"
#include "http.h"
#include "log.h"

struct host_ctx {
	const struct dx_settings_view *settings;
};

/* One context for the process: the handler loads one plugin at a time. */
static struct host_ctx the_ctx;

static void host_log(void *ctx, enum dx_log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static int host_run(void *ctx, struct dx_run *run)
{
	(void)ctx;
	return exec_run(run);
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
}
