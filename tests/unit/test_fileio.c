#include "config.h"

#include <CUnit/CUnit.h>

void test_fileio_register(void);

void test_fileio_register(void)
{
	/* TODO(helper): suite for core/fileio.c */
}
