#include "config.h"

#include <CUnit/CUnit.h>

void test_exec_register(void);

void test_exec_register(void)
{
	/* TODO(helper): suite for core/exec.c */
}
