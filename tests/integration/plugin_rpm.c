/*
 * The rpm family's kit tests (centos, rhel), for every supported release.
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

#include "plugin_kit.h"

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

/* The epoch in an install argument: dnf gets it, yum does not. */
static const char *epoch(const char *e)
{
	return strcmp(REL->pm, "dnf") == 0 ? e : "";
}

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
	rh_effect(&RH, "run /usr/bin/dnf install", kit_fx_docker_ce);
	rh_effect(&RH, "run /usr/bin/yum install", kit_fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "%s"
	       "run /usr/bin/%s install -y " CE_PKGS "\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n",
	       rpm_query_ce(), rel->pm);
	kit_expect_calls("run download", want);
	kit_expect_file(REPO, repo_text("https://download.docker.com", 0), 0644);
	kit_expect_file("/var/lib/docker-extension/plugin/installed",
			"file " REPO "\n"
			"package docker-ce\npackage docker-ce-cli\n"
			"package containerd.io\npackage docker-buildx-plugin\n"
			"package docker-compose-plugin\n", 0600);
	/* Installed: the next install runs nothing. */
	kit_file("/etc/group", "docker:x:999:azureuser\n", 0644);
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	kit_expect_calls("run download write", "");
	kit_unload();
}

/* podman and runc (EL's own) conflict with containerd.io: removed first. */
static void kit_rpm_install_conflicts(const struct release *rel)
{
	char want[4096];

	kit_load(rel);
	rh_effect(&RH, "run /usr/bin/dnf install", kit_fx_docker_ce);
	rh_effect(&RH, "run /usr/bin/yum install", kit_fx_docker_ce);
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
	kit_expect_calls("run download", want);
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
	       " docker-ce-%s24.0.10-1.%s docker-ce-cli-%s24.0.10-1.%s"
	       " containerd.io docker-buildx-plugin docker-compose-plugin\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n",
	       rpm_query_ce(), rel->pm, rel->pm, epoch("3:"), rel->el,
	       epoch("3:"), rel->el);
	kit_expect_calls("run download", want);
	/* held: dnf update leaves them alone */
	kit_expect_file(REPO, repo_text("https://download.docker.com", 1), 0644);
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
	kit_fx_docker_ce(&RH);
	kit_file("/etc/group", "docker:x:999:azureuser\n", 0644);
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
	       "--disableexcludes=docker-ce-stable docker-ce-27.3.0-1.%s "
	       "docker-ce-cli-27.3.0-1.%s\n", rel->el, rel->el);
	if (strcmp(rel->pm, "yum") == 0)
		CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"), want))
	else
		CU_ASSERT_PTR_NULL(strstr(rh_calls(&RH, "run"), "downgrade"));
	tu_fmt(want, sizeof(want), " docker-ce-%s27.3.0-1.%s "
	       "docker-ce-cli-%s27.3.0-1.%s containerd.io", epoch("3:"),
	       rel->el, epoch("3:"), rel->el);
	CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"), want));
	/* Docker was there before: nothing to remove at uninstall. */
	CU_ASSERT_PTR_NULL(strstr(kit_read("/var/lib/docker-extension/plugin/"
					   "installed"), "package"));
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	kit_expect_calls("run download", rpm_query_ce());
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
	rh_effect(&RH, "run /usr/bin/yum install", kit_fx_docker_io);
	if (rel->distro_engine == NULL) {
		CU_ASSERT_EQUAL(P->install(LP.state),
		                DX_ERR_NO_DISTRO_PACKAGE);
		kit_expect_calls("run download write", "");
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
	kit_expect_calls("run download", want);
	CU_ASSERT_FALSE(kit_has(REPO));
	tu_fmt(want, sizeof(want), "package %s\n", rel->distro_engine);
	kit_expect_file("/var/lib/docker-extension/plugin/installed", want, 0600);
	/* no Compose package there: Docker alone is "present" */
	kit_file("/etc/group", "docker:x:999:azureuser\n", 0644);
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	kit_expect_calls("run", "");
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
		kit_expect_calls("run download write", "");
		kit_unload();
		return;
	}
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "run /usr/bin/rpm -q --qf " RPM_QF " docker\n"
	       "run /usr/bin/yum list --showduplicates docker\n"
	       "run /usr/bin/yum install -y "
	       "docker-1.13.1-209.git7d71120.el7_9\n"
	       "run /usr/sbin/usermod -aG docker azureuser\n");
	kit_expect_calls("run download", want);
	CU_ASSERT_TRUE(rh_logged(&RH, "WARN: "));
	CU_ASSERT_TRUE(rh_logged(&RH, "installed at that version but not "
	                              "held"));
	CU_ASSERT_FALSE(kit_has(REPO));
	kit_unload();
}

static void kit_rpm_install_mirror(const struct release *rel)
{
	kit_load(rel);
	RH.settings.mirror = "https://mirror.example.com/docker-ce/";
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	kit_expect_file(REPO, repo_text("https://mirror.example.com/docker-ce", 0),
			0644);
	kit_expect_calls("download", "");
	kit_unload();
	kit_load(rel);
	RH.settings.china_cloud = 1;
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	kit_expect_file(REPO, repo_text("https://mirror.azure.cn/docker-ce", 0),
			0644);
	kit_unload();
}

static void kit_rpm_install_lock_then_free(const struct release *rel)
{
	char want[128];

	kit_load(rel);
	kit_hold_lock("/var/lib/rpm/.rpm.lock");
	kit_release_after = 3;
	RH.on_sleep = kit_release_on_sleep;
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(want, sizeof(want), "PROGRESS: waiting for the package manager "
	       "lock /var/lib/rpm/.rpm.lock held by pid ");
	CU_ASSERT_TRUE(rh_logged(&RH, want));
	CU_ASSERT_TRUE(rh_logged(&RH, "(10 s so far, at most 600 s)"));
	CU_ASSERT_EQUAL(RH.clock_ms, 15000);
	tu_fmt(want, sizeof(want), "run /usr/bin/%s install -y " CE_PKGS "\n",
	       rel->pm);
	CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"), want));
	kit_free_lock();
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
	kit_file(strcmp(rel->pm, "yum") == 0 ? "/var/run/yum.pid"
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
	CU_ASSERT_PTR_NULL(strstr(kit_read("/var/lib/docker-extension/plugin/"
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
	rh_effect(&RH, prefix, kit_fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	RH.settings.port = 2376;
	RH.settings.tls_ca = KIT_CA;
	RH.settings.tls_cert = KIT_CERT;
	RH.settings.tls_key = KIT_KEY;
	RH.settings.daemon_json = "{\"debug\":true}";
	kit_configure_restart(1);
	loader_unload(&LP);
	memset(&RH.settings, 0, sizeof(RH.settings));
	CU_ASSERT_EQUAL_FATAL(loader_load(kit_current_distro, kit_plugin_dir, &RH.host,
	                                  &LP, kit_msg, sizeof(kit_msg)), DX_OK);
	P = LP.plugin;
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->uninstall(LP.state), DX_OK);
	tu_fmt(want, sizeof(want),
	       "run /usr/bin/systemctl stop docker.socket docker.service\n"
	       "run /usr/bin/%s remove -y " CE_PKGS "\n"
	       "run /usr/bin/systemctl daemon-reload\n", rel->pm);
	kit_expect_calls("run download ping", want);
	CU_ASSERT_FALSE(kit_has(DROPIN));
	CU_ASSERT_FALSE(kit_has("/etc/docker/daemon.json"));
	CU_ASSERT_FALSE(kit_has("/etc/docker/key.pem"));
	CU_ASSERT_FALSE(kit_has(REPO));
	CU_ASSERT_FALSE(kit_has("/var/lib/docker-extension/plugin/installed"));
	kit_unload();
}

/* A failing package removal at uninstall says so and keeps the record
   (the next uninstall tries again). */
static void kit_rpm_uninstall_fails(const struct release *rel)
{
	char prefix[64];

	kit_load(rel);
	tu_fmt(prefix, sizeof(prefix), "run /usr/bin/%s install", rel->pm);
	rh_effect(&RH, prefix, kit_fx_docker_ce);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	tu_fmt(prefix, sizeof(prefix), "run /usr/bin/%s remove", rel->pm);
	rh_answer(&RH, prefix, 0, DX_OK, 1, "Error: rpmdb open failed\n");
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->uninstall(LP.state), DX_ERR_EXEC_FAILED);
	CU_ASSERT_TRUE(rh_logged(&RH, "remove failed (exit status 1): Error: "
	                              "rpmdb open failed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_read("/var/lib/docker-extension/"
					       "plugin/installed"),
	                              "package docker-ce\n"));
	kit_unload();
}

/* ---- the table ------------------------------------------------------------------ */

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

/* centos, rhel */
const struct kit_test kit_rpm_tests[] = {
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
