/*
 * apt - the apt/dpkg family (Ubuntu, Debian), shared by their plugins.
 */
#ifndef DX_APT_H
#define DX_APT_H

#include "family.h"

/* Lock files apt holds while another process installs packages. */
extern const char *const apt_lock_files[];

int apt_install(struct family_state *st);
int apt_uninstall(struct family_state *st);

#endif
