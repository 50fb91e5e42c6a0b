/*
 * ubuntu - the Ubuntu (18.04 and later) plugin: what differs from the
 * other apt distributions, nothing else (see plugins/debian/debian.c for
 * the shape and apt.c, systemd.c, family.c for the rest).
 */
#include "config.h"

#include "dx_plugin.h"
#include "apt.h"
#include "systemd.h"

/* Ubuntu's own: docker.io, and Compose v2 as docker-compose-v2 (universe,
   20.04 and later); 18.04 has only the Python docker-compose (v1). */
static void ubuntu_distro_packages(const struct family_os *os,
                                   const char **engine, const char **compose)
{
	*engine = "docker.io";
	*compose = os->major >= 20 ? "docker-compose-v2" : "docker-compose";
}

static const struct family_distro ubuntu = {
	.repo_dist = "ubuntu",
	.distro_packages = ubuntu_distro_packages,
	.codename_fallback = NULL,   /* os-release always has UBUNTU_CODENAME */
};

static int ubuntu_init(const struct dx_host *host, void **state)
{
	return family_init(host, state, "ubuntu", &ubuntu);
}

static int ubuntu_install(void *state)
{
	return apt_install(state);
}

static int ubuntu_configure(void *state)
{
	return systemd_configure(state);
}

static int ubuntu_restart(void *state)
{
	return systemd_restart(state);
}

static int ubuntu_stop(void *state)
{
	return systemd_stop(state);
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
