#include "config.h"

#include <CUnit/CUnit.h>

void test_err_register(void);

void test_err_register(void)
{
}
