/*
 * rpm - the dnf/yum family (CentOS, CentOS Stream, AlmaLinux, Rocky,
 * RHEL), shared by their plugins: Docker's repository as a .repo file
 * (the distribution's directory of it, or a mirror's), or the
 * distribution's packages; conflicting packages removed first; pins
 * resolved through `dnf list --showduplicates` (epoch included) and held
 * by an exclude= in the extension's own .repo file; the rpm/dnf/yum locks
 * waited for; the packages it installed recorded for uninstall.
 */
#ifndef DX_RPM_H
#define DX_RPM_H

#include "family.h"

#define RPM_REPO_FILE "/etc/yum.repos.d/docker-ce.repo"
#define RPM_REPO_ID "docker-ce-stable"

/* Lock files rpm holds during a transaction (fcntl locks), and the pid
   files yum and dnf write while they run. */
extern const char *const rpm_lock_files[];
extern const char *const rpm_pid_files[];

/* Docker Engine and Compose from the settings' source, at the pin, and
   the docker group's users.  Skipped when they are there already. */
int rpm_install(struct family_state *st);
/* Stop and remove exactly the packages the extension installed (and its
   .repo file, with it the hold) and the daemon configuration it wrote. */
int rpm_uninstall(struct family_state *st);

#endif
