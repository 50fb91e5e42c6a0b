/*
 * rhel - the Red Hat Enterprise Linux (7.9, 8, 9, 10) plugin: what differs
 * from the other rpm distributions, nothing else (see
 * plugins/centos/centos.c for the shape and rpm.c, systemd.c, family.c
 * for the rest).
 */
#include "config.h"

#include "dx_plugin.h"
#include "rpm.h"
#include "systemd.h"

/* RHEL 7's extras channel has "docker" (1.13, no Compose package); RHEL 8
   and later ship podman and no Docker. */
static void rhel_distro_packages(const struct family_os *os,
                                 const char **engine, const char **compose)
{
	*engine = os->major == 7 ? "docker" : NULL;
	*compose = NULL;
}

/* Docker's RHEL repository (linux/rhel) as Docker documents it for RHEL
   8 and later; for RHEL 7 Docker publishes x86_64 packages only in the
   CentOS repository, which its documentation then pointed RHEL 7 to. */
static const char *rhel_repo_dist(const struct family_os *os)
{
	return os->major == 7 ? "centos" : "rhel";
}

static const struct family_distro rhel = {
	.repo_dist = "rhel",
	.distro_packages = rhel_distro_packages,
	.codename_fallback = NULL,
	.repo_dist_of = rhel_repo_dist,
};

static int rhel_init(const struct dx_host *host, void **state)
{
	return family_init(host, state, "rhel", &rhel);
}

static int rhel_install(void *state)
{
	return rpm_install(state);
}

static int rhel_configure(void *state)
{
	return systemd_configure(state);
}

static int rhel_restart(void *state)
{
	return systemd_restart(state);
}

static int rhel_stop(void *state)
{
	return systemd_stop(state);
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
