/*
 * cli - validate and help.  validate runs the very code enable runs, so
 * "valid here" means "valid on the VM"; only decryption differs: protected
 * settings are given in plain text, since they are encrypted only when the
 * platform sends them.
 */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dx_plugin.h"
#include "err.h"
#include "fileio.h"
#include "settings.h"
#include "certgen.h"

#define VALIDATE_OK 0
#define VALIDATE_ERRORS 1
#define VALIDATE_WARNINGS 2

static const struct {
	const char *command;
	const char *text;
} helps[] = {
	{ "validate",
	  "Usage: docker-extension validate [--protected FILE] SETTINGS.json\n"
	  "\n"
	  "Check extension settings offline, before deploying them, with the\n"
	  "same validation the extension runs on the VM.  SETTINGS.json is the\n"
	  "public settings object (what `az vm extension set --settings` takes)\n"
	  "or a whole N.settings file; FILE is the protected settings object in\n"
	  "plain text (what --protected-settings takes).\n"
	  "\n"
	  "Each problem is printed with its key path.  Exit status: 0 valid,\n"
	  "1 errors (the extension would refuse the settings), 2 warnings only\n"
	  "(unknown or deprecated keys: the settings would be applied).\n" },
	{ "gen-certs", certgen_help_text },
	{ "status",
	  "Usage: docker-extension status [--json] [--dir EXTENSION_DIR]\n"
	  "\n"
	  "Show what the last run of the installed extension did: the result,\n"
	  "each step with its time and message, and what to do next when\n"
	  "something failed.  The extension is found in the working directory,\n"
	  "beside this program, or as the newest *DockerExtension-* directory\n"
	  "in /var/lib/waagent; --dir names it.  --json prints the same as one\n"
	  "JSON object.  Reads only.  Exit status: 0 the last run succeeded,\n"
	  "1 it failed, 3 it is still running, 2 nothing found.\n" },
	{ "detect",
	  "Usage: docker-extension detect [--root DIR]\n"
	  "\n"
	  "Show the detected distribution and release, the plugin that serves\n"
	  "it, whether that plugin loads, and whether Docker and Compose are\n"
	  "installed.  With --root, inspect the root file system at DIR.\n"
	  "Changes nothing.\n" },
	{ "install",
	  "Usage: docker-extension install   (run by waagent)\n"
	  "\n"
	  "Check that the distribution is supported and record the\n"
	  "installation.  Docker itself is installed by enable.\n" },
	{ "enable",
	  "Usage: docker-extension enable   (run by waagent)\n"
	  "\n"
	  "Validate <configFolder>/<ConfigSequenceNumber>.settings, then apply\n"
	  "it in a detached worker: install Docker, configure the daemon, log in\n"
	  "to registries, start the compose services.  Progress and the result\n"
	  "are in <statusFolder>/<seq>.status and docker-extension.log.\n" },
	{ "disable",
	  "Usage: docker-extension disable   (run by waagent)\n"
	  "\n"
	  "Report success; Docker and the containers keep running.\n" },
	{ "update",
	  "Usage: docker-extension update   (run by waagent)\n"
	  "\n"
	  "Mark an extension update in progress so that the old version's\n"
	  "uninstall, which waagent runs next, removes nothing.\n" },
	{ "uninstall",
	  "Usage: docker-extension uninstall   (run by waagent)\n"
	  "\n"
	  "Remove what the extension created, except during an update.\n" },
};

int cli_help(const char *command, FILE *to)
{
	size_t i;

	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
		if (strcmp(helps[i].command, command) == 0) {
			fputs(helps[i].text, to);
			return 0;
		}
	}
	return -1;
}

static int read_input(const char *path, char **text, size_t *len)
{
	int r = fileio_read_all(path, SETTINGS_MAX_BYTES, text, len);

	if (r == DX_ERR_TOO_LARGE)
		fprintf(stderr, "docker-extension validate: %s is larger than "
		        "%u bytes\n", path, (unsigned)SETTINGS_MAX_BYTES);
	else if (r != DX_OK)
		fprintf(stderr, "docker-extension validate: cannot read %s: "
		        "%s\n", path, strerror(errno));
	return r;
}

/* A whole N.settings file holds protected settings encrypted: they can
   be checked only on the VM. */
static int refuse_encrypted(void *ctx, const char *b64,
                            const char *thumbprint, char **plaintext,
                            size_t *len, char *msg, size_t msgsize)
{
	(void)ctx;
	(void)b64;
	(void)thumbprint;
	*plaintext = NULL;
	*len = 0;
	snprintf(msg, msgsize, "protectedSettings are encrypted and can only "
	         "be checked on the VM; validate them in plain text with "
	         "--protected FILE");
	return DX_ERR_SETTINGS;
}

static int report(const struct settings_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n_errors; i++)
		printf("error: %s\n", rep->errors[i]);
	for (i = 0; i < rep->n_warnings; i++)
		printf("warning: %s\n", rep->warnings[i]);
	printf("%zu error%s, %zu warning%s\n", rep->n_errors,
	       rep->n_errors == 1 ? "" : "s", rep->n_warnings,
	       rep->n_warnings == 1 ? "" : "s");
	if (rep->n_errors > 0)
		return VALIDATE_ERRORS;
	return rep->n_warnings > 0 ? VALIDATE_WARNINGS : VALIDATE_OK;
}

int cli_validate(int argc, char **argv)
{
	const char *public_path = NULL, *protected_path = NULL;
	char *pub = NULL, *prot = NULL;
	size_t pub_len = 0, prot_len = 0;
	struct dx_settings s;
	struct settings_report rep;
	int i, bad_usage = 0, code = VALIDATE_ERRORS;

	memset(&s, 0, sizeof(s));
	memset(&rep, 0, sizeof(rep));
	for (i = 2; i < argc && !bad_usage; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			cli_help("validate", stdout);
			return VALIDATE_OK;
		}
		if (strcmp(argv[i], "--protected") == 0 && i + 1 < argc)
			protected_path = argv[++i];
		else if (argv[i][0] != '-' && public_path == NULL)
			public_path = argv[i];
		else
			bad_usage = 1;
	}
	if (public_path == NULL || bad_usage) {
		cli_help("validate", stderr);
		return VALIDATE_ERRORS;
	}
	if (read_input(public_path, &pub, &pub_len) != DX_OK ||
	    (protected_path != NULL &&
	     read_input(protected_path, &prot, &prot_len) != DX_OK))
		goto out;
	if (settings_is_handler_file(pub, pub_len)) {
		if (protected_path != NULL) {
			fprintf(stderr, "docker-extension validate: %s is a "
			        "whole N.settings file; --protected goes with a "
			        "public settings object\n", public_path);
			goto out;
		}
		(void)settings_parse_file(pub, pub_len, refuse_encrypted, NULL,
		                          &s, &rep);
	} else {
		(void)settings_parse_parts(pub, prot, &s, &rep);
	}
	code = report(&rep);
out:
	settings_free(&s);
	settings_report_free(&rep);
	free(pub);
	if (prot != NULL) {
		/* Plain-text secrets: wipe before freeing. */
		volatile char *p = prot;
		size_t k;

		for (k = 0; k < prot_len; k++)
			p[k] = 0;
		free(prot);
	}
	return code;
}
