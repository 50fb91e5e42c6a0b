/*
 * loader - fixed table, trust checks, dlopen, ABI check, init.
 *
 * Why the directory is checked and not only the file: a plugin runs as root
 * with everything the handler can do, so whoever can replace it owns the VM.
 * A root-owned directory chain that only root can write means only root can
 * swap the file between the check and dlopen() (sudo's reasoning in its
 * commit 73abff2d0); the file checks add a clear message for the common
 * mistakes (a copied plugin with the wrong owner or mode, a symlink).
 */
#include "config.h"

#include "loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DX_PLUGINDIR
#error "DX_PLUGINDIR must be defined by the build"
#endif

struct plugin_entry {
	enum dx_distro distro;
	const char *file;
	const char *name;   /* the name the plugin must report */
};

static const struct plugin_entry plugin_table[] = {
	{ DX_DISTRO_UBUNTU, "ubuntu.so", "ubuntu" },
	{ DX_DISTRO_DEBIAN, "debian.so", "debian" },
	{ DX_DISTRO_CENTOS, "centos.so", "centos" },
	{ DX_DISTRO_RHEL, "rhel.so", "rhel" },
	{ DX_DISTRO_COREOS, "coreos.so", "coreos" },
};

static const struct plugin_entry *find_entry(enum dx_distro d)
{
	size_t i;

	for (i = 0; i < sizeof(plugin_table) / sizeof(plugin_table[0]); i++)
		if (plugin_table[i].distro == d)
			return &plugin_table[i];
	return NULL;
}

const char *loader_plugin_file(enum dx_distro d)
{
	const struct plugin_entry *e = find_entry(d);

	return e != NULL ? e->file : NULL;
}

static int is_directory(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int loader_plugin_dir(const char *handler_path, char *out, size_t outsize)
{
	char real[PATH_MAX];
	char candidate[PATH_MAX + 32];
	char *slash;

	/* The extension package keeps plugins/ beside bin/.  argv[0] is used
	   rather than /proc/self/exe, which names the dynamic loader when the
	   package's launcher starts us through its bundled ld.so. */
	if (handler_path != NULL && strchr(handler_path, '/') != NULL &&
	    realpath(handler_path, real) != NULL) {
		slash = strrchr(real, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(candidate, sizeof(candidate), "%s/../plugins",
			         real);
			if (is_directory(candidate) &&
			    realpath(candidate, real) != NULL) {
				if (snprintf(out, outsize, "%s", real) >=
				    (int)outsize)
					return DX_ERR_INVALID_ARG;
				return DX_OK;
			}
		}
	}
	if (snprintf(out, outsize, "%s", DX_PLUGINDIR) >= (int)outsize)
		return DX_ERR_INVALID_ARG;
	return DX_OK;
}

/* Owner and write-permission checks shared by the target and its parents. */
static int check_owner_mode(const char *path, const struct stat *st,
                            uid_t owner, char *msg, size_t msgsize)
{
	if (st->st_uid != owner) {
		snprintf(msg, msgsize, "%s is owned by uid %u, should be %u",
		         path, (unsigned)st->st_uid, (unsigned)owner);
		return DX_ERR_PLUGIN_UNTRUSTED;
	}
	if (st->st_mode & S_IWOTH) {
		snprintf(msg, msgsize, "%s is world writable (mode %04o)", path,
		         (unsigned)(st->st_mode & 07777));
		return DX_ERR_PLUGIN_UNTRUSTED;
	}
	if (st->st_mode & S_IWGRP) {
		snprintf(msg, msgsize, "%s is group writable (mode %04o)", path,
		         (unsigned)(st->st_mode & 07777));
		return DX_ERR_PLUGIN_UNTRUSTED;
	}
	return DX_OK;
}

static int check_parents(const char *path, uid_t owner, char *msg,
                         size_t msgsize)
{
	char dir[PATH_MAX];
	char *slash;
	struct stat st;
	int r;

	/* Parents may be symlinks (/lib -> usr/lib); what counts is the
	   directory each one resolves to. */
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return DX_ERR_INVALID_ARG;
	slash = strrchr(dir, '/');
	if (slash == NULL) {
		snprintf(msg, msgsize, "%s is not an absolute path", path);
		return DX_ERR_PLUGIN_UNTRUSTED;
	}
	*(slash == dir ? slash + 1 : slash) = '\0';
	{
		char real[PATH_MAX];

		if (realpath(dir, real) == NULL) {
			snprintf(msg, msgsize, "%s: %s", dir, strerror(errno));
			return DX_ERR_PLUGIN_UNTRUSTED;
		}
		snprintf(dir, sizeof(dir), "%s", real);
	}
	for (;;) {
		if (stat(dir, &st) != 0) {
			snprintf(msg, msgsize, "%s: %s", dir, strerror(errno));
			return DX_ERR_PLUGIN_UNTRUSTED;
		}
		if (!S_ISDIR(st.st_mode)) {
			snprintf(msg, msgsize, "%s is not a directory", dir);
			return DX_ERR_PLUGIN_UNTRUSTED;
		}
		/* A sticky directory owned by `owner` (like /tmp) is a safe
		   parent: nobody else may rename or unlink the entries it
		   holds, so the subdirectory we check stays ours. */
		if (st.st_uid == owner && (st.st_mode & S_ISVTX))
			r = DX_OK;
		else
			r = check_owner_mode(dir, &st, owner, msg, msgsize);
		if (r != DX_OK)
			return r;
		if (strcmp(dir, "/") == 0)
			return DX_OK;
		slash = strrchr(dir, '/');
		*(slash == dir ? slash + 1 : slash) = '\0';
	}
}

int loader_check_trusted(const char *path, mode_t type, uid_t owner,
                         char *msg, size_t msgsize)
{
	struct stat st;
	int r;

	if (path == NULL || path[0] != '/') {
		snprintf(msg, msgsize, "%s is not an absolute path",
		         path != NULL ? path : "(null)");
		return DX_ERR_PLUGIN_UNTRUSTED;
	}
	if (lstat(path, &st) != 0) {
		int e = errno;

		snprintf(msg, msgsize, "%s: %s", path, strerror(e));
		return e == ENOENT ? DX_ERR_PLUGIN_MISSING
		                   : DX_ERR_PLUGIN_UNTRUSTED;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(msg, msgsize, "%s is a symbolic link", path);
		return DX_ERR_PLUGIN_UNTRUSTED;
	}
	if ((st.st_mode & S_IFMT) != type) {
		snprintf(msg, msgsize, "%s is not a %s", path,
		         type == S_IFDIR ? "directory" : "regular file");
		return DX_ERR_PLUGIN_UNTRUSTED;
	}
	r = check_owner_mode(path, &st, owner, msg, msgsize);
	if (r != DX_OK)
		return r;
	if (strcmp(path, "/") == 0)
		return DX_OK;
	return check_parents(path, owner, msg, msgsize);
}

/* The members every 1.x plugin must fill.  Members appended in a later
   minor are optional: check them here only under
   `p->abi_version >= DX_ABI_MK(1, <minor>)`. */
static const char *missing_member(const struct dx_plugin *p)
{
	if (p->name == NULL)
		return "name";
	if (p->init == NULL)
		return "init";
	if (p->fini == NULL)
		return "fini";
	if (p->probe == NULL)
		return "probe";
	if (p->install == NULL)
		return "install";
	if (p->configure == NULL)
		return "configure";
	if (p->restart == NULL)
		return "restart";
	if (p->stop == NULL)
		return "stop";
	if (p->uninstall == NULL)
		return "uninstall";
	return NULL;
}

int loader_load_path(const char *path, const struct dx_host *host,
                     struct loader_plugin *out, char *msg, size_t msgsize)
{
	void *dl = NULL;
	const struct dx_plugin *p;
	const char *missing;
	void *state = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		snprintf(msg, msgsize,
		         "dlopen(%s) failed: %s (the most common cause is a "
		         "missing dependency: check it with ldd)",
		         path, dlerror());
		r = DX_ERR_PLUGIN_LOAD;
		goto out;
	}
	p = dlsym(dl, DX_PLUGIN_SYMBOL);
	if (p == NULL) {
		snprintf(msg, msgsize, "%s does not export the symbol %s", path,
		         DX_PLUGIN_SYMBOL);
		r = DX_ERR_PLUGIN_LOAD;
		goto out;
	}
	if (DX_ABI_MAJOR_OF(p->abi_version) != DX_ABI_MAJOR) {
		snprintf(msg, msgsize,
		         "%s: incompatible plugin ABI %u.%u (expected %u.x)",
		         path, DX_ABI_MAJOR_OF(p->abi_version),
		         DX_ABI_MINOR_OF(p->abi_version), DX_ABI_MAJOR);
		r = DX_ERR_PLUGIN_ABI;
		goto out;
	}
	missing = missing_member(p);
	if (missing != NULL) {
		snprintf(msg, msgsize, "%s: ABI %u.%u plugin has no %s", path,
		         DX_ABI_MAJOR_OF(p->abi_version),
		         DX_ABI_MINOR_OF(p->abi_version), missing);
		r = DX_ERR_PLUGIN_ABI;
		goto out;
	}
	r = p->init(host, &state);
	if (r != DX_OK) {
		snprintf(msg, msgsize,
		         "%s: plugin '%s' (ABI %u.%u) refused to initialise with "
		         "handler ABI %u.%u (code %d)",
		         path, p->name, DX_ABI_MAJOR_OF(p->abi_version),
		         DX_ABI_MINOR_OF(p->abi_version),
		         DX_ABI_MAJOR_OF(host->abi_version),
		         DX_ABI_MINOR_OF(host->abi_version), r);
		r = DX_ERR_PLUGIN_INIT;
		goto out;
	}
	out->dl = dl;
	out->plugin = p;
	out->state = state;
	out->initialised = 1;
	dl = NULL;
	r = DX_OK;
out:
	if (dl != NULL)
		dlclose(dl);
	return r;
}

int loader_load(enum dx_distro d, const char *dir, const struct dx_host *host,
                struct loader_plugin *out, char *msg, size_t msgsize)
{
	const struct plugin_entry *e = find_entry(d);
	char path[PATH_MAX];
	int r;

	memset(out, 0, sizeof(*out));
	if (e == NULL) {
		snprintf(msg, msgsize, "no plugin for distribution '%s'",
		         distro_name(d));
		return DX_ERR_DISTRO_UNSUPPORTED;
	}
	r = loader_check_trusted(dir, S_IFDIR, 0, msg, msgsize);
	if (r == DX_ERR_PLUGIN_MISSING) {
		snprintf(msg, msgsize, "plugin directory %s does not exist",
		         dir);
		return r;
	}
	if (r != DX_OK)
		return r;
	if (snprintf(path, sizeof(path), "%s/%s", dir, e->file) >=
	    (int)sizeof(path)) {
		snprintf(msg, msgsize, "plugin directory path too long: %s",
		         dir);
		return DX_ERR_INVALID_ARG;
	}
	r = loader_check_trusted(path, S_IFREG, 0, msg, msgsize);
	if (r == DX_ERR_PLUGIN_MISSING) {
		snprintf(msg, msgsize, "plugin %s for %s not found in %s",
		         e->file, distro_name(d), dir);
		return r;
	}
	if (r != DX_OK)
		return r;
	r = loader_load_path(path, host, out, msg, msgsize);
	if (r != DX_OK)
		return r;
	if (strcmp(out->plugin->name, e->name) != 0) {
		snprintf(msg, msgsize, "%s holds plugin '%s', expected '%s'",
		         path, out->plugin->name, e->name);
		loader_unload(out);
		return DX_ERR_PLUGIN_LOAD;
	}
	return DX_OK;
}

void loader_unload(struct loader_plugin *p)
{
	if (p == NULL)
		return;
	if (p->initialised && p->plugin != NULL)
		p->plugin->fini(p->state);
	if (p->dl != NULL)
		dlclose(p->dl);
	memset(p, 0, sizeof(*p));
}
