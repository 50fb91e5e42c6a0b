/*
 * distro - which distribution is this, and is it a release we support?
 *
 * distro_parse_os_release() is a pure parser of os-release(5) text.
 * distro_classify() maps the parsed fields through a fixed table to one
 * enum dx_distro (and so to one plugin), checking the supported versions.
 * distro_detect() reads the files under a root directory that tests set:
 * <root>/etc/os-release, then <root>/usr/lib/os-release, then the files of
 * old systems: /etc/lsb-release, /etc/redhat-release, /etc/centos-release.
 */
#ifndef DX_DISTRO_H
#define DX_DISTRO_H

#include <stddef.h>

enum dx_distro {
	DX_DISTRO_UNKNOWN = 0,
	DX_DISTRO_UBUNTU,
	DX_DISTRO_DEBIAN,
	DX_DISTRO_CENTOS,   /* also AlmaLinux and Rocky Linux */
	DX_DISTRO_RHEL,
	DX_DISTRO_COREOS,   /* CoreOS Container Linux and Flatcar */
	DX_DISTRO__COUNT
};

#define DISTRO_FIELD_MAX 128
#define DISTRO_SOURCE_MAX 4096

/* The os-release fields we use; empty strings when absent. */
struct distro_info {
	char id[DISTRO_FIELD_MAX];          /* lower-case, e.g. "ubuntu" */
	char id_like[DISTRO_FIELD_MAX];
	char version_id[DISTRO_FIELD_MAX];  /* e.g. "22.04" */
	char name[DISTRO_FIELD_MAX];
	char source[DISTRO_SOURCE_MAX];     /* file it came from (for messages) */
};

/* Parse os-release text (KEY=value lines, quotes and backslash escapes
   per os-release(5), CRLF tolerated, bad lines skipped).  Returns DX_OK,
   or DX_ERR_DISTRO_UNDETECTED when the text has no ID. */
int distro_parse_os_release(const char *text, size_t len,
                            struct distro_info *out);

/* Parse /etc/lsb-release text: DISTRIB_ID (lower-cased into id),
   DISTRIB_RELEASE (version_id) and DISTRIB_DESCRIPTION (name). */
int distro_parse_lsb_release(const char *text, size_t len,
                             struct distro_info *out);

/* Parse one line like "CentOS Linux release 7.9.2009 (Core)" or
   "Red Hat Enterprise Linux Server release 7.9 (Maipo)". */
int distro_parse_redhat_release(const char *text, size_t len,
                                struct distro_info *out);

/* Map parsed fields to a supported distribution.  On refusal returns
   DX_ERR_DISTRO_UNSUPPORTED and writes a message naming the ID and
   VERSION_ID into msg. */
int distro_classify(const struct distro_info *info, enum dx_distro *out,
                    char *msg, size_t msgsize);

/* Read the files under `root` ("" or "/" for the real system), parse and
   classify.  `info` is filled even when the release is refused. */
int distro_detect(const char *root, struct distro_info *info,
                  enum dx_distro *out, char *msg, size_t msgsize);

/* "ubuntu", "debian", ... for messages; "unknown" otherwise. */
const char *distro_name(enum dx_distro d);

#endif
