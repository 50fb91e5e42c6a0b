/*
 * Every built plugin, loaded through the real loader from a trusted copy
 * of the build output: symbol, ABI, name, probe against fake roots; then
 * the plugin test kit: each implemented plugin driven through install,
 * configure, restart and uninstall for every supported release, on a
 * fake root with a recording host (scripted commands, a virtual clock),
 * asserting the exact commands and the files written.  Each family has
 * its table of tests (plugin_apt.c, plugin_rpm.c, plugin_coreos.c) and
 * every plugin runs the systemd table (plugin_systemd.c) too; the kit
 * itself is plugin_kit.c.
 *
 * Usage: test_plugins [PLUGIN...]   (default: every name in DX_PLUGIN_NAMES)
 */
#include "config.h"

#include <CUnit/Basic.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "plugin_httpd.h"
#include "plugin_kit.h"
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

static int suite_init(void)
{
	char from[PATH_MAX], to[PATH_MAX];
	const char *file = loader_plugin_file(kit_current_distro);

	tu_fmt(kit_plugin_dir, sizeof(kit_plugin_dir), "%s", tu_mkdtemp("plugins"));
	tu_fmt(from, sizeof(from), "%s/%s.so", tu_env("DX_PLUGIN_BUILDDIR"),
	       kit_current);
	tu_fmt(to, sizeof(to), "%s/%s", kit_plugin_dir, file);
	tu_copy_file(from, to, 0644);
	return 0;
}

static int suite_cleanup(void)
{
	tu_rm_rf(kit_plugin_dir);
	return 0;
}

static void test_loads_with_abi_and_name(void)
{
	struct recording_host rh;
	struct loader_plugin lp;
	int r;

	rh_init(&rh, "");
	r = loader_load(kit_current_distro, kit_plugin_dir, &rh.host, &lp, kit_msg,
	                sizeof(kit_msg));
	if (r != DX_OK)
		fprintf(stderr, "\n  %s: %s\n", kit_current, kit_msg);
	CU_ASSERT_EQUAL_FATAL(r, DX_OK);
	CU_ASSERT_EQUAL(lp.plugin->abi_version, DX_ABI_VERSION);
	CU_ASSERT_STRING_EQUAL(lp.plugin->name, kit_current);
	loader_unload(&lp);
}

static void test_refuses_other_host_major(void)
{
	struct recording_host rh;
	struct loader_plugin lp;

	rh_init(&rh, "");
	rh.host.abi_version = DX_ABI_MK(DX_ABI_MAJOR + 1, 0);
	CU_ASSERT_EQUAL(loader_load(kit_current_distro, kit_plugin_dir, &rh.host, &lp,
	                            kit_msg, sizeof(kit_msg)),
	                DX_ERR_PLUGIN_INIT);
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_msg, "refused to initialise"));
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
		CU_ASSERT_EQUAL_FATAL(loader_load(kit_current_distro, kit_plugin_dir,
		                                  &rh.host, &lp, kit_msg,
		                                  sizeof(kit_msg)),
		                      DX_OK);
		CU_ASSERT_EQUAL(lp.plugin->probe(lp.state, &probe), DX_OK);
		CU_ASSERT_EQUAL(probe.docker_installed, rows[i].docker);
		CU_ASSERT_EQUAL(probe.compose_installed, rows[i].compose);
		CU_ASSERT_EQUAL(rh.n_calls, 0);
		loader_unload(&lp);
		tu_rm_rf(root);
	}
}

/* The tests of the plugin's family ("" when it has no kit rows). */
static const struct kit_test *family_tests(const char *name)
{
	size_t i;

	for (i = 0; i < kit_n_releases; i++) {
		if (strcmp(kit_releases[i].plugin, name) != 0)
			continue;
		if (kit_releases[i].suite != NULL)
			return kit_apt_tests;
		if (kit_releases[i].pm != NULL)
			return kit_rpm_tests;
		return kit_coreos_tests;
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
	for (i = 0; kit_systemd_tests[i].name != NULL; i++)
		CU_add_test(s, kit_systemd_tests[i].name, kit_systemd_tests[i].fn);
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
		kit_current = suites[i].name;
		kit_current_distro = suites[i].distro;
		CU_basic_run_suite(s);
		failures += CU_get_number_of_failures() +
		            CU_get_number_of_tests_failed();
	}
	CU_cleanup_registry();
	httpd_stop();
	return failures ? 1 : 0;
}

