/*
 * err - every mapping of enum dx_err lives here: text, exit code, and
 * whether it is the user's mistake or the system's.
 */
#include "config.h"

#include "err.h"

#include <stddef.h>

static const char *const messages[DX_ERR__COUNT] = {
	[DX_OK] = "success",
	[DX_ERR_INTERNAL] = "internal error",
	[DX_ERR_NOMEM] = "out of memory",
	[DX_ERR_USAGE] = "bad command line",
	[DX_ERR_IO] = "file could not be read or written",
	[DX_ERR_NOT_IMPLEMENTED] = "not implemented yet",
	[DX_ERR_DISTRO_UNDETECTED] = "distribution could not be detected",
	[DX_ERR_DISTRO_UNSUPPORTED] = "distribution or release not supported",
	[DX_ERR_PLUGIN_MISSING] = "plugin file not found",
	[DX_ERR_PLUGIN_UNTRUSTED] = "plugin file or directory not trusted",
	[DX_ERR_PLUGIN_LOAD] = "plugin could not be loaded",
	[DX_ERR_PLUGIN_ABI] = "plugin ABI incompatible",
	[DX_ERR_PLUGIN_INIT] = "plugin refused to initialise",
	[DX_ERR_EXEC] = "command could not be started",
	[DX_ERR_EXEC_TIMEOUT] = "command timed out",
	[DX_ERR_EXEC_FAILED] = "command failed",
	[DX_ERR_DOWNLOAD] = "download failed",
	[DX_ERR_CHECKSUM] = "checksum mismatch",
	[DX_ERR_SETTINGS] = "invalid settings",
	[DX_ERR_INVALID_ARG] = "invalid argument",
	[DX_ERR_TOO_LARGE] = "input too large",
	[DX_ERR_DECRYPT] = "protected settings could not be decrypted",
	[DX_ERR_DECRYPT_KEY] = "protected settings key or certificate unusable",
	[DX_ERR_DECRYPT_RECIPIENT] = "protected settings not encrypted to our certificate",
	[DX_ERR_DECRYPT_FORMAT] = "protected settings malformed",
	[DX_ERR_DECRYPT_ALGORITHM] = "protected settings algorithm not supported",
	[DX_ERR_DAEMON_DOWN] = "Docker Engine does not answer",
	[DX_ERR_LOGIN_DENIED] = "registry refused the username or password",
	[DX_ERR_REGISTRY] = "registry could not be reached",
	[DX_ERR_COMPOSE] = "compose could not bring the project up",
	[DX_ERR_SERVICE_FAILED] = "a compose service is not running",
	[DX_ERR_IMAGE_PULL] = "image not found or access denied",
	[DX_ERR_PKG_LOCKED] = "package manager busy: another process held its lock too long",
	[DX_ERR_VERSION_NOT_FOUND] = "requested Docker version not found in the package repository",
	[DX_ERR_NO_DISTRO_PACKAGE] = "the distribution has no Docker package for this release",
	[DX_ERR_DAEMON_CONFIG] = "Docker Engine did not start with the new configuration",
	[DX_ERR_DOCKER_MISSING] = "Docker is not available on this OS image",
	[DX_ERR_SUPERSEDED] = "superseded by a newer sequence number before it was applied",
};

const char *err_str(int err)
{
	if (err < 0 || err >= DX_ERR__COUNT || messages[err] == NULL)
		return "unknown error";
	return messages[err];
}

_Static_assert(DX_ERR__COUNT + 10 < 126,
               "exit codes err + 10 must stay clear of 126, 127, 128+N");

int err_exit_code(int err)
{
	if (err == DX_OK)
		return 0;
	if (err == DX_ERR_USAGE)
		return 2;
	/* Other codes are small and stable (the enum is append-only); keep
	   them clear of the shell's 126/127/128+N. */
	if (err > 0 && err < DX_ERR__COUNT)
		return err + 10;
	return 1;
}

int err_is_user_error(int err)
{
	switch (err) {
	case DX_ERR_USAGE:
	case DX_ERR_DISTRO_UNSUPPORTED:
	case DX_ERR_SETTINGS:
	case DX_ERR_LOGIN_DENIED:
	case DX_ERR_COMPOSE:
	case DX_ERR_SERVICE_FAILED:
	case DX_ERR_IMAGE_PULL:
	case DX_ERR_VERSION_NOT_FOUND:
	case DX_ERR_NO_DISTRO_PACKAGE:
	case DX_ERR_DAEMON_CONFIG:
	case DX_ERR_DOCKER_MISSING:
		return 1;
	default:
		return 0;
	}
}

int err_status_code(int err)
{
	if (err == DX_OK)
		return 0;
	if (err < 0 || err >= DX_ERR__COUNT)
		return 200;
	return (err_is_user_error(err) ? 100 : 200) + err;
}
