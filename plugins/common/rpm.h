/*
 * rpm - the dnf/yum family (CentOS, AlmaLinux, Rocky, RHEL), shared by
 * their plugins.
 */
#ifndef DX_RPM_H
#define DX_RPM_H

#include "family.h"

int rpm_install(struct family_state *st);
int rpm_uninstall(struct family_state *st);

#endif
