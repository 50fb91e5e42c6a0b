/*
 * rhel - the Red Hat Enterprise Linux (7.9, 8, 9, 10) plugin.
 * Skeleton: probe works; install, configure, restart, stop and
 * uninstall are not implemented yet and say so.
 */
#include "config.h"

#include "dx_plugin.h"
#include "rpm.h"

static int rhel_init(const struct dx_host *host, void **state)
{
	return family_init(host, state, "rhel", NULL);
}

static int rhel_install(void *state)
{
	return rpm_install(state);
}

static int rhel_configure(void *state)
{
	return family_not_implemented(state, "configure");
}

static int rhel_restart(void *state)
{
	return family_not_implemented(state, "restart");
}

static int rhel_stop(void *state)
{
	return family_not_implemented(state, "stop");
}

static int rhel_uninstall(void *state)
{
	return rpm_uninstall(state);
}

DX_PLUGIN_EXPORT const struct dx_plugin dx_plugin = {
	.abi_version = DX_ABI_VERSION,
	.name = "rhel",
	.init = rhel_init,
	.fini = family_fini,
	.probe = family_probe,
	.install = rhel_install,
	.configure = rhel_configure,
	.restart = rhel_restart,
	.stop = rhel_stop,
	.uninstall = rhel_uninstall,
};
