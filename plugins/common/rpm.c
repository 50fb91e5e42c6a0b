#include "config.h"

#include "rpm.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg.h"
#include "systemd.h"

#define LIST_OUT (256u * 1024u)
#define MAX_VERSIONS 256

const char *const rpm_lock_files[] = { "/var/lib/rpm/.rpm.lock", NULL };
const char *const rpm_pid_files[] = {
	"/var/run/yum.pid",
	"/var/cache/dnf/metadata_lock.pid",
	"/var/lib/dnf/rpmdb_lock.pid",
	NULL
};

/* Docker's documentation for CentOS and RHEL: "uninstall any conflicting
   packages" (podman and runc conflict with containerd.io). */
static const char *const docker_conflicts[] = {
	"docker", "docker-client", "docker-client-latest", "docker-common",
	"docker-latest", "docker-latest-logrotate", "docker-logrotate",
	"docker-engine", "podman", "runc", NULL
};
static const char *const docker_packages[] = {
	"docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin",
	"docker-compose-plugin", NULL
};

static const char repo_header[] =
	"# Written by docker-extension: Docker's repository, as Docker's own\n"
	"# docker-ce.repo has it.  Removed when the extension is uninstalled.\n";

/* dnf from release 8 on; 7 has only yum (same commands and options). */
static const char *pm(const struct family_state *st)
{
	return st->os.major >= 8 ? "/usr/bin/dnf" : "/usr/bin/yum";
}

static const char *pm_name(const struct family_state *st)
{
	return st->os.major >= 8 ? "dnf" : "yum";
}

/* Output that says "try again later": the network, a mirror, a lock
   taken between our wait and the command. */
static int rpm_transient(const char *out, int status)
{
	static const char *const signs[] = {
		"Curl error", "Could not resolve host", "Temporary failure",
		"Failed to download metadata", "Cannot download repomd.xml",
		"Cannot retrieve repository metadata",
		"Errors during downloading metadata", "Timeout was reached",
		"Operation timed out", "Connection refused",
		"Network is unreachable", "No more mirrors to try",
		"Cannot find a valid baseurl", "Status code: 5", "HTTP Error 5",
		"Existing lock", "holding the yum lock",
		"Waiting for process with pid",
		"Failed to obtain the transaction lock", NULL
	};

	(void)status;
	return family_output_says(out, signs);
}

static int rpm_wait(struct family_state *st)
{
	return family_wait_locks(st, rpm_lock_files, rpm_pid_files);
}

static const struct family_retry rpm_policy = {
	rpm_transient, rpm_wait, FAMILY_PKG_FIRST_DELAY_MS,
	FAMILY_PKG_MAX_DELAY_MS, FAMILY_PKG_TOTAL_MS
};

static int pm_run(struct family_state *st, const char *what,
                  const char *const *argv)
{
	return family_retry(st, &rpm_policy, what, argv, NULL, NULL, 0);
}

/* ---- versions ------------------------------------------------------------------- */

/* rpm's rpmvercmp(): alternating runs of digits and letters compared
   run by run, digits numerically and newer than letters, '~' older than
   anything, '^' newer than the end. */
static int vercmp(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0') {
		const char *sa, *sb;
		int num;
		size_t la, lb;
		int c;

		while (*a != '\0' && !isalnum((unsigned char)*a) && *a != '~' &&
		       *a != '^')
			a++;
		while (*b != '\0' && !isalnum((unsigned char)*b) && *b != '~' &&
		       *b != '^')
			b++;
		if (*a == '~' || *b == '~') {
			if (*a != '~')
				return 1;
			if (*b != '~')
				return -1;
			a++;
			b++;
			continue;
		}
		if (*a == '^' || *b == '^') {
			if (*a == '\0')
				return -1;
			if (*b == '\0')
				return 1;
			if (*a != '^')
				return 1;
			if (*b != '^')
				return -1;
			a++;
			b++;
			continue;
		}
		if (*a == '\0' || *b == '\0')
			break;
		num = isdigit((unsigned char)*a);
		for (sa = a; *a != '\0' && (num ? isdigit((unsigned char)*a)
		                                : isalpha((unsigned char)*a));
		     a++)
			;
		for (sb = b; *b != '\0' && (num ? isdigit((unsigned char)*b)
		                                : isalpha((unsigned char)*b));
		     b++)
			;
		if (sb == b)  /* a digit run against letters: digits win */
			return num ? 1 : -1;
		if (num) {
			while (*sa == '0' && sa + 1 < a)
				sa++;
			while (*sb == '0' && sb + 1 < b)
				sb++;
		}
		la = (size_t)(a - sa);
		lb = (size_t)(b - sb);
		if (num && la != lb)
			return la < lb ? -1 : 1;
		c = strncmp(sa, sb, la < lb ? la : lb);
		if (c != 0)
			return c < 0 ? -1 : 1;
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	if (*a == '\0' && *b == '\0')
		return 0;
	return *a == '\0' ? -1 : 1;
}

/* "[epoch:]version[-release]" into its parts (epoch 0 when absent). */
static void evr_split(const char *evr, unsigned long *epoch, char *ver,
                      size_t vsize, char *rel, size_t rsize)
{
	const char *colon = strchr(evr, ':'), *dash;

	*epoch = colon != NULL ? strtoul(evr, NULL, 10) : 0;
	if (colon != NULL)
		evr = colon + 1;
	dash = strrchr(evr, '-');
	snprintf(ver, vsize, "%.*s", (int)(dash != NULL ? (size_t)(dash - evr)
	                                                : strlen(evr)), evr);
	snprintf(rel, rsize, "%s", dash != NULL ? dash + 1 : "");
}

/* rpmvercmp() over "[epoch:]version-release": <0, 0, >0. */
static int rpm_evr_cmp(const char *a, const char *b)
{
	char va[128], ra[128], vb[128], rb[128];
	unsigned long ea, eb;
	int c;

	evr_split(a, &ea, va, sizeof(va), ra, sizeof(ra));
	evr_split(b, &eb, vb, sizeof(vb), rb, sizeof(rb));
	if (ea != eb)
		return ea < eb ? -1 : 1;
	c = vercmp(va, vb);
	return c != 0 ? c : vercmp(ra, rb);
}

static int newest_first(const void *a, const void *b)
{
	return rpm_evr_cmp(*(const char *const *)b, *(const char *const *)a);
}

/* ---- what is installed ----------------------------------------------------------- */

/* One rpm -q line, "name\tepoch:version-release", into q ("package X
   is not installed" lines have no tab and say nothing). */
static void query_line(struct pkg_query *q, char *line)
{
	char *tab = strchr(line, '\t'), *v;
	struct pkg_state *p;

	if (tab == NULL)
		return;
	*tab = '\0';
	p = pkg_query_get(q, line);
	if (p == NULL)
		return;
	v = tab + 1;
	if (strncmp(v, "(none):", 7) == 0)
		v += 7;
	p->installed = 1;
	snprintf(p->version, sizeof(p->version), "%s", v);
}

/* One rpm -q for every package of interest; its exit status counts the
   packages that are not installed: an answer, not a failure. */
static int query_run(struct family_state *st, struct pkg_query *q)
{
	static const char *const head[] = {
		"/usr/bin/rpm", "-q", "--qf",
		"%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\n", NULL
	};

	return pkg_query_run(st, q, head, 255, query_line, "rpm -q");
}

/* ---- pins ----------------------------------------------------------------------- */

/* The versions of pkg in `dnf list` output ("docker-ce.x86_64
   3:27.3.1-1.el9   docker-ce-stable"), pointing into text (cut up). */
static size_t list_versions(char *text, const char *pkg, const char **versions,
                            size_t max)
{
	size_t n = 0, plen = strlen(pkg);
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line != NULL && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		char *save2 = NULL;
		char *name = strtok_r(line, " \t", &save2);
		char *v = strtok_r(NULL, " \t", &save2);

		if (name != NULL && v != NULL && strncmp(name, pkg, plen) == 0 &&
		    name[plen] == '.')
			versions[n++] = v;
	}
	return n;
}

/* Newest first, each once (the installed version is listed both under
   "Installed Packages" and "Available Packages"); the new count. */
static size_t sort_unique(const char **versions, size_t n)
{
	size_t i, kept = 0;

	qsort(versions, n, sizeof(versions[0]), newest_first);
	for (i = 0; i < n; i++)
		if (kept == 0 || strcmp(versions[kept - 1], versions[i]) != 0)
			versions[kept++] = versions[i];
	return kept;
}

/* Every version `dnf list --showduplicates` knows for pkg (installed and
   available; our own exclude= set aside), and the newest that matches
   the pin, into out. */
static int resolve_pin(struct family_state *st, const char *pkg,
                       char *out, size_t outsize)
{
	const char *argv[8];
	const char *versions[MAX_VERSIONS];
	char what[32];
	char *text = malloc(LIST_OUT);
	size_t n, a = 0;
	int r;

	if (text == NULL)
		return DX_ERR_NOMEM;
	argv[a++] = pm(st);
	argv[a++] = "list";
	argv[a++] = "--showduplicates";
	if (st->set->source == DX_SOURCE_DOCKER)
		argv[a++] = "--disableexcludes=" RPM_REPO_ID;
	argv[a++] = pkg;
	argv[a] = NULL;
	snprintf(what, sizeof(what), "%s list", pm_name(st));
	r = family_retry(st, &rpm_policy, what, argv, NULL, text, LIST_OUT);
	if (r == DX_OK) {
		n = list_versions(text, pkg, versions, MAX_VERSIONS);
		n = sort_unique(versions, n);
		r = pkg_pick_pin(st, pkg, versions, n, out, outsize);
	}
	free(text);
	return r;
}

/* ---- steps --------------------------------------------------------------------- */

static int remove_conflicts(struct family_state *st, struct pkg_query *q)
{
	const char *argv[PKG_MAX + 4];
	char what[64];
	size_t n = 0;

	argv[n++] = pm(st);
	argv[n++] = "remove";
	argv[n++] = "-y";
	if (pkg_add_installed(q, docker_conflicts, argv, &n) == 0)
		return DX_OK;
	argv[n] = NULL;
	family_log(st, DX_LOG_INFO, "removing packages that conflict with "
	           "Docker's: Docker's documentation asks for it");
	snprintf(what, sizeof(what), "%s remove (conflicting packages)",
	         pm_name(st));
	return pm_run(st, what, argv);
}

/*
 * Docker's repository as Docker's docker-ce.repo describes it, written by
 * us rather than fetched with `dnf config-manager --add-repo`: no
 * dnf-plugins-core/yum-utils to install first, and a mirror (or Azure
 * China's) replaces the base URL everywhere, which a fetched file would
 * not do.  The release is the os-release major, not $releasever (which
 * is "7Server" on RHEL 7 and "9.4" on some clones).  A pin is held by
 * exclude= in this file: no versionlock plugin to install, `dnf update`
 * leaves the pinned packages alone, and the hold goes with the file at
 * uninstall; our own commands set it aside with --disableexcludes.
 */
static int add_docker_repo(struct family_state *st)
{
	char base[512], repo[2048];
	const char *dist = st->distro->repo_dist_of != NULL
	                           ? st->distro->repo_dist_of(&st->os)
	                           : st->distro->repo_dist;
	int existed, changed = 0, r;

	family_docker_base(st, base, sizeof(base));
	snprintf(repo, sizeof(repo),
	         "%s[" RPM_REPO_ID "]\n"
	         "name=Docker CE Stable - $basearch\n"
	         "baseurl=%s/linux/%s/%u/$basearch/stable\n"
	         "enabled=1\ngpgcheck=1\n"
	         "gpgkey=%s/linux/%s/gpg\n%s",
	         repo_header, base, dist, st->os.major, base, dist,
	         st->set->version != NULL ? "exclude=docker-ce docker-ce-cli\n"
	                                  : "");
	existed = family_exists(st, RPM_REPO_FILE);
	r = family_write_if_changed(st, RPM_REPO_FILE, repo, strlen(repo),
	                            0644, 0, &changed);
	if (r == DX_OK && !existed)
		r = family_record_add(st, "file", RPM_REPO_FILE);
	return r;
}

/* "name-epoch:version-release", as Docker's documentation installs a
   specific version with dnf; yum (release 7) is given
   "name-version-release", the form its documentation shows (the epoch
   adds nothing: one package name has one version-release per epoch
   here). */
static const char *pinned_arg(const struct family_state *st, char *buf,
                              size_t size, const char *pkg,
                              const char *version)
{
	const char *colon = strchr(version, ':');

	if (st->os.major < 8 && colon != NULL)
		version = colon + 1;
	snprintf(buf, size, "%s-%s", pkg, version);
	return buf;
}

static int pins(const char *const *pkgs, size_t i)
{
	return i == 0 || strcmp(pkgs[i], "docker-ce-cli") == 0;
}

/* yum (release 7) installs a lower version only through `yum downgrade`;
   dnf's install moves to the given version either way. */
static int downgrade_first(struct family_state *st, struct pkg_query *q,
                           const char *const *pkgs, const char *version)
{
	struct pkg_state *engine = pkg_query_get(q, pkgs[0]);
	const char *argv[8];
	char arg[2][384];
	size_t n = 0, i;

	if (st->os.major >= 8 || engine == NULL || !engine->installed ||
	    rpm_evr_cmp(engine->version, version) <= 0)
		return DX_OK;
	argv[n++] = pm(st);
	argv[n++] = "downgrade";
	argv[n++] = "-y";
	if (st->set->source == DX_SOURCE_DOCKER)
		argv[n++] = "--disableexcludes=" RPM_REPO_ID;
	for (i = 0; i < 2 && pkgs[i] != NULL; i++)
		if (pins(pkgs, i))
			argv[n++] = pinned_arg(st, arg[i], sizeof(arg[i]),
			                       pkgs[i], version);
	argv[n] = NULL;
	return pm_run(st, "yum downgrade", argv);
}

static int install_packages(struct family_state *st, const char *const *pkgs,
                            const char *version)
{
	const char *argv[PKG_MAX + 8];
	char arg[2][384], what[32];
	size_t n = 0, i;

	argv[n++] = pm(st);
	argv[n++] = "install";
	argv[n++] = "-y";
	if (version != NULL && st->set->source == DX_SOURCE_DOCKER)
		argv[n++] = "--disableexcludes=" RPM_REPO_ID;
	for (i = 0; pkgs[i] != NULL; i++)
		argv[n++] = version != NULL && i < 2 && pins(pkgs, i)
		                    ? pinned_arg(st, arg[i], sizeof(arg[i]),
		                                 pkgs[i], version)
		                    : pkgs[i];
	argv[n] = NULL;
	snprintf(what, sizeof(what), "%s install", pm_name(st));
	return pm_run(st, what, argv);
}

static int install_from(struct family_state *st, struct pkg_query *q,
                        const char *const *pkgs)
{
	char version[256];
	const char *pin = st->set->version;
	int r = DX_OK;

	if (st->set->source == DX_SOURCE_DOCKER) {
		r = remove_conflicts(st, q);
		if (r == DX_OK)
			r = add_docker_repo(st);
	} else if (pin != NULL) {
		family_log(st, DX_LOG_WARN, "docker.version %s with "
		           "docker.source \"distro\": installed at that version "
		           "but not held (the extension holds versions only in "
		           "Docker's repository file)", pin);
	}
	if (r == DX_OK && pin != NULL)
		r = resolve_pin(st, pkgs[0], version, sizeof(version));
	if (r == DX_OK && pin != NULL)
		r = downgrade_first(st, q, pkgs, version);
	if (r == DX_OK)
		r = install_packages(st, pkgs, pin != NULL ? version : NULL);
	return r;
}

static const struct pkg_family rpm_family = {
	.docker_packages = docker_packages,
	.conflicts = docker_conflicts,
	.extra_query = NULL,
	.query = query_run,
	.install = install_from,
};

int rpm_install(struct family_state *st)
{
	return pkg_install(st, &rpm_family);
}

/* ---- uninstall ------------------------------------------------------------------ */

static int remove_packages(struct family_state *st, const char *const *pkgs)
{
	const char *argv[PKG_MAX * 4 + 8];
	char what[32];
	size_t n = 0, i;

	argv[n++] = pm(st);
	argv[n++] = "remove";
	argv[n++] = "-y";
	for (i = 0; pkgs[i] != NULL && n + 1 < sizeof(argv) / sizeof(argv[0]);
	     i++)
		argv[n++] = pkgs[i];
	argv[n] = NULL;
	snprintf(what, sizeof(what), "%s remove", pm_name(st));
	return pm_run(st, what, argv);
}

int rpm_uninstall(struct family_state *st)
{
	return systemd_uninstall(st, remove_packages);
}
