/*
 * registry - docker login and logout for the settings' registries.  The
 * password reaches docker through a pipe (--password-stdin), never argv;
 * the servers logged in to are recorded so that uninstall logs out of
 * exactly those.
 */
#ifndef DX_REGISTRY_H
#define DX_REGISTRY_H

#include <stddef.h>

#include "settings.h"

/* Log in to one registry.  DX_ERR_LOGIN_DENIED when it refused the
   credentials (not retried), DX_ERR_REGISTRY when it stayed unreachable
   through the retries; `msg` names the registry and never the password. */
int registry_login(const struct settings_login *l, char *msg,
                   size_t msgsize);

/* docker logout SERVER ("" for Docker Hub); failures are only logged. */
void registry_logout(const char *server);

/* "Docker Hub" for "", else the server, for messages. */
const char *registry_display(const char *server);

#endif
