/*
 * coreos - the Flatcar Container Linux (and legacy CoreOS Container Linux)
 * plugin.  Docker ships with the OS (Flatcar: the docker sysext, its
 * version bound to the OS release) and there is no package manager:
 * install verifies that Docker is there and adds the Compose v2 plugin as
 * a static binary, checked against the release's published SHA-256 list.
 * Configuration, restart and uninstall are the shared systemd code (its
 * drop-ins are under /etc: the old extension's /run drop-in restarted
 * Docker after every boot).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "dx_plugin.h"
#include "family.h"
#include "systemd.h"

/* Compose v2 as published by Docker on GitHub. */
#define COMPOSE_VERSION "v2.29.7"
#define COMPOSE_BASE "https://github.com/docker/compose/releases/download/" \
	COMPOSE_VERSION
/* /usr (and with it /usr/local and every CLI plugin directory) is
   read-only on Flatcar; /opt/bin is where Flatcar's documentation puts
   extra binaries, and it is on the users' PATH.  Compose v2 runs as
   `docker-compose` from there. */
#define COMPOSE_PATH "/opt/bin/docker-compose"
/* ... and `docker compose` for root (the handler's compose step runs the
   docker CLI with HOME=/root): the CLI looks for plugins in
   ~/.docker/cli-plugins, the one plugin directory that is writable. */
#define COMPOSE_LINK "/root/.docker/cli-plugins/docker-compose"
#define COMPOSE_SUMS FAMILY_STATE_DIR "/compose-checksums.txt"
#define SUMS_MAX (64u * 1024u)

/* The name of Compose's binary for this machine, or NULL. */
static const char *compose_asset(void)
{
	struct utsname u;

	if (uname(&u) != 0)
		return NULL;
	if (strcmp(u.machine, "x86_64") == 0)
		return "docker-compose-linux-x86_64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "docker-compose-linux-aarch64";
	return NULL;
}

static int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return s[64] == ' ' || s[64] == '\t';
}

/* The SHA-256 of `asset` in a sha256sum(1) list ("<hex> *<name>" or
   "<hex>  <name>"), into hex (65 bytes).  -1 when the list has none. */
static int find_sum(const char *list, const char *asset, char *hex)
{
	const char *p = list;
	size_t alen = strlen(asset);

	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		const char *name = p + 64;

		if (n > 65 && is_hex64(p)) {
			while (*name == ' ' || *name == '\t')
				name++;
			if (*name == '*')
				name++;
			if ((size_t)(p + n - name) >= alen &&
			    strncmp(name, asset, alen) == 0 &&
			    (name + alen == p + n || name[alen] == '\r')) {
				memcpy(hex, p, 64);
				hex[64] = '\0';
				return 0;
			}
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	return -1;
}

/* The published checksum of `asset`, from the release's list. */
static int compose_sum(struct family_state *st, const char *asset, char *hex)
{
	char *list = NULL;
	size_t len;
	int changed = 0, r;

	/* the extension's state directory is root's alone */
	r = family_mkdirs(st, FAMILY_STATE_DIR, 0700);
	if (r == DX_OK)
		r = family_download(st, COMPOSE_BASE "/checksums.txt",
		                    COMPOSE_SUMS, 0600, NULL);
	if (r != DX_OK)
		return r;
	r = family_read(st, COMPOSE_SUMS, SUMS_MAX, &list, &len);
	if (r == DX_OK && find_sum(list, asset, hex) != 0) {
		family_fail(st, "the checksum list of Compose " COMPOSE_VERSION
		            " has no line for %s: not installed", asset);
		r = DX_ERR_CHECKSUM;
	} else if (r != DX_OK) {
		family_fail(st, "cannot read the checksum list of Compose");
	}
	free(list);
	(void)family_remove(st, COMPOSE_SUMS, &changed);
	return r;
}

/* root's CLI plugin link to the binary, unless root has a Compose
   plugin of its own there (left alone). */
static int link_plugin(struct family_state *st)
{
	int created = 0;
	int r = family_symlink(st, COMPOSE_PATH, COMPOSE_LINK, 0700, &created);

	if (r == DX_OK && created)
		r = family_record_add(st, "file", COMPOSE_LINK);
	return r;
}

/* Compose v2, checked against its published SHA-256 (the host writes
   it atomically, and nothing when the data does not match). */
static int install_compose(struct family_state *st)
{
	const char *asset = compose_asset();
	char hex[65], url[512];
	int existed, r;

	if (asset == NULL) {
		family_fail(st, "no Compose binary is published for this "
		            "machine's architecture");
		return DX_ERR_DISTRO_UNSUPPORTED;
	}
	r = compose_sum(st, asset, hex);
	if (r != DX_OK)
		return r;
	snprintf(url, sizeof(url), COMPOSE_BASE "/%s", asset);
	existed = family_exists(st, COMPOSE_PATH);
	r = family_download(st, url, COMPOSE_PATH, 0755, hex);
	if (r == DX_OK && !existed)
		r = family_record_add(st, "file", COMPOSE_PATH);
	if (r == DX_OK)
		r = link_plugin(st);
	if (r == DX_OK)
		family_log(st, DX_LOG_INFO, "installed Compose " COMPOSE_VERSION
		           " as " COMPOSE_PATH);
	return r;
}

/* The OS's Docker is the only one there can be: a pin it does not meet
   is an error, not an installation. */
static int check_pin(struct family_state *st)
{
	static const char *const argv[] = { "/usr/bin/dockerd", "--version",
		                            NULL };
	char out[512], have[64] = "";
	const char *v;
	int r;

	if (st->set->version == NULL)
		return DX_OK;
	r = family_run_ok(st, argv, NULL, FAMILY_QUICK_TIMEOUT_MS, out,
	                  sizeof(out));
	if (r != DX_OK)
		return r;
	/* "Docker version 24.0.9, build 2936816" */
	v = strstr(out, "version ");
	if (v != NULL)
		snprintf(have, sizeof(have), "%.*s",
		         (int)strcspn(v + 8, ", \n"), v + 8);
	if (have[0] != '\0' && family_version_matches(have, st->set->version))
		return DX_OK;
	family_fail(st, "docker.version %s: %s ships Docker %s with the OS "
	            "release and no other can be installed; remove "
	            "docker.version or choose an OS release with it",
	            st->set->version, st->os.id[0] ? st->os.id : "the OS",
	            have[0] ? have : "(unknown version)");
	return DX_ERR_VERSION_NOT_FOUND;
}

static int coreos_install(void *state)
{
	struct family_state *st = state;
	struct dx_probe probe;
	int r;

	(void)family_probe(st, &probe);
	if (!probe.docker_installed) {
		family_fail(st, "Docker is not on this VM although %s ships it "
		            "with the OS: it was disabled (on Flatcar, "
		            "/etc/extensions/docker-flatcar.raw pointing to "
		            "/dev/null); enable the docker sysext again",
		            st->os.id[0] ? st->os.id : "the OS");
		return DX_ERR_DOCKER_MISSING;
	}
	st->had_docker = 1;
	if (st->set->source == DX_SOURCE_DISTRO || st->set->mirror != NULL ||
	    st->set->china_cloud)
		family_log(st, DX_LOG_INFO, "Docker ships with the OS: "
		           "docker.source and docker.mirror do not apply");
	r = check_pin(st);
	if (r == DX_OK && !probe.compose_installed)
		r = install_compose(st);
	else if (r == DX_OK)
		family_log(st, DX_LOG_INFO, "Docker and Compose are there: "
		           "nothing to install");
	if (r == DX_OK)
		r = family_users(st);
	return r;
}

static int coreos_init(const struct dx_host *host, void **state)
{
	return family_init(host, state, "coreos", NULL);
}

static int coreos_configure(void *state)
{
	return systemd_configure(state);
}

static int coreos_restart(void *state)
{
	return systemd_restart(state);
}

static int coreos_stop(void *state)
{
	return systemd_stop(state);
}

/* Never called: the extension installs no package here (the record
   holds only Compose's binary, which systemd_uninstall removes). */
static int no_packages(struct family_state *st, const char *const *pkgs)
{
	(void)pkgs;
	family_log(st, DX_LOG_ERROR, "a package is recorded as installed on "
	           "an OS without a package manager: left alone");
	return DX_OK;
}

static int coreos_uninstall(void *state)
{
	return systemd_uninstall(state, no_packages);
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
