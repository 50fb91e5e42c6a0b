/*
 * dx_plugin.h - the one public header of docker-extension.
 *
 * A distribution plugin is a shared object that exports exactly one
 * symbol, `dx_plugin`, a const struct dx_plugin.  The handler picks the
 * plugin from a fixed table (distribution -> file name), checks the
 * directory it lives in, dlopen()s it with RTLD_NOW | RTLD_LOCAL, reads
 * `dx_plugin`, refuses a different ABI major and calls init() with a
 * struct dx_host.  A plugin reaches the handler only through that host
 * struct: it links against nothing of the core, so a test can hand it a
 * recording host.
 *
 * Versioning (as sudo_plugin.h does it): major << 16 | minor.  The minor
 * grows when members are appended to the end of a struct; the major grows
 * when anything else changes.  A reader reads an appended member only after
 * checking that the other side's minor says it exists.  See the ABI
 * changelog at the end of this file.
 */
#ifndef DX_PLUGIN_H
#define DX_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DX_ABI_MK(major, minor) ((uint32_t)(((major) << 16) | (minor)))
#define DX_ABI_MAJOR_OF(v) ((unsigned)((v) >> 16))
#define DX_ABI_MINOR_OF(v) ((unsigned)((v) & 0xffffu))

#define DX_ABI_MAJOR 1
#define DX_ABI_MINOR 0
#define DX_ABI_VERSION DX_ABI_MK(DX_ABI_MAJOR, DX_ABI_MINOR)

/* The only symbol a plugin exports, and how a plugin marks it. */
#define DX_PLUGIN_SYMBOL "dx_plugin"
#if defined(__GNUC__)
#define DX_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define DX_PLUGIN_EXPORT
#endif

/*
 * Result codes shared by the handler and the plugins.  APPEND-ONLY: a value
 * is never renumbered or removed; a retired one becomes DX_ERR_OBSOLETE<n>.
 * Appending one bumps the ABI minor.  The handler maps each to an exit code
 * and a status code in one place, and treats a code it does not know (from
 * a newer plugin) as a failure.
 */
enum dx_err {
	DX_OK = 0,
	DX_ERR_INTERNAL = 1,            /* a bug: should not happen */
	DX_ERR_NOMEM = 2,
	DX_ERR_USAGE = 3,               /* bad command line */
	DX_ERR_IO = 4,                  /* a file could not be read or written */
	DX_ERR_NOT_IMPLEMENTED = 5,     /* the plugin cannot do this yet */
	DX_ERR_DISTRO_UNDETECTED = 6,   /* no readable os-release or fallback */
	DX_ERR_DISTRO_UNSUPPORTED = 7,  /* detected, but not a supported release */
	DX_ERR_PLUGIN_MISSING = 8,      /* the plugin file is not there */
	DX_ERR_PLUGIN_UNTRUSTED = 9,    /* owner, mode or type check failed */
	DX_ERR_PLUGIN_LOAD = 10,        /* dlopen() or dlsym() failed */
	DX_ERR_PLUGIN_ABI = 11,         /* incompatible ABI major */
	DX_ERR_PLUGIN_INIT = 12,        /* the plugin's init() refused */
	DX_ERR_EXEC = 13,               /* a command could not be started */
	DX_ERR_EXEC_TIMEOUT = 14,       /* a command ran past its time limit */
	DX_ERR_EXEC_FAILED = 15,        /* a command exited non-zero */
	DX_ERR_DOWNLOAD = 16,           /* a download failed */
	DX_ERR_CHECKSUM = 17,           /* downloaded data did not match */
	DX_ERR_SETTINGS = 18,           /* the settings are invalid */
	DX_ERR_INVALID_ARG = 19,        /* a caller passed a bad argument */
	DX_ERR_TOO_LARGE = 20,          /* input over a fixed size cap */
	DX_ERR_DECRYPT = 21,            /* protected settings: decryption failed
	                                   (bad padding, not a JSON object) */
	DX_ERR_DECRYPT_KEY = 22,        /* key/cert files missing, unreadable,
	                                   or not the thumbprint's */
	DX_ERR_DECRYPT_RECIPIENT = 23,  /* no recipient matches our certificate */
	DX_ERR_DECRYPT_FORMAT = 24,     /* malformed envelope or base64 */
	DX_ERR_DECRYPT_ALGORITHM = 25,  /* unsupported algorithm (names the OID) */
	DX_ERR_DAEMON_DOWN = 26,        /* the Docker Engine does not answer */
	DX_ERR_LOGIN_DENIED = 27,       /* a registry refused the credentials */
	DX_ERR_REGISTRY = 28,           /* a registry could not be reached */
	DX_ERR_COMPOSE = 29,            /* compose refused or failed the project */
	DX_ERR_SERVICE_FAILED = 30,     /* a compose service is not running
	                                   (exited non-zero, crash-looping) */
	DX_ERR_IMAGE_PULL = 31,         /* an image does not exist or may not
	                                   be pulled */
	DX_ERR_PKG_LOCKED = 32,         /* the package manager's lock stayed
	                                   held by another process */
	DX_ERR_VERSION_NOT_FOUND = 33,  /* the pinned docker.version is not in
	                                   the package repository */
	DX_ERR_NO_DISTRO_PACKAGE = 34,  /* docker.source "distro": the release
	                                   has no Docker package */
	DX_ERR_DAEMON_CONFIG = 35,      /* the Docker Engine did not start with
	                                   the new configuration */
	DX_ERR_DOCKER_MISSING = 36,     /* Docker ships with the OS but is not
	                                   there (CoreOS/Flatcar: masked) */
	DX_ERR_SUPERSEDED = 37,         /* a newer enable came before this one
	                                   could apply its settings */
	DX_ERR__COUNT                   /* keep last; not a code */
};

enum dx_log_level {
	DX_LOG_ERROR = 0,
	DX_LOG_WARN = 1,
	DX_LOG_INFO = 2,
	DX_LOG_DEBUG = 3
};

/*
 * One command to run.  argv[0] must be an absolute path; there is no shell.
 * A secret never goes into argv (any user can read /proc/PID/cmdline):
 * pass it through stdin_data, or as an envp value when the child needs it
 * in its environment (/proc/PID/environ is readable by root only).
 */
struct dx_run {
	/* in */
	const char *const *argv;     /* NULL-terminated, argv[0] absolute */
	const char *const *envp;     /* extra NAME=VALUE entries added to a
	                                minimal environment; NULL for none */
	const char *stdin_data;      /* NULL: stdin is /dev/null */
	size_t stdin_len;
	unsigned timeout_ms;         /* 0: no limit */
	char *output;                /* NULL, or a buffer for stdout+stderr */
	size_t output_size;          /* its size; output is NUL-terminated and
	                                keeps the LAST bytes when it overflows */
	/* out */
	int exit_status;             /* 0-255 when the command exited, else -1 */
	int term_signal;             /* the signal that ended it, else 0 */
	int timed_out;               /* 1 when killed for its time limit */
	size_t output_len;           /* bytes stored in output */
	int output_truncated;        /* 1 when output lost its beginning */
};

enum dx_source {
	DX_SOURCE_DOCKER = 0,        /* Docker's official repository */
	DX_SOURCE_DISTRO = 1         /* the distribution's own packages */
};

/*
 * The validated settings a plugin needs, as plain C.  Strings are NULL when
 * not set.  The handler owns every pointer; they stay valid until fini().
 */
struct dx_settings_view {
	const char *version;         /* pinned engine version, e.g. "27.3.1" */
	enum dx_source source;
	const char *mirror;          /* package mirror base URL */
	int china_cloud;             /* azure-environment is AzureChinaCloud */
	int port;                    /* TCP port with TLS, 0 for none */
	const char *const *options;  /* extra dockerd argv words */
	size_t n_options;
	const char *daemon_json;     /* full daemon.json text to write, or NULL */
	const char *proxy_http;
	const char *proxy_https;
	const char *no_proxy;
	const char *const *users;    /* users to add to the docker group */
	size_t n_users;
	/* TLS for the TCP port: PEM texts, all three or none (tls_key is a
	   secret: write it 0600, never log it).  The plugin writes them to
	   /etc/docker/{ca,cert,key}.pem. */
	const char *tls_ca;
	const char *tls_cert;
	const char *tls_key;
	int allow_unauthenticated_port; /* port without TLS was asked for */
};

/*
 * What the handler offers a plugin.  Every function takes `ctx` first.
 * The host never rewrites paths: a plugin prefixes `sysroot` ("" on a real
 * VM, a fake root in tests) to every file path it builds itself, including
 * those it passes to write_file() and download().
 */
struct dx_host {
	uint32_t abi_version;        /* the handler's DX_ABI_VERSION */
	void *ctx;
	const char *sysroot;

	void (*log)(void *ctx, enum dx_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
		__attribute__((format(printf, 3, 4)))
#endif
		;
	/* DX_OK when the command ran to an exit or was killed by a signal
	   (look at exit_status and term_signal), DX_ERR_EXEC when it could
	   not start, DX_ERR_EXEC_TIMEOUT when killed at its limit (the whole
	   process group is killed).  Always give a timeout. */
	int (*run)(void *ctx, struct dx_run *run);
	/* Write the whole file or nothing: temp file, fsync, rename. */
	int (*write_file)(void *ctx, const char *path, const void *data,
	                  size_t len, unsigned mode);
	/* HTTPS download to `path` (atomic, `mode`); when sha256_hex is not
	   NULL the data must hash to it or nothing is written. */
	int (*download)(void *ctx, const char *url, const char *path,
	                unsigned mode, const char *sha256_hex);
	const struct dx_settings_view *(*settings)(void *ctx);
	/* What the plugin is waiting for, for the user: it goes into the
	   transitioning status ("waiting for the package manager lock held
	   by pid 1234").  No secret; one line. */
	void (*progress)(void *ctx, const char *fmt, ...)
#if defined(__GNUC__)
		__attribute__((format(printf, 2, 3)))
#endif
		;
	/* Time, through the host so that tests can run a virtual clock:
	   monotonic milliseconds, and a sleep. */
	uint64_t (*now_ms)(void *ctx);
	void (*sleep_ms)(void *ctx, unsigned ms);
	/* DX_OK when the Docker Engine answers GET /_ping with "OK" on the
	   unix socket `socket_path` (sysroot not applied) within timeout_ms,
	   else DX_ERR_DAEMON_DOWN. */
	int (*docker_ping)(void *ctx, const char *socket_path,
	                   unsigned timeout_ms);
};

/* What probe() reports about the Docker already on the machine. */
struct dx_probe {
	int docker_installed;        /* the engine binary is there */
	char docker_version[64];     /* e.g. "27.3.1", "" when unknown */
	int compose_installed;
	char compose_version[64];
};

/*
 * The plugin.  Return values are enum dx_err.  init() receives the host
 * (with the handler's ABI version) and may refuse it; `*state` is the
 * plugin's own and comes back to every other call and to fini().
 */
struct dx_plugin {
	uint32_t abi_version;        /* DX_ABI_VERSION the plugin was built with */
	const char *name;            /* e.g. "ubuntu" */
	int (*init)(const struct dx_host *host, void **state);
	void (*fini)(void *state);
	int (*probe)(void *state, struct dx_probe *out);
	int (*install)(void *state);
	int (*configure)(void *state);
	int (*restart)(void *state);
	int (*stop)(void *state);
	int (*uninstall)(void *state);
};

#ifdef __cplusplus
}
#endif

/*
 * ABI CHANGELOG
 *
 * 1.0 (2026-11-23, not yet released: it may still change without a bump)
 *   First version: struct dx_plugin {abi_version, name, init, fini, probe,
 *   install, configure, restart, stop, uninstall}; struct dx_host {log, run,
 *   write_file, download, settings}; struct dx_run; struct
 *   dx_settings_view; struct dx_probe; enum dx_err codes 0-26 (21-25:
 *   protected settings; 26: the engine does not answer; 27-31:
 *   registries, compose and containers); dx_host gained
 *   progress, now_ms, sleep_ms, docker_ping; dx_settings_view carries the
 *   TLS PEM texts (tls_ca, tls_cert, tls_key) and
 *   allow_unauthenticated_port.
 *   enum dx_err gained 32-36 (package manager lock held, pinned
 *   version not found, no distribution package, daemon refused the new
 *   configuration, Docker missing where the OS ships it).
 */
#endif /* DX_PLUGIN_H */
