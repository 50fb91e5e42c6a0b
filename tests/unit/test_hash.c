#include "config.h"

#include <CUnit/CUnit.h>

void test_hash_register(void);

void test_hash_register(void)
{
}
