/*
 * The apt family's kit tests (debian, ubuntu): Docker's repository the
 * documented way, pins, the distribution's packages, mirrors, the dpkg
 * lock, retries, uninstall, and the key downloaded for real.
 */
#include "config.h"

#include <CUnit/Basic.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin_httpd.h"
#include "plugin_kit.h"

#define DPKG_FMT "-f=${Package}\\t${Status}\\t${Version}\\n"
#define APT_CONF "-o Dpkg::Options::=--force-confdef " \
	"-o Dpkg::Options::=--force-confold"
#define CONFLICTS "docker.io docker-doc docker-compose docker-compose-v2 " \
	"podman-docker containerd runc"

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
	rh_effect(&RH, "run /usr/bin/apt-get install", kit_fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "%s"
	       "download https://download.docker.com/linux/%s/gpg -> "
	       "/etc/apt/keyrings/docker.asc 0644 sha256=(none)\n"
	       "run /usr/bin/apt-get update\n"
	       "run /usr/bin/apt-get install -y " APT_CONF " " CE_PKGS "\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n",
	       dpkg_query_ce(), P->name);
	kit_expect_calls("run download", want);
	CU_ASSERT_STRING_EQUAL(RH.last_envp, "");
	tu_fmt(source, sizeof(source),
	       "Types: deb\nURIs: https://download.docker.com/linux/%s\n"
	       "Suites: %s\nComponents: stable\n"
	       "Signed-By: /etc/apt/keyrings/docker.asc\n", P->name,
	       rel->suite);
	kit_expect_file("/etc/apt/sources.list.d/docker.sources", source, 0644);
	kit_expect_file("/etc/apt/keyrings/docker.asc", "downloaded\n", 0644);
	kit_expect_file("/var/lib/docker-extension/plugin/installed",
			"file /etc/apt/keyrings/docker.asc\n"
			"file /etc/apt/sources.list.d/docker.sources\n"
			"package docker-ce\npackage docker-ce-cli\n"
			"package containerd.io\npackage docker-buildx-plugin\n"
			"package docker-compose-plugin\n", 0600);
	/* Installed now: the next install changes nothing, runs nothing
	   (the user is in the group the package made... once usermod did
	   it, which the fake does not do: put them there). */
	kit_file("/etc/group", "docker:x:999:azureuser\n", 0644);
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	kit_expect_calls("run download write", "");
	kit_unload();
}

/* apt-get never asks a question (no terminal: it would fail or hang);
   systemctl is found where the release keeps it. */
static void kit_install_envp(const struct release *rel)
{
	kit_load(rel);
	kit_file("/etc/group", "docker:x:999:azureuser\n", 0644);
	rh_effect(&RH, "run /usr/bin/apt-get install", kit_fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	/* the last command run was apt-get install */
	CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"),
	                              "run /usr/bin/apt-get install -y "
	                              APT_CONF " " CE_PKGS "\n"));
	CU_ASSERT_STRING_EQUAL(RH.last_envp, "DEBIAN_FRONTEND=noninteractive");
	kit_file("/bin/systemctl", "#!/bin/sh\n", 0755);
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->stop(LP.state), DX_OK);
	kit_expect_calls("run", "run /bin/systemctl stop docker.socket "
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
	          kit_fx_docker_ce);
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
	kit_expect_calls("run download", want);
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
	rh_effect(&RH, "run /usr/bin/apt-get install", kit_fx_docker_ce);
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
	kit_expect_calls("run download", want);
	CU_ASSERT_TRUE(rh_logged(&RH, "resolved to docker-ce "
	                              "5:24.0.7-1~debian.12~bookworm"));
	kit_unload();
}

/* Installed at another version: the pin wins (downgrade); installed at
   the pin: nothing but the package database is asked. */
static void kit_install_pin_vs_installed(const struct release *rel)
{
	kit_load(rel);
	kit_fx_docker_ce(&RH);
	kit_file("/etc/group", "docker:x:999:azureuser\n", 0644);
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
	CU_ASSERT_PTR_NULL(strstr(kit_read("/var/lib/docker-extension/plugin/"
					   "installed"), "package"));
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	kit_expect_calls("run download", dpkg_query_ce());
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
	rh_effect(&RH, "run /usr/bin/apt-get install", kit_fx_docker_io);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "run /usr/bin/dpkg-query -W " DPKG_FMT " docker.io %s\n"
	       "run /usr/bin/apt-get update\n"
	       "run /usr/bin/apt-get install -y " APT_CONF " docker.io %s\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n",
	       rel->compose_pkg, rel->compose_pkg);
	kit_expect_calls("run download", want);
	CU_ASSERT_FALSE(kit_has("/etc/apt/sources.list.d/docker.sources"));
	tu_fmt(want, sizeof(want), "package docker.io\npackage %s\n",
	       rel->compose_pkg);
	kit_expect_file("/var/lib/docker-extension/plugin/installed", want, 0600);
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
	kit_expect_calls("download", want);
	tu_fmt(want, sizeof(want), "URIs: https://mirror.example.com/"
	       "docker-ce/linux/%s\n", P->name);
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_read("/etc/apt/sources.list.d/"
					       "docker.sources"), want));
	kit_unload();
	/* Azure China: Azure's mirror of Docker's repository. */
	kit_load(rel);
	RH.settings.china_cloud = 1;
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want), "download https://mirror.azure.cn/"
	       "docker-ce/linux/%s/gpg -> /etc/apt/keyrings/docker.asc 0644 "
	       "sha256=(none)\n", P->name);
	kit_expect_calls("download", want);
	kit_unload();
}

static void kit_install_lock_then_free(const struct release *rel)
{
	char want[128];

	kit_load(rel);
	kit_hold_lock("/var/lib/dpkg/lock-frontend");
	kit_release_after = 3;
	RH.on_sleep = kit_release_on_sleep;
	rh_effect(&RH, "run /usr/bin/apt-get install", kit_fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want), "PROGRESS: waiting for the package manager "
	       "lock /var/lib/dpkg/lock-frontend held by pid ");
	CU_ASSERT_TRUE(rh_logged(&RH, want));
	CU_ASSERT_TRUE(rh_logged(&RH, "(10 s so far, at most 600 s)"));
	/* the first apt-get after the third poll, 15 virtual seconds */
	CU_ASSERT_EQUAL(RH.clock_ms, 15000);
	CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"), "apt-get install"));
	kit_free_lock();
	kit_unload();
}

static void kit_install_lock_forever(const struct release *rel)
{
	kit_load(rel);
	kit_hold_lock("/var/lib/dpkg/lock");
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_PKG_LOCKED);
	CU_ASSERT_EQUAL(RH.clock_ms, 600000);
	CU_ASSERT_PTR_NULL(strstr(rh_calls(&RH, "run"), "apt-get"));
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: the package manager is busy: "
	                              "/var/lib/dpkg/lock was still held by "
	                              "pid "));
	kit_free_lock();
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
	CU_ASSERT_FALSE(kit_has("/etc/apt/sources.list.d/docker.sources"));
	CU_ASSERT_PTR_NULL(strstr(rh_calls(&RH, "run"), "apt-get update"));
	CU_ASSERT_PTR_NULL(strstr(rh_calls(&RH, "run"), "apt-get install"));
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: cannot download https://"
	                              "download.docker.com/linux/"));
	kit_unload();
	/* DOCKER_EXTENSION_RETRY_LIMIT_S caps the bound (tests of an
	   unreachable mirror, people who would rather fail fast); a value
	   that is not a number, or above the bound, changes nothing. */
	setenv("DOCKER_EXTENSION_RETRY_LIMIT_S", "10", 1);
	kit_load(rel);
	rh_answer(&RH, "download https://", 0, DX_ERR_DOWNLOAD, 0, NULL);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_DOWNLOAD);
	CU_ASSERT_EQUAL(RH.clock_ms, 2000 + 4000);
	kit_unload();
	setenv("DOCKER_EXTENSION_RETRY_LIMIT_S", "ten", 1);
	kit_load(rel);
	rh_answer(&RH, "download https://", 0, DX_ERR_DOWNLOAD, 0, NULL);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_DOWNLOAD);
	CU_ASSERT_TRUE(RH.clock_ms > 60000 && RH.clock_ms <= 180000);
	kit_unload();
	unsetenv("DOCKER_EXTENSION_RETRY_LIMIT_S");
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
	CU_ASSERT_PTR_NULL(strstr(kit_read("/var/lib/docker-extension/plugin/"
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

/* ---- uninstall ---------------------------------------------------------------- */

static void kit_uninstall_installed(const struct release *rel)
{
	char want[4096];

	kit_load(rel);
	rh_effect(&RH, "run /usr/bin/apt-get install", kit_fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	RH.settings.port = 2376;
	RH.settings.tls_ca = KIT_CA;
	RH.settings.tls_cert = KIT_CERT;
	RH.settings.tls_key = KIT_KEY;
	RH.settings.daemon_json = "{\"debug\":true}";
	kit_configure_restart(1);
	loader_unload(&LP);
	/* The handler's uninstall passes no settings. */
	memset(&RH.settings, 0, sizeof(RH.settings));
	CU_ASSERT_EQUAL_FATAL(loader_load(kit_current_distro, kit_plugin_dir, &RH.host,
	                                  &LP, kit_msg, sizeof(kit_msg)), DX_OK);
	P = LP.plugin;
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->uninstall(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "run /usr/bin/systemctl stop docker.socket docker.service\n"
	       "run /usr/bin/apt-get remove -y --allow-change-held-packages "
	       CE_PKGS "\n"
	       "run /usr/bin/systemctl daemon-reload\n");
	kit_expect_calls("run download ping", want);
	CU_ASSERT_FALSE(kit_has(DROPIN));
	CU_ASSERT_FALSE(kit_has("/etc/docker/daemon.json"));
	CU_ASSERT_FALSE(kit_has("/etc/docker/key.pem"));
	CU_ASSERT_FALSE(kit_has("/etc/docker/ca.pem"));
	CU_ASSERT_FALSE(kit_has("/etc/apt/keyrings/docker.asc"));
	CU_ASSERT_FALSE(kit_has("/etc/apt/sources.list.d/docker.sources"));
	CU_ASSERT_FALSE(kit_has("/var/lib/docker-extension/plugin/installed"));
	kit_unload();
}

static const char KEY_BODY[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nDOCKER\n"
	"-----END PGP PUBLIC KEY BLOCK-----\n";

/* apt: Docker's key from a mirror on the loopback. */
static void http_apt_load(const struct release *rel, char *key_path,
                          size_t size)
{
	static char mirror[128];

	kit_load(rel);
	kit_loopback_on();
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
	kit_expect_file("/etc/apt/keyrings/docker.asc", KEY_BODY, 0644);
	CU_ASSERT_EQUAL(httpd_hits(key), 1);
	kit_unload();

	/* 500 twice, then the key: retried with backoff */
	http_apt_load(rel, key, sizeof(key));
	httpd_route(key, 2, "500 Internal Server Error", "oops\n", 5, 0);
	httpd_route(key, 0, "200 OK", KEY_BODY, strlen(KEY_BODY), 0);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_EQUAL(httpd_hits(key), 3);
	CU_ASSERT_EQUAL(RH.clock_ms, 2000 + 4000);
	kit_expect_file("/etc/apt/keyrings/docker.asc", KEY_BODY, 0644);
	kit_unload();

	/* 404 for ever: bounded, nothing set up */
	http_apt_load(rel, key, sizeof(key));
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_DOWNLOAD);
	CU_ASSERT_TRUE(httpd_hits(key) >= 5);
	CU_ASSERT_TRUE(RH.clock_ms <= 180000);
	CU_ASSERT_FALSE(kit_has("/etc/apt/keyrings/docker.asc"));
	CU_ASSERT_FALSE(kit_has("/etc/apt/sources.list.d/docker.sources"));
	CU_ASSERT_EQUAL(kit_entries("/etc/apt/keyrings"), 0);
	kit_unload();

	/* a slow server: waited for, not failed */
	http_apt_load(rel, key, sizeof(key));
	httpd_route(key, 0, "200 OK", KEY_BODY, strlen(KEY_BODY), SLOW_MS);
	t0 = kit_real_ms();
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_TRUE(kit_real_ms() - t0 >= SLOW_MS);
	CU_ASSERT_EQUAL(httpd_hits(key), 1);
	kit_expect_file("/etc/apt/keyrings/docker.asc", KEY_BODY, 0644);
	kit_unload();
}

/* ---- the table ------------------------------------------------------------------ */

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
KIT_TEST(uninstall_installed)
KIT_TEST(http_apt_key)

/* debian, ubuntu */
const struct kit_test kit_apt_tests[] = {
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
