/*
 * plugin_kit - the plugin test kit shared by the family test files
 * (plugin_apt.c, plugin_rpm.c, plugin_coreos.c, plugin_systemd.c) and
 * test_plugins.c, which runs them.
 *
 * A kit test is a function of one release (`kit_each_release()` runs it
 * for every supported release of the plugin under test).  It loads the
 * plugin on a fresh fake root (`kit_load()`), scripts the recording
 * host's answers, calls the plugin and asserts the recorded calls
 * (`kit_expect_calls()`), the files (`kit_expect_file()`) and the log.
 * The registers RH, LP, P and REL are the recording host, the loaded
 * plugin, its struct and the release of the test that runs.
 */
#ifndef DX_PLUGIN_KIT_H
#define DX_PLUGIN_KIT_H

#include <CUnit/CUnit.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "distro.h"
#include "loader.h"
#include "recording_host.h"
#include "testutil.h"

#define CE_PKGS "docker-ce docker-ce-cli containerd.io " \
	"docker-buildx-plugin docker-compose-plugin"
#define DROPIN "/etc/systemd/system/docker.service.d/docker-extension.conf"
#define PROXY "/etc/systemd/system/docker.service.d/docker-extension-proxy.conf"
#define HEADER \
	"# Written by docker-extension from its settings: it is rewritten when\n" \
	"# they change and removed when the extension is uninstalled.  Change\n" \
	"# the extension's settings rather than this file.\n"
#define SLOW_MS 700u

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

/* Every supported release, of every plugin. */
extern const struct release kit_releases[];
extern const size_t kit_n_releases;

/* The plugin under test, its trusted copy's directory, a message buffer
   for the loader. */
extern const char *kit_current;
extern enum dx_distro kit_current_distro;
extern char kit_plugin_dir[PATH_MAX];
extern char kit_msg[1024];

/* The registers. */
extern struct recording_host RH;
extern struct loader_plugin LP;
extern const struct dx_plugin *P;
extern const struct release *REL;
extern char kit_root[PATH_MAX];

extern const char *kit_users_one[];     /* { "azureuser", NULL } */
extern const char *kit_options_two[];   /* a word with blanks, $ and % */
extern const char KIT_CA[], KIT_CERT[], KIT_KEY[];
/* systemctl and ping calls of a restart after a change, and without */
extern const char kit_restart_seq[], kit_start_seq[];

/* A fresh VM of the release (os-release, /etc/group, the user in the
   settings), the plugin loaded; and its end. */
void kit_load(const struct release *rel);
void kit_unload(void);
/* Run fn for every release of the plugin under test. */
void kit_each_release(void (*fn)(const struct release *));

/* Files under the fake root. */
void kit_file(const char *rel, const char *text, mode_t mode);
void kit_fixture(const char *rel, const char *fixture);
const char *kit_read(const char *rel);   /* NULL when absent */
int kit_mode(const char *rel);           /* -1 when absent */
int kit_has(const char *rel);
size_t kit_entries(const char *rel);     /* in a directory */

/* What packages leave behind: Docker's (docker-ce), Debian's docker.io;
   the docker group. */
void kit_fx_docker_ce(struct recording_host *rh);
void kit_fx_docker_io(struct recording_host *rh);
void kit_docker_group(void);

/* Assertions that show both sides when they differ. */
void kit_expect_text(const char *got, const char *want, const char *what);
void kit_expect_calls(const char *kinds, const char *want);
void kit_expect_file(const char *rel, const char *want, int mode);

/* configure() and restart(), with or without a change. */
void kit_configure_restart(int want_changed);

/* A real fcntl lock on <root><rel> held by a child process; released by
   kit_free_lock(), or by kit_release_on_sleep() (as RH.on_sleep) after
   kit_release_after sleeps. */
void kit_hold_lock(const char *rel);
void kit_free_lock(void);
void kit_release_on_sleep(struct recording_host *rh);
extern unsigned kit_release_after;

/* Downloads done for real by the core's http_download() against the
   loopback server (plugin_httpd.h), reset for the test. */
void kit_loopback_on(void);
uint64_t kit_real_ms(void);

/* A kit test, and the CUnit test that runs it for every release. */
struct kit_test {
	const char *name;
	CU_TestFunc fn;
};

#define KIT_TEST(name) \
	static void test_##name(void) { kit_each_release(kit_##name); }

/* The families' tables, each ending with { NULL, NULL }. */
extern const struct kit_test kit_apt_tests[];
extern const struct kit_test kit_rpm_tests[];
extern const struct kit_test kit_coreos_tests[];
extern const struct kit_test kit_systemd_tests[];

#endif
