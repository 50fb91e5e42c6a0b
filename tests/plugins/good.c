/* A complete, well-behaved plugin named "good" (loader tests). */
#include "config.h"

#include "dx_plugin.h"

static int good_state = 42;

static int good_init(const struct dx_host *host, void **state)
{
	if (DX_ABI_MAJOR_OF(host->abi_version) != DX_ABI_MAJOR)
		return DX_ERR_PLUGIN_ABI;
	*state = &good_state;
	return DX_OK;
}

static void good_fini(void *state) { (void)state; }
static int good_probe(void *state, struct dx_probe *out) { (void)state; out->docker_installed = 1; return DX_OK; }
static int good_op(void *state) { return *(int *)state == 42 ? DX_OK : DX_ERR_INTERNAL; }

const struct dx_plugin dx_plugin = {
	DX_ABI_VERSION, "good", good_init, good_fini, good_probe,
	good_op, good_op, good_op, good_op, good_op,
};
