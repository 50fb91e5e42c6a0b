/*
 * http - the one libcurl user: downloads over HTTPS (plain HTTP only where
 * a test allows it), bounded in size and time.  libcurl is dlopen()ed on
 * the first download, so a process that downloads nothing never maps it.
 * Single attempt: retries with backoff belong to the caller, which knows
 * what is transient.
 *
 * Returns DX_OK, DX_ERR_INVALID_ARG (no URL, a scheme not allowed, a
 * malformed checksum), DX_ERR_DOWNLOAD (network, TLS, HTTP >= 400,
 * libcurl cannot be loaded), DX_ERR_TOO_LARGE (over the cap; a body of
 * exactly the cap is accepted), DX_ERR_NOMEM; http_download adds
 * DX_ERR_CHECKSUM and DX_ERR_IO.  On failure *out is NULL and *len 0.
 * Proxies come from libcurl's environment variables.
 */
#ifndef DX_HTTP_H
#define DX_HTTP_H

#include <stddef.h>
#include <sys/types.h>

#define HTTP_MAX_DOWNLOAD (256u * 1024u * 1024u)

/* Call once at start-up and once at exit.  libcurl itself is loaded and
   initialised lazily, on the first download; cleanup undoes the
   initialisation if it happened. */
int http_global_init(void);
void http_global_cleanup(void);

/* Only for tests: also allow plain http:// URLs (loopback test servers).
   Process-wide, not locked. */
void http_allow_plain_http(int allow);

/* Fetch `url` into memory (*out NUL-terminated, *len) with a size cap. */
int http_get(const char *url, size_t max, char **out, size_t *len);

/* GET `path` (e.g. "/_ping") from an HTTP server on the unix socket
   `socket_path` (the Docker Engine API), bounded by `timeout_ms`.  Goes
   through core/unixhttp.c, not libcurl; only 2xx is DX_OK, and failures
   are logged at debug level only. */
int http_unix_get(const char *socket_path, const char *path,
                  unsigned timeout_ms, size_t max, char **out, size_t *len);

/* The CA certificates TLS verification trusts: the first regular file
   in `files`, else the first directory in `dirs` (*is_dir set to 1);
   NULL when neither list names one that exists.  Both lists end with
   NULL. */
const char *http_ca_pick(const char *const *files, const char *const *dirs,
                         int *is_dir);

/* http_ca_pick over the places the supported distributions keep them
   (/etc/ssl/certs/ca-certificates.crt on Debian and Ubuntu,
   /etc/pki/tls/certs/ca-bundle.crt on RHEL and CentOS, ...). */
const char *http_ca_location(int *is_dir);

/* Download `url` to `path` atomically with `mode`.  When sha256_hex is
   not NULL, the body must hash to it (DX_ERR_CHECKSUM otherwise) and
   nothing is written. */
int http_download(const char *url, const char *path, mode_t mode,
                  const char *sha256_hex);

#endif
