/* A shared object that is not a plugin: no dx_plugin symbol. */
#include "config.h"

int not_a_plugin(void);
int not_a_plugin(void) { return 1; }
