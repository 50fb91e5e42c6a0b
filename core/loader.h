/*
 * loader - find, check and load the plugin for a distribution.
 *
 * The file name comes from a fixed table (enum dx_distro -> "ubuntu.so"),
 * never from input text.  Before dlopen(RTLD_NOW | RTLD_LOCAL) the plugin
 * directory and all its parents must be root-owned directories that are not
 * group or world writable, and the plugin must be a regular file (not a
 * symlink) with the same properties.  Every refusal has its own message.
 */
#ifndef DX_LOADER_H
#define DX_LOADER_H

#include <stddef.h>
#include <sys/types.h>

#include "distro.h"
#include "dx_plugin.h"

struct loader_plugin {
	void *dl;                       /* dlopen() handle */
	const struct dx_plugin *plugin; /* the exported struct */
	void *state;                    /* the plugin's init() state */
	int initialised;
};

/* The plugin file name for `d` ("ubuntu.so"), NULL when there is none. */
const char *loader_plugin_file(enum dx_distro d);

/* The plugin directory: <dir of handler_path>/../plugins when the handler
   runs from the extension package, else the configured DX_PLUGINDIR.
   `handler_path` is argv[0] (absolute when waagent runs us); may be NULL. */
int loader_plugin_dir(const char *handler_path, char *out, size_t outsize);

/* Check that `path` and every parent directory are owned by `owner` and
   not group or world writable; `path` itself must be of type `type`
   (S_IFDIR or S_IFREG) and not a symlink.  A parent (never `path` itself)
   may be world writable when it is sticky and owned by `owner`, as /tmp
   is: others cannot rename or remove what it holds. */
int loader_check_trusted(const char *path, mode_t type, uid_t owner,
                         char *msg, size_t msgsize);

/* Load the plugin for `d` from `dir`, check its ABI, call init(host).
   On failure returns a specific DX_ERR_PLUGIN_* / DX_ERR_DISTRO_* code with
   a message saying where and what. */
int loader_load(enum dx_distro d, const char *dir, const struct dx_host *host,
                struct loader_plugin *out, char *msg, size_t msgsize);

/* Load the file at `path` (already checked or a test's), check its ABI and
   init it.  Used by loader_load() and by the plugin tests. */
int loader_load_path(const char *path, const struct dx_host *host,
                     struct loader_plugin *out, char *msg, size_t msgsize);

/* fini() and dlclose(); safe on a zeroed struct. */
void loader_unload(struct loader_plugin *p);

#endif
