#include "config.h"

#include <CUnit/CUnit.h>

void test_log_register(void);

void test_log_register(void)
{
}
