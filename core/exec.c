/* STUB: to be written (safe command execution). */
#include "config.h"

#include "exec.h"

int exec_run(struct dx_run *r)
{
	(void)r;
	return DX_ERR_NOT_IMPLEMENTED;
}
