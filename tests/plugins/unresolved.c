/* A plugin with a symbol that resolves nowhere: RTLD_NOW must refuse it
   at load time rather than fail later inside restart(). */
#include "config.h"

#include "dx_plugin.h"

int dx_no_such_function_anywhere(void);

static int u_init(const struct dx_host *host, void **state) { (void)host; *state = 0; return DX_OK; }
static void u_fini(void *state) { (void)state; }
static int u_probe(void *state, struct dx_probe *out) { (void)state; (void)out; return DX_OK; }
static int u_op(void *state) { (void)state; return dx_no_such_function_anywhere(); }

const struct dx_plugin dx_plugin = {
	DX_ABI_VERSION, "unresolved", u_init, u_fini, u_probe,
	u_op, u_op, u_op, u_op, u_op,
};
