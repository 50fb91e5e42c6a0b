/*
 * settings - the only cJSON user.  Turns HandlerEnvironment.json, an
 * N.settings file and the plaintext of protected settings into typed,
 * validated C structures; nothing after this module touches JSON text
 * except as opaque strings (the compose definition, daemon.json) that it
 * re-serialises canonically.
 *
 * Validation collects every problem, each naming the key path and what was
 * expected ("docker.port: expected an integer 1-65535 or a string of one,
 * got 70000"), so that one run of `validate` shows them all.
 */
#ifndef DX_SETTINGS_H
#define DX_SETTINGS_H

#include <stddef.h>

#include "dx_plugin.h"

/* The largest settings text accepted (a settings file, one section, the
   decrypted protected settings, HandlerEnvironment.json): larger input is
   refused with DX_ERR_TOO_LARGE before it is parsed. */
#define SETTINGS_MAX_BYTES (1024 * 1024)

/* ---- HandlerEnvironment.json ------------------------------------------------ */

struct handler_env {
	char *name;            /* "Publisher.Type", may be NULL */
	char *log_folder;
	char *config_folder;
	char *status_folder;
	char *heartbeat_file;  /* may be NULL */
	char *events_folder;   /* may be NULL */
};

/* Parse HandlerEnvironment.json text (an array of one object).  Missing
   logFolder, configFolder or statusFolder is an error naming the key.
   Keys are matched without regard to case; a UTF-8 BOM is skipped.
   Returns DX_OK, DX_ERR_IO (content unusable; msg says why),
   DX_ERR_TOO_LARGE or DX_ERR_NOMEM; on failure `out` is left zeroed. */
int settings_parse_handler_env(const char *text, size_t len,
                               struct handler_env *out, char *msg,
                               size_t msgsize);
void settings_free_handler_env(struct handler_env *env);

/* ---- problems --------------------------------------------------------------- */

#define SETTINGS_MAX_PROBLEMS 64

struct settings_report {
	char *errors[SETTINGS_MAX_PROBLEMS];    /* "key.path: what is wrong" */
	size_t n_errors;
	char *warnings[SETTINGS_MAX_PROBLEMS];  /* unknown keys, deprecations */
	size_t n_warnings;
};

void settings_report_free(struct settings_report *rep);

/* ---- the settings ------------------------------------------------------------- */

/* docker.users entries accepted (a docker group is not a user database). */
#define SETTINGS_MAX_USERS 64

struct settings_pair {
	char *name;
	char *value;
};

struct settings_login {
	char *server;          /* "" for Docker Hub */
	char *username;
	char *password;        /* secret */
};

struct dx_settings {
	/* public: docker.* */
	int port;                       /* 0: no TCP port */
	int allow_unauthenticated_port; /* docker.allowUnauthenticatedPort */
	char **options;                 /* docker.options, argv words */
	size_t n_options;
	char *daemon_json;              /* docker.daemon, canonical JSON text
	                                   (key order kept); NULL when absent,
	                                   "{}" for an empty object */
	char *version;                  /* docker.version */
	enum dx_source source;          /* docker.source */
	char *mirror;                   /* docker.mirror (http/https URL) */
	char *proxy_http;               /* docker.proxy.http */
	char *proxy_https;              /* docker.proxy.https */
	char *no_proxy;                 /* docker.proxy.noProxy + metadata IPs;
	                                   NULL when docker.proxy sets
	                                   nothing */
	char **users;                   /* docker.users */
	size_t n_users;
	/* public: the rest */
	char *compose_json;             /* compose in the modern form
	                                   ({"services": ...}; the v1 form is
	                                   wrapped, its net/log_driver/log_opt
	                                   renamed), JSON text in original key
	                                   order; NULL when absent or empty */
	char **compose_services;        /* the service names, in order */
	char **compose_images;          /* each one's image, NULL when it is
	                                   built instead */
	size_t n_compose_services;
	struct settings_pair *compose_env;  /* compose-environment, with the
	                                       defaults filled in */
	size_t n_compose_env;
	int china_cloud;                /* azure-environment AzureChinaCloud */
	int install_only;               /* legacy installonly: no compose
	                                   (compose_json is then NULL) */

	/* protected */
	int has_protected;
	struct settings_pair *secret_env;   /* environment (secret values) */
	size_t n_secret_env;
	char *cert_ca;                  /* PEM text (base64 decoded if it was),
	                                   trimmed, ending in one newline; all
	                                   three set or all three NULL */
	char *cert_cert;
	char *cert_key;                 /* secret */
	struct settings_login *logins;  /* login then logins[] */
	size_t n_logins;
};

/*
 * Decrypts the protectedSettings value: base64 of a CMS envelope and the
 * certificate thumbprint.  On success *plaintext is a NUL-terminated JSON
 * text the caller of settings_parse_file() wipes and frees.  Until the
 * decryption module exists, the handler passes a function that refuses
 * with a clear message.
 */
typedef int (*settings_decrypt_fn)(void *ctx, const char *b64,
                                   const char *thumbprint, char **plaintext,
                                   size_t *len, char *msg, size_t msgsize);

/* Parse a whole N.settings file.  An empty (0-byte or whitespace) file is
   "no settings" (DX_OK, everything default).  publicSettings,
   protectedSettings and protectedSettingsCertThumbprint may be null.
   Returns DX_ERR_SETTINGS when rep has errors.
   Also: `rep` is zeroed first (free it with settings_report_free() after
   any call); when the decrypt callback fails (or is NULL:
   DX_ERR_NOT_IMPLEMENTED) its code is returned and its message is in
   rep->errors, the public settings being validated all the same;
   DX_ERR_TOO_LARGE over SETTINGS_MAX_BYTES; DX_ERR_NOMEM.  On any failure
   `out` is left zeroed: nothing half-validated reaches the caller. */
int settings_parse_file(const char *text, size_t len,
                        settings_decrypt_fn decrypt, void *decrypt_ctx,
                        struct dx_settings *out, struct settings_report *rep);

/* Parse public settings JSON (an object) and, when protected_json is not
   NULL, plaintext protected settings JSON (the `validate` helper).
   Either may be NULL or blank (not given); results as settings_parse_file. */
int settings_parse_parts(const char *public_json, const char *protected_json,
                         struct dx_settings *out, struct settings_report *rep);

/* 1 when `text` is a whole N.settings file (an object with a
   runtimeSettings key, any case), 0 for anything else (public settings). */
int settings_is_handler_file(const char *text, size_t len);

/* Every secret string in `s` (passwords, TLS key, secret env values), for
   the redaction layer.  Calls fn(ctx, value) for each non-empty one. */
void settings_each_secret(const struct dx_settings *s,
                          void (*fn)(void *ctx, const char *secret),
                          void *ctx);

/* Free everything; secret strings are wiped first.  Safe on a zeroed
   struct; leaves it zeroed. */
void settings_free(struct dx_settings *s);

#endif
