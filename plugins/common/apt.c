#include "config.h"

#include "apt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "systemd.h"

#define MAX_PKGS 16
#define QUERY_OUT 16384
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
	size_t i;

	(void)status;
	for (i = 0; signs[i] != NULL; i++)
		if (strstr(out, signs[i]) != NULL)
			return 1;
	return 0;
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

struct pkg_state {
	const char *name;
	int installed;
	char version[128];
};

struct query {
	struct pkg_state p[MAX_PKGS * 2 + 2];
	size_t n;
};

static void query_add(struct query *q, const char *name)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->p[i].name, name) == 0)
			return;
	if (q->n < sizeof(q->p) / sizeof(q->p[0]))
		q->p[q->n++].name = name;
}

static struct pkg_state *query_get(struct query *q, const char *name)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->p[i].name, name) == 0)
			return &q->p[i];
	return NULL;
}

/* One dpkg-query for every package of interest: "name\tstatus\tversion". */
static int query_run(struct family_state *st, struct query *q)
{
	const char *argv[sizeof(q->p) / sizeof(q->p[0]) + 4];
	char *out = malloc(QUERY_OUT), *line, *save = NULL;
	size_t i, n = 0;
	int status, r;

	if (out == NULL)
		return DX_ERR_NOMEM;
	argv[n++] = "/usr/bin/dpkg-query";
	argv[n++] = "-W";
	argv[n++] = "-f=${Package}\\t${Status}\\t${Version}\\n";
	for (i = 0; i < q->n; i++)
		argv[n++] = q->p[i].name;
	argv[n] = NULL;
	r = family_run(st, argv, NULL, FAMILY_QUICK_TIMEOUT_MS, out, QUERY_OUT,
	               &status);
	/* 1: some package is unknown to dpkg, which is an answer too. */
	if (r == DX_OK && status != 0 && status != 1)
		r = DX_ERR_EXEC_FAILED;
	for (line = strtok_r(out, "\n", &save); r == DX_OK && line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab1 = strchr(line, '\t'), *tab2;
		struct pkg_state *p;

		if (tab1 == NULL || (tab2 = strchr(tab1 + 1, '\t')) == NULL)
			continue;
		*tab1 = '\0';
		*tab2 = '\0';
		p = query_get(q, line);
		if (p == NULL)
			continue;
		p->installed = strstr(tab1 + 1, " installed") != NULL;
		snprintf(p->version, sizeof(p->version), "%s", tab2 + 1);
	}
	if (r != DX_OK)
		family_fail(st, "cannot read the package database (dpkg-query)");
	free(out);
	return r;
}

/* ---- pins ----------------------------------------------------------------------- */

/* The newest version `apt-cache madison` lists for pkg that matches the
   pin, into out.  DX_ERR_VERSION_NOT_FOUND (naming a few that exist). */
static int resolve_pin(struct family_state *st, const char *pkg,
                       char *out, size_t outsize)
{
	const char *argv[] = { "/usr/bin/apt-cache", "madison", pkg, NULL };
	char *text = malloc(MADISON_OUT), *line, *save = NULL;
	char seen[256] = "";
	int r, shown = 0;

	if (text == NULL)
		return DX_ERR_NOMEM;
	out[0] = '\0';
	r = family_run_ok(st, argv, NULL, FAMILY_QUICK_TIMEOUT_MS, text,
	                  MADISON_OUT);
	for (line = strtok_r(text, "\n", &save); r == DX_OK && line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, '|'), *end;

		if (v == NULL || (end = strchr(v + 1, '|')) == NULL)
			continue;
		for (v++; *v == ' '; v++)
			;
		while (end > v && end[-1] == ' ')
			end--;
		*end = '\0';
		if (family_version_matches(v, st->set->version)) {
			snprintf(out, outsize, "%s", v);
			break;
		}
		if (shown++ < 5) {
			(void)family_cat(seen, sizeof(seen), shown > 1 ? ", " : "");
			(void)family_cat(seen, sizeof(seen), v);
		}
	}
	free(text);
	if (r != DX_OK)
		return r;
	if (out[0] == '\0') {
		family_fail(st, "docker.version %s: no %s package of that "
		            "version in the repository (newest: %s)",
		            st->set->version, pkg, seen[0] ? seen : "none");
		return DX_ERR_VERSION_NOT_FOUND;
	}
	family_log(st, DX_LOG_INFO, "docker.version %s resolved to %s %s",
	           st->set->version, pkg, out);
	return DX_OK;
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
static int remove_conflicts(struct family_state *st, struct query *q)
{
	const char *argv[MAX_PKGS + 4];
	size_t n = 0, i;

	argv[n++] = apt_get;
	argv[n++] = "remove";
	argv[n++] = "-y";
	for (i = 0; docker_conflicts[i] != NULL; i++) {
		struct pkg_state *p = query_get(q, docker_conflicts[i]);

		if (p != NULL && p->installed)
			argv[n++] = p->name;
	}
	argv[n] = NULL;
	if (n == 3)
		return DX_OK;
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

/* The packages of the chosen source; pkgs[0] is the engine. */
static int wanted_packages(struct family_state *st, const char **pkgs)
{
	const char *engine = NULL, *compose = NULL;
	size_t i;

	if (st->set->source == DX_SOURCE_DOCKER) {
		for (i = 0; docker_packages[i] != NULL; i++)
			pkgs[i] = docker_packages[i];
		pkgs[i] = NULL;
		return DX_OK;
	}
	st->distro->distro_packages(&st->os, &engine, &compose);
	if (engine == NULL) {
		family_fail(st, "docker.source \"distro\": %s %s has no Docker "
		            "package; use docker.source \"docker\"", st->os.id,
		            st->os.version_id);
		return DX_ERR_NO_DISTRO_PACKAGE;
	}
	pkgs[0] = engine;
	pkgs[1] = compose;
	pkgs[2] = NULL;
	return DX_OK;
}

/* apt-get install of the packages, the engine (and its CLI) at the
   resolved version; held when pinned. */
static int install_packages(struct family_state *st, const char **pkgs,
                            const char *version)
{
	static const char *const conf[] = {
		"-o", "Dpkg::Options::=--force-confdef",
		"-o", "Dpkg::Options::=--force-confold", NULL
	};
	const char *argv[MAX_PKGS + 16];
	char pinned[2][256];
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

/* Docker and Compose there (found as files: no command run). */
static int present(struct family_state *st)
{
	struct dx_probe probe;

	(void)family_probe(st, &probe);
	return probe.docker_installed && probe.compose_installed;
}

/* ... and at the pin (from the package database). */
static int at_pin(struct family_state *st, struct query *q,
                  const char *const *pkgs)
{
	struct pkg_state *engine = query_get(q, pkgs[0]);

	return engine != NULL && engine->installed &&
	       family_version_matches(engine->version, st->set->version);
}

static int record_new(struct family_state *st, struct query *q,
                      const char *const *pkgs)
{
	size_t i;
	int r = DX_OK;

	for (i = 0; r == DX_OK && pkgs[i] != NULL; i++) {
		struct pkg_state *p = query_get(q, pkgs[i]);

		/* Only what was not there before: uninstall removes
		   exactly what the extension added. */
		if (p == NULL || !p->installed)
			r = family_record_add(st, "package", pkgs[i]);
	}
	return r;
}

static int install_from(struct family_state *st, struct query *q,
                        const char **pkgs)
{
	char version[256];
	struct pkg_state *ca = query_get(q, "ca-certificates");
	int r = DX_OK;

	if (st->set->source == DX_SOURCE_DOCKER) {
		r = remove_conflicts(st, q);
		/* apt fetches Docker's repository over HTTPS. */
		if (r == DX_OK && (ca == NULL || !ca->installed)) {
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

int apt_install(struct family_state *st)
{
	const char *pkgs[MAX_PKGS];
	struct query q;
	size_t i;
	int r, skip;

	memset(&q, 0, sizeof(q));
	r = wanted_packages(st, pkgs);
	if (r != DX_OK)
		return r;
	for (i = 0; pkgs[i] != NULL; i++)
		query_add(&q, pkgs[i]);
	if (st->set->source == DX_SOURCE_DOCKER) {
		for (i = 0; docker_conflicts[i] != NULL; i++)
			query_add(&q, docker_conflicts[i]);
		query_add(&q, "ca-certificates");
	}
	/* Unpinned, files are enough; a pin needs the package database. */
	skip = present(st) && st->set->version == NULL;
	if (!skip) {
		r = query_run(st, &q);
		if (r != DX_OK)
			return r;
		skip = present(st) && st->set->version != NULL &&
		       at_pin(st, &q, pkgs);
	}
	if (skip) {
		family_log(st, DX_LOG_INFO, "Docker and Compose are installed%s: "
		           "no package change", st->set->version != NULL
		                                   ? " at the pinned version" : "");
		st->had_docker = 1;
	} else {
		r = install_from(st, &q, pkgs);
		if (r == DX_OK)
			r = record_new(st, &q, pkgs);
	}
	if (r == DX_OK)
		r = family_users(st);
	return r;
}

/* ---- uninstall ------------------------------------------------------------------ */

static int remove_packages(struct family_state *st, const char *const *pkgs)
{
	const char *argv[MAX_PKGS * 4 + 8];
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
