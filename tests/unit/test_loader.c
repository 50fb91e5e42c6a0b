#include "config.h"

#include <CUnit/CUnit.h>

void test_loader_register(void);

void test_loader_register(void)
{
}
