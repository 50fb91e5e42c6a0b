/*
 * centos - the CentOS 7, CentOS Stream 8-10, AlmaLinux and Rocky Linux
 * plugin: what differs from the other rpm distributions, nothing else.
 * Everything else is family code: rpm.c (packages), systemd.c (daemon
 * configuration and restart), family.c.
 */
#include "config.h"

#include "dx_plugin.h"
#include "rpm.h"
#include "systemd.h"

/* The distribution's own Docker: CentOS 7's extras has "docker" (1.13,
   no Compose package); CentOS Stream 8 and later, AlmaLinux and Rocky
   (supported from 8 on) ship podman instead and have none. */
static void centos_distro_packages(const struct family_os *os,
                                   const char **engine, const char **compose)
{
	*engine = os->major == 7 ? "docker" : NULL;
	*compose = NULL;
}

/* Docker publishes one repository for CentOS and its rebuilds (Docker's
   documentation and its install script send AlmaLinux and Rocky there). */
static const struct family_distro centos = {
	.repo_dist = "centos",
	.distro_packages = centos_distro_packages,
	.codename_fallback = NULL,
};

static int centos_init(const struct dx_host *host, void **state)
{
	return family_init(host, state, "centos", &centos);
}

static int centos_install(void *state)
{
	return rpm_install(state);
}

static int centos_configure(void *state)
{
	return systemd_configure(state);
}

static int centos_restart(void *state)
{
	return systemd_restart(state);
}

static int centos_stop(void *state)
{
	return systemd_stop(state);
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
