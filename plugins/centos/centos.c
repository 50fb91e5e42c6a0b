/*
 * centos - the CentOS 7, CentOS Stream 8-10, AlmaLinux and Rocky Linux plugin.
 * Skeleton: probe works; install, configure, restart, stop and
 * uninstall are not implemented yet and say so.
 */
#include "config.h"

#include "dx_plugin.h"
#include "rpm.h"

static int centos_init(const struct dx_host *host, void **state)
{
	return family_init(host, state, "centos", NULL);
}

static int centos_install(void *state)
{
	return rpm_install(state);
}

static int centos_configure(void *state)
{
	return family_not_implemented(state, "configure");
}

static int centos_restart(void *state)
{
	return family_not_implemented(state, "restart");
}

static int centos_stop(void *state)
{
	return family_not_implemented(state, "stop");
}

static int centos_uninstall(void *state)
{
	return rpm_uninstall(state);
}

DX_PLUGIN_EXPORT const struct dx_plugin dx_plugin = {
	.abi_version = DX_ABI_VERSION,
	.name = "centos",
	.init = centos_init,
	.fini = family_fini,
	.probe = family_probe,
	.install = centos_install,
	.configure = centos_configure,
	.restart = centos_restart,
	.stop = centos_stop,
	.uninstall = centos_uninstall,
};
