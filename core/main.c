/*
 * docker-extension - entry point: argv -> command, dx_err -> exit code.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "summary.h"
#include "certgen.h"
#include "distro.h"
#include "err.h"
#include "handler.h"
#include "host.h"
#include "http.h"
#include "loader.h"
#include "log.h"

#define MSG_MAX 1024

static void print_usage(FILE *to)
{
	fputs("Usage: docker-extension COMMAND [OPTIONS]\n"
	      "\n"
	      "Install Docker Engine and Compose, configure the daemon and run\n"
	      "containers on an Azure Linux VM (a waagent extension handler).\n"
	      "\n"
	      "Commands run by waagent (from HandlerManifest.json):\n"
	      "  install, enable, disable, uninstall, update\n"
	      "\n"
	      "Commands for people:\n"
	      "  validate [--protected FILE] SETTINGS.json\n"
	      "                       check settings offline before deploying\n"
	      "  status [--json] [--dir DIR]\n"
	      "                       what the last run did: each step, its time,\n"
	      "                       and what to do next when something failed\n"
	      "  gen-certs --host NAME [--ip ADDR]... --out DIR\n"
	      "                       make a CA, server and client certificates\n"
	      "                       for the TLS port and print the settings\n"
	      "  detect [--root DIR]  show the detected distribution and load its\n"
	      "                       plugin (DIR: a root file system to inspect)\n"
	      "  COMMAND --help       help on one command\n"
	      "  --version            print the version and plugin ABI\n"
	      "  --help               print this help\n", to);
}

static void print_version(void)
{
	printf("docker-extension %s (plugin ABI %d.%d)\n", PACKAGE_VERSION,
	       DX_ABI_MAJOR, DX_ABI_MINOR);
}

/* detect: which distribution, which plugin, does it load, what does its
   probe see.  Read-only: changes nothing on the machine. */
static int cmd_detect(const char *argv0, const char *root)
{
	struct distro_info info;
	enum dx_distro d;
	char msg[MSG_MAX] = "";
	char dir[4096];
	struct dx_settings_view settings;
	struct dx_host host;
	struct loader_plugin lp;
	struct dx_probe probe;
	int r;

	r = distro_detect(root, &info, &d, msg, sizeof(msg));
	printf("os-release:   %s\n", info.source[0] ? info.source : "(none)");
	printf("ID:           %s\n", info.id[0] ? info.id : "(none)");
	printf("VERSION_ID:   %s\n",
	       info.version_id[0] ? info.version_id : "(none)");
	fflush(stdout);
	if (r != DX_OK) {
		fprintf(stderr, "docker-extension: %s\n", msg);
		return r;
	}
	r = loader_plugin_dir(argv0, dir, sizeof(dir));
	if (r != DX_OK)
		return r;
	printf("distribution: %s\n", distro_name(d));
	printf("plugin:       %s/%s\n", dir, loader_plugin_file(d));

	memset(&settings, 0, sizeof(settings));
	host_init(&host, &settings, root);
	r = loader_load(d, dir, &host, &lp, msg, sizeof(msg));
	fflush(stdout);
	if (r != DX_OK) {
		fprintf(stderr, "docker-extension: loading the plugin for %s "
		        "(detected from %s): %s\n", distro_name(d), info.source,
		        msg);
		return r;
	}
	printf("plugin ABI:   %u.%u (name '%s')\n",
	       DX_ABI_MAJOR_OF(lp.plugin->abi_version),
	       DX_ABI_MINOR_OF(lp.plugin->abi_version), lp.plugin->name);
	r = lp.plugin->probe(lp.state, &probe);
	if (r == DX_OK) {
		printf("docker:       %s\n",
		       probe.docker_installed ? "installed" : "not installed");
		printf("compose:      %s\n",
		       probe.compose_installed ? "installed" : "not installed");
	}
	loader_unload(&lp);
	return r;
}

static int run_command(int argc, char **argv)
{
	const char *cmd = argv[1];

	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		print_version();
		return DX_OK;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		print_usage(stdout);
		return DX_OK;
	}
	if (argc == 3 && (strcmp(argv[2], "--help") == 0 ||
	                  strcmp(argv[2], "-h") == 0) &&
	    cli_help(cmd, stdout) == 0)
		return DX_OK;
	if (strcmp(cmd, "detect") == 0) {
		const char *root = "";

		if (argc == 4 && strcmp(argv[2], "--root") == 0)
			root = argv[3];
		else if (argc != 2) {
			fputs("usage: docker-extension detect [--root DIR]\n",
			      stderr);
			return DX_ERR_USAGE;
		}
		return cmd_detect(argv[0], root);
	}
	if (handler_is_command(cmd)) {
		if (argc != 2) {
			fprintf(stderr, "usage: docker-extension %s (run by "
			        "waagent from the extension directory)\n", cmd);
			return DX_ERR_USAGE;
		}
		return handler_run(cmd, argv[0]);
	}
	fprintf(stderr, "docker-extension: unknown command '%s' "
	        "(try --help)\n", cmd);
	return DX_ERR_USAGE;
}

int main(int argc, char **argv)
{
	int r;

	if (argc < 2) {
		print_usage(stderr);
		return err_exit_code(DX_ERR_USAGE);
	}
	/* validate keeps cloud-init's exit codes (0 ok, 1 errors, 2
	   warnings), which scripts around deployments already understand. */
	if (strcmp(argv[1], "validate") == 0)
		return cli_validate(argc, argv);
	/* gen-certs: 0 done, 1 failed, 2 bad arguments. */
	if (strcmp(argv[1], "gen-certs") == 0)
		return certgen_main(argc, argv);
	/* status: 0 success, 1 failed, 3 still running, 2 not found. */
	if (strcmp(argv[1], "status") == 0 &&
	    !(argc == 3 && (strcmp(argv[2], "--help") == 0 ||
	                    strcmp(argv[2], "-h") == 0)))
		return summary_main(argc, argv);
	r = http_global_init();
	if (r == DX_OK)
		r = run_command(argc, argv);
	http_global_cleanup();
	return err_exit_code(r);
}
