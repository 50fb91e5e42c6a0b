/*
 * registry - docker login / logout.
 */
#include "config.h"

#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec.h"
#include "host.h"
#include "log.h"

#define REGISTRY_TIMEOUT_MS 60000u
#define REGISTRY_RETRY_FIRST_MS 2000u
#define REGISTRY_RETRY_TOTAL_MS 60000u

static const char *const passed_through[] = { "DOCKER_HOST", "DOCKER_CONFIG" };

const char *registry_display(const char *server)
{
	return server == NULL || server[0] == '\0' ? "Docker Hub" : server;
}

static int mentions(const char *text, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; text[i] != '\0'; i++)
		if (strncasecmp(text + i, needle, n) == 0)
			return 1;
	return 0;
}

/* DOCKER_HOST and DOCKER_CONFIG as the handler got them: where the engine
   is, and where docker keeps the credentials. */
static void env_of(char store[2][4096], const char *envp[3])
{
	size_t i, n = 0;

	for (i = 0; i < 2; i++) {
		const char *v = getenv(passed_through[i]);

		if (v != NULL && snprintf(store[n], sizeof(store[n]), "%s=%s",
		                          passed_through[i], v) <
		                         (int)sizeof(store[n]))
			envp[n] = store[n], n++;
	}
	envp[n] = NULL;
}

static int login_once(const char *docker, const struct settings_login *l,
                      char *out, size_t outsize)
{
	char store[2][4096];
	const char *envp[3];
	const char *argv[8];
	struct dx_run run;
	size_t n = 0;
	int r;

	argv[n++] = docker;
	argv[n++] = "login";
	argv[n++] = "--username";
	argv[n++] = l->username;
	argv[n++] = "--password-stdin";
	if (l->server != NULL && l->server[0] != '\0')
		argv[n++] = l->server;
	argv[n] = NULL;
	env_of(store, envp);
	memset(&run, 0, sizeof(run));
	run.argv = argv;
	run.envp = envp;
	run.stdin_data = l->password;
	run.stdin_len = strlen(l->password);
	run.timeout_ms = REGISTRY_TIMEOUT_MS;
	run.output = out;
	run.output_size = outsize;
	r = host_run_command(&run);
	if (r == DX_OK && run.exit_status != 0)
		r = DX_ERR_EXEC_FAILED;
	return r;
}

/* Whose fault a failed login is. */
static int login_error(const char *out, int r)
{
	if (r == DX_ERR_EXEC)
		return r;
	if (mentions(out, "unauthorized") || mentions(out, "incorrect") ||
	    mentions(out, "denied") || mentions(out, "authentication required"))
		return DX_ERR_LOGIN_DENIED;
	return DX_ERR_REGISTRY;
}

int registry_login(const struct settings_login *l, char *msg,
                   size_t msgsize)
{
	char docker[4096], out[4096];
	unsigned delay = REGISTRY_RETRY_FIRST_MS, waited = 0;
	int r;

	if (exec_resolve("docker", docker, sizeof(docker)) != DX_OK) {
		snprintf(msg, msgsize, "docker login %s: the docker command "
		         "is not installed", registry_display(l->server));
		return DX_ERR_EXEC;
	}
	for (;;) {
		out[0] = '\0';
		r = login_once(docker, l, out, sizeof(out));
		if (r == DX_OK)
			return DX_OK;
		r = login_error(out, r);
		if (r != DX_ERR_REGISTRY || waited + delay > REGISTRY_RETRY_TOTAL_MS)
			break;
		log_warn("docker login %s: registry not reachable, retrying in "
		         "%u s", registry_display(l->server), delay / 1000);
		host_pause_ms(delay);
		waited += delay;
		delay *= 2;
	}
	if (r == DX_ERR_LOGIN_DENIED)
		snprintf(msg, msgsize, "docker login %s as %s: the registry "
		         "refused the username or password",
		         registry_display(l->server), l->username);
	else
		snprintf(msg, msgsize, "docker login %s: %s (see the log)",
		         registry_display(l->server),
		         r == DX_ERR_EXEC ? "docker could not be run"
		                          : "registry not reachable");
	return r;
}

void registry_logout(const char *server)
{
	char docker[4096], out[1024], store[2][4096];
	const char *envp[3];
	const char *argv[4];
	struct dx_run run;

	if (exec_resolve("docker", docker, sizeof(docker)) != DX_OK)
		return;
	argv[0] = docker;
	argv[1] = "logout";
	argv[2] = server != NULL && server[0] != '\0' ? server : NULL;
	argv[3] = NULL;
	env_of(store, envp);
	memset(&run, 0, sizeof(run));
	run.argv = argv;
	run.envp = envp;
	run.timeout_ms = REGISTRY_TIMEOUT_MS;
	run.output = out;
	run.output_size = sizeof(out);
	(void)host_run_command(&run);
}
