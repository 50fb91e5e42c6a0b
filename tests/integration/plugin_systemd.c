/*
 * What every systemd plugin does the same way (systemd.c): configure,
 * restart, and the uninstall of a Docker that was there before.
 */
#include "config.h"

#include <CUnit/Basic.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin_kit.h"

/* Everything at once on Debian's docker.io: the unit's own dockerd path
   and $DOCKER_OPTS, socket activation, TLS, TCP, options quoted. */
static void kit_configure_full(const struct release *rel)
{
	char want[256];

	kit_load(rel);
	kit_fx_docker_io(&RH);
	kit_file("/etc/docker/daemon.json",
		 "{\n\t\"data-root\": \"/mnt/docker\",\n\t\"hosts\": [\"unix://\"]\n}\n",
		 0644);
	RH.settings.port = 2376;
	RH.settings.tls_ca = KIT_CA;
	RH.settings.tls_cert = KIT_CERT;
	RH.settings.tls_key = KIT_KEY;
	RH.settings.options = kit_options_two;
	RH.settings.n_options = 2;
	RH.settings.daemon_json = "{\"log-level\":\"warn\",\"labels\":[\"a=b\"]}";
	RH.settings.proxy_http = "http://proxy:3128";
	RH.settings.proxy_https = "http://user:p\"w%@proxy:3128";
	RH.settings.no_proxy = "localhost,168.63.129.16,169.254.169.254";
	kit_configure_restart(1);
	kit_expect_file(DROPIN, HEADER "[Service]\nExecStart=\n"
			"ExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS"
			" --tlsverify --tlscacert=/etc/docker/ca.pem"
			" --tlscert=/etc/docker/cert.pem"
			" --tlskey=/etc/docker/key.pem -H tcp://0.0.0.0:2376"
			" --label \"env=prod $$HOME 100%%\"\n", 0644);
	kit_expect_file(PROXY, HEADER "[Service]\n"
			"Environment=\"HTTP_PROXY=http://proxy:3128\"\n"
			"Environment=\"HTTPS_PROXY=http://user:p\\\"w%%@proxy:3128\"\n"
			"Environment=\"NO_PROXY=localhost,168.63.129.16,169.254.169.254\"\n",
			0600);
	/* The administrator's key stays; "hosts" would stop dockerd. */
	kit_expect_file("/etc/docker/daemon.json",
			"{\n  \"data-root\": \"/mnt/docker\",\n"
			"  \"log-level\": \"warn\",\n  \"labels\": [\"a=b\"]\n}\n",
			0644);
	tu_fmt(want, sizeof(want), "WARN: %s plugin: removing \"hosts\"",
	       kit_current);
	CU_ASSERT_TRUE(rh_logged(&RH, want));
	kit_expect_file("/etc/docker/ca.pem", KIT_CA, 0644);
	kit_expect_file("/etc/docker/cert.pem", KIT_CERT, 0644);
	kit_expect_file("/etc/docker/key.pem", KIT_KEY, 0600);
	/* The key never shows in a log line. */
	CU_ASSERT_FALSE(rh_logged(&RH, "SECRETKEY"));
	/* Same settings again: nothing written, no restart. */
	kit_configure_restart(0);
	kit_expect_calls("write", "");
	kit_unload();
}

/* Each of drop-in, daemon.json and certificates alone is a change. */
static void kit_configure_changes(const struct release *rel)
{
	kit_load(rel);
	kit_fx_docker_ce(&RH);
	RH.settings.port = 2376;
	RH.settings.tls_ca = KIT_CA;
	RH.settings.tls_cert = KIT_CERT;
	RH.settings.tls_key = KIT_KEY;
	kit_configure_restart(1);
	kit_configure_restart(0);
	/* certificates only (the original missed this one) */
	RH.settings.tls_key = "-----BEGIN PRIVATE KEY-----\nNEW\n-----END PRIVATE KEY-----\n";
	kit_configure_restart(1);
	kit_expect_calls("write", "write /etc/docker/key.pem 0600 58\n"
			 "write /var/lib/docker-extension/plugin/restart-pending 0600 0\n");
	kit_configure_restart(0);
	/* daemon.json only */
	RH.settings.daemon_json = "{\"debug\":true}";
	kit_configure_restart(1);
	kit_expect_file("/etc/docker/daemon.json", "{\n  \"debug\": true\n}\n", 0644);
	kit_configure_restart(0);
	/* drop-in only */
	RH.settings.port = 2377;
	kit_configure_restart(1);
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_read(DROPIN), "-H tcp://0.0.0.0:2377"));
	/* the unit's own ExecStart, -H fd:// replaced by ours */
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_read(DROPIN), "ExecStart=/usr/bin/dockerd "
	                              "-H fd:// --containerd=/run/containerd/"
	                              "containerd.sock --tlsverify"));
	/* Back to nothing: the drop-in, our daemon.json keys (and the file
	   we created) go; the certificates stay (issue #18). */
	RH.settings.port = 0;
	RH.settings.daemon_json = NULL;
	RH.settings.tls_ca = RH.settings.tls_cert = RH.settings.tls_key = NULL;
	kit_configure_restart(1);
	CU_ASSERT_FALSE(kit_has(DROPIN));
	CU_ASSERT_FALSE(kit_has("/etc/docker/daemon.json"));
	CU_ASSERT_TRUE(kit_has("/etc/docker/key.pem"));
	kit_configure_restart(0);
	kit_unload();
}

/* No docker.socket: the local socket is unix://, never fd:// (#104);
   continuation lines of ExecStart are read. */
static void kit_configure_no_socket(const struct release *rel)
{
	kit_load(rel);
	kit_file("/usr/bin/dockerd", "#!/bin/sh\n", 0755);
	kit_fixture("/lib/systemd/system/docker.service",
		    "plugins/units/no-socket.service");
	kit_configure_restart(1);
	kit_expect_file(DROPIN, HEADER "[Service]\nExecStart=\n"
			"ExecStart=/usr/bin/dockerd -H unix:///var/run/docker.sock\n",
			0644);
	kit_unload();
}

/* The daemon does not come back with the new configuration: the unit's
   last log lines reach the status; the change stays pending, so the
   next enable restarts again rather than "start" a daemon that runs the
   old configuration. */
static void kit_restart_fails(const struct release *rel)
{
	kit_load(rel);
	kit_fx_docker_io(&RH);
	RH.settings.n_options = 1;
	RH.settings.options = kit_options_two;
	rh_answer(&RH, "run /usr/bin/systemctl restart", 1, DX_OK, 1,
	          "Job for docker.service failed.\n");
	/* Newest first and each line once: the restart loop repeats
	   itself, and a status cut to its size keeps the reason. */
	rh_answer(&RH, "run /usr/bin/journalctl", 0, DX_OK, 0,
	          "level=info msg=\"old daemon shutting down\"\n"
	          "Starting docker.service...\n"
	          "unknown flag: --label\n"
	          "docker.service: Failed with result 'exit-code'.\n"
	          "Starting docker.service...\n"
	          "unknown flag: --label\n"
	          "docker.service: Failed with result 'exit-code'.\n");
	CU_ASSERT_EQUAL(P->configure(LP.state), DX_OK);
	CU_ASSERT_EQUAL(P->restart(LP.state), DX_ERR_DAEMON_CONFIG);
	CU_ASSERT_TRUE(rh_logged(&RH, "PROGRESS: docker.service did not start "
	                              "with the new configuration; its log, "
	                              "newest first: docker.service: Failed "
	                              "with result 'exit-code'. | unknown flag: "
	                              "--label | Starting docker.service... | "
	                              "level=info msg=\"old daemon shutting "
	                              "down\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(rh_calls(&RH, "run"),
	                              "run /usr/bin/journalctl -u docker.service "
	                              "--no-pager -n 20 -o cat\n"));
	kit_configure_restart(1);
	CU_ASSERT_FALSE(kit_has("/var/lib/docker-extension/plugin/"
				"restart-pending"));
	kit_unload();

	/* Restarted, never answers: bounded wait. */
	kit_load(rel);
	kit_fx_docker_io(&RH);
	RH.ping_down = -1;
	CU_ASSERT_EQUAL(P->configure(LP.state), DX_OK);
	CU_ASSERT_EQUAL(P->restart(LP.state), DX_ERR_DAEMON_DOWN);
	CU_ASSERT_TRUE(RH.clock_ms >= 90000 && RH.clock_ms < 95000);
	kit_unload();
}

/* Docker was there before: the packages stay; the configuration goes and
   the daemon runs again without it. */
static void kit_uninstall_preexisting(const struct release *rel)
{
	kit_load(rel);
	kit_fx_docker_io(&RH);
	kit_file("/etc/docker/daemon.json", "{\"data-root\": \"/mnt\"}", 0644);
	CU_ASSERT_EQUAL(P->install(LP.state), DX_OK);
	kit_expect_calls("run download", "run /usr/sbin/usermod -aG docker azureuser\n");
	RH.settings.daemon_json = "{\"debug\":true}";
	RH.settings.port = 2375;
	RH.settings.allow_unauthenticated_port = 1;
	kit_configure_restart(1);
	CU_ASSERT_PTR_NOT_NULL(strstr(kit_read(DROPIN),
	                              " --tls=false -H tcp://0.0.0.0:2375\n"));
	memset(&RH.settings, 0, sizeof(RH.settings));
	rh_reset(&RH);
	CU_ASSERT_EQUAL(P->uninstall(LP.state), DX_OK);
	kit_expect_calls("run ping", kit_restart_seq);
	CU_ASSERT_FALSE(kit_has(DROPIN));
	kit_expect_file("/etc/docker/daemon.json",
			"{\n  \"data-root\": \"/mnt\"\n}\n", 0644);
	kit_unload();
}

/* ---- the table ------------------------------------------------------------------ */

KIT_TEST(configure_full)
KIT_TEST(configure_changes)
KIT_TEST(configure_no_socket)
KIT_TEST(restart_fails)
KIT_TEST(uninstall_preexisting)

/* every plugin */
const struct kit_test kit_systemd_tests[] = {
	{ "configure: drop-in, daemon.json, TLS, proxy", test_configure_full },
	{ "configure: each change alone restarts", test_configure_changes },
	{ "configure: no socket activation", test_configure_no_socket },
	{ "restart: fails with the new configuration", test_restart_fails },
	{ "uninstall: Docker was there before", test_uninstall_preexisting },
	{ NULL, NULL }
};
