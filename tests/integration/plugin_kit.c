/*
 * plugin_kit - the plugin test kit: a fake root per supported release,
 * the plugin loaded through the real loader with a recording host, and
 * the helpers every family's tests use (files under the root, what a
 * package install leaves there, expected calls and files, a lock held by
 * another process, downloads for real against the loopback server).
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "plugin_httpd.h"
#include "plugin_kit.h"

/* ---- the kit: fake roots, one per release ------------------------------------ */



#define APT(plugin, fixture, suite, compose) \
	{ plugin, fixture, suite, compose, NULL, NULL, NULL, NULL, 0 }
#define RPM(plugin, fixture, pm, repo, el, engine, major) \
	{ plugin, fixture, NULL, NULL, pm, repo, el, engine, major }

const struct release kit_releases[] = {
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

struct recording_host RH;
struct loader_plugin LP;
const struct dx_plugin *P;
char kit_root[PATH_MAX];
const struct release *REL;
const char *kit_users_one[] = { "azureuser", NULL };
const char *kit_options_two[] = { "--label", "env=prod $HOME 100%", NULL };


void kit_file(const char *rel, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	char *slash;

	tu_fmt(path, sizeof(path), "%s%s", kit_root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	tu_mkdir_p(path);
	*slash = '/';
	tu_write_file(path, text, mode);
}

void kit_fixture(const char *rel, const char *fixture)
{
	char text[65536];

	tu_fmt(text, sizeof(text), "%s", tu_read_file(tu_fixture(fixture)));
	kit_file(rel, text, 0644);
}

const char *kit_read(const char *rel)
{
	char path[PATH_MAX];

	tu_fmt(path, sizeof(path), "%s%s", kit_root, rel);
	return tu_read_file(path);
}

int kit_mode(const char *rel)
{
	char path[PATH_MAX];
	struct stat sb;

	tu_fmt(path, sizeof(path), "%s%s", kit_root, rel);
	return stat(path, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

int kit_has(const char *rel)
{
	return kit_mode(rel) >= 0;
}

/* The packages create the docker group (when it is not there). */
void kit_docker_group(void)
{
	const char *g = kit_read("/etc/group");

	if (g == NULL || strstr(g, "docker:") == NULL)
		kit_file("/etc/group", "root:x:0:\nazureuser:x:1000:\n"
			 "docker:x:999:\n", 0644);
}

/* What Docker's packages put there (apt-get install's effect). */
void kit_fx_docker_ce(struct recording_host *rh)
{
	(void)rh;
	kit_file("/usr/bin/dockerd", "#!/bin/sh\n", 0755);
	kit_file("/usr/bin/docker", "#!/bin/sh\n", 0755);
	kit_file("/usr/libexec/docker/cli-plugins/docker-compose",
		 "#!/bin/sh\n", 0755);
	kit_fixture("/lib/systemd/system/docker.service",
		    "plugins/units/docker-ce.service");
	kit_fixture("/lib/systemd/system/docker.socket",
		    "plugins/units/docker.socket");
	kit_docker_group();
}

/* What Debian's docker.io and docker-compose put there. */
void kit_fx_docker_io(struct recording_host *rh)
{
	(void)rh;
	kit_file("/usr/sbin/dockerd", "#!/bin/sh\n", 0755);
	kit_file("/usr/bin/docker-compose", "#!/bin/sh\n", 0755);
	kit_file("/usr/libexec/docker/cli-plugins/docker-compose",
		 "#!/bin/sh\n", 0755);
	kit_fixture("/lib/systemd/system/docker.service",
		    "plugins/units/docker.io-debian.service");
	kit_fixture("/lib/systemd/system/docker.socket",
		    "plugins/units/docker.socket");
	kit_file("/etc/systemd/system/sockets.target.wants/docker.socket",
		 "", 0644);
	kit_docker_group();
}

/* A fresh VM of the release, the plugin loaded with a recording host. */
void kit_load(const struct release *rel)
{
	char os[256];

	REL = rel;
	tu_fmt(kit_root, sizeof(kit_root), "%s", tu_mkdtemp("root"));
	tu_fmt(os, sizeof(os), "os-release/%s", rel->fixture);
	kit_fixture("/etc/os-release", os);
	kit_file("/etc/group", "root:x:0:\nazureuser:x:1000:\n", 0644);
	rh_init(&RH, kit_root);
	/* A VM has ca-certificates (apt's HTTPS needs it). */
	rh_answer(&RH, "run /usr/bin/dpkg-query", 0, DX_OK, 1,
	          "ca-certificates\tinstall ok installed\t20230311\n");
	RH.settings.users = kit_users_one;
	RH.settings.n_users = 1;
	/* What dnf/yum install does (the packages make the docker group). */
	if (rel->pm != NULL) {
		rh_effect(&RH, "run /usr/bin/dnf install", kit_fx_docker_ce);
		rh_effect(&RH, "run /usr/bin/yum install", kit_fx_docker_ce);
	}
	if (loader_load(kit_current_distro, kit_plugin_dir, &RH.host, &LP, kit_msg,
	                sizeof(kit_msg)) != DX_OK) {
		fprintf(stderr, "\n  %s: %s\n", kit_current, kit_msg);
		abort();
	}
	P = LP.plugin;
}

void kit_unload(void)
{
	loader_unload(&LP);
	tu_rm_rf(kit_root);
}

/* Compare, and show both when they differ. */
void kit_expect_text(const char *got, const char *want, const char *what)
{
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n[%s] %s:\n--- want\n%s--- got\n%s---\n",
		        REL != NULL ? REL->fixture : "", what, want, got);
	TU_ROW_ASSERT(strcmp(got, want) == 0, REL != NULL ? REL->fixture : "");
}

void kit_expect_calls(const char *kinds, const char *want)
{
	kit_expect_text(rh_calls(&RH, kinds), want, kinds);
}

void kit_expect_file(const char *rel, const char *want, int mode)
{
	const char *got = kit_read(rel);

	TU_ROW_ASSERT(got != NULL, rel);
	if (got != NULL)
		kit_expect_text(got, want, rel);
	TU_ROW_ASSERT(kit_mode(rel) == mode, rel);
}

/* ---- configure and restart --------------------------------------------------------- */

const char KIT_CA[] = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const char KIT_CERT[] = "-----BEGIN CERTIFICATE-----\nSRV\n-----END CERTIFICATE-----\n";
const char KIT_KEY[] = "-----BEGIN PRIVATE KEY-----\nSECRETKEY\n-----END PRIVATE KEY-----\n";


const char kit_restart_seq[] =
	"run /usr/bin/systemctl daemon-reload\n"
	"run /usr/bin/systemctl reset-failed docker.service\n"
	"run /usr/bin/systemctl enable docker.service\n"
	"run /usr/bin/systemctl restart docker.service\n"
	"ping /var/run/docker.sock\n";
const char kit_start_seq[] =
	"run /usr/bin/systemctl enable docker.service\n"
	"run /usr/bin/systemctl start docker.service\n"
	"ping /var/run/docker.sock\n";

void kit_configure_restart(int want_changed)
{
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->configure(LP.state), DX_OK);
	CU_ASSERT_EQUAL(P->restart(LP.state), DX_OK);
	kit_expect_calls("run ping", want_changed ? kit_restart_seq : kit_start_seq);
}

/* Lock held by another process: wait, say so, then go on. */
static pid_t lock_child = -1;
unsigned kit_release_after;

void kit_hold_lock(const char *rel)
{
	char path[PATH_MAX];
	int ready[2];
	char c;

	kit_file(rel, "", 0640);
	tu_fmt(path, sizeof(path), "%s%s", kit_root, rel);
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

void kit_free_lock(void)
{
	if (lock_child > 0) {
		kill(lock_child, SIGKILL);
		waitpid(lock_child, NULL, 0);
		lock_child = -1;
	}
}

void kit_release_on_sleep(struct recording_host *rh)
{
	if (rh->n_sleeps == kit_release_after)
		kit_free_lock();
}

/* ---- downloads for real: the core's libcurl code against a loopback server ---- */

#define GITHUB_COMPOSE "https://github.com/docker/compose/releases/download/"

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

void kit_loopback_on(void)
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

uint64_t kit_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

size_t kit_entries(const char *rel)
{
	char path[PATH_MAX];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	tu_fmt(path, sizeof(path), "%s%s", kit_root, rel);
	d = opendir(path);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}


const size_t kit_n_releases = sizeof(kit_releases) / sizeof(kit_releases[0]);

/* The plugin under test (CUnit tests take no arguments). */
const char *kit_current;
enum dx_distro kit_current_distro;
char kit_plugin_dir[PATH_MAX];
char kit_msg[1024];

void kit_each_release(void (*fn)(const struct release *))
{
	size_t i;

	for (i = 0; i < kit_n_releases; i++)
		if (strcmp(kit_releases[i].plugin, kit_current) == 0)
			fn(&kit_releases[i]);
	REL = NULL;
}
