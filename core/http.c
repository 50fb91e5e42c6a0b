/* STUB: to be written (libcurl downloads). */
#include "config.h"

#include "http.h"

#include "dx_plugin.h"

int http_global_init(void) { return DX_OK; }
void http_global_cleanup(void) { }
void http_allow_plain_http(int allow) { (void)allow; }

int http_get(const char *url, size_t max, char **out, size_t *len)
{
	(void)url; (void)max; *out = NULL; *len = 0;
	return DX_ERR_NOT_IMPLEMENTED;
}

int http_download(const char *url, const char *path, mode_t mode, const char *sha256_hex)
{
	(void)url; (void)path; (void)mode; (void)sha256_hex;
	return DX_ERR_NOT_IMPLEMENTED;
}
