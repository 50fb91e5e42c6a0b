/* STUB: to be written (distro detection). */
#include "config.h"

#include "distro.h"

#include <string.h>

#include "dx_plugin.h"

int distro_parse_os_release(const char *text, size_t len, struct distro_info *out)
{
	(void)text; (void)len; memset(out, 0, sizeof(*out));
	return DX_ERR_NOT_IMPLEMENTED;
}

int distro_parse_lsb_release(const char *text, size_t len, struct distro_info *out)
{
	(void)text; (void)len; memset(out, 0, sizeof(*out));
	return DX_ERR_NOT_IMPLEMENTED;
}

int distro_parse_redhat_release(const char *text, size_t len, struct distro_info *out)
{
	(void)text; (void)len; memset(out, 0, sizeof(*out));
	return DX_ERR_NOT_IMPLEMENTED;
}

int distro_classify(const struct distro_info *info, enum dx_distro *out, char *msg, size_t msgsize)
{
	(void)info; (void)msg; (void)msgsize; *out = DX_DISTRO_UNKNOWN;
	return DX_ERR_NOT_IMPLEMENTED;
}

int distro_detect(const char *root, struct distro_info *info, enum dx_distro *out, char *msg, size_t msgsize)
{
	(void)root; (void)msg; (void)msgsize; memset(info, 0, sizeof(*info)); *out = DX_DISTRO_UNKNOWN;
	return DX_ERR_NOT_IMPLEMENTED;
}

const char *distro_name(enum dx_distro d)
{
	(void)d;
	return "unknown";
}
