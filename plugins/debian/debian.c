/*
 * debian - the Debian (11 and later) plugin.
 * Skeleton: probe works; install, configure, restart, stop and
 * uninstall are not implemented yet and say so.
 */
#include "config.h"

#include "dx_plugin.h"
#include "apt.h"

static int debian_init(const struct dx_host *host, void **state)
{
	return family_init(host, state, "debian");
}

static int debian_install(void *state)
{
	return apt_install(state);
}

static int debian_configure(void *state)
{
	return family_not_implemented(state, "configure");
}

static int debian_restart(void *state)
{
	return family_not_implemented(state, "restart");
}

static int debian_stop(void *state)
{
	return family_not_implemented(state, "stop");
}

static int debian_uninstall(void *state)
{
	return apt_uninstall(state);
}

DX_PLUGIN_EXPORT const struct dx_plugin dx_plugin = {
	.abi_version = DX_ABI_VERSION,
	.name = "debian",
	.init = debian_init,
	.fini = family_fini,
	.probe = family_probe,
	.install = debian_install,
	.configure = debian_configure,
	.restart = debian_restart,
	.stop = debian_stop,
	.uninstall = debian_uninstall,
};
