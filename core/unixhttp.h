/*
 * unixhttp - a small HTTP/1.1 client for the Docker Engine API on its unix
 * socket: one GET per connection (Connection: close), no TLS, no
 * redirects, no proxies.  It exists so that the processes that only talk
 * to the local engine (enable, status, a healthy re-enable) never load
 * libcurl and the thirty-odd libraries it pulls in (see core/http.c).
 *
 * The response is read with a deadline over the whole exchange (connect,
 * request, headers, body), a cap on the headers (UNIXHTTP_MAX_HEAD) and a
 * cap on the body (`max`); Content-Length, chunked transfer-encoding and
 * read-until-close bodies are understood.  Only a 2xx status is success.
 *
 * Returns DX_OK with *out (NUL-terminated, owned by the caller) and *len;
 * DX_ERR_INVALID_ARG (no socket path, one too long for sun_path, a path
 * that does not start with '/' or holds a space or control character);
 * DX_ERR_DOWNLOAD (cannot connect, timeout, malformed or truncated
 * response, a status other than 2xx); DX_ERR_TOO_LARGE (body over `max`;
 * exactly `max` is accepted); DX_ERR_NOMEM.  On failure *out is NULL and
 * *len 0, and the reason is logged at debug level: callers use this as a
 * health check and say themselves what a failure means.
 */
#ifndef DX_UNIXHTTP_H
#define DX_UNIXHTTP_H

#include <stddef.h>

/* Status line and headers together, per response (1xx ones included). */
#define UNIXHTTP_MAX_HEAD 16384u
/* The longest request path accepted (the engine's filters are URL-encoded
   JSON, a few hundred bytes). */
#define UNIXHTTP_MAX_PATH 4096u

int unixhttp_get(const char *socket_path, const char *path,
                 unsigned timeout_ms, size_t max, char **out, size_t *len);

#endif
