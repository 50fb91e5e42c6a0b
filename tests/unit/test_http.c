#include "config.h"

#include <CUnit/CUnit.h>

void test_http_register(void);

void test_http_register(void)
{
	/* TODO(helper): suite for core/http.c */
}
