/*
 * debian - the Debian (11 and later) plugin: what differs from the other
 * apt distributions, nothing else.  Everything else is family code: apt.c
 * (packages), systemd.c (daemon configuration and restart), family.c.
 */
#include "config.h"

#include "dx_plugin.h"
#include "apt.h"
#include "systemd.h"

/* Debian's own: the engine is docker.io (/usr/sbin/dockerd, socket
   activated); Compose is docker-compose (v1 up to bookworm, v2 since
   trixie: the same package name). */
static void debian_distro_packages(const struct family_os *os,
                                   const char **engine, const char **compose)
{
	(void)os;
	*engine = "docker.io";
	*compose = "docker-compose";
}

/* os-release of testing/sid may lack VERSION_CODENAME. */
static const char *debian_codename(const struct family_os *os)
{
	static const struct {
		unsigned major;
		const char *codename;
	} names[] = {
		{ 11, "bullseye" }, { 12, "bookworm" }, { 13, "trixie" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].major == os->major)
			return names[i].codename;
	return NULL;
}

static const struct family_distro debian = {
	.repo_dist = "debian",
	.distro_packages = debian_distro_packages,
	.codename_fallback = debian_codename,
};

static int debian_init(const struct dx_host *host, void **state)
{
	return family_init(host, state, "debian", &debian);
}

static int debian_install(void *state)
{
	return apt_install(state);
}

static int debian_configure(void *state)
{
	return systemd_configure(state);
}

static int debian_restart(void *state)
{
	return systemd_restart(state);
}

static int debian_stop(void *state)
{
	return systemd_stop(state);
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
