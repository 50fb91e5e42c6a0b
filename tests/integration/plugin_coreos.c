/*
 * The coreos plugin's kit tests (Flatcar, CoreOS): Docker verified, Compose
 * added and checked, configuration under /etc, uninstall; Compose and its
 * checksum list downloaded for real.
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
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "plugin_httpd.h"
#include "plugin_kit.h"

/* ---- coreos (Flatcar): Docker ships with the OS ------------------------------- */

#define COMPOSE_REL "https://github.com/docker/compose/releases/download/v2.29.7"
#define COMPOSE_BIN "/opt/bin/docker-compose"
#define COMPOSE_LINK "/root/.docker/cli-plugins/docker-compose"
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
	kit_file("/usr/bin/dockerd", "#!/bin/sh\n", 0755);
	kit_file("/usr/bin/docker", "#!/bin/sh\n", 0755);
	kit_fixture("/usr/lib/systemd/system/docker.service",
		    "plugins/units/docker-flatcar.service");
	kit_fixture("/usr/lib/systemd/system/docker.socket",
		    "plugins/units/docker.socket");
	kit_docker_group();
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

/* The target of the symbolic link <root><rel>, or "". */
static const char *link_of(const char *rel)
{
	static char target[PATH_MAX];
	char path[PATH_MAX];
	ssize_t n;

	tu_fmt(path, sizeof(path), "%s%s", kit_root, rel);
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	return target;
}

/* root's own Compose plugin is left alone (and not recorded). */
static void kit_coreos_root_plugin(const struct release *rel)
{
	coreos_load(rel);
	kit_file(COMPOSE_LINK, "#!/bin/sh\n# root's own\n", 0755);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	kit_expect_file(COMPOSE_LINK, "#!/bin/sh\n# root's own\n", 0755);
	kit_expect_file("/var/lib/docker-extension/plugin/installed",
	                "file " COMPOSE_BIN "\n", 0600);
	memset(&RH.settings, 0, sizeof(RH.settings));
	CU_ASSERT_EQUAL(P->uninstall(LP.state), DX_OK);
	CU_ASSERT_TRUE(kit_has(COMPOSE_LINK));
	CU_ASSERT_FALSE(kit_has(COMPOSE_BIN));
	kit_unload();
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
	kit_expect_calls("run download", want);
	CU_ASSERT_EQUAL(kit_mode(COMPOSE_BIN), 0755);
	CU_ASSERT_FALSE(kit_has(SUMS));
	CU_ASSERT_EQUAL(kit_mode("/var/lib/docker-extension/plugin"), 0700);
	kit_expect_file("/var/lib/docker-extension/plugin/installed",
			"file " COMPOSE_BIN "\nfile " COMPOSE_LINK "\n", 0600);
	/* `docker compose` for root: its CLI plugin directory links to it */
	CU_ASSERT_STRING_EQUAL(link_of(COMPOSE_LINK), COMPOSE_BIN);
	CU_ASSERT_EQUAL(kit_mode("/root/.docker"), 0700);
	/* docker.source, docker.mirror: nothing to do with them here */
	kit_file("/etc/group", "docker:x:999:azureuser\n", 0644);
	rh_reset(&RH);
	RH.settings.source = DX_SOURCE_DISTRO;
	RH.settings.mirror = "https://mirror.example.com";
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	kit_expect_calls("run download write", "");
	CU_ASSERT_TRUE(rh_logged(&RH, "Docker ships with the OS: docker.source "
	                              "and docker.mirror do not apply"));
	kit_unload();
}

/* The docker sysext disabled: a clear error, nothing done. */
static void kit_coreos_docker_missing(const struct release *rel)
{
	kit_load(rel);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_DOCKER_MISSING);
	kit_expect_calls("run download write", "");
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
	CU_ASSERT_TRUE(kit_has(COMPOSE_BIN));
	kit_unload();

	coreos_load(rel);
	rh_answer(&RH, "run /usr/bin/dockerd --version", 0, DX_OK, 0,
	          "Docker version 24.0.9, build 2936816\n");
	RH.settings.version = "27.3";
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_VERSION_NOT_FOUND);
	kit_expect_calls("run download", "run /usr/bin/dockerd --version\n");
	CU_ASSERT_TRUE(rh_logged(&RH, "ships Docker 24.0.9 with the OS release"));
	CU_ASSERT_FALSE(kit_has(COMPOSE_BIN));
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
	CU_ASSERT_FALSE(kit_has(COMPOSE_BIN));
	CU_ASSERT_FALSE(kit_has(SUMS));
	kit_unload();

	coreos_load(rel);
	tu_fmt(url, sizeof(url), "download " COMPOSE_REL "/%s", asset());
	rh_answer(&RH, url, 0, DX_ERR_CHECKSUM, 0, NULL);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_CHECKSUM);
	CU_ASSERT_EQUAL(tu_count_lines(rh_calls(&RH, "download")), 2);
	CU_ASSERT_EQUAL(RH.clock_ms, 0);
	CU_ASSERT_TRUE(rh_logged(&RH, "does not match its published SHA-256: "
	                              "not installed"));
	CU_ASSERT_FALSE(kit_has(COMPOSE_BIN));
	CU_ASSERT_PTR_NULL(kit_read("/var/lib/docker-extension/plugin/"
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
	CU_ASSERT_EQUAL(kit_mode(COMPOSE_BIN), 0755);
	kit_unload();

	coreos_load(rel);
	rh_answer(&RH, "download https://github.com/", 0, DX_ERR_DOWNLOAD, 0,
	          NULL);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_DOWNLOAD);
	CU_ASSERT_TRUE(RH.clock_ms <= 180000);
	CU_ASSERT_TRUE(RH.clock_ms >= 60000);
	CU_ASSERT_FALSE(kit_has(COMPOSE_BIN));
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
	RH.settings.tls_ca = KIT_CA;
	RH.settings.tls_cert = KIT_CERT;
	RH.settings.tls_key = KIT_KEY;
	kit_configure_restart(1);
	kit_expect_file(DROPIN, HEADER "[Service]\nExecStart=\n"
			"ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/"
			"containerd/containerd.sock $DOCKER_SELINUX $DOCKER_OPTS "
			"$DOCKER_CGROUPS $DOCKER_OPT_BIP $DOCKER_OPT_MTU "
			"$DOCKER_OPT_IPMASQ --tlsverify --tlscacert=/etc/docker/"
			"ca.pem --tlscert=/etc/docker/cert.pem --tlskey=/etc/docker/"
			"key.pem -H tcp://0.0.0.0:2376\n", 0644);
	CU_ASSERT_FALSE(kit_has("/run"));
	kit_configure_restart(0);
	kit_unload();
}

/* Docker stays (it is the OS's); Compose, the configuration and the TLS
   files go, and Docker runs again without them. */
static void kit_coreos_uninstall(const struct release *rel)
{
	coreos_load(rel);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	RH.settings.port = 2376;
	RH.settings.tls_ca = KIT_CA;
	RH.settings.tls_cert = KIT_CERT;
	RH.settings.tls_key = KIT_KEY;
	kit_configure_restart(1);
	loader_unload(&LP);
	memset(&RH.settings, 0, sizeof(RH.settings));
	CU_ASSERT_EQUAL_FATAL(loader_load(kit_current_distro, kit_plugin_dir, &RH.host,
	                                  &LP, kit_msg, sizeof(kit_msg)), DX_OK);
	P = LP.plugin;
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->uninstall(LP.state), DX_OK);
	kit_expect_calls("run ping", kit_restart_seq);
	CU_ASSERT_FALSE(kit_has(COMPOSE_BIN));
	CU_ASSERT_FALSE(kit_has(COMPOSE_LINK));
	CU_ASSERT_FALSE(kit_has(DROPIN));
	CU_ASSERT_FALSE(kit_has("/etc/docker/key.pem"));
	CU_ASSERT_TRUE(kit_has("/usr/bin/dockerd"));
	CU_ASSERT_FALSE(kit_has("/var/lib/docker-extension/plugin/installed"));
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
	kit_loopback_on();
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
	kit_expect_file(COMPOSE_BIN, BIN_BODY, 0755);
	CU_ASSERT_FALSE(kit_has(SUMS));
	kit_unload();

	/* the same, the list written in upper case */
	{
		char upper[HASH_SHA256_HEX_LEN + 1];
		size_t i;

		hash_sha256_hex(BIN_BODY, strlen(BIN_BODY), upper);
		for (i = 0; upper[i] != '\0'; i++)
			if (upper[i] >= 'a' && upper[i] <= 'f')
				upper[i] = (char)(upper[i] - 'a' + 'A');
		http_compose_load(rel, upper);
		httpd_route(bin_path(), 0, "200 OK", BIN_BODY,
		            strlen(BIN_BODY), 0);
		CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
		kit_expect_file(COMPOSE_BIN, BIN_BODY, 0755);
		kit_unload();
	}

	/* a checksum that does not match: nothing written, not retried */
	http_compose_load(rel, SUM_X);
	httpd_route(bin_path(), 0, "200 OK", BIN_BODY, strlen(BIN_BODY), 0);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_ERR_CHECKSUM);
	CU_ASSERT_EQUAL(httpd_hits(bin_path()), 1);
	CU_ASSERT_FALSE(kit_has(COMPOSE_BIN));
	CU_ASSERT_EQUAL(kit_entries("/opt/bin"), 0);
	CU_ASSERT_EQUAL(RH.clock_ms, 0);
	kit_unload();

	/* 500, then the binary */
	http_compose_load(rel, NULL);
	httpd_route(bin_path(), 1, "500 Internal Server Error", "x", 1, 0);
	httpd_route(bin_path(), 0, "200 OK", BIN_BODY, strlen(BIN_BODY), 0);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_EQUAL(httpd_hits(bin_path()), 2);
	CU_ASSERT_EQUAL(RH.clock_ms, 2000);
	kit_expect_file(COMPOSE_BIN, BIN_BODY, 0755);
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
	CU_ASSERT_FALSE(kit_has(COMPOSE_BIN));
	CU_ASSERT_FALSE(kit_has(SUMS));
	kit_unload();

	/* a slow server: waited for */
	http_compose_load(rel, NULL);
	httpd_route(bin_path(), 0, "200 OK", BIN_BODY, strlen(BIN_BODY),
	            SLOW_MS);
	t0 = kit_real_ms();
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_TRUE(kit_real_ms() - t0 >= SLOW_MS);
	kit_expect_file(COMPOSE_BIN, BIN_BODY, 0755);
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
	t0 = kit_real_ms();
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	CU_ASSERT_TRUE(kit_real_ms() - t0 < 80000);
	CU_ASSERT_EQUAL(httpd_hits(bin_path()), 2);
	kit_expect_file(COMPOSE_BIN, BIN_BODY, 0755);
	kit_unload();
}

/* ---- the table ------------------------------------------------------------------ */

KIT_TEST(coreos_install)
KIT_TEST(coreos_root_plugin)
KIT_TEST(coreos_docker_missing)
KIT_TEST(coreos_pin)
KIT_TEST(coreos_checksum)
KIT_TEST(coreos_download_retry)
KIT_TEST(coreos_configure)
KIT_TEST(coreos_uninstall)
KIT_TEST(http_compose)

const struct kit_test kit_coreos_tests[] = {
	{ "install: verifies Docker, adds Compose checked by SHA-256", test_coreos_install },
	{ "install: root's own Compose plugin left alone", test_coreos_root_plugin },
	{ "install: Docker missing (sysext disabled)", test_coreos_docker_missing },
	{ "install: pin met by the OS's Docker, or an error", test_coreos_pin },
	{ "install: checksum missing or wrong: nothing written", test_coreos_checksum },
	{ "install: download fails then works; never works", test_coreos_download_retry },
	{ "configure: Flatcar's unit, drop-in under /etc", test_coreos_configure },
	{ "uninstall: Compose and configuration go, Docker stays", test_coreos_uninstall },
	{ "download (real HTTP, loopback): Compose good, bad sum, 500s, slow", test_http_compose },
	{ NULL, NULL }
};
