/*
 * Loader: the fixed table, the plugin directory, every trust refusal and
 * every load refusal, with the real built plugins and the misbehaving
 * test plugins in tests/plugins/.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"
#include "loader.h"
#include "testutil.h"

void test_loader_register(void);

#define NOBODY 65534

static char msg[1024];

static void mkdir_mode(const char *path, mode_t mode)
{
	CU_ASSERT_FATAL(mkdir(path, mode) == 0 || errno == EEXIST);
	CU_ASSERT_FATAL(chmod(path, mode) == 0);
}

/* Copy a built shared object into dir/name with mode 0644. */
static void install_so(const char *from_dir, const char *so, const char *dir,
                       const char *name)
{
	char from[PATH_MAX], to[PATH_MAX];

	tu_fmt(from, sizeof(from), "%s/%s", from_dir, so);
	tu_fmt(to, sizeof(to), "%s/%s", dir, name);
	tu_copy_file(from, to, 0644);
}

static void test_table(void)
{
	static const struct {
		enum dx_distro d;
		const char *file;
	} rows[] = {
		{ DX_DISTRO_UBUNTU, "ubuntu.so" },
		{ DX_DISTRO_DEBIAN, "debian.so" },
		{ DX_DISTRO_CENTOS, "centos.so" },
		{ DX_DISTRO_RHEL, "rhel.so" },
		{ DX_DISTRO_COREOS, "coreos.so" },
		/* error rows */
		{ DX_DISTRO_UNKNOWN, NULL },
		{ DX_DISTRO__COUNT, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *got = loader_plugin_file(rows[i].d);

		if (rows[i].file == NULL) {
			CU_ASSERT_PTR_NULL(got);
		} else {
			CU_ASSERT_STRING_EQUAL(got, rows[i].file);
		}
	}
}

static void test_plugin_dir(void)
{
	char dir[PATH_MAX], pkg[PATH_MAX], path[PATH_MAX], want[PATH_MAX];

	CU_ASSERT_EQUAL(loader_plugin_dir(NULL, dir, sizeof(dir)), DX_OK);
	CU_ASSERT_STRING_EQUAL(dir, DX_PLUGINDIR);
	/* A bare name (found through PATH) says nothing about a package. */
	CU_ASSERT_EQUAL(loader_plugin_dir("docker-extension", dir, sizeof(dir)),
	                DX_OK);
	CU_ASSERT_STRING_EQUAL(dir, DX_PLUGINDIR);

	/* The extension package: bin/docker-extension beside plugins/. */
	tu_fmt(pkg, sizeof(pkg), "%s", tu_mkdtemp("pkg"));
	tu_fmt(path, sizeof(path), "%s/bin", pkg);
	mkdir_mode(path, 0755);
	tu_fmt(path, sizeof(path), "%s/plugins", pkg);
	mkdir_mode(path, 0755);
	CU_ASSERT_PTR_NOT_NULL_FATAL(realpath(path, want));
	tu_fmt(path, sizeof(path), "%s/bin/docker-extension", pkg);
	tu_write_file(path, "", 0755);
	CU_ASSERT_EQUAL(loader_plugin_dir(path, dir, sizeof(dir)), DX_OK);
	CU_ASSERT_STRING_EQUAL(dir, want);

	/* Without plugins/ beside it: the configured directory. */
	tu_fmt(path, sizeof(path), "%s/plugins", pkg);
	rmdir(path);
	tu_fmt(path, sizeof(path), "%s/bin/docker-extension", pkg);
	CU_ASSERT_EQUAL(loader_plugin_dir(path, dir, sizeof(dir)), DX_OK);
	CU_ASSERT_STRING_EQUAL(dir, DX_PLUGINDIR);
	tu_rm_rf(pkg);
}

struct trust_case {
	const char *what;
	/* sets up base/target (and maybe base itself); returns the path to
	   check and the type expected */
	void (*setup)(const char *base, char *target, size_t size);
	mode_t type;
	int want;
	const char *want_msg;  /* substring of the message */
};

static void setup_good_dir(const char *base, char *t, size_t n)
{
	tu_fmt(t, n, "%s/plugins", base);
	mkdir_mode(t, 0755);
}

static void setup_good_file(const char *base, char *t, size_t n)
{
	tu_fmt(t, n, "%s/x.so", base);
	tu_write_file(t, "", 0644);
}

static void setup_group_writable_dir(const char *base, char *t, size_t n)
{
	tu_fmt(t, n, "%s/plugins", base);
	mkdir_mode(t, 0775);
}

static void setup_world_writable_dir(const char *base, char *t, size_t n)
{
	tu_fmt(t, n, "%s/plugins", base);
	mkdir_mode(t, 0777);
}

static void setup_sticky_world_writable_dir(const char *base, char *t,
                                            size_t n)
{
	/* /tmp-like: fine as a parent, never as the plugin directory. */
	tu_fmt(t, n, "%s/plugins", base);
	mkdir_mode(t, 01777);
}

static void setup_foreign_dir(const char *base, char *t, size_t n)
{
	tu_fmt(t, n, "%s/plugins", base);
	mkdir_mode(t, 0755);
	CU_ASSERT_FATAL(chown(t, NOBODY, NOBODY) == 0);
}

static void setup_foreign_file(const char *base, char *t, size_t n)
{
	tu_fmt(t, n, "%s/x.so", base);
	tu_write_file(t, "", 0644);
	CU_ASSERT_FATAL(chown(t, NOBODY, NOBODY) == 0);
}

static void setup_group_writable_file(const char *base, char *t, size_t n)
{
	tu_fmt(t, n, "%s/x.so", base);
	tu_write_file(t, "", 0664);
}

static void setup_world_writable_file(const char *base, char *t, size_t n)
{
	tu_fmt(t, n, "%s/x.so", base);
	tu_write_file(t, "", 0646);
}

static void setup_symlink_file(const char *base, char *t, size_t n)
{
	char real[PATH_MAX];

	tu_fmt(real, sizeof(real), "%s/real.so", base);
	tu_write_file(real, "", 0644);
	tu_fmt(t, n, "%s/x.so", base);
	CU_ASSERT_FATAL(symlink("real.so", t) == 0);
}

static void setup_symlink_dir(const char *base, char *t, size_t n)
{
	char real[PATH_MAX];

	tu_fmt(real, sizeof(real), "%s/real", base);
	mkdir_mode(real, 0755);
	tu_fmt(t, n, "%s/plugins", base);
	CU_ASSERT_FATAL(symlink("real", t) == 0);
}

static void setup_fifo(const char *base, char *t, size_t n)
{
	tu_fmt(t, n, "%s/x.so", base);
	CU_ASSERT_FATAL(mkfifo(t, 0644) == 0);
}

static void setup_dir_as_file(const char *base, char *t, size_t n)
{
	tu_fmt(t, n, "%s/x.so", base);
	mkdir_mode(t, 0755);
}

static void setup_file_as_dir(const char *base, char *t, size_t n)
{
	tu_fmt(t, n, "%s/plugins", base);
	tu_write_file(t, "", 0644);
}

static void setup_missing(const char *base, char *t, size_t n)
{
	tu_fmt(t, n, "%s/nothing-here.so", base);
}

static void setup_parent_group_writable(const char *base, char *t, size_t n)
{
	char parent[PATH_MAX];

	tu_fmt(parent, sizeof(parent), "%s/lib", base);
	mkdir_mode(parent, 0775);
	tu_fmt(t, n, "%s/lib/plugins", base);
	mkdir_mode(t, 0755);
}

static void setup_parent_world_writable(const char *base, char *t, size_t n)
{
	char parent[PATH_MAX];

	tu_fmt(parent, sizeof(parent), "%s/lib", base);
	mkdir_mode(parent, 0777);
	tu_fmt(t, n, "%s/lib/plugins", base);
	mkdir_mode(t, 0755);
}

static void setup_parent_sticky(const char *base, char *t, size_t n)
{
	char parent[PATH_MAX];

	tu_fmt(parent, sizeof(parent), "%s/lib", base);
	mkdir_mode(parent, 01777);
	tu_fmt(t, n, "%s/lib/plugins", base);
	mkdir_mode(t, 0755);
}

static void setup_parent_foreign_sticky(const char *base, char *t, size_t n)
{
	char parent[PATH_MAX];

	tu_fmt(parent, sizeof(parent), "%s/lib", base);
	mkdir_mode(parent, 01777);
	CU_ASSERT_FATAL(chown(parent, NOBODY, NOBODY) == 0);
	tu_fmt(t, n, "%s/lib/plugins", base);
	mkdir_mode(t, 0755);
}

static void setup_parent_foreign(const char *base, char *t, size_t n)
{
	char parent[PATH_MAX];

	tu_fmt(parent, sizeof(parent), "%s/lib", base);
	mkdir_mode(parent, 0755);
	tu_fmt(t, n, "%s/lib/plugins", base);
	mkdir_mode(t, 0755);
	CU_ASSERT_FATAL(chown(parent, NOBODY, NOBODY) == 0);
}

static const struct trust_case trust_cases[] = {
	{ "good directory", setup_good_dir, S_IFDIR, DX_OK, "" },
	{ "good file", setup_good_file, S_IFREG, DX_OK, "" },
	{ "sticky root-owned parent", setup_parent_sticky, S_IFDIR, DX_OK, "" },
	/* error rows */
	{ "group writable dir", setup_group_writable_dir, S_IFDIR,
	  DX_ERR_PLUGIN_UNTRUSTED, "plugins is group writable (mode 0775)" },
	{ "world writable dir", setup_world_writable_dir, S_IFDIR,
	  DX_ERR_PLUGIN_UNTRUSTED, "plugins is world writable (mode 0777)" },
	{ "sticky plugin dir", setup_sticky_world_writable_dir, S_IFDIR,
	  DX_ERR_PLUGIN_UNTRUSTED, "plugins is world writable (mode 1777)" },
	{ "dir owned by nobody", setup_foreign_dir, S_IFDIR,
	  DX_ERR_PLUGIN_UNTRUSTED, "plugins is owned by uid 65534, should be 0" },
	{ "file owned by nobody", setup_foreign_file, S_IFREG,
	  DX_ERR_PLUGIN_UNTRUSTED, "x.so is owned by uid 65534, should be 0" },
	{ "group writable file", setup_group_writable_file, S_IFREG,
	  DX_ERR_PLUGIN_UNTRUSTED, "x.so is group writable (mode 0664)" },
	{ "world writable file", setup_world_writable_file, S_IFREG,
	  DX_ERR_PLUGIN_UNTRUSTED, "x.so is world writable (mode 0646)" },
	{ "symlinked file", setup_symlink_file, S_IFREG,
	  DX_ERR_PLUGIN_UNTRUSTED, "x.so is a symbolic link" },
	{ "symlinked dir", setup_symlink_dir, S_IFDIR,
	  DX_ERR_PLUGIN_UNTRUSTED, "plugins is a symbolic link" },
	{ "fifo", setup_fifo, S_IFREG,
	  DX_ERR_PLUGIN_UNTRUSTED, "x.so is not a regular file" },
	{ "directory as file", setup_dir_as_file, S_IFREG,
	  DX_ERR_PLUGIN_UNTRUSTED, "x.so is not a regular file" },
	{ "file as directory", setup_file_as_dir, S_IFDIR,
	  DX_ERR_PLUGIN_UNTRUSTED, "plugins is not a directory" },
	{ "missing", setup_missing, S_IFREG,
	  DX_ERR_PLUGIN_MISSING, "nothing-here.so: No such file or directory" },
	{ "group writable parent", setup_parent_group_writable, S_IFDIR,
	  DX_ERR_PLUGIN_UNTRUSTED, "lib is group writable (mode 0775)" },
	{ "world writable parent", setup_parent_world_writable, S_IFDIR,
	  DX_ERR_PLUGIN_UNTRUSTED, "lib is world writable (mode 0777)" },
	{ "sticky parent owned by nobody", setup_parent_foreign_sticky, S_IFDIR,
	  DX_ERR_PLUGIN_UNTRUSTED, "lib is owned by uid 65534, should be 0" },
	{ "parent owned by nobody", setup_parent_foreign, S_IFDIR,
	  DX_ERR_PLUGIN_UNTRUSTED, "lib is owned by uid 65534, should be 0" },
};

static void test_trust(void)
{
	size_t i;

	for (i = 0; i < sizeof(trust_cases) / sizeof(trust_cases[0]); i++) {
		const struct trust_case *c = &trust_cases[i];
		char base[PATH_MAX], target[PATH_MAX];
		int r;

		tu_fmt(base, sizeof(base), "%s", tu_mkdtemp("trust"));
		c->setup(base, target, sizeof(target));
		msg[0] = '\0';
		r = loader_check_trusted(target, c->type, 0, msg, sizeof(msg));
		if (r != c->want || strstr(msg, c->want_msg) == NULL)
			fprintf(stderr, "\n  case '%s': got %d '%s'\n", c->what,
			        r, msg);
		CU_ASSERT_EQUAL(r, c->want);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, c->want_msg));
		tu_rm_rf(base);
	}
}

static void test_trust_relative(void)
{
	CU_ASSERT_EQUAL(loader_check_trusted("plugins", S_IFDIR, 0, msg,
	                                     sizeof(msg)),
	                DX_ERR_PLUGIN_UNTRUSTED);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "plugins is not an absolute path"));
}

struct load_case {
	const char *what;
	const char *so;        /* file to install as ubuntu.so; NULL: none */
	int from_tests;        /* 1: tests/plugins, 0: plugins */
	enum dx_distro distro;
	int want;
	const char *want_msg;
};

static const struct load_case load_cases[] = {
	{ "real ubuntu plugin", "ubuntu.so", 0, DX_DISTRO_UBUNTU, DX_OK, "" },
	/* error rows */
	{ "ABI major 2", "badabi.so", 1, DX_DISTRO_UBUNTU, DX_ERR_PLUGIN_ABI,
	  "incompatible plugin ABI 2.7 (expected 1.x)" },
	{ "init refuses", "refuse.so", 1, DX_DISTRO_UBUNTU, DX_ERR_PLUGIN_INIT,
	  "plugin 'refuse' (ABI 1.0) refused to initialise with handler ABI 1.0" },
	{ "no dx_plugin symbol", "nosym.so", 1, DX_DISTRO_UBUNTU,
	  DX_ERR_PLUGIN_LOAD, "does not export the symbol dx_plugin" },
	{ "unresolved symbol", "unresolved.so", 1, DX_DISTRO_UBUNTU,
	  DX_ERR_PLUGIN_LOAD, "dx_no_such_function_anywhere" },
	{ "wrong plugin name", "good.so", 1, DX_DISTRO_UBUNTU,
	  DX_ERR_PLUGIN_LOAD, "ubuntu.so holds plugin 'good', expected 'ubuntu'" },
	{ "centos file in ubuntu's place", "centos.so", 0, DX_DISTRO_UBUNTU,
	  DX_ERR_PLUGIN_LOAD, "holds plugin 'centos', expected 'ubuntu'" },
	{ "plugin file missing", NULL, 0, DX_DISTRO_UBUNTU,
	  DX_ERR_PLUGIN_MISSING, "plugin ubuntu.so for ubuntu not found in" },
	{ "unknown distribution", NULL, 0, DX_DISTRO_UNKNOWN,
	  DX_ERR_DISTRO_UNSUPPORTED, "no plugin for distribution 'unknown'" },
};

static void test_load(void)
{
	const char *built = tu_env("DX_PLUGIN_BUILDDIR");
	const char *test_built = tu_env("DX_TEST_PLUGIN_BUILDDIR");
	struct dx_settings_view settings;
	struct dx_host host;
	size_t i;

	memset(&settings, 0, sizeof(settings));
	host_init(&host, &settings, "");
	for (i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++) {
		const struct load_case *c = &load_cases[i];
		struct loader_plugin lp;
		char dir[PATH_MAX];
		int r;

		tu_fmt(dir, sizeof(dir), "%s", tu_mkdtemp("load"));
		if (c->so != NULL)
			install_so(c->from_tests ? test_built : built, c->so, dir,
			           "ubuntu.so");
		msg[0] = '\0';
		r = loader_load(c->distro, dir, &host, &lp, msg, sizeof(msg));
		if (r != c->want || strstr(msg, c->want_msg) == NULL)
			fprintf(stderr, "\n  case '%s': got %d '%s'\n", c->what,
			        r, msg);
		CU_ASSERT_EQUAL(r, c->want);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, c->want_msg));
		if (r == DX_OK) {
			CU_ASSERT_STRING_EQUAL(lp.plugin->name, "ubuntu");
			CU_ASSERT_EQUAL(lp.initialised, 1);
		} else {
			CU_ASSERT_PTR_NULL(lp.dl);
			CU_ASSERT_PTR_NULL(lp.plugin);
		}
		loader_unload(&lp);
		CU_ASSERT_PTR_NULL(lp.dl);
		tu_rm_rf(dir);
	}
}

static void test_load_untrusted_and_missing_dir(void)
{
	const char *built = tu_env("DX_PLUGIN_BUILDDIR");
	struct dx_settings_view settings;
	struct dx_host host;
	struct loader_plugin lp;
	char dir[PATH_MAX], path[PATH_MAX];

	memset(&settings, 0, sizeof(settings));
	host_init(&host, &settings, "");
	tu_fmt(dir, sizeof(dir), "%s", tu_mkdtemp("untrusted"));
	install_so(built, "ubuntu.so", dir, "ubuntu.so");

	/* A world-writable plugin file is never loaded. */
	tu_fmt(path, sizeof(path), "%s/ubuntu.so", dir);
	CU_ASSERT_FATAL(chmod(path, 0666) == 0);
	CU_ASSERT_EQUAL(loader_load(DX_DISTRO_UBUNTU, dir, &host, &lp, msg,
	                            sizeof(msg)),
	                DX_ERR_PLUGIN_UNTRUSTED);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "ubuntu.so is world writable"));

	/* Nor one in a group-writable directory. */
	CU_ASSERT_FATAL(chmod(path, 0644) == 0);
	CU_ASSERT_FATAL(chmod(dir, 0775) == 0);
	CU_ASSERT_EQUAL(loader_load(DX_DISTRO_UBUNTU, dir, &host, &lp, msg,
	                            sizeof(msg)),
	                DX_ERR_PLUGIN_UNTRUSTED);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "is group writable (mode 0775)"));
	CU_ASSERT_FATAL(chmod(dir, 0755) == 0);
	tu_rm_rf(dir);

	/* A directory that is not there. */
	CU_ASSERT_EQUAL(loader_load(DX_DISTRO_UBUNTU, dir, &host, &lp, msg,
	                            sizeof(msg)),
	                DX_ERR_PLUGIN_MISSING);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "plugin directory"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "does not exist"));
}

void test_loader_register(void)
{
	CU_pSuite s = CU_add_suite("loader", NULL, NULL);

	CU_add_test(s, "fixed table distro -> file", test_table);
	CU_add_test(s, "plugin directory beside the handler", test_plugin_dir);
	CU_add_test(s, "trust checks, each refusal", test_trust);
	CU_add_test(s, "relative path refused", test_trust_relative);
	CU_add_test(s, "load and every load refusal", test_load);
	CU_add_test(s, "untrusted file, untrusted or missing directory",
	            test_load_untrusted_and_missing_dir);
}
