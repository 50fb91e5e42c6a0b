/*
 * coreos - CoreOS Container Linux and Flatcar.  Docker ships with the OS;
 * there is no package manager.  Skeleton: probe works; install, configure,
 * restart, stop and uninstall are not implemented yet and say so.
 */
#include "config.h"

#include "dx_plugin.h"
#include "family.h"

static int coreos_init(const struct dx_host *host, void **state)
{
	return family_init(host, state, "coreos", NULL);
}

static int coreos_install(void *state)
{
	return family_not_implemented(state, "install (verify Docker, add Compose)");
}

static int coreos_configure(void *state)
{
	return family_not_implemented(state, "configure");
}

static int coreos_restart(void *state)
{
	return family_not_implemented(state, "restart");
}

static int coreos_stop(void *state)
{
	return family_not_implemented(state, "stop");
}

static int coreos_uninstall(void *state)
{
	return family_not_implemented(state, "uninstall");
}

DX_PLUGIN_EXPORT const struct dx_plugin dx_plugin = {
	.abi_version = DX_ABI_VERSION,
	.name = "coreos",
	.init = coreos_init,
	.fini = family_fini,
	.probe = family_probe,
	.install = coreos_install,
	.configure = coreos_configure,
	.restart = coreos_restart,
	.stop = coreos_stop,
	.uninstall = coreos_uninstall,
};
