/*
 * ubuntu - the Ubuntu (18.04 and later) plugin.
 * Skeleton: probe works; install, configure, restart, stop and
 * uninstall are not implemented yet and say so.
 */
#include "config.h"

#include "dx_plugin.h"
#include "apt.h"

static int ubuntu_init(const struct dx_host *host, void **state)
{
	return family_init(host, state, "ubuntu");
}

static int ubuntu_install(void *state)
{
	return apt_install(state);
}

static int ubuntu_configure(void *state)
{
	return family_not_implemented(state, "configure");
}

static int ubuntu_restart(void *state)
{
	return family_not_implemented(state, "restart");
}

static int ubuntu_stop(void *state)
{
	return family_not_implemented(state, "stop");
}

static int ubuntu_uninstall(void *state)
{
	return apt_uninstall(state);
}

DX_PLUGIN_EXPORT const struct dx_plugin dx_plugin = {
	.abi_version = DX_ABI_VERSION,
	.name = "ubuntu",
	.init = ubuntu_init,
	.fini = family_fini,
	.probe = family_probe,
	.install = ubuntu_install,
	.configure = ubuntu_configure,
	.restart = ubuntu_restart,
	.stop = ubuntu_stop,
	.uninstall = ubuntu_uninstall,
};
