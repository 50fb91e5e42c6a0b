#include "config.h"

#include "apt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg.h"
#include "systemd.h"

#define MADISON_OUT 65536

const char *const apt_lock_files[] = {
	"/var/lib/dpkg/lock-frontend",
	"/var/lib/dpkg/lock",
	"/var/lib/apt/lists/lock",
	"/var/cache/apt/archives/lock",
	NULL
};

static const char *const apt_get = "/usr/bin/apt-get";
static const char *const noninteractive[] = {
	"DEBIAN_FRONTEND=noninteractive", NULL
};

/* Docker's documentation: "uninstall all conflicting packages". */
static const char *const docker_conflicts[] = {
	"docker.io", "docker-doc", "docker-compose", "docker-compose-v2",
	"podman-docker", "containerd", "runc", NULL
};
static const char *const ca_certificates[] = { "ca-certificates", NULL };
static const char *const docker_packages[] = {
	"docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin",
	"docker-compose-plugin", NULL
};

/* Output that says "try again later": another dpkg, the network, a
   mirror in the middle of a sync. */
static int apt_transient(const char *out, int status)
{
	static const char *const signs[] = {
		"Could not get lock", "Unable to acquire the dpkg frontend lock",
		"Unable to lock", "Temporary failure", "Could not resolve",
		"Failed to fetch", "Connection timed out", "Connection failed",
		"Could not connect", "Unable to connect", "Network is unreachable",
		"Hash Sum mismatch", "Some index files failed to download",
		"Unable to fetch some archives", "Undetermined Error",
		" 500 ", " 502 ", " 503 ", " 504 ", NULL
	};

	(void)status;
	return family_output_says(out, signs);
}

static int apt_wait(struct family_state *st)
{
	return family_wait_locks(st, apt_lock_files, NULL);
}

static const struct family_retry apt_policy = {
	apt_transient, apt_wait, FAMILY_PKG_FIRST_DELAY_MS,
	FAMILY_PKG_MAX_DELAY_MS, FAMILY_PKG_TOTAL_MS
};

/* ---- what is installed ----------------------------------------------------------- */

/* One dpkg-query line, "name\tstatus\tversion", into q. */
static void query_line(struct pkg_query *q, char *line)
{
	char *tab1 = strchr(line, '\t'), *tab2;
	struct pkg_state *p;

	if (tab1 == NULL || (tab2 = strchr(tab1 + 1, '\t')) == NULL)
		return;
	*tab1 = '\0';
	*tab2 = '\0';
	p = pkg_query_get(q, line);
	if (p == NULL)
		return;
	p->installed = strstr(tab1 + 1, " installed") != NULL;
	snprintf(p->version, sizeof(p->version), "%s", tab2 + 1);
}

/* One dpkg-query for every package of interest; exit status 1 (some
   package is unknown to dpkg) is an answer too. */
static int query_run(struct family_state *st, struct pkg_query *q)
{
	static const char *const head[] = {
		"/usr/bin/dpkg-query", "-W",
		"-f=${Package}\\t${Status}\\t${Version}\\n", NULL
	};

	return pkg_query_run(st, q, head, 1, query_line, "dpkg-query");
}

/* ---- pins ----------------------------------------------------------------------- */

/* The versions `apt-cache madison` lists for pkg (newest first) and the
   one that matches the pin, into out. */
static int resolve_pin(struct family_state *st, const char *pkg,
                       char *out, size_t outsize)
{
	const char *argv[] = { "/usr/bin/apt-cache", "madison", pkg, NULL };
	const char *versions[64];
	char *text = malloc(MADISON_OUT), *line, *save = NULL;
	size_t n = 0;
	int r;

	if (text == NULL)
		return DX_ERR_NOMEM;
	r = family_run_ok(st, argv, NULL, FAMILY_QUICK_TIMEOUT_MS, text,
	                  MADISON_OUT);
	for (line = strtok_r(text, "\n", &save); r == DX_OK && line != NULL &&
	     n < sizeof(versions) / sizeof(versions[0]);
	     line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, '|'), *end;

		if (v == NULL || (end = strchr(v + 1, '|')) == NULL)
			continue;
		for (v++; *v == ' '; v++)
			;
		while (end > v && end[-1] == ' ')
			end--;
		*end = '\0';
		versions[n++] = v;
	}
	if (r == DX_OK)
		r = pkg_pick_pin(st, pkg, versions, n, out, outsize);
	free(text);
	return r;
}

/* ---- steps --------------------------------------------------------------------- */

static int apt_get_run(struct family_state *st, const char *what,
                       const char *const *argv)
{
	return family_retry(st, &apt_policy, what, argv, noninteractive, NULL,
	                    0);
}

static int apt_update(struct family_state *st)
{
	const char *argv[] = { apt_get, "update", NULL };

	return apt_get_run(st, "apt-get update", argv);
}

/* apt-get remove of the conflicting packages that are installed. */
static int remove_conflicts(struct family_state *st, struct pkg_query *q)
{
	const char *argv[PKG_MAX + 4];
	size_t n = 0;

	argv[n++] = apt_get;
	argv[n++] = "remove";
	argv[n++] = "-y";
	if (pkg_add_installed(q, docker_conflicts, argv, &n) == 0)
		return DX_OK;
	argv[n] = NULL;
	family_log(st, DX_LOG_INFO, "removing packages that conflict with "
	           "Docker's: Docker's documentation asks for it");
	return apt_get_run(st, "apt-get remove (conflicting packages)", argv);
}

/* Docker's key and a deb822 source that trusts only it. */
static int add_docker_repo(struct family_state *st)
{
	char base[512], url[640], source[1024];
	const char *suite = st->os.codename;
	int existed, changed = 0, r;

	family_docker_base(st, base, sizeof(base));
	if (suite[0] == '\0' && st->distro->codename_fallback != NULL)
		suite = st->distro->codename_fallback(&st->os);
	if (suite == NULL || suite[0] == '\0') {
		family_fail(st, "/etc/os-release names no release codename: "
		            "cannot choose Docker's repository");
		return DX_ERR_DISTRO_UNSUPPORTED;
	}
	snprintf(url, sizeof(url), "%s/linux/%s/gpg", base,
	         st->distro->repo_dist);
	existed = family_exists(st, APT_KEYRING);
	r = family_mkdirs(st, "/etc/apt/keyrings", 0755);
	if (r == DX_OK)
		r = family_download(st, url, APT_KEYRING, 0644, NULL);
	if (r == DX_OK && !existed)
		r = family_record_add(st, "file", APT_KEYRING);
	if (r != DX_OK)
		return r;
	snprintf(source, sizeof(source),
	         "Types: deb\nURIs: %s/linux/%s\nSuites: %s\n"
	         "Components: stable\nSigned-By: " APT_KEYRING "\n",
	         base, st->distro->repo_dist, suite);
	existed = family_exists(st, APT_SOURCE);
	r = family_write_if_changed(st, APT_SOURCE, source, strlen(source),
	                            0644, 0, &changed);
	if (r == DX_OK && !existed)
		r = family_record_add(st, "file", APT_SOURCE);
	return r;
}

/* apt-get install of the packages, the engine (and its CLI) at the
   resolved version; held when pinned. */
static int install_packages(struct family_state *st, const char *const *pkgs,
                            const char *version)
{
	static const char *const conf[] = {
		"-o", "Dpkg::Options::=--force-confdef",
		"-o", "Dpkg::Options::=--force-confold", NULL
	};
	const char *argv[PKG_MAX + 16];
	char pinned[2][512];
	size_t n = 0, i;
	int r;

	argv[n++] = apt_get;
	argv[n++] = "install";
	argv[n++] = "-y";
	for (i = 0; conf[i] != NULL; i++)
		argv[n++] = conf[i];
	if (version != NULL) {
		argv[n++] = "--allow-downgrades";
		argv[n++] = "--allow-change-held-packages";
	}
	for (i = 0; pkgs[i] != NULL; i++) {
		int pin = version != NULL &&
		          (i == 0 || strcmp(pkgs[i], "docker-ce-cli") == 0);

		if (pin && i < 2) {
			snprintf(pinned[i], sizeof(pinned[i]), "%s=%s", pkgs[i],
			         version);
			argv[n++] = pinned[i];
		} else {
			argv[n++] = pkgs[i];
		}
	}
	argv[n] = NULL;
	r = apt_get_run(st, "apt-get install", argv);
	if (r != DX_OK || version == NULL)
		return r;
	{
		const char *hold[] = { "/usr/bin/apt-mark", "hold", pkgs[0],
			               pkgs[1] != NULL &&
			                       strcmp(pkgs[1], "docker-ce-cli") == 0
			                       ? pkgs[1] : NULL,
			               NULL };

		return family_run_ok(st, hold, NULL, FAMILY_QUICK_TIMEOUT_MS,
		                     NULL, 0);
	}
}

static int install_from(struct family_state *st, struct pkg_query *q,
                        const char *const *pkgs)
{
	char version[256];
	int r = DX_OK;

	if (st->set->source == DX_SOURCE_DOCKER) {
		r = remove_conflicts(st, q);
		/* apt fetches Docker's repository over HTTPS. */
		if (r == DX_OK && !pkg_installed(q, "ca-certificates")) {
			const char *argv[] = { apt_get, "install", "-y",
				               "ca-certificates", NULL };

			r = apt_update(st);
			if (r == DX_OK)
				r = apt_get_run(st, "apt-get install "
				                "ca-certificates", argv);
		}
		if (r == DX_OK)
			r = add_docker_repo(st);
	}
	if (r == DX_OK)
		r = apt_update(st);
	if (r == DX_OK && st->set->version != NULL)
		r = resolve_pin(st, pkgs[0], version, sizeof(version));
	if (r == DX_OK)
		r = install_packages(st, pkgs, st->set->version != NULL
		                                       ? version : NULL);
	return r;
}

static const struct pkg_family apt_family = {
	.docker_packages = docker_packages,
	.conflicts = docker_conflicts,
	/* apt fetches Docker's repository over HTTPS */
	.extra_query = ca_certificates,
	.query = query_run,
	.install = install_from,
};

int apt_install(struct family_state *st)
{
	return pkg_install(st, &apt_family);
}

/* ---- uninstall ------------------------------------------------------------------ */

static int remove_packages(struct family_state *st, const char *const *pkgs)
{
	const char *argv[PKG_MAX * 4 + 8];
	size_t n = 0, i;

	argv[n++] = apt_get;
	argv[n++] = "remove";
	argv[n++] = "-y";
	argv[n++] = "--allow-change-held-packages";
	for (i = 0; pkgs[i] != NULL && n + 1 < sizeof(argv) / sizeof(argv[0]);
	     i++)
		argv[n++] = pkgs[i];
	argv[n] = NULL;
	return apt_get_run(st, "apt-get remove", argv);
}

int apt_uninstall(struct family_state *st)
{
	return systemd_uninstall(st, remove_packages);
}
