/*
 * plugin_httpd - a scripted HTTP server on 127.0.0.1 (a thread on an
 * ephemeral port) for the plugin kit's download tests: the plugins'
 * downloads go through the core's real libcurl code to it.  Each route
 * answers a status and a body, a given number of times, optionally
 * after a pause between the headers and the body (a slow server).
 */
#ifndef DX_PLUGIN_HTTPD_H
#define DX_PLUGIN_HTTPD_H

#include <stddef.h>

/* Start once (0, or -1); stop at the end. */
int httpd_start(void);
void httpd_stop(void);

/* Forget the routes and the hit counts. */
void httpd_reset(void);

/* Answer GET `path` with `status` ("200 OK", "500 Internal Server
   Error") and `body` (len bytes), `times` times (0: every time), after
   sending the headers and waiting delay_ms.  The first route added for
   a path that is not used up answers; a path without one gets 404. */
void httpd_route(const char *path, int times, const char *status,
                 const char *body, size_t len, unsigned delay_ms);

/* Requests seen for `path`. */
unsigned httpd_hits(const char *path);

/* "http://127.0.0.1:<port>" */
const char *httpd_base(void);

#endif
