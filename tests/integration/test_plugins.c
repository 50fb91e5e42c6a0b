/*
 * Every built plugin, loaded through the real loader from a trusted copy
 * of the build output: symbol, ABI, name, probe against fake roots; then
 * the plugin test kit: each implemented plugin driven through install,
 * configure, restart and uninstall for every supported release, on a
 * fake root with a recording host (scripted commands, a virtual clock),
 * asserting the exact commands and the files written.  Each family has
 * its table of tests (apt, rpm, coreos) and every plugin runs the
 * systemd table too.
 *
 * Usage: test_plugins [PLUGIN...]   (default: every name in DX_PLUGIN_NAMES)
 */
#include "config.h"

#include <CUnit/Basic.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "http.h"
#include "loader.h"
#include "log.h"
#include "plugin_httpd.h"
#include "recording_host.h"
#include "testutil.h"

/* The distribution whose table entry names `name`.so, from the loader's
   own table (so a new plugin needs no row here). */
static enum dx_distro distro_of(const char *name)
{
	char file[256];
	int d;

	tu_fmt(file, sizeof(file), "%s.so", name);
	for (d = 0; d < DX_DISTRO__COUNT; d++) {
		const char *f = loader_plugin_file((enum dx_distro)d);

		if (f != NULL && strcmp(f, file) == 0)
			return (enum dx_distro)d;
	}
	return DX_DISTRO_UNKNOWN;
}

/* The plugin under test (CUnit tests take no arguments). */
static const char *current;
static enum dx_distro current_distro;
static char plugin_dir[PATH_MAX];
static char msg[1024];

static int suite_init(void)
{
	char from[PATH_MAX], to[PATH_MAX];
	const char *file = loader_plugin_file(current_distro);

	tu_fmt(plugin_dir, sizeof(plugin_dir), "%s", tu_mkdtemp("plugins"));
	tu_fmt(from, sizeof(from), "%s/%s.so", tu_env("DX_PLUGIN_BUILDDIR"),
	       current);
	tu_fmt(to, sizeof(to), "%s/%s", plugin_dir, file);
	tu_copy_file(from, to, 0644);
	return 0;
}

static int suite_cleanup(void)
{
	tu_rm_rf(plugin_dir);
	return 0;
}

static void test_loads_with_abi_and_name(void)
{
	struct recording_host rh;
	struct loader_plugin lp;
	int r;

	rh_init(&rh, "");
	r = loader_load(current_distro, plugin_dir, &rh.host, &lp, msg,
	                sizeof(msg));
	if (r != DX_OK)
		fprintf(stderr, "\n  %s: %s\n", current, msg);
	CU_ASSERT_EQUAL_FATAL(r, DX_OK);
	CU_ASSERT_EQUAL(lp.plugin->abi_version, DX_ABI_VERSION);
	CU_ASSERT_STRING_EQUAL(lp.plugin->name, current);
	loader_unload(&lp);
}

static void test_refuses_other_host_major(void)
{
	struct recording_host rh;
	struct loader_plugin lp;

	rh_init(&rh, "");
	rh.host.abi_version = DX_ABI_MK(DX_ABI_MAJOR + 1, 0);
	CU_ASSERT_EQUAL(loader_load(current_distro, plugin_dir, &rh.host, &lp,
	                            msg, sizeof(msg)),
	                DX_ERR_PLUGIN_INIT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "refused to initialise"));
	CU_ASSERT_PTR_NULL(lp.dl);
}

/* A fake root with the given executables (paths under the root). */
static const char *make_root(const char *const *files)
{
	static char root[PATH_MAX];
	char path[PATH_MAX];
	size_t i;

	tu_fmt(root, sizeof(root), "%s", tu_mkdtemp("root"));
	for (i = 0; files[i] != NULL; i++) {
		char *slash;

		tu_fmt(path, sizeof(path), "%s%s", root, files[i]);
		slash = strrchr(path, '/');
		*slash = '\0';
		tu_mkdir_p(path);
		*slash = '/';
		tu_write_file(path, "#!/bin/sh\n", 0755);
	}
	return root;
}

static void test_probe(void)
{
	static const char *const none[] = { NULL };
	static const char *const docker_ce[] = {
		"/usr/bin/dockerd",
		"/usr/libexec/docker/cli-plugins/docker-compose", NULL
	};
	static const char *const debian_docker_io[] = {
		"/usr/sbin/dockerd", "/usr/bin/docker-compose", NULL
	};
	static const struct {
		const char *const *files;
		int docker, compose;
	} rows[] = {
		{ none, 0, 0 },
		{ docker_ce, 1, 1 },
		{ debian_docker_io, 1, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct recording_host rh;
		struct loader_plugin lp;
		struct dx_probe probe;
		const char *root = make_root(rows[i].files);

		rh_init(&rh, root);
		CU_ASSERT_EQUAL_FATAL(loader_load(current_distro, plugin_dir,
		                                  &rh.host, &lp, msg,
		                                  sizeof(msg)),
		                      DX_OK);
		CU_ASSERT_EQUAL(lp.plugin->probe(lp.state, &probe), DX_OK);
		CU_ASSERT_EQUAL(probe.docker_installed, rows[i].docker);
		CU_ASSERT_EQUAL(probe.compose_installed, rows[i].compose);
		CU_ASSERT_EQUAL(rh.n_calls, 0);
		loader_unload(&lp);
		tu_rm_rf(root);
	}
}

/* ---- the kit: fake roots, one per release ------------------------------------ */

/* A supported release of the plugin under test. */
struct release {
	const char *plugin;
	const char *fixture;       /* tests/fixtures/os-release/<fixture> */
	const char *suite;         /* apt suite of Docker's repository */
	const char *compose_pkg;   /* docker.source distro: Compose package */
	/* rpm family */
	const char *pm;            /* "dnf" or "yum" */
	const char *repo;          /* directory of Docker's repository */
	const char *el;            /* release tag of its packages: "el9" */
	const char *distro_engine; /* docker.source distro: engine, or NULL */
	unsigned major;
};

#define APT(plugin, fixture, suite, compose) \
	{ plugin, fixture, suite, compose, NULL, NULL, NULL, NULL, 0 }
#define RPM(plugin, fixture, pm, repo, el, engine, major) \
	{ plugin, fixture, NULL, NULL, pm, repo, el, engine, major }

static const struct release releases[] = {
	APT("debian", "debian-11", "bullseye", "docker-compose"),
	APT("debian", "debian-12", "bookworm", "docker-compose"),
	APT("debian", "debian-trixie-sid", "trixie", "docker-compose"),
	APT("ubuntu", "ubuntu-18.04", "bionic", "docker-compose"),
	APT("ubuntu", "ubuntu-20.04", "focal", "docker-compose-v2"),
	APT("ubuntu", "ubuntu-22.04", "jammy", "docker-compose-v2"),
	APT("ubuntu", "ubuntu-24.04", "noble", "docker-compose-v2"),
	RPM("centos", "centos-7", "yum", "centos", "el7", "docker", 7),
	RPM("centos", "centos-stream-8", "dnf", "centos", "el8", NULL, 8),
	RPM("centos", "centos-stream-9", "dnf", "centos", "el9", NULL, 9),
	RPM("centos", "centos-stream-10", "dnf", "centos", "el10", NULL, 10),
	RPM("centos", "almalinux-9", "dnf", "centos", "el9", NULL, 9),
	RPM("centos", "rocky-9", "dnf", "centos", "el9", NULL, 9),
	RPM("rhel", "rhel-7.9", "yum", "centos", "el7", "docker", 7),
	RPM("rhel", "rhel-8.10", "dnf", "rhel", "el8", NULL, 8),
	RPM("rhel", "rhel-9.4", "dnf", "rhel", "el9", NULL, 9),
	RPM("rhel", "rhel-10.0", "dnf", "rhel", "el10", NULL, 10),
	{ "coreos", "flatcar", NULL, NULL, NULL, NULL, NULL, NULL, 0 },
	{ "coreos", "coreos", NULL, NULL, NULL, NULL, NULL, NULL, 0 },
};

static struct recording_host RH;
static struct loader_plugin LP;
static const struct dx_plugin *P;
static char root[PATH_MAX];
static const struct release *REL;
static const char *users_one[] = { "azureuser", NULL };
static const char *options_two[] = { "--label", "env=prod $HOME 100%", NULL };

#define DPKG_FMT "-f=${Package}\\t${Status}\\t${Version}\\n"
#define APT_CONF "-o Dpkg::Options::=--force-confdef " \
	"-o Dpkg::Options::=--force-confold"
#define CE_PKGS "docker-ce docker-ce-cli containerd.io " \
	"docker-buildx-plugin docker-compose-plugin"
#define CONFLICTS "docker.io docker-doc docker-compose docker-compose-v2 " \
	"podman-docker containerd runc"

static void root_file(const char *rel, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	char *slash;

	tu_fmt(path, sizeof(path), "%s%s", root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	tu_mkdir_p(path);
	*slash = '/';
	tu_write_file(path, text, mode);
}

static void root_fixture(const char *rel, const char *fixture)
{
	char text[65536];

	tu_fmt(text, sizeof(text), "%s", tu_read_file(tu_fixture(fixture)));
	root_file(rel, text, 0644);
}

static const char *root_read(const char *rel)
{
	char path[PATH_MAX];

	tu_fmt(path, sizeof(path), "%s%s", root, rel);
	return tu_read_file(path);
}

static int root_mode(const char *rel)
{
	char path[PATH_MAX];
	struct stat sb;

	tu_fmt(path, sizeof(path), "%s%s", root, rel);
	return stat(path, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

static int root_has(const char *rel)
{
	return root_mode(rel) >= 0;
}

/* The packages create the docker group (when it is not there). */
static void add_docker_group(void)
{
	const char *g = root_read("/etc/group");

	if (g == NULL || strstr(g, "docker:") == NULL)
		root_file("/etc/group", "root:x:0:\nazureuser:x:1000:\n"
		          "docker:x:999:\n", 0644);
}

/* What Docker's packages put there (apt-get install's effect). */
static void fx_docker_ce(struct recording_host *rh)
{
	(void)rh;
	root_file("/usr/bin/dockerd", "#!/bin/sh\n", 0755);
	root_file("/usr/bin/docker", "#!/bin/sh\n", 0755);
	root_file("/usr/libexec/docker/cli-plugins/docker-compose",
	          "#!/bin/sh\n", 0755);
	root_fixture("/lib/systemd/system/docker.service",
	             "plugins/units/docker-ce.service");
	root_fixture("/lib/systemd/system/docker.socket",
	             "plugins/units/docker.socket");
	add_docker_group();
}

/* What Debian's docker.io and docker-compose put there. */
static void fx_docker_io(struct recording_host *rh)
{
	(void)rh;
	root_file("/usr/sbin/dockerd", "#!/bin/sh\n", 0755);
	root_file("/usr/bin/docker-compose", "#!/bin/sh\n", 0755);
	root_file("/usr/libexec/docker/cli-plugins/docker-compose",
	          "#!/bin/sh\n", 0755);
	root_fixture("/lib/systemd/system/docker.service",
	             "plugins/units/docker.io-debian.service");
	root_fixture("/lib/systemd/system/docker.socket",
	             "plugins/units/docker.socket");
	root_file("/etc/systemd/system/sockets.target.wants/docker.socket",
	          "", 0644);
	add_docker_group();
}

/* A fresh VM of the release, the plugin loaded with a recording host. */
static void kit_load(const struct release *rel)
{
	char os[256];

	REL = rel;
	tu_fmt(root, sizeof(root), "%s", tu_mkdtemp("root"));
	tu_fmt(os, sizeof(os), "os-release/%s", rel->fixture);
	root_fixture("/etc/os-release", os);
	root_file("/etc/group", "root:x:0:\nazureuser:x:1000:\n", 0644);
	rh_init(&RH, root);
	/* A VM has ca-certificates (apt's HTTPS needs it). */
	rh_answer(&RH, "run /usr/bin/dpkg-query", 0, DX_OK, 1,
	          "ca-certificates\tinstall ok installed\t20230311\n");
	RH.settings.users = users_one;
	RH.settings.n_users = 1;
	/* What dnf/yum install does (the packages make the docker group). */
	if (rel->pm != NULL) {
		rh_effect(&RH, "run /usr/bin/dnf install", fx_docker_ce);
		rh_effect(&RH, "run /usr/bin/yum install", fx_docker_ce);
	}
	if (loader_load(current_distro, plugin_dir, &RH.host, &LP, msg,
	                sizeof(msg)) != DX_OK) {
		fprintf(stderr, "\n  %s: %s\n", current, msg);
		abort();
	}
	P = LP.plugin;
}

static void kit_unload(void)
{
	loader_unload(&LP);
	tu_rm_rf(root);
}

/* Compare, and show both when they differ. */
static void expect_text(const char *got, const char *want, const char *what)
{
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n[%s] %s:\n--- want\n%s--- got\n%s---\n",
		        REL != NULL ? REL->fixture : "", what, want, got);
	TU_ROW_ASSERT(strcmp(got, want) == 0, REL != NULL ? REL->fixture : "");
}

static void expect_calls(const char *kinds, const char *want)
{
	expect_text(rh_calls(&RH, kinds), want, kinds);
}

static void expect_file(const char *rel, const char *want, int mode)
{
	const char *got = root_read(rel);

	TU_ROW_ASSERT(got != NULL, rel);
	if (got != NULL)
		expect_text(got, want, rel);
	TU_ROW_ASSERT(root_mode(rel) == mode, rel);
}

static const char *dpkg_query_ce(void)
{
	static char line[1024];

	tu_fmt(line, sizeof(line), "run /usr/bin/dpkg-query -W " DPKG_FMT
	       " " CE_PKGS " " CONFLICTS " ca-certificates\n");
	return line;
}

/* ---- install ----------------------------------------------------------------- */

/* Fresh VM, Docker's repository, no pin: the documented sequence. */
static void kit_install_docker(const struct release *rel)
{
	char want[8192], source[1024];

	kit_load(rel);
	rh_answer(&RH, "run /usr/bin/dpkg-query", 0, DX_OK, 1,
	          "ca-certificates\tinstall ok installed\t20230311\n");
	rh_effect(&RH, "run /usr/bin/apt-get install", fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "%s"
	       "download https://download.docker.com/linux/%s/gpg -> "
	       "/etc/apt/keyrings/docker.asc 0644 sha256=(none)\n"
	       "run /usr/bin/apt-get update\n"
	       "run /usr/bin/apt-get install -y " APT_CONF " " CE_PKGS "\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n",
	       dpkg_query_ce(), P->name);
	expect_calls("run download", want);
	CU_ASSERT_STRING_EQUAL(RH.last_envp, "");
	tu_fmt(source, sizeof(source),
	       "Types: deb\nURIs: https://download.docker.com/linux/%s\n"
	       "Suites: %s\nComponents: stable\n"
	       "Signed-By: /etc/apt/keyrings/docker.asc\n", P->name,
	       rel->suite);
	expect_file("/etc/apt/sources.list.d/docker.sources", source, 0644);
	expect_file("/etc/apt/keyrings/docker.asc", "downloaded\n", 0644);
	expect_file("/var/lib/docker-extension/plugin/installed",
	            "file /etc/apt/keyrings/docker.asc\n"
	            "file /etc/apt/sources.list.d/docker.sources\n"
	            "package docker-ce\npackage docker-ce-cli\n"
	            "package containerd.io\npackage docker-buildx-plugin\n"
	            "package docker-compose-plugin\n", 0600);
	/* Installed now: the next install changes nothing, runs nothing
	   (the user is in the group the package made... once usermod did
	   it, which the fake does not do: put them there). */
	root_file("/etc/group", "docker:x:999:azureuser\n", 0644);
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	expect_calls("run download write", "");
	kit_unload();
}

/* apt-get never asks a question (no terminal: it would fail or hang);
   systemctl is found where the release keeps it. */
static void kit_install_envp(const struct release *rel)
{
	kit_load(rel);
	root_file("/etc/group", "docker:x:999:azureuser\n", 0644);
	rh_effect(&RH, "run /usr/bin/apt-get install", fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	/* the last command run was apt-get install */
	CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"),
	                              "run /usr/bin/apt-get install -y "
	                              APT_CONF " " CE_PKGS "\n"));
	CU_ASSERT_STRING_EQUAL(RH.last_envp, "DEBIAN_FRONTEND=noninteractive");
	root_file("/bin/systemctl", "#!/bin/sh\n", 0755);
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->stop(LP.state), DX_OK);
	expect_calls("run", "run /bin/systemctl stop docker.socket "
	             "docker.service\n");
	kit_unload();
}

/* Conflicting packages that are installed are removed first; ca-certificates
   is installed when missing (apt needs it for HTTPS). */
static void kit_install_conflicts(const struct release *rel)
{
	char want[8192];

	kit_load(rel);
	rh_answer(&RH, "run /usr/bin/dpkg-query", 0, DX_OK, 1,
	          "docker.io\tinstall ok installed\t20.10.24+dfsg1\n"
	          "runc\tinstall ok installed\t1.1.5\n"
	          "containerd\tdeinstall ok config-files\t1.6.20\n");
	rh_effect(&RH, "run /usr/bin/apt-get install -y " APT_CONF,
	          fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "%s"
	       "run /usr/bin/apt-get remove -y docker.io runc\n"
	       "run /usr/bin/apt-get update\n"
	       "run /usr/bin/apt-get install -y ca-certificates\n"
	       "download https://download.docker.com/linux/%s/gpg -> "
	       "/etc/apt/keyrings/docker.asc 0644 sha256=(none)\n"
	       "run /usr/bin/apt-get update\n"
	       "run /usr/bin/apt-get install -y " APT_CONF " " CE_PKGS "\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n",
	       dpkg_query_ce(), P->name);
	expect_calls("run download", want);
	CU_ASSERT_STRING_EQUAL(RH.last_envp, "");
	kit_unload();
}

static const char madison_ce[] =
	" docker-ce | 5:27.3.1-1~debian.12~bookworm | https://download.docker.com/linux/debian bookworm/stable amd64 Packages\n"
	" docker-ce | 5:27.3.0-1~debian.12~bookworm | https://download.docker.com/linux/debian bookworm/stable amd64 Packages\n"
	" docker-ce | 5:24.0.7-1~debian.12~bookworm | https://download.docker.com/linux/debian bookworm/stable amd64 Packages\n";

/* A pin resolves to the exact version (epoch included) and is held. */
static void kit_install_pinned(const struct release *rel)
{
	char want[8192];

	kit_load(rel);
	RH.settings.version = "24.0";
	rh_answer(&RH, "run /usr/bin/dpkg-query", 0, DX_OK, 1,
	          "ca-certificates\tinstall ok installed\t20230311\n");
	rh_answer(&RH, "run /usr/bin/apt-cache madison docker-ce", 0, DX_OK,
	          0, madison_ce);
	rh_effect(&RH, "run /usr/bin/apt-get install", fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "%s"
	       "download https://download.docker.com/linux/%s/gpg -> "
	       "/etc/apt/keyrings/docker.asc 0644 sha256=(none)\n"
	       "run /usr/bin/apt-get update\n"
	       "run /usr/bin/apt-cache madison docker-ce\n"
	       "run /usr/bin/apt-get install -y " APT_CONF
	       " --allow-downgrades --allow-change-held-packages"
	       " docker-ce=5:24.0.7-1~debian.12~bookworm"
	       " docker-ce-cli=5:24.0.7-1~debian.12~bookworm"
	       " containerd.io docker-buildx-plugin docker-compose-plugin\n"
	       "run /usr/bin/apt-mark hold docker-ce docker-ce-cli\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n",
	       dpkg_query_ce(), P->name);
	expect_calls("run download", want);
	CU_ASSERT_TRUE(rh_logged(&RH, "resolved to docker-ce "
	                              "5:24.0.7-1~debian.12~bookworm"));
	kit_unload();
}

/* Installed at another version: the pin wins (downgrade); installed at
   the pin: nothing but the package database is asked. */
static void kit_install_pin_vs_installed(const struct release *rel)
{
	kit_load(rel);
	fx_docker_ce(&RH);
	root_file("/etc/group", "docker:x:999:azureuser\n", 0644);
	RH.settings.version = "27.3.0";
#define CE_REST "docker-ce-cli\tinstall ok installed\t5:27.3.1-1~debian.12~bookworm\n" \
	"containerd.io\tinstall ok installed\t1.7.22-1\n" \
	"docker-buildx-plugin\tinstall ok installed\t0.17.1-1~debian.12~bookworm\n" \
	"docker-compose-plugin\tinstall ok installed\t2.29.7-1~debian.12~bookworm\n" \
	"ca-certificates\tinstall ok installed\t20230311\n"
	/* (the latest answer is used first) */
	rh_answer(&RH, "run /usr/bin/dpkg-query", 1, DX_OK, 0,
	          "docker-ce\tinstall ok installed\t5:27.3.0-1~debian.12~bookworm\n"
	          CE_REST);
	rh_answer(&RH, "run /usr/bin/dpkg-query", 1, DX_OK, 0,
	          "docker-ce\tinstall ok installed\t5:27.3.1-1~debian.12~bookworm\n"
	          CE_REST);
	rh_answer(&RH, "run /usr/bin/apt-cache madison docker-ce", 0, DX_OK,
	          0, madison_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"),
	                              " docker-ce=5:27.3.0-1~debian.12~bookworm "));
	/* Docker was there before: nothing to remove at uninstall. */
	CU_ASSERT_PTR_NULL(strstr(root_read("/var/lib/docker-extension/plugin/"
	                                    "installed"), "package"));
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	expect_calls("run download", dpkg_query_ce());
	kit_unload();
}

static void kit_install_pin_missing(const struct release *rel)
{
	kit_load(rel);
	RH.settings.version = "19.03.15";
	rh_answer(&RH, "run /usr/bin/apt-cache madison docker-ce", 0, DX_OK,
	          0, madison_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_VERSION_NOT_FOUND);
	CU_ASSERT_PTR_NULL(strstr(rh_calls(&RH, "run"), "apt-get install -y "
	                                                APT_CONF));
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: docker.version 19.03.15: no "
	                              "docker-ce package of that version in "
	                              "the repository (newest: "
	                              "5:27.3.1-1~debian.12~bookworm, "
	                              "5:27.3.0-1~debian.12~bookworm"));
	kit_unload();
}

/* The distribution's own packages: no repository, no key. */
static void kit_install_distro(const struct release *rel)
{
	char want[4096];

	kit_load(rel);
	RH.settings.source = DX_SOURCE_DISTRO;
	rh_effect(&RH, "run /usr/bin/apt-get install", fx_docker_io);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "run /usr/bin/dpkg-query -W " DPKG_FMT " docker.io %s\n"
	       "run /usr/bin/apt-get update\n"
	       "run /usr/bin/apt-get install -y " APT_CONF " docker.io %s\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n",
	       rel->compose_pkg, rel->compose_pkg);
	expect_calls("run download", want);
	CU_ASSERT_FALSE(root_has("/etc/apt/sources.list.d/docker.sources"));
	tu_fmt(want, sizeof(want), "package docker.io\npackage %s\n",
	       rel->compose_pkg);
	expect_file("/var/lib/docker-extension/plugin/installed", want, 0600);
	kit_unload();
}

static void kit_install_distro_pinned(const struct release *rel)
{
	kit_load(rel);
	RH.settings.source = DX_SOURCE_DISTRO;
	RH.settings.version = "20.10";
	rh_answer(&RH, "run /usr/bin/apt-cache madison docker.io", 0, DX_OK, 0,
	          "  docker.io | 20.10.24+dfsg1-1+deb12u1 | http://deb.debian.org/debian bookworm/main amd64 Packages\n");
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"),
	                              " docker.io=20.10.24+dfsg1-1+deb12u1 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"),
	                              "run /usr/bin/apt-mark hold docker.io\n"));
	kit_unload();
}

static void kit_install_mirror(const struct release *rel)
{
	char want[1024];

	kit_load(rel);
	RH.settings.mirror = "https://mirror.example.com/docker-ce/";
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want), "download https://mirror.example.com/"
	       "docker-ce/linux/%s/gpg -> /etc/apt/keyrings/docker.asc 0644 "
	       "sha256=(none)\n", P->name);
	expect_calls("download", want);
	tu_fmt(want, sizeof(want), "URIs: https://mirror.example.com/"
	       "docker-ce/linux/%s\n", P->name);
	CU_ASSERT_PTR_NOT_NULL(strstr(root_read("/etc/apt/sources.list.d/"
	                                        "docker.sources"), want));
	kit_unload();
	/* Azure China: Azure's mirror of Docker's repository. */
	kit_load(rel);
	RH.settings.china_cloud = 1;
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want), "download https://mirror.azure.cn/"
	       "docker-ce/linux/%s/gpg -> /etc/apt/keyrings/docker.asc 0644 "
	       "sha256=(none)\n", P->name);
	expect_calls("download", want);
	kit_unload();
}

/* Lock held by another process: wait, say so, then go on. */
static pid_t lock_child = -1;
static unsigned release_after;

static void hold_lock(const char *rel)
{
	char path[PATH_MAX];
	int ready[2];
	char c;

	root_file(rel, "", 0640);
	tu_fmt(path, sizeof(path), "%s%s", root, rel);
	CU_ASSERT_FATAL(pipe(ready) == 0);
	lock_child = fork();
	if (lock_child == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		int fd = open(path, O_RDWR);

		if (fd < 0 || fcntl(fd, F_SETLK, &fl) != 0)
			_exit(1);
		(void)!write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	CU_ASSERT_FATAL(read(ready[0], &c, 1) == 1);
	close(ready[0]);
}

static void free_lock(void)
{
	if (lock_child > 0) {
		kill(lock_child, SIGKILL);
		waitpid(lock_child, NULL, 0);
		lock_child = -1;
	}
}

static void release_on_sleep(struct recording_host *rh)
{
	if (rh->n_sleeps == release_after)
		free_lock();
}

static void kit_install_lock_then_free(const struct release *rel)
{
	char want[128];

	kit_load(rel);
	hold_lock("/var/lib/dpkg/lock-frontend");
	release_after = 3;
	RH.on_sleep = release_on_sleep;
	rh_effect(&RH, "run /usr/bin/apt-get install", fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want), "PROGRESS: waiting for the package manager "
	       "lock /var/lib/dpkg/lock-frontend held by pid ");
	CU_ASSERT_TRUE(rh_logged(&RH, want));
	CU_ASSERT_TRUE(rh_logged(&RH, "(10 s so far, at most 600 s)"));
	/* the first apt-get after the third poll, 15 virtual seconds */
	CU_ASSERT_EQUAL(RH.clock_ms, 15000);
	CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"), "apt-get install"));
	free_lock();
	kit_unload();
}

static void kit_install_lock_forever(const struct release *rel)
{
	kit_load(rel);
	hold_lock("/var/lib/dpkg/lock");
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_PKG_LOCKED);
	CU_ASSERT_EQUAL(RH.clock_ms, 600000);
	CU_ASSERT_PTR_NULL(strstr(rh_calls(&RH, "run"), "apt-get"));
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: the package manager is busy: "
	                              "/var/lib/dpkg/lock was still held by "
	                              "pid "));
	free_lock();
	kit_unload();
}

/* A download that fails, then works: retried with backoff. */
static void kit_install_download_retry(const struct release *rel)
{
	kit_load(rel);
	rh_answer(&RH, "download https://download.docker.com/", 2,
	          DX_ERR_DOWNLOAD, 0, NULL);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_EQUAL(tu_count_lines(rh_calls(&RH, "download")), 3);
	CU_ASSERT_EQUAL(RH.clock_ms, 2000 + 4000);
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: download of https://download."
	                              "docker.com/linux/"));
	CU_ASSERT_TRUE(rh_logged(&RH, "(attempt 2); retrying in 4 s"));
	kit_unload();
	/* A download that never works: bounded, then an error; nothing of
	   Docker's repository is set up. */
	kit_load(rel);
	rh_answer(&RH, "download https://", 0, DX_ERR_DOWNLOAD, 0, NULL);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_DOWNLOAD);
	CU_ASSERT_TRUE(RH.clock_ms <= 180000);
	CU_ASSERT_FALSE(root_has("/etc/apt/sources.list.d/docker.sources"));
	CU_ASSERT_PTR_NULL(strstr(rh_calls(&RH, "run"), "apt-get update"));
	CU_ASSERT_PTR_NULL(strstr(rh_calls(&RH, "run"), "apt-get install"));
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: cannot download https://"
	                              "download.docker.com/linux/"));
	kit_unload();
}

/* Transient apt failure (network) then success; a permanent failure is
   not retried and says what apt said. */
static void kit_install_apt_failures(const struct release *rel)
{
	kit_load(rel);
	rh_answer(&RH, "run /usr/bin/apt-get update", 1, DX_OK, 100,
	          "Err:1 https://download.docker.com/linux bookworm InRelease\n"
	          "  Temporary failure resolving 'download.docker.com'\n"
	          "E: Failed to fetch https://download.docker.com/\n");
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_EQUAL(RH.clock_ms, 5000);
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: apt-get update failed "
	                              "(attempt 1, temporary: E: Failed to "
	                              "fetch https://download.docker.com/); "
	                              "retrying in 5 s"));
	kit_unload();

	kit_load(rel);
	rh_answer(&RH, "run /usr/bin/apt-get install", 0, DX_OK, 100,
	          "Reading package lists...\n"
	          "E: Unable to locate package docker-ce\n");
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_EXEC_FAILED);
	CU_ASSERT_EQUAL(RH.clock_ms, 0);
	CU_ASSERT_EQUAL(tu_count_lines(strstr(rh_calls(&RH, "run"),
	                                      "apt-get install")), 1);
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: apt-get install failed (exit "
	                              "status 100): E: Unable to locate "
	                              "package docker-ce"));
	/* No package is recorded as installed by us. */
	CU_ASSERT_PTR_NULL(strstr(root_read("/var/lib/docker-extension/plugin/"
	                                    "installed"), "package"));
	kit_unload();

	/* Transient for ever: bounded. */
	kit_load(rel);
	rh_answer(&RH, "run /usr/bin/apt-get update", 0, DX_OK, 100,
	          "E: Could not get lock /var/lib/apt/lists/lock\n");
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_EXEC_FAILED);
	CU_ASSERT_TRUE(RH.clock_ms <= 15 * 60 * 1000);
	CU_ASSERT_TRUE(RH.clock_ms >= 10 * 60 * 1000);
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: apt-get update kept failing"));
	kit_unload();
}

/* ---- configure and restart ----------------------------------------------------- */

static const char CA[] = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
static const char CERT[] = "-----BEGIN CERTIFICATE-----\nSRV\n-----END CERTIFICATE-----\n";
static const char KEY[] = "-----BEGIN PRIVATE KEY-----\nSECRETKEY\n-----END PRIVATE KEY-----\n";

#define DROPIN "/etc/systemd/system/docker.service.d/docker-extension.conf"
#define PROXY "/etc/systemd/system/docker.service.d/docker-extension-proxy.conf"
#define HEADER \
	"# Written by docker-extension from its settings: it is rewritten when\n" \
	"# they change and removed when the extension is uninstalled.  Change\n" \
	"# the extension's settings rather than this file.\n"

static const char restart_seq[] =
	"run /usr/bin/systemctl daemon-reload\n"
	"run /usr/bin/systemctl reset-failed docker.service\n"
	"run /usr/bin/systemctl enable docker.service\n"
	"run /usr/bin/systemctl restart docker.service\n"
	"ping /var/run/docker.sock\n";
static const char start_seq[] =
	"run /usr/bin/systemctl enable docker.service\n"
	"run /usr/bin/systemctl start docker.service\n"
	"ping /var/run/docker.sock\n";

static void configure_restart(int want_changed)
{
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->configure(LP.state), DX_OK);
	CU_ASSERT_EQUAL(P->restart(LP.state), DX_OK);
	expect_calls("run ping", want_changed ? restart_seq : start_seq);
}

/* Everything at once on Debian's docker.io: the unit's own dockerd path
   and $DOCKER_OPTS, socket activation, TLS, TCP, options quoted. */
static void kit_configure_full(const struct release *rel)
{
	char want[256];

	kit_load(rel);
	fx_docker_io(&RH);
	root_file("/etc/docker/daemon.json",
	          "{\n\t\"data-root\": \"/mnt/docker\",\n\t\"hosts\": [\"unix://\"]\n}\n",
	          0644);
	RH.settings.port = 2376;
	RH.settings.tls_ca = CA;
	RH.settings.tls_cert = CERT;
	RH.settings.tls_key = KEY;
	RH.settings.options = options_two;
	RH.settings.n_options = 2;
	RH.settings.daemon_json = "{\"log-level\":\"warn\",\"labels\":[\"a=b\"]}";
	RH.settings.proxy_http = "http://proxy:3128";
	RH.settings.proxy_https = "http://user:p\"w%@proxy:3128";
	RH.settings.no_proxy = "localhost,168.63.129.16,169.254.169.254";
	configure_restart(1);
	expect_file(DROPIN, HEADER "[Service]\nExecStart=\n"
	            "ExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS"
	            " --tlsverify --tlscacert=/etc/docker/ca.pem"
	            " --tlscert=/etc/docker/cert.pem"
	            " --tlskey=/etc/docker/key.pem -H tcp://0.0.0.0:2376"
	            " --label \"env=prod $$HOME 100%%\"\n", 0644);
	expect_file(PROXY, HEADER "[Service]\n"
	            "Environment=\"HTTP_PROXY=http://proxy:3128\"\n"
	            "Environment=\"HTTPS_PROXY=http://user:p\\\"w%%@proxy:3128\"\n"
	            "Environment=\"NO_PROXY=localhost,168.63.129.16,169.254.169.254\"\n",
	            0600);
	/* The administrator's key stays; "hosts" would stop dockerd. */
	expect_file("/etc/docker/daemon.json",
	            "{\n  \"data-root\": \"/mnt/docker\",\n"
	            "  \"log-level\": \"warn\",\n  \"labels\": [\"a=b\"]\n}\n",
	            0644);
	tu_fmt(want, sizeof(want), "WARN: %s plugin: removing \"hosts\"",
	       current);
	CU_ASSERT_TRUE(rh_logged(&RH, want));
	expect_file("/etc/docker/ca.pem", CA, 0644);
	expect_file("/etc/docker/cert.pem", CERT, 0644);
	expect_file("/etc/docker/key.pem", KEY, 0600);
	/* The key never shows in a log line. */
	CU_ASSERT_FALSE(rh_logged(&RH, "SECRETKEY"));
	/* Same settings again: nothing written, no restart. */
	configure_restart(0);
	expect_calls("write", "");
	kit_unload();
}

/* Each of drop-in, daemon.json and certificates alone is a change. */
static void kit_configure_changes(const struct release *rel)
{
	kit_load(rel);
	fx_docker_ce(&RH);
	RH.settings.port = 2376;
	RH.settings.tls_ca = CA;
	RH.settings.tls_cert = CERT;
	RH.settings.tls_key = KEY;
	configure_restart(1);
	configure_restart(0);
	/* certificates only (the original missed this one) */
	RH.settings.tls_key = "-----BEGIN PRIVATE KEY-----\nNEW\n-----END PRIVATE KEY-----\n";
	configure_restart(1);
	expect_calls("write", "write /etc/docker/key.pem 0600 58\n"
	             "write /var/lib/docker-extension/plugin/restart-pending 0600 0\n");
	configure_restart(0);
	/* daemon.json only */
	RH.settings.daemon_json = "{\"debug\":true}";
	configure_restart(1);
	expect_file("/etc/docker/daemon.json", "{\n  \"debug\": true\n}\n", 0644);
	configure_restart(0);
	/* drop-in only */
	RH.settings.port = 2377;
	configure_restart(1);
	CU_ASSERT_PTR_NOT_NULL(strstr(root_read(DROPIN), "-H tcp://0.0.0.0:2377"));
	/* the unit's own ExecStart, -H fd:// replaced by ours */
	CU_ASSERT_PTR_NOT_NULL(strstr(root_read(DROPIN), "ExecStart=/usr/bin/dockerd "
	                              "-H fd:// --containerd=/run/containerd/"
	                              "containerd.sock --tlsverify"));
	/* Back to nothing: the drop-in, our daemon.json keys (and the file
	   we created) go; the certificates stay (issue #18). */
	RH.settings.port = 0;
	RH.settings.daemon_json = NULL;
	RH.settings.tls_ca = RH.settings.tls_cert = RH.settings.tls_key = NULL;
	configure_restart(1);
	CU_ASSERT_FALSE(root_has(DROPIN));
	CU_ASSERT_FALSE(root_has("/etc/docker/daemon.json"));
	CU_ASSERT_TRUE(root_has("/etc/docker/key.pem"));
	configure_restart(0);
	kit_unload();
}

/* No docker.socket: the local socket is unix://, never fd:// (#104);
   continuation lines of ExecStart are read. */
static void kit_configure_no_socket(const struct release *rel)
{
	kit_load(rel);
	root_file("/usr/bin/dockerd", "#!/bin/sh\n", 0755);
	root_fixture("/lib/systemd/system/docker.service",
	             "plugins/units/no-socket.service");
	configure_restart(1);
	expect_file(DROPIN, HEADER "[Service]\nExecStart=\n"
	            "ExecStart=/usr/bin/dockerd -H unix:///var/run/docker.sock\n",
	            0644);
	kit_unload();
}

/* The daemon does not come back with the new configuration: the unit's
   last log lines reach the status; the change stays pending, so the
   next enable restarts again rather than "start" a daemon that runs the
   old configuration. */
static void kit_restart_fails(const struct release *rel)
{
	kit_load(rel);
	fx_docker_io(&RH);
	RH.settings.n_options = 1;
	RH.settings.options = options_two;
	rh_answer(&RH, "run /usr/bin/systemctl restart", 1, DX_OK, 1,
	          "Job for docker.service failed.\n");
	rh_answer(&RH, "run /usr/bin/journalctl", 0, DX_OK, 0,
	          "Starting docker.service...\n"
	          "unknown flag: --label\n"
	          "docker.service: Failed with result 'exit-code'.\n");
	CU_ASSERT_EQUAL(P->configure(LP.state), DX_OK);
	CU_ASSERT_EQUAL(P->restart(LP.state), DX_ERR_DAEMON_CONFIG);
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: docker.service did not start "
	                              "with the new configuration; its last log "
	                              "lines: Starting docker.service... | "
	                              "unknown flag: --label | docker.service: "
	                              "Failed with result 'exit-code'."));
	CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"),
	                              "run /usr/bin/journalctl -u docker.service "
	                              "--no-pager -n 20 -o cat\n"));
	configure_restart(1);
	CU_ASSERT_FALSE(root_has("/var/lib/docker-extension/plugin/"
	                         "restart-pending"));
	kit_unload();

	/* Restarted, never answers: bounded wait. */
	kit_load(rel);
	fx_docker_io(&RH);
	RH.ping_down = -1;
	CU_ASSERT_EQUAL(P->configure(LP.state), DX_OK);
	CU_ASSERT_EQUAL(P->restart(LP.state), DX_ERR_DAEMON_DOWN);
	CU_ASSERT_TRUE(RH.clock_ms >= 90000 && RH.clock_ms < 95000);
	kit_unload();
}

/* ---- uninstall ---------------------------------------------------------------- */

static void kit_uninstall_installed(const struct release *rel)
{
	char want[4096];

	kit_load(rel);
	rh_effect(&RH, "run /usr/bin/apt-get install", fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	RH.settings.port = 2376;
	RH.settings.tls_ca = CA;
	RH.settings.tls_cert = CERT;
	RH.settings.tls_key = KEY;
	RH.settings.daemon_json = "{\"debug\":true}";
	configure_restart(1);
	loader_unload(&LP);
	/* The handler's uninstall passes no settings. */
	memset(&RH.settings, 0, sizeof(RH.settings));
	CU_ASSERT_EQUAL_FATAL(loader_load(current_distro, plugin_dir, &RH.host,
	                                  &LP, msg, sizeof(msg)), DX_OK);
	P = LP.plugin;
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->uninstall(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "run /usr/bin/systemctl stop docker.socket docker.service\n"
	       "run /usr/bin/apt-get remove -y --allow-change-held-packages "
	       CE_PKGS "\n"
	       "run /usr/bin/systemctl daemon-reload\n");
	expect_calls("run download ping", want);
	CU_ASSERT_FALSE(root_has(DROPIN));
	CU_ASSERT_FALSE(root_has("/etc/docker/daemon.json"));
	CU_ASSERT_FALSE(root_has("/etc/docker/key.pem"));
	CU_ASSERT_FALSE(root_has("/etc/docker/ca.pem"));
	CU_ASSERT_FALSE(root_has("/etc/apt/keyrings/docker.asc"));
	CU_ASSERT_FALSE(root_has("/etc/apt/sources.list.d/docker.sources"));
	CU_ASSERT_FALSE(root_has("/var/lib/docker-extension/plugin/installed"));
	kit_unload();
}

/* Docker was there before: the packages stay; the configuration goes and
   the daemon runs again without it. */
static void kit_uninstall_preexisting(const struct release *rel)
{
	kit_load(rel);
	fx_docker_io(&RH);
	root_file("/etc/docker/daemon.json", "{\"data-root\": \"/mnt\"}", 0644);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	expect_calls("run download", "run /usr/sbin/usermod -aG docker azureuser\n");
	RH.settings.daemon_json = "{\"debug\":true}";
	RH.settings.port = 2375;
	RH.settings.allow_unauthenticated_port = 1;
	configure_restart(1);
	CU_ASSERT_PTR_NOT_NULL(strstr(root_read(DROPIN),
	                              " --tls=false -H tcp://0.0.0.0:2375\n"));
	memset(&RH.settings, 0, sizeof(RH.settings));
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->uninstall(LP.state), DX_OK);
	expect_calls("run ping", restart_seq);
	CU_ASSERT_FALSE(root_has(DROPIN));
	expect_file("/etc/docker/daemon.json",
	            "{\n  \"data-root\": \"/mnt\"\n}\n", 0644);
	kit_unload();
}

/* ---- the rpm family (centos, rhel) ---------------------------------------------- */

/* (a printf format: the % doubled) */
#define RPM_QF "%%{NAME}\\t%%{EPOCH}:%%{VERSION}-%%{RELEASE}\\n"
#define RPM_CONFLICTS "docker docker-client docker-client-latest " \
	"docker-common docker-latest docker-latest-logrotate " \
	"docker-logrotate docker-engine podman runc"
#define REPO "/etc/yum.repos.d/docker-ce.repo"
#define REPO_HEADER \
	"# Written by docker-extension: Docker's repository, as Docker's own\n" \
	"# docker-ce.repo has it.  Removed when the extension is uninstalled.\n"

static const char *rpm_query_ce(void)
{
	static char line[1024];

	tu_fmt(line, sizeof(line), "run /usr/bin/rpm -q --qf " RPM_QF " "
	       CE_PKGS " " RPM_CONFLICTS "\n");
	return line;
}

static const char *repo_text(const char *base, int pinned)
{
	static char text[2048];

	tu_fmt(text, sizeof(text), REPO_HEADER "[docker-ce-stable]\n"
	       "name=Docker CE Stable - $basearch\n"
	       "baseurl=%s/linux/%s/%u/$basearch/stable\n"
	       "enabled=1\ngpgcheck=1\ngpgkey=%s/linux/%s/gpg\n%s",
	       base, REL->repo, REL->major, base, REL->repo,
	       pinned ? "exclude=docker-ce docker-ce-cli\n" : "");
	return text;
}

/* Fresh VM, Docker's repository, no pin: conflicts asked about, the
   .repo file written, the packages installed, the user added. */
static void kit_rpm_install_docker(const struct release *rel)
{
	char want[4096];

	kit_load(rel);
	rh_effect(&RH, "run /usr/bin/dnf install", fx_docker_ce);
	rh_effect(&RH, "run /usr/bin/yum install", fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "%s"
	       "run /usr/bin/%s install -y " CE_PKGS "\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n",
	       rpm_query_ce(), rel->pm);
	expect_calls("run download", want);
	expect_file(REPO, repo_text("https://download.docker.com", 0), 0644);
	expect_file("/var/lib/docker-extension/plugin/installed",
	            "file " REPO "\n"
	            "package docker-ce\npackage docker-ce-cli\n"
	            "package containerd.io\npackage docker-buildx-plugin\n"
	            "package docker-compose-plugin\n", 0600);
	/* Installed: the next install runs nothing. */
	root_file("/etc/group", "docker:x:999:azureuser\n", 0644);
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	expect_calls("run download write", "");
	kit_unload();
}

/* podman and runc (EL's own) conflict with containerd.io: removed first. */
static void kit_rpm_install_conflicts(const struct release *rel)
{
	char want[4096];

	kit_load(rel);
	rh_effect(&RH, "run /usr/bin/dnf install", fx_docker_ce);
	rh_effect(&RH, "run /usr/bin/yum install", fx_docker_ce);
	rh_answer(&RH, "run /usr/bin/rpm -q", 0, DX_OK, 2,
	          "package docker-ce is not installed\n"
	          "podman\t(none):4.9.4-0.1.el9\n"
	          "runc\t4:1.1.12-1.el9\n"
	          "package docker is not installed\n");
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "%s"
	       "run /usr/bin/%s remove -y podman runc\n"
	       "run /usr/bin/%s install -y " CE_PKGS "\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n",
	       rpm_query_ce(), rel->pm, rel->pm);
	expect_calls("run download", want);
	kit_unload();
}

/* dnf's list is ascending, with the installed section first; the pin
   takes the newest match. */
static const char *dnf_list(const char *pkg)
{
	static char text[4096];
	const char *el = REL->el;

	tu_fmt(text, sizeof(text),
	       "Last metadata expiration check: 0:01:02 ago on Mon 23 Nov 2026.\n"
	       "Installed Packages\n"
	       "%s.x86_64   3:27.3.1-1.%s   @docker-ce-stable\n"
	       "Available Packages\n"
	       "%s.x86_64   3:24.0.7-1.%s   docker-ce-stable\n"
	       "%s.x86_64   3:24.0.9-1.%s   docker-ce-stable\n"
	       "%s.x86_64   3:24.0.10-1.%s   docker-ce-stable\n"
	       "%s.x86_64   3:27.3.0-1.%s   docker-ce-stable\n"
	       "%s.x86_64   3:27.3.1-1.%s   docker-ce-stable\n"
	       "%s-rootless-extras.x86_64   27.3.1-1.%s   docker-ce-stable\n",
	       pkg, el, pkg, el, pkg, el, pkg, el, pkg, el, pkg, el, pkg, el);
	return text;
}

static void kit_rpm_install_pinned(const struct release *rel)
{
	char want[4096], line[256];

	kit_load(rel);
	RH.settings.version = "24.0";
	rh_answer(&RH, "run /usr/bin/dnf list", 0, DX_OK, 0,
	          dnf_list("docker-ce"));
	rh_answer(&RH, "run /usr/bin/yum list", 0, DX_OK, 0,
	          dnf_list("docker-ce"));
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "%s"
	       "run /usr/bin/%s list --showduplicates "
	       "--disableexcludes=docker-ce-stable docker-ce\n"
	       "run /usr/bin/%s install -y --disableexcludes=docker-ce-stable"
	       " docker-ce-3:24.0.10-1.%s docker-ce-cli-3:24.0.10-1.%s"
	       " containerd.io docker-buildx-plugin docker-compose-plugin\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n",
	       rpm_query_ce(), rel->pm, rel->pm, rel->el, rel->el);
	expect_calls("run download", want);
	/* held: dnf update leaves them alone */
	expect_file(REPO, repo_text("https://download.docker.com", 1), 0644);
	tu_fmt(line, sizeof(line), "resolved to docker-ce 3:24.0.10-1.%s",
	       rel->el);
	CU_ASSERT_TRUE(rh_logged(&RH, line));
	kit_unload();
}

/* Installed at another version: the pin wins (yum needs a downgrade
   first, dnf's install does it); at the pin: only the database is asked. */
static void kit_rpm_install_pin_vs_installed(const struct release *rel)
{
	char installed[1024], at_pin[1024], want[1024];

	kit_load(rel);
	fx_docker_ce(&RH);
	root_file("/etc/group", "docker:x:999:azureuser\n", 0644);
	RH.settings.version = "27.3.0";
	tu_fmt(installed, sizeof(installed),
	       "docker-ce\t3:27.3.1-1.%s\ndocker-ce-cli\t1:27.3.1-1.%s\n"
	       "containerd.io\t(none):1.7.22-3.1.%s\n"
	       "docker-buildx-plugin\t(none):0.17.1-1.%s\n"
	       "docker-compose-plugin\t(none):2.29.7-1.%s\n",
	       rel->el, rel->el, rel->el, rel->el, rel->el);
	tu_fmt(at_pin, sizeof(at_pin), "docker-ce\t3:27.3.0-1.%s\n", rel->el);
	rh_answer(&RH, "run /usr/bin/rpm -q", 1, DX_OK, 0, at_pin);
	rh_answer(&RH, "run /usr/bin/rpm -q", 1, DX_OK, 0, installed);
	rh_answer(&RH, "run /usr/bin/dnf list", 0, DX_OK, 0,
	          dnf_list("docker-ce"));
	rh_answer(&RH, "run /usr/bin/yum list", 0, DX_OK, 0,
	          dnf_list("docker-ce"));
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want), "run /usr/bin/yum downgrade -y "
	       "--disableexcludes=docker-ce-stable docker-ce-3:27.3.0-1.%s "
	       "docker-ce-cli-3:27.3.0-1.%s\n", rel->el, rel->el);
	if (strcmp(rel->pm, "yum") == 0)
		CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"), want))
	else
		CU_ASSERT_PTR_NULL(strstr(rh_calls(&RH, "run"), "downgrade"));
	tu_fmt(want, sizeof(want), " docker-ce-3:27.3.0-1.%s "
	       "docker-ce-cli-3:27.3.0-1.%s containerd.io", rel->el, rel->el);
	CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"), want));
	/* Docker was there before: nothing to remove at uninstall. */
	CU_ASSERT_PTR_NULL(strstr(root_read("/var/lib/docker-extension/plugin/"
	                                    "installed"), "package"));
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	expect_calls("run download", rpm_query_ce());
	kit_unload();
}

static void kit_rpm_install_pin_missing(const struct release *rel)
{
	char want[512];

	kit_load(rel);
	RH.settings.version = "19.03.15";
	rh_answer(&RH, "run /usr/bin/dnf list", 0, DX_OK, 0,
	          dnf_list("docker-ce"));
	rh_answer(&RH, "run /usr/bin/yum list", 0, DX_OK, 0,
	          dnf_list("docker-ce"));
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_VERSION_NOT_FOUND);
	CU_ASSERT_PTR_NULL(strstr(rh_calls(&RH, "run"), " install "));
	tu_fmt(want, sizeof(want), "PROGRESS: docker.version 19.03.15: no "
	       "docker-ce package of that version in the repository "
	       "(newest: 3:27.3.1-1.%s, 3:27.3.0-1.%s, 3:24.0.10-1.%s",
	       rel->el, rel->el, rel->el);
	CU_ASSERT_TRUE(rh_logged(&RH, want));
	kit_unload();
}

/* The distribution's Docker where it has one (release 7's "docker"), a
   clear error where it has none. */
static void kit_rpm_install_distro(const struct release *rel)
{
	char want[1024];

	kit_load(rel);
	RH.settings.source = DX_SOURCE_DISTRO;
	rh_effect(&RH, "run /usr/bin/yum install", fx_docker_io);
	if (rel->distro_engine == NULL) {
		CU_ASSERT_EQUAL(P->install(LP.state),
		                DX_ERR_NO_DISTRO_PACKAGE);
		expect_calls("run download write", "");
		CU_ASSERT_TRUE(rh_logged(&RH, "has no Docker package; use "
		                              "docker.source \"docker\""));
		kit_unload();
		return;
	}
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "run /usr/bin/rpm -q --qf " RPM_QF " %s\n"
	       "run /usr/bin/%s install -y %s\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n",
	       rel->distro_engine, rel->pm, rel->distro_engine);
	expect_calls("run download", want);
	CU_ASSERT_FALSE(root_has(REPO));
	tu_fmt(want, sizeof(want), "package %s\n", rel->distro_engine);
	expect_file("/var/lib/docker-extension/plugin/installed", want, 0600);
	/* no Compose package there: Docker alone is "present" */
	root_file("/etc/group", "docker:x:999:azureuser\n", 0644);
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	expect_calls("run", "");
	kit_unload();
}

/* A pin on the distribution's package: resolved (no exclude= of ours to
   set aside), installed, and said to be not held. */
static void kit_rpm_install_distro_pinned(const struct release *rel)
{
	char want[1024];

	kit_load(rel);
	RH.settings.source = DX_SOURCE_DISTRO;
	RH.settings.version = "1.13";
	rh_answer(&RH, "run /usr/bin/yum list --showduplicates docker", 0,
	          DX_OK, 0,
	          "Available Packages\n"
	          "docker.x86_64  2:1.13.1-208.git7d71120.el7_9  extras\n"
	          "docker.x86_64  2:1.13.1-209.git7d71120.el7_9  extras\n");
	if (rel->distro_engine == NULL) {
		CU_ASSERT_EQUAL(P->install(LP.state),
		                DX_ERR_NO_DISTRO_PACKAGE);
		expect_calls("run download write", "");
		kit_unload();
		return;
	}
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "run /usr/bin/rpm -q --qf " RPM_QF " docker\n"
	       "run /usr/bin/yum list --showduplicates docker\n"
	       "run /usr/bin/yum install -y "
	       "docker-2:1.13.1-209.git7d71120.el7_9\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n");
	expect_calls("run download", want);
	CU_ASSERT_TRUE(rh_logged(&RH, "WARN: "));
	CU_ASSERT_TRUE(rh_logged(&RH, "installed at that version but not "
	                              "held"));
	CU_ASSERT_FALSE(root_has(REPO));
	kit_unload();
}

static void kit_rpm_install_mirror(const struct release *rel)
{
	kit_load(rel);
	RH.settings.mirror = "https://mirror.example.com/docker-ce/";
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	expect_file(REPO, repo_text("https://mirror.example.com/docker-ce", 0),
	            0644);
	expect_calls("download", "");
	kit_unload();
	kit_load(rel);
	RH.settings.china_cloud = 1;
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	expect_file(REPO, repo_text("https://mirror.azure.cn/docker-ce", 0),
	            0644);
	kit_unload();
}

static void kit_rpm_install_lock_then_free(const struct release *rel)
{
	char want[128];

	kit_load(rel);
	hold_lock("/var/lib/rpm/.rpm.lock");
	release_after = 3;
	RH.on_sleep = release_on_sleep;
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want), "PROGRESS: waiting for the package manager "
	       "lock /var/lib/rpm/.rpm.lock held by pid ");
	CU_ASSERT_TRUE(rh_logged(&RH, want));
	CU_ASSERT_TRUE(rh_logged(&RH, "(10 s so far, at most 600 s)"));
	CU_ASSERT_EQUAL(RH.clock_ms, 15000);
	tu_fmt(want, sizeof(want), "run /usr/bin/%s install -y " CE_PKGS "\n",
	       rel->pm);
	CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"), want));
	free_lock();
	kit_unload();
}

/* yum/dnf running (its pid file names a live process) for ever. */
static void kit_rpm_install_lock_forever(const struct release *rel)
{
	pid_t child;
	char pid[32];

	kit_load(rel);
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	tu_fmt(pid, sizeof(pid), "%ld\n", (long)child);
	root_file(strcmp(rel->pm, "yum") == 0 ? "/var/run/yum.pid"
	                                       : "/var/lib/dnf/rpmdb_lock.pid",
	          pid, 0644);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_PKG_LOCKED);
	CU_ASSERT_EQUAL(RH.clock_ms, 600000);
	CU_ASSERT_PTR_NULL(strstr(rh_calls(&RH, "run"), " install "));
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: the package manager is busy: "));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* the same pid file naming a process that is gone: not a lock */
	rh_reset(&RH);
	RH.clock_ms = 0;
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_EQUAL(RH.clock_ms, 0);
	kit_unload();
}

/* The repository's metadata fails to download (transient), then works;
   a package that does not exist is permanent: not retried. */
static void kit_rpm_install_failures(const struct release *rel)
{
	char prefix[64], want[256];

	tu_fmt(prefix, sizeof(prefix), "run /usr/bin/%s install", rel->pm);
	kit_load(rel);
	rh_answer(&RH, prefix, 2, DX_OK, 1,
	          "Docker CE Stable - x86_64  0.0  B/s |   0  B     00:30\n"
	          "Errors during downloading metadata for repository "
	          "'docker-ce-stable':\n"
	          "  - Curl error (28): Timeout was reached for https://download."
	          "docker.com/linux/centos/9/x86_64/stable/repodata/repomd.xml\n"
	          "Error: Failed to download metadata for repo "
	          "'docker-ce-stable'\n");
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_EQUAL(RH.clock_ms, 5000 + 10000);
	tu_fmt(want, sizeof(want), "PROGRESS: %s install failed (attempt 2, "
	       "temporary: Error: Failed to download metadata for repo "
	       "'docker-ce-stable'); retrying in 10 s", rel->pm);
	CU_ASSERT_TRUE(rh_logged(&RH, want));
	CU_ASSERT_EQUAL(tu_count_lines(strstr(rh_calls(&RH, "run"), prefix)),
	                4);  /* 3 installs, then usermod */
	kit_unload();

	kit_load(rel);
	rh_answer(&RH, prefix, 0, DX_OK, 1,
	          "No match for argument: docker-ce\n"
	          "Error: Unable to find a match: docker-ce\n");
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_EXEC_FAILED);
	CU_ASSERT_EQUAL(RH.clock_ms, 0);
	tu_fmt(want, sizeof(want), "PROGRESS: %s install failed (exit status "
	       "1): Error: Unable to find a match: docker-ce", rel->pm);
	CU_ASSERT_TRUE(rh_logged(&RH, want));
	CU_ASSERT_PTR_NULL(strstr(root_read("/var/lib/docker-extension/plugin/"
	                                    "installed"), "package"));
	kit_unload();

	/* transient for ever: bounded */
	kit_load(rel);
	rh_answer(&RH, prefix, 0, DX_OK, 1,
	          "Curl error (6): Couldn't resolve host name\n");
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_EXEC_FAILED);
	CU_ASSERT_TRUE(RH.clock_ms <= 15 * 60 * 1000);
	CU_ASSERT_TRUE(RH.clock_ms >= 10 * 60 * 1000);
	tu_fmt(want, sizeof(want), "PROGRESS: %s install kept failing",
	       rel->pm);
	CU_ASSERT_TRUE(rh_logged(&RH, want));
	kit_unload();
}

static void kit_rpm_uninstall_installed(const struct release *rel)
{
	char want[4096], prefix[64];

	kit_load(rel);
	tu_fmt(prefix, sizeof(prefix), "run /usr/bin/%s install", rel->pm);
	rh_effect(&RH, prefix, fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	RH.settings.port = 2376;
	RH.settings.tls_ca = CA;
	RH.settings.tls_cert = CERT;
	RH.settings.tls_key = KEY;
	RH.settings.daemon_json = "{\"debug\":true}";
	configure_restart(1);
	loader_unload(&LP);
	memset(&RH.settings, 0, sizeof(RH.settings));
	CU_ASSERT_EQUAL_FATAL(loader_load(current_distro, plugin_dir, &RH.host,
	                                  &LP, msg, sizeof(msg)), DX_OK);
	P = LP.plugin;
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->uninstall(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "run /usr/bin/systemctl stop docker.socket docker.service\n"
	       "run /usr/bin/%s remove -y " CE_PKGS "\n"
	       "run /usr/bin/systemctl daemon-reload\n", rel->pm);
	expect_calls("run download ping", want);
	CU_ASSERT_FALSE(root_has(DROPIN));
	CU_ASSERT_FALSE(root_has("/etc/docker/daemon.json"));
	CU_ASSERT_FALSE(root_has("/etc/docker/key.pem"));
	CU_ASSERT_FALSE(root_has(REPO));
	CU_ASSERT_FALSE(root_has("/var/lib/docker-extension/plugin/installed"));
	kit_unload();
}

/* A failing package removal at uninstall says so and keeps the record
   (the next uninstall tries again). */
static void kit_rpm_uninstall_fails(const struct release *rel)
{
	char prefix[64];

	kit_load(rel);
	tu_fmt(prefix, sizeof(prefix), "run /usr/bin/%s install", rel->pm);
	rh_effect(&RH, prefix, fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(prefix, sizeof(prefix), "run /usr/bin/%s remove", rel->pm);
	rh_answer(&RH, prefix, 0, DX_OK, 1, "Error: rpmdb open failed\n");
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->uninstall(LP.state), DX_ERR_EXEC_FAILED);
	CU_ASSERT_TRUE(rh_logged(&RH, "remove failed (exit status 1): Error: "
	                              "rpmdb open failed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(root_read("/var/lib/docker-extension/"
	                                        "plugin/installed"),
	                              "package docker-ce\n"));
	kit_unload();
}

/* ---- coreos (Flatcar): Docker ships with the OS ------------------------------- */

#define COMPOSE_REL "https://github.com/docker/compose/releases/download/v2.29.7"
#define COMPOSE_BIN "/opt/bin/docker-compose"
#define SUMS "/var/lib/docker-extension/plugin/compose-checksums.txt"
#define SUM_X "9a3d4ac6c5e4b8f6a56c4a4f3f0b0f1e4a1a2b3c4d5e6f708192a3b4c5d6e7f8"
#define SUM_OTHER "0000000000000000000000000000000000000000000000000000000000000001"

static const char *asset(void)
{
	static char name[64];
	struct utsname u;

	CU_ASSERT_FATAL(uname(&u) == 0);
	tu_fmt(name, sizeof(name), "docker-compose-linux-%s", u.machine);
	return name;
}

/* The release's checksum list, as GitHub serves it. */
static const char *sums(void)
{
	static char text[1024];

	tu_fmt(text, sizeof(text),
	       SUM_OTHER " *docker-compose-darwin-x86_64\n"
	       SUM_X " *%s\n"
	       SUM_OTHER " *%s.provenance.json\n", asset(), asset());
	return text;
}

/* What a Flatcar image has: Docker from the sysext, no Compose. */
static void fx_flatcar(struct recording_host *rh)
{
	(void)rh;
	root_file("/usr/bin/dockerd", "#!/bin/sh\n", 0755);
	root_file("/usr/bin/docker", "#!/bin/sh\n", 0755);
	root_fixture("/usr/lib/systemd/system/docker.service",
	             "plugins/units/docker-flatcar.service");
	root_fixture("/usr/lib/systemd/system/docker.socket",
	             "plugins/units/docker.socket");
	add_docker_group();
}

static void coreos_load(const struct release *rel)
{
	kit_load(rel);
	fx_flatcar(&RH);
	rh_answer(&RH, "download " COMPOSE_REL "/checksums.txt", 0, DX_OK, 0,
	          sums());
}

static const char *compose_downloads(void)
{
	static char want[1024];

	tu_fmt(want, sizeof(want),
	       "download " COMPOSE_REL "/checksums.txt -> " SUMS
	       " 0600 sha256=(none)\n"
	       "download " COMPOSE_REL "/%s -> " COMPOSE_BIN " 0755 sha256="
	       SUM_X "\n", asset());
	return want;
}

/* Install verifies Docker and adds Compose, checked against its list. */
static void kit_coreos_install(const struct release *rel)
{
	char want[2048];

	coreos_load(rel);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want), "%s"
	       "run /usr/sbin/usermod -aG docker azureuser\n",
	       compose_downloads());
	expect_calls("run download", want);
	CU_ASSERT_EQUAL(root_mode(COMPOSE_BIN), 0755);
	CU_ASSERT_FALSE(root_has(SUMS));
	expect_file("/var/lib/docker-extension/plugin/installed",
	            "file " COMPOSE_BIN "\n", 0600);
	/* docker.source, docker.mirror: nothing to do with them here */
	root_file("/etc/group", "docker:x:999:azureuser\n", 0644);
	rh_reset(&RH);
	RH.settings.source = DX_SOURCE_DISTRO;
	RH.settings.mirror = "https://mirror.example.com";
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	expect_calls("run download write", "");
	CU_ASSERT_TRUE(rh_logged(&RH, "Docker ships with the OS: docker.source "
	                              "and docker.mirror do not apply"));
	kit_unload();
}

/* The docker sysext disabled: a clear error, nothing done. */
static void kit_coreos_docker_missing(const struct release *rel)
{
	kit_load(rel);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_DOCKER_MISSING);
	expect_calls("run download write", "");
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: Docker is not on this VM "
	                              "although"));
	CU_ASSERT_TRUE(rh_logged(&RH, "enable the docker sysext again"));
	kit_unload();
}

/* A pin is met by the OS's Docker or is an error. */
static void kit_coreos_pin(const struct release *rel)
{
	coreos_load(rel);
	rh_answer(&RH, "run /usr/bin/dockerd --version", 0, DX_OK, 0,
	          "Docker version 24.0.9, build 2936816\n");
	RH.settings.version = "24.0";
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_TRUE(root_has(COMPOSE_BIN));
	kit_unload();

	coreos_load(rel);
	rh_answer(&RH, "run /usr/bin/dockerd --version", 0, DX_OK, 0,
	          "Docker version 24.0.9, build 2936816\n");
	RH.settings.version = "27.3";
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_VERSION_NOT_FOUND);
	expect_calls("run download", "run /usr/bin/dockerd --version\n");
	CU_ASSERT_TRUE(rh_logged(&RH, "ships Docker 24.0.9 with the OS release"));
	CU_ASSERT_FALSE(root_has(COMPOSE_BIN));
	kit_unload();
}

/* Checksums: no line for our binary, or data that does not match:
   nothing written, not retried. */
static void kit_coreos_checksum(const struct release *rel)
{
	char url[256];

	coreos_load(rel);
	rh_answer(&RH, "download " COMPOSE_REL "/checksums.txt", 0, DX_OK, 0,
	          SUM_OTHER " *docker-compose-windows-x86_64.exe\n");
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_CHECKSUM);
	CU_ASSERT_EQUAL(tu_count_lines(rh_calls(&RH, "download")), 1);
	CU_ASSERT_TRUE(rh_logged(&RH, "has no line for docker-compose-linux-"));
	CU_ASSERT_FALSE(root_has(COMPOSE_BIN));
	CU_ASSERT_FALSE(root_has(SUMS));
	kit_unload();

	coreos_load(rel);
	tu_fmt(url, sizeof(url), "download " COMPOSE_REL "/%s", asset());
	rh_answer(&RH, url, 0, DX_ERR_CHECKSUM, 0, NULL);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_CHECKSUM);
	CU_ASSERT_EQUAL(tu_count_lines(rh_calls(&RH, "download")), 2);
	CU_ASSERT_EQUAL(RH.clock_ms, 0);
	CU_ASSERT_TRUE(rh_logged(&RH, "does not match its published SHA-256: "
	                              "not installed"));
	CU_ASSERT_FALSE(root_has(COMPOSE_BIN));
	CU_ASSERT_PTR_NULL(root_read("/var/lib/docker-extension/plugin/"
	                             "installed"));
	kit_unload();
}

/* Downloads fail then work (backoff), or never work (bounded). */
static void kit_coreos_download_retry(const struct release *rel)
{
	coreos_load(rel);
	rh_answer(&RH, "download " COMPOSE_REL "/checksums.txt", 2,
	          DX_ERR_DOWNLOAD, 0, NULL);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_EQUAL(tu_count_lines(rh_calls(&RH, "download")), 4);
	CU_ASSERT_EQUAL(RH.clock_ms, 2000 + 4000);
	CU_ASSERT_TRUE(rh_logged(&RH, "(attempt 2); retrying in 4 s"));
	CU_ASSERT_EQUAL(root_mode(COMPOSE_BIN), 0755);
	kit_unload();

	coreos_load(rel);
	rh_answer(&RH, "download https://github.com/", 0, DX_ERR_DOWNLOAD, 0,
	          NULL);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_DOWNLOAD);
	CU_ASSERT_TRUE(RH.clock_ms <= 180000);
	CU_ASSERT_TRUE(RH.clock_ms >= 60000);
	CU_ASSERT_FALSE(root_has(COMPOSE_BIN));
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: cannot download " COMPOSE_REL
	                              "/checksums.txt: still failing"));
	kit_unload();
}

/* The drop-in goes under /etc (never /run), from Flatcar's unit: its
   $DOCKER_* words kept, --host=fd:// replaced by ours. */
static void kit_coreos_configure(const struct release *rel)
{
	coreos_load(rel);
	RH.settings.port = 2376;
	RH.settings.tls_ca = CA;
	RH.settings.tls_cert = CERT;
	RH.settings.tls_key = KEY;
	configure_restart(1);
	expect_file(DROPIN, HEADER "[Service]\nExecStart=\n"
	            "ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/"
	            "containerd/containerd.sock $DOCKER_SELINUX $DOCKER_OPTS "
	            "$DOCKER_CGROUPS $DOCKER_OPT_BIP $DOCKER_OPT_MTU "
	            "$DOCKER_OPT_IPMASQ --tlsverify --tlscacert=/etc/docker/"
	            "ca.pem --tlscert=/etc/docker/cert.pem --tlskey=/etc/docker/"
	            "key.pem -H tcp://0.0.0.0:2376\n", 0644);
	CU_ASSERT_FALSE(root_has("/run"));
	configure_restart(0);
	kit_unload();
}

/* Docker stays (it is the OS's); Compose, the configuration and the TLS
   files go, and Docker runs again without them. */
static void kit_coreos_uninstall(const struct release *rel)
{
	coreos_load(rel);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	RH.settings.port = 2376;
	RH.settings.tls_ca = CA;
	RH.settings.tls_cert = CERT;
	RH.settings.tls_key = KEY;
	configure_restart(1);
	loader_unload(&LP);
	memset(&RH.settings, 0, sizeof(RH.settings));
	CU_ASSERT_EQUAL_FATAL(loader_load(current_distro, plugin_dir, &RH.host,
	                                  &LP, msg, sizeof(msg)), DX_OK);
	P = LP.plugin;
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->uninstall(LP.state), DX_OK);
	expect_calls("run ping", restart_seq);
	CU_ASSERT_FALSE(root_has(COMPOSE_BIN));
	CU_ASSERT_FALSE(root_has(DROPIN));
	CU_ASSERT_FALSE(root_has("/etc/docker/key.pem"));
	CU_ASSERT_TRUE(root_has("/usr/bin/dockerd"));
	CU_ASSERT_FALSE(root_has("/var/lib/docker-extension/plugin/installed"));
	kit_unload();
}

/* ---- downloads for real: the core's libcurl code against a loopback server ---- */

#define GITHUB_COMPOSE "https://github.com/docker/compose/releases/download/"
#define SLOW_MS 700u

static int http_ready;

/* The host's download, as the handler's: http_download().  GitHub's
   address is mapped to the loopback server (as a proxy would); the
   plugin's own URL for it is checked by the scripted tests above. */
static int via_http(struct recording_host *rh, const char *url,
                    const char *path, unsigned mode, const char *sha256_hex)
{
	char mapped[1024];

	(void)rh;
	if (strncmp(url, GITHUB_COMPOSE, strlen(GITHUB_COMPOSE)) == 0) {
		tu_fmt(mapped, sizeof(mapped), "%s/compose/%s", httpd_base(),
		       url + strlen(GITHUB_COMPOSE));
		url = mapped;
	}
	return http_download(url, path, (mode_t)mode, sha256_hex);
}

static void loopback_on(void)
{
	if (!http_ready) {
		int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

		CU_ASSERT_FATAL(http_global_init() == DX_OK);
		http_allow_plain_http(1);
		/* a proxy from the environment must not see our requests */
		setenv("no_proxy", "127.0.0.1", 1);
		setenv("NO_PROXY", "127.0.0.1", 1);
		if (devnull >= 0)
			log_set_fd(devnull);
		CU_ASSERT_FATAL(httpd_start() == 0);
		http_ready = 1;
	}
	httpd_reset();
	RH.download_via = via_http;
}

static uint64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static size_t entries(const char *rel)
{
	char path[PATH_MAX];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	tu_fmt(path, sizeof(path), "%s%s", root, rel);
	d = opendir(path);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static const char KEY_BODY[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nDOCKER\n"
	"-----END PGP PUBLIC KEY BLOCK-----\n";

/* apt: Docker's key from a mirror on the loopback. */
static void http_apt_load(const struct release *rel, char *key_path,
                          size_t size)
{
	static char mirror[128];

	kit_load(rel);
	loopback_on();
	tu_fmt(mirror, sizeof(mirror), "%s/mirror", httpd_base());
	RH.settings.mirror = mirror;
	tu_fmt(key_path, size, "/mirror/linux/%s/gpg", P->name);
}

static void kit_http_apt_key(const struct release *rel)
{
	char key[128];
	uint64_t t0;

	/* a good key */
	http_apt_load(rel, key, sizeof(key));
	httpd_route(key, 0, "200 OK", KEY_BODY, strlen(KEY_BODY), 0);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	expect_file("/etc/apt/keyrings/docker.asc", KEY_BODY, 0644);
	CU_ASSERT_EQUAL(httpd_hits(key), 1);
	kit_unload();

	/* 500 twice, then the key: retried with backoff */
	http_apt_load(rel, key, sizeof(key));
	httpd_route(key, 2, "500 Internal Server Error", "oops\n", 5, 0);
	httpd_route(key, 0, "200 OK", KEY_BODY, strlen(KEY_BODY), 0);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_EQUAL(httpd_hits(key), 3);
	CU_ASSERT_EQUAL(RH.clock_ms, 2000 + 4000);
	expect_file("/etc/apt/keyrings/docker.asc", KEY_BODY, 0644);
	kit_unload();

	/* 404 for ever: bounded, nothing set up */
	http_apt_load(rel, key, sizeof(key));
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_DOWNLOAD);
	CU_ASSERT_TRUE(httpd_hits(key) >= 5);
	CU_ASSERT_TRUE(RH.clock_ms <= 180000);
	CU_ASSERT_FALSE(root_has("/etc/apt/keyrings/docker.asc"));
	CU_ASSERT_FALSE(root_has("/etc/apt/sources.list.d/docker.sources"));
	CU_ASSERT_EQUAL(entries("/etc/apt/keyrings"), 0);
	kit_unload();

	/* a slow server: waited for, not failed */
	http_apt_load(rel, key, sizeof(key));
	httpd_route(key, 0, "200 OK", KEY_BODY, strlen(KEY_BODY), SLOW_MS);
	t0 = real_ms();
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_TRUE(real_ms() - t0 >= SLOW_MS);
	CU_ASSERT_EQUAL(httpd_hits(key), 1);
	expect_file("/etc/apt/keyrings/docker.asc", KEY_BODY, 0644);
	kit_unload();
}

/* coreos: Compose and its checksum list from the loopback. */
static const char BIN_BODY[] = "\177ELF compose v2.29.7 (not really)\n";

static const char *bin_path(void)
{
	static char p[128];

	tu_fmt(p, sizeof(p), "/compose/v2.29.7/%s", asset());
	return p;
}

static void http_compose_load(const struct release *rel, const char *sum)
{
	static char list[512];
	char good[HASH_SHA256_HEX_LEN + 1];

	coreos_load(rel);
	loopback_on();
	hash_sha256_hex(BIN_BODY, strlen(BIN_BODY), good);
	tu_fmt(list, sizeof(list), SUM_OTHER " *docker-compose-darwin-x86_64\n"
	       "%s *%s\n", sum != NULL ? sum : good, asset());
	httpd_route("/compose/v2.29.7/checksums.txt", 0, "200 OK", list,
	            strlen(list), 0);
}

static void kit_http_compose(const struct release *rel)
{
	uint64_t t0;

	/* the binary, matching its published checksum */
	http_compose_load(rel, NULL);
	httpd_route(bin_path(), 0, "200 OK", BIN_BODY, strlen(BIN_BODY), 0);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	expect_file(COMPOSE_BIN, BIN_BODY, 0755);
	CU_ASSERT_FALSE(root_has(SUMS));
	kit_unload();

	/* a checksum that does not match: nothing written, not retried */
	http_compose_load(rel, SUM_X);
	httpd_route(bin_path(), 0, "200 OK", BIN_BODY, strlen(BIN_BODY), 0);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_CHECKSUM);
	CU_ASSERT_EQUAL(httpd_hits(bin_path()), 1);
	CU_ASSERT_FALSE(root_has(COMPOSE_BIN));
	CU_ASSERT_EQUAL(entries("/opt/bin"), 0);
	CU_ASSERT_EQUAL(RH.clock_ms, 0);
	kit_unload();

	/* 500, then the binary */
	http_compose_load(rel, NULL);
	httpd_route(bin_path(), 1, "500 Internal Server Error", "x", 1, 0);
	httpd_route(bin_path(), 0, "200 OK", BIN_BODY, strlen(BIN_BODY), 0);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_EQUAL(httpd_hits(bin_path()), 2);
	CU_ASSERT_EQUAL(RH.clock_ms, 2000);
	expect_file(COMPOSE_BIN, BIN_BODY, 0755);
	kit_unload();

	/* the list answers 500 for ever: bounded, nothing written */
	http_compose_load(rel, NULL);
	httpd_reset();
	httpd_route("/compose/v2.29.7/checksums.txt", 0,
	            "500 Internal Server Error", "x", 1, 0);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_DOWNLOAD);
	CU_ASSERT_TRUE(httpd_hits("/compose/v2.29.7/checksums.txt") >= 5);
	CU_ASSERT_EQUAL(httpd_hits(bin_path()), 0);
	CU_ASSERT_TRUE(RH.clock_ms <= 180000);
	CU_ASSERT_FALSE(root_has(COMPOSE_BIN));
	CU_ASSERT_FALSE(root_has(SUMS));
	kit_unload();

	/* a slow server: waited for */
	http_compose_load(rel, NULL);
	httpd_route(bin_path(), 0, "200 OK", BIN_BODY, strlen(BIN_BODY),
	            SLOW_MS);
	t0 = real_ms();
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_TRUE(real_ms() - t0 >= SLOW_MS);
	expect_file(COMPOSE_BIN, BIN_BODY, 0755);
	kit_unload();

	/* A server that stops sending: libcurl's low-speed limit (60 s in
	   core/http.c, which has no test knob) ends the attempt, the retry
	   gets the file.  A minute of real time: only with DX_SLOW_TESTS. */
	if (getenv("DX_SLOW_TESTS") == NULL)
		return;
	http_compose_load(rel, NULL);
	httpd_route(bin_path(), 1, "200 OK", BIN_BODY, strlen(BIN_BODY),
	            90000);
	httpd_route(bin_path(), 0, "200 OK", BIN_BODY, strlen(BIN_BODY), 0);
	t0 = real_ms();
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_TRUE(real_ms() - t0 < 80000);
	CU_ASSERT_EQUAL(httpd_hits(bin_path()), 2);
	expect_file(COMPOSE_BIN, BIN_BODY, 0755);
	kit_unload();
}

/* ---- the kit's table ---------------------------------------------------------- */

static void each_release(void (*fn)(const struct release *))
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(releases); i++)
		if (strcmp(releases[i].plugin, current) == 0)
			fn(&releases[i]);
	REL = NULL;
}

#define KIT_TEST(name) \
	static void test_##name(void) { each_release(kit_##name); }

KIT_TEST(install_docker)
KIT_TEST(install_envp)
KIT_TEST(install_conflicts)
KIT_TEST(install_pinned)
KIT_TEST(install_pin_vs_installed)
KIT_TEST(install_pin_missing)
KIT_TEST(install_distro)
KIT_TEST(install_distro_pinned)
KIT_TEST(install_mirror)
KIT_TEST(install_lock_then_free)
KIT_TEST(install_lock_forever)
KIT_TEST(install_download_retry)
KIT_TEST(install_apt_failures)
KIT_TEST(configure_full)
KIT_TEST(configure_changes)
KIT_TEST(configure_no_socket)
KIT_TEST(restart_fails)
KIT_TEST(uninstall_installed)
KIT_TEST(uninstall_preexisting)
KIT_TEST(rpm_install_docker)
KIT_TEST(rpm_install_conflicts)
KIT_TEST(rpm_install_pinned)
KIT_TEST(rpm_install_pin_vs_installed)
KIT_TEST(rpm_install_pin_missing)
KIT_TEST(rpm_install_distro)
KIT_TEST(rpm_install_distro_pinned)
KIT_TEST(rpm_install_mirror)
KIT_TEST(rpm_install_lock_then_free)
KIT_TEST(rpm_install_lock_forever)
KIT_TEST(rpm_install_failures)
KIT_TEST(rpm_uninstall_installed)
KIT_TEST(rpm_uninstall_fails)
KIT_TEST(coreos_install)
KIT_TEST(coreos_docker_missing)
KIT_TEST(coreos_pin)
KIT_TEST(coreos_checksum)
KIT_TEST(coreos_download_retry)
KIT_TEST(coreos_configure)
KIT_TEST(coreos_uninstall)
KIT_TEST(http_apt_key)
KIT_TEST(http_compose)

struct kit_test {
	const char *name;
	CU_TestFunc fn;
};

static const struct kit_test apt_tests[] = {
	{ "install: Docker's repository, documented sequence", test_install_docker },
	{ "install: apt noninteractive; systemctl in /bin", test_install_envp },
	{ "install: conflicting packages removed first", test_install_conflicts },
	{ "install: pin resolved with epoch and held", test_install_pinned },
	{ "install: pin vs installed version", test_install_pin_vs_installed },
	{ "install: pin not in the repository", test_install_pin_missing },
	{ "install: distribution packages", test_install_distro },
	{ "install: distribution packages, pinned", test_install_distro_pinned },
	{ "install: mirror and Azure China", test_install_mirror },
	{ "install: dpkg lock held, then free", test_install_lock_then_free },
	{ "install: dpkg lock held for ever", test_install_lock_forever },
	{ "install: download fails then works; never works", test_install_download_retry },
	{ "install: transient and permanent apt failures", test_install_apt_failures },
	{ "uninstall: exactly what was installed", test_uninstall_installed },
	{ "download (real HTTP, loopback): key good, 500s, 404, slow", test_http_apt_key },
	{ NULL, NULL }
};

static const struct kit_test rpm_tests[] = {
	{ "install: Docker's repository (.repo), documented sequence", test_rpm_install_docker },
	{ "install: conflicting packages (podman, runc) removed first", test_rpm_install_conflicts },
	{ "install: pin resolved with epoch, held by exclude=", test_rpm_install_pinned },
	{ "install: pin vs installed version (yum downgrade)", test_rpm_install_pin_vs_installed },
	{ "install: pin not in the repository", test_rpm_install_pin_missing },
	{ "install: distribution packages, or none", test_rpm_install_distro },
	{ "install: distribution package, pinned (not held)", test_rpm_install_distro_pinned },
	{ "install: mirror and Azure China", test_rpm_install_mirror },
	{ "install: rpm lock held, then free", test_rpm_install_lock_then_free },
	{ "install: yum/dnf running for ever (pid file)", test_rpm_install_lock_forever },
	{ "install: metadata download fails then works; permanent", test_rpm_install_failures },
	{ "uninstall: exactly what was installed", test_rpm_uninstall_installed },
	{ "uninstall: package removal fails, record kept", test_rpm_uninstall_fails },
	{ NULL, NULL }
};

static const struct kit_test coreos_tests[] = {
	{ "install: verifies Docker, adds Compose checked by SHA-256", test_coreos_install },
	{ "install: Docker missing (sysext disabled)", test_coreos_docker_missing },
	{ "install: pin met by the OS's Docker, or an error", test_coreos_pin },
	{ "install: checksum missing or wrong: nothing written", test_coreos_checksum },
	{ "install: download fails then works; never works", test_coreos_download_retry },
	{ "configure: Flatcar's unit, drop-in under /etc", test_coreos_configure },
	{ "uninstall: Compose and configuration go, Docker stays", test_coreos_uninstall },
	{ "download (real HTTP, loopback): Compose good, bad sum, 500s, slow", test_http_compose },
	{ NULL, NULL }
};

/* Every systemd distribution: configure, restart, uninstall of a Docker
   that was there before. */
static const struct kit_test systemd_tests[] = {
	{ "configure: drop-in, daemon.json, TLS, proxy", test_configure_full },
	{ "configure: each change alone restarts", test_configure_changes },
	{ "configure: no socket activation", test_configure_no_socket },
	{ "restart: fails with the new configuration", test_restart_fails },
	{ "uninstall: Docker was there before", test_uninstall_preexisting },
	{ NULL, NULL }
};

/* The tests of the plugin's family ("" when it has no kit rows). */
static const struct kit_test *family_tests(const char *name)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(releases); i++) {
		if (strcmp(releases[i].plugin, name) != 0)
			continue;
		if (releases[i].suite != NULL)
			return apt_tests;
		if (releases[i].pm != NULL)
			return rpm_tests;
		return coreos_tests;
	}
	return NULL;
}

struct plugin_suite {
	const char *name;
	enum dx_distro distro;
	char title[64];
};

static int add_plugin_suite(struct plugin_suite *ps, const char *name)
{
	const struct kit_test *tests;
	CU_pSuite s;
	size_t i;

	ps->name = name;
	ps->distro = distro_of(name);
	if (ps->distro == DX_DISTRO_UNKNOWN) {
		fprintf(stderr, "no distribution maps to plugin '%s'\n", name);
		return -1;
	}
	tu_fmt(ps->title, sizeof(ps->title), "plugin %s", name);
	s = CU_add_suite(ps->title, suite_init, suite_cleanup);
	CU_add_test(s, "loads: symbol, ABI, name", test_loads_with_abi_and_name);
	CU_add_test(s, "refuses a host of another ABI major",
	            test_refuses_other_host_major);
	CU_add_test(s, "probe finds dockerd and compose under the root",
	            test_probe);
	tests = family_tests(name);
	if (tests == NULL) {
		fprintf(stderr, "plugin '%s' has no kit rows\n", name);
		return -1;
	}
	for (i = 0; tests[i].name != NULL; i++)
		CU_add_test(s, tests[i].name, tests[i].fn);
	for (i = 0; systemd_tests[i].name != NULL; i++)
		CU_add_test(s, systemd_tests[i].name, systemd_tests[i].fn);
	return 0;
}

int main(int argc, char **argv)
{
	static char names[1024];
	const char *list[64];
	struct plugin_suite suites[64];
	unsigned failures = 0;
	CU_pSuite s;
	size_t i, n = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "test_plugins: must run as root (the loader "
		        "trusts only root-owned plugins)\n");
		return 77;
	}
	if (argc > 1) {
		for (i = 1; i < (size_t)argc && n < 64; i++)
			list[n++] = argv[i];
	} else {
		char *tok, *save = NULL;

		tu_fmt(names, sizeof(names), "%s", tu_env("DX_PLUGIN_NAMES"));
		for (tok = strtok_r(names, " ", &save); tok != NULL && n < 64;
		     tok = strtok_r(NULL, " ", &save))
			list[n++] = tok;
	}
	if (n == 0) {
		fprintf(stderr, "no plugin to test\n");
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (i = 0; i < n; i++)
		if (add_plugin_suite(&suites[i], list[i]) != 0) {
			CU_cleanup_registry();
			return 2;
		}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	/* Suite by suite: the plugin under test is a static the tests read. */
	for (i = 0, s = CU_get_registry()->pSuite; s != NULL;
	     s = s->pNext, i++) {
		current = suites[i].name;
		current_distro = suites[i].distro;
		CU_basic_run_suite(s);
		failures += CU_get_number_of_failures() +
		            CU_get_number_of_tests_failed();
	}
	CU_cleanup_registry();
	httpd_stop();
	return failures ? 1 : 0;
}
