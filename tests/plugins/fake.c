/*
 * A stand-in distribution plugin for the handler's own tests (the real
 * plugins' install and configure change a VM; those are tested on the
 * systemd testbed).  Built once per name (FAKE_NAME) so that the loader's
 * name check passes for whatever distribution the test machine is.
 *
 * It appends one line per call to $DX_FAKE_LOG; DX_FAKE_FAIL=<op> makes
 * that operation fail; DX_FAKE_SLEEP_MS=<n> makes install take that long;
 * DX_FAKE_ECHO=<text> makes install run /bin/echo <text> through the host
 * (for the redaction test) and log its output; DX_FAKE_USERS=<file> makes
 * install write the docker group members it is given there.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dx_plugin.h"

#ifndef FAKE_NAME
#error "FAKE_NAME must be defined"
#endif

static const struct dx_host *the_host;

static int record(const char *op)
{
	const char *path = getenv("DX_FAKE_LOG");
	const char *fail = getenv("DX_FAKE_FAIL");
	FILE *f;

	if (path != NULL && (f = fopen(path, "a")) != NULL) {
		fprintf(f, "%s\n", op);
		fclose(f);
	}
	return fail != NULL && strcmp(fail, op) == 0 ? DX_ERR_EXEC_FAILED
	                                            : DX_OK;
}

static int fake_init(const struct dx_host *host, void **state)
{
	if (DX_ABI_MAJOR_OF(host->abi_version) != DX_ABI_MAJOR)
		return DX_ERR_PLUGIN_ABI;
	the_host = host;
	*state = NULL;
	return DX_OK;
}

static void fake_fini(void *state) { (void)state; }

static int fake_probe(void *state, struct dx_probe *out)
{
	(void)state;
	memset(out, 0, sizeof(*out));
	return record("probe");
}

static int fake_install(void *state)
{
	const char *sleep_ms = getenv("DX_FAKE_SLEEP_MS");
	const char *echo = getenv("DX_FAKE_ECHO");

	(void)state;
	if (sleep_ms != NULL) {
		long ms = atol(sleep_ms);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	if (getenv("DX_FAKE_USERS") != NULL) {
		const struct dx_settings_view *v =
			the_host->settings(the_host->ctx);
		FILE *f = fopen(getenv("DX_FAKE_USERS"), "w");
		size_t i;

		for (i = 0; f != NULL && i < v->n_users; i++)
			fprintf(f, "%s%s", i ? " " : "", v->users[i]);
		if (f != NULL)
			fclose(f);
	}
	if (echo != NULL) {
		const char *argv[] = { "/bin/echo", "child says:", echo, NULL };
		char out[256];
		struct dx_run run;

		memset(&run, 0, sizeof(run));
		run.argv = argv;
		run.timeout_ms = 5000;
		run.output = out;
		run.output_size = sizeof(out);
		the_host->run(the_host->ctx, &run);
		the_host->log(the_host->ctx, DX_LOG_INFO, "fake install saw: %s",
		              out);
	}
	return record("install");
}

static int fake_configure(void *state) { (void)state; return record("configure"); }
static int fake_restart(void *state) { (void)state; return record("restart"); }
static int fake_stop(void *state) { (void)state; return record("stop"); }
static int fake_uninstall(void *state) { (void)state; return record("uninstall"); }

const struct dx_plugin dx_plugin = {
	DX_ABI_VERSION, FAKE_NAME, fake_init, fake_fini, fake_probe,
	fake_install, fake_configure, fake_restart, fake_stop, fake_uninstall,
};
