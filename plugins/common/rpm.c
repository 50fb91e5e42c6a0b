#include "config.h"

#include "rpm.h"

int rpm_install(struct family_state *st)
{
	return family_not_implemented(st, "dnf/yum install");
}

int rpm_uninstall(struct family_state *st)
{
	return family_not_implemented(st, "dnf/yum uninstall");
}
