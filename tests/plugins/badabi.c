/* A plugin built for a future, incompatible ABI major (2.7). */
#include "config.h"

#include "dx_plugin.h"

static int bad_init(const struct dx_host *host, void **state) { (void)host; *state = 0; return DX_OK; }
static void bad_fini(void *state) { (void)state; }
static int bad_probe(void *state, struct dx_probe *out) { (void)state; (void)out; return DX_OK; }
static int bad_op(void *state) { (void)state; return DX_OK; }

const struct dx_plugin dx_plugin = {
	DX_ABI_MK(2, 7), "badabi", bad_init, bad_fini, bad_probe,
	bad_op, bad_op, bad_op, bad_op, bad_op,
};
