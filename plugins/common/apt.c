#include "config.h"

#include "apt.h"

#include <stddef.h>

const char *const apt_lock_files[] = {
	"/var/lib/dpkg/lock-frontend",
	"/var/lib/dpkg/lock",
	"/var/lib/apt/lists/lock",
	NULL
};

int apt_install(struct family_state *st)
{
	return family_not_implemented(st, "apt install");
}

int apt_uninstall(struct family_state *st)
{
	return family_not_implemented(st, "apt uninstall");
}
