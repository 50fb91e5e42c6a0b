#include "config.h"

#include <CUnit/CUnit.h>

void test_distro_register(void);

void test_distro_register(void)
{
	/* TODO(helper): suite for core/distro.c */
}
