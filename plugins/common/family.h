/*
 * family - what every plugin shares: state, the host ABI check, logging
 * through the host, and the probe of an installed Docker.  Compiled into
 * each plugin (never exported: plugins build with hidden visibility).
 */
#ifndef DX_FAMILY_H
#define DX_FAMILY_H

#include <stddef.h>

#include "dx_plugin.h"

struct family_state {
	const struct dx_host *host;
	const char *plugin;    /* "ubuntu", ... for messages */
};

/* Accept a host of our ABI major; allocate the state. */
int family_init(const struct dx_host *host, void **state, const char *plugin);
void family_fini(void *state);

/* Look for dockerd and the compose tool under the host's sysroot. */
int family_probe(void *state, struct dx_probe *out);

/* Log that `what` is not implemented yet and return DX_ERR_NOT_IMPLEMENTED
   (the skeleton's honest answer). */
int family_not_implemented(struct family_state *st, const char *what);

/* <sysroot><path> into out; 0 on success, -1 when it does not fit. */
int family_path(const struct family_state *st, const char *path, char *out,
                size_t outsize);

#endif
