#include "config.h"

#include <CUnit/CUnit.h>

void test_secrets_register(void);

void test_secrets_register(void)
{
	/* TODO(helper): suite for core/secrets.c */
}
