/*
 * apt - the apt/dpkg family (Ubuntu, Debian), shared by their plugins:
 * Docker's repository the way Docker documents it (the key fetched by
 * the host's libcurl into /etc/apt/keyrings/docker.asc, a deb822 source
 * with Signed-By), or the distribution's packages; conflicting packages
 * removed first; pins resolved through `apt-cache madison` and held; the
 * dpkg lock waited for; the packages it installed recorded for uninstall.
 */
#ifndef DX_APT_H
#define DX_APT_H

#include "family.h"

#define APT_KEYRING "/etc/apt/keyrings/docker.asc"
#define APT_SOURCE "/etc/apt/sources.list.d/docker.sources"

/* Lock files apt holds while another process installs packages. */
extern const char *const apt_lock_files[];

/* Docker Engine and Compose from the settings' source, at the pin, and
   the docker group's users.  Skipped when they are there already. */
int apt_install(struct family_state *st);
/* Stop and remove exactly the packages the extension installed (and its
   repository files) and the daemon configuration it wrote. */
int apt_uninstall(struct family_state *st);

#endif
