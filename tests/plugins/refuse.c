/* A plugin whose init() refuses the host (as one would a host too old). */
#include "config.h"

#include "dx_plugin.h"

static int refuse_init(const struct dx_host *host, void **state) { (void)host; *state = 0; return DX_ERR_PLUGIN_ABI; }
static void refuse_fini(void *state) { (void)state; }
static int refuse_probe(void *state, struct dx_probe *out) { (void)state; (void)out; return DX_OK; }
static int refuse_op(void *state) { (void)state; return DX_OK; }

const struct dx_plugin dx_plugin = {
	DX_ABI_VERSION, "refuse", refuse_init, refuse_fini, refuse_probe,
	refuse_op, refuse_op, refuse_op, refuse_op, refuse_op,
};
