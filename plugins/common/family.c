#include "config.h"

#include "family.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int family_init(const struct dx_host *host, void **state, const char *plugin)
{
	struct family_state *st;

	*state = NULL;
	if (host == NULL || DX_ABI_MAJOR_OF(host->abi_version) != DX_ABI_MAJOR)
		return DX_ERR_PLUGIN_ABI;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return DX_ERR_NOMEM;
	st->host = host;
	st->plugin = plugin;
	*state = st;
	return DX_OK;
}

void family_fini(void *state)
{
	free(state);
}

int family_path(const struct family_state *st, const char *path, char *out,
                size_t outsize)
{
	const char *root = st->host->sysroot != NULL ? st->host->sysroot : "";
	int n = snprintf(out, outsize, "%s%s", root, path);

	return n >= 0 && (size_t)n < outsize ? 0 : -1;
}

static int is_executable(const struct family_state *st, const char *path)
{
	char full[4096];
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
		"/usr/bin/docker-compose",
		"/usr/local/bin/docker-compose",
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
	/* Versions need the engine to answer; the install issue adds that. */
	return DX_OK;
}

int family_not_implemented(struct family_state *st, const char *what)
{
	st->host->log(st->host->ctx, DX_LOG_ERROR,
	              "%s plugin: %s is not implemented yet", st->plugin, what);
	return DX_ERR_NOT_IMPLEMENTED;
}
