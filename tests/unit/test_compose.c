/*
 * compose and engine: the definition in both forms, the file per tool,
 * the environment the compose process gets, the Engine API answers, and
 * the status per service (small even with 200 services).  The same code
 * against a real engine and registry: tests/integration/test_containers.sh.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "engine.h"
#include "settings.h"
#include "status.h"
#include "testutil.h"

/* Settings from single-quoted JSON (easier to read in a table). */
static int parse(const char *pub, const char *prot, struct dx_settings *s,
                 struct settings_report *rep)
{
	char *a = strdup(pub), *b = prot != NULL ? strdup(prot) : NULL, *p;
	int r;

	for (p = a; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	for (p = b; p != NULL && *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	r = settings_parse_parts(a, b, s, rep);
	free(a);
	free(b);
	return r;
}

void test_compose_register(void);

/* ---- normalisation ------------------------------------------------------------ */

static const struct norm_row {
	const char *name;
	const char *compose;
	const char *want_json;
	const char *want_services;   /* space-separated */
} norm_rows[] = {
	{ "v1 form is wrapped",
	  "{'web':{'image':'nginx'},'db':{'image':'pg'}}",
	  "{\"services\":{\"web\":{\"image\":\"nginx\"},\"db\":{\"image\":\"pg\"}}}",
	  "web db" },
	{ "v1 net becomes network_mode, key order kept",
	  "{'web':{'image':'a','net':'host','ports':['1:1']}}",
	  "{\"services\":{\"web\":{\"image\":\"a\",\"network_mode\":\"host\","
	  "\"ports\":[\"1:1\"]}}}", "web" },
	{ "v1 log_driver and log_opt become logging",
	  "{'web':{'image':'a','log_driver':'syslog','log_opt':{'tag':'w'}}}",
	  "{\"services\":{\"web\":{\"image\":\"a\",\"logging\":{\"driver\":"
	  "\"syslog\",\"options\":{\"tag\":\"w\"}}}}}", "web" },
	{ "modern form is kept as given",
	  "{'version':'3','services':{'web':{'image':'a','net':'x'}},"
	  "'volumes':{'data':{}}}",
	  "{\"version\":\"3\",\"services\":{\"web\":{\"image\":\"a\",\"net\":"
	  "\"x\"}},\"volumes\":{\"data\":{}}}", "web" },
	{ "modern form with only services",
	  "{'services':{'a.b-c_1':{'build':'.'}}}",
	  "{\"services\":{\"a.b-c_1\":{\"build\":\".\"}}}", "a.b-c_1" },
};

static void test_normalise(void)
{
	size_t i, j;

	for (i = 0; i < TU_N_ROWS(norm_rows); i++) {
		const struct norm_row *row = &norm_rows[i];
		struct dx_settings s;
		struct settings_report rep;
		char pub[1024], names[256] = "";
		int r;

		tu_fmt(pub, sizeof(pub), "{'compose':%s}", row->compose);
		r = parse(pub, NULL, &s, &rep);
		TU_ROW_ASSERT(r == 0, row->name);
		TU_ROW_ASSERT(s.compose_json != NULL &&
		              strcmp(s.compose_json, row->want_json) == 0,
		              row->name);
		for (j = 0; j < s.n_compose_services; j++) {
			size_t used = strlen(names);

			tu_fmt(names + used, sizeof(names) - used, "%s%s",
			       j ? " " : "", s.compose_services[j]);
		}
		TU_ROW_ASSERT(strcmp(names, row->want_services) == 0, row->name);
		if (s.compose_json != NULL &&
		    strcmp(s.compose_json, row->want_json) != 0)
			printf("\n    %s: got %s\n", row->name, s.compose_json);
		settings_free(&s);
		settings_report_free(&rep);
	}
}

static const struct bad_row {
	const char *name;
	const char *compose;
	const char *want;
} bad_rows[] = {
	{ "v1 service not an object", "{'web':'nginx'}",
	  "compose.web: expected a service (an object), got a string" },
	{ "no image", "{'web':{'ports':['80:80']}}",
	  "compose.web: a service needs an image" },
	{ "empty image", "{'services':{'web':{'image':''}}}",
	  "compose.services.web.image: expected an image name" },
	{ "image a number", "{'services':{'web':{'image':3}}}",
	  "compose.services.web.image: expected an image name (a non-empty "
	  "string), got a number" },
	{ "bad service name", "{'services':{'my web':{'image':'a'}}}",
	  "compose.services.my web: a service name has letters" },
	{ "services not an object", "{'services':['web']}",
	  "compose.services: expected an object of services, got an array" },
	{ "no services", "{'services':{}}", "compose.services: no services" },
	{ "modern key without services", "{'volumes':{'x':{}}}",
	  "compose.services: expected an object of services, got nothing" },
};

static void test_bad_definitions(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(bad_rows); i++) {
		const struct bad_row *row = &bad_rows[i];
		struct dx_settings s;
		struct settings_report rep;
		char pub[512];
		size_t j;
		int found = 0;

		tu_fmt(pub, sizeof(pub), "{'compose':%s}", row->compose);
		TU_ROW_ASSERT(parse(pub, NULL, &s, &rep) != 0, row->name);
		for (j = 0; j < rep.n_errors; j++)
			if (strstr(rep.errors[j], row->want) != NULL)
				found = 1;
		TU_ROW_ASSERT(found, row->name);
		TU_ROW_ASSERT(s.compose_json == NULL, row->name);
		if (!found)
			printf("\n    %s: got %s\n", row->name,
			       rep.n_errors ? rep.errors[0] : "(no error)");
		settings_free(&s);
		settings_report_free(&rep);
	}
}

/* ---- the file per tool ---------------------------------------------------------- */

static void test_render(void)
{
	static const char modern[] = "{\"services\":{\"a\":{\"image\":\"x\"}}}";
	struct compose_tool t;
	char *out = NULL;

	memset(&t, 0, sizeof(t));
	t.plugin = 1;
	snprintf(t.version, sizeof(t.version), "2.29.7");
	CU_ASSERT_EQUAL(compose_render(modern, &t, &out), 0);
	CU_ASSERT_STRING_EQUAL(out, modern);
	free(out);

	t.plugin = 0;
	snprintf(t.version, sizeof(t.version), "1.29.2");
	CU_ASSERT_EQUAL(compose_render(modern, &t, &out), 0);
	CU_ASSERT_STRING_EQUAL(out, modern);
	free(out);

	/* docker-compose before 1.27 needs a version for the modern form */
	snprintf(t.version, sizeof(t.version), "1.25.0");
	CU_ASSERT_EQUAL(compose_render(modern, &t, &out), 0);
	CU_ASSERT_STRING_EQUAL(out, "{\"version\":\"2.4\",\"services\":{\"a\":"
	                            "{\"image\":\"x\"}}}");
	free(out);
	/* ... but not a second one */
	CU_ASSERT_EQUAL(compose_render("{\"version\":\"3\",\"services\":{}}", &t,
	                               &out), 0);
	CU_ASSERT_STRING_EQUAL(out, "{\"version\":\"3\",\"services\":{}}");
	free(out);
	CU_ASSERT_NOT_EQUAL(compose_render("[]", &t, &out), 0);
	CU_ASSERT_PTR_NULL(out);
}

/* ---- the environment ------------------------------------------------------------------ */

static int env_has(const struct env_list *e, const char *item)
{
	size_t i;
	int n = 0;

	for (i = 0; i < e->n; i++)
		n += strcmp(e->items[i], item) == 0;
	return n;
}

static void test_environment(void)
{
	struct compose_tool old = { "/usr/bin/docker-compose", 0, "1.24.1" };
	struct dx_settings s;
	struct settings_report rep;
	struct env_list e;
	size_t i;
	int named_a = 0;

	/* docker-compose 1.24 has no --env-file: everything in the environment */
	CU_ASSERT_EQUAL_FATAL(parse("{'compose':{'w':{'image':'a'}},"
	                            "'compose-environment':{'A':'public',"
	                            "'B':'b','COMPOSE_HTTP_TIMEOUT':'60'}}",
	                            "{'environment':{'A':'secret','C':'c'}}",
	                            &s, &rep), 0);
	CU_ASSERT_EQUAL_FATAL(compose_environment(&old, &s, &e), 0);
	CU_ASSERT_EQUAL(env_has(&e, "A=secret"), 1);   /* protected wins */
	CU_ASSERT_EQUAL(env_has(&e, "A=public"), 0);
	for (i = 0; i < e.n; i++)
		named_a += strncmp(e.items[i], "A=", 2) == 0;
	CU_ASSERT_EQUAL(named_a, 1);                  /* only once */
	CU_ASSERT_EQUAL(env_has(&e, "B=b"), 1);
	CU_ASSERT_EQUAL(env_has(&e, "C=c"), 1);
	CU_ASSERT_EQUAL(env_has(&e, "COMPOSE_HTTP_TIMEOUT=60"), 1);
	CU_ASSERT_EQUAL(env_has(&e, "COMPOSE_PROJECT_NAME=compose"), 1);
	CU_ASSERT_PTR_NULL(e.items[e.n]);
	CU_ASSERT_PTR_NULL(e.file);
	CU_ASSERT_EQUAL(e.in_environ, 2);
	CU_ASSERT_STRING_EQUAL(compose_project(&s), "compose");
	compose_environment_free(&e);
	CU_ASSERT_PTR_NULL(e.items);
	settings_free(&s);
	settings_report_free(&rep);

	CU_ASSERT_EQUAL_FATAL(parse("{'compose':{'w':{'image':'a'}},"
	                            "'compose-environment':"
	                            "{'COMPOSE_PROJECT_NAME':'Shop'}}",
	                            NULL, &s, &rep), 0);
	CU_ASSERT_STRING_EQUAL(compose_project(&s), "Shop");
	settings_free(&s);
	settings_report_free(&rep);
}

/* docker-compose 1.26+ (python-dotenv) and the plugin: protected values
   only in the env file, as NAME='VALUE'; a value the file cannot carry
   the same way for both (a quote, a backslash, a '$', a line break)
   stays in the environment, and so does everything for docker-compose
   1.25, which keeps the quotes. */
static void test_environment_file(void)
{
	static const struct compose_tool tools[] = {
		{ "/usr/bin/docker-compose", 0, "1.26.0" },
		{ "/usr/bin/docker-compose", 0, "1.29.2" },
		{ "/usr/bin/docker", 1, "2.29.7" },
	};
	static const struct compose_tool v125 = { "/usr/bin/docker-compose", 0,
		                                  "1.25.0" };
	struct dx_settings s;
	struct settings_report rep;
	struct env_list e;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(parse("{'compose':{'w':{'image':'a'}},"
	                            "'compose-environment':{'A':'public','B':'b'}}",
	                            "{'environment':{'A':'s3cr3t #x','Q':'it\\u0027s',"
	                            "'N':'two\\nlines','D':'pa${HOME}ss','E':''}}",
	                            &s, &rep), 0);
	for (i = 0; i < TU_N_ROWS(tools); i++) {
		CU_ASSERT_EQUAL_FATAL(compose_environment(&tools[i], &s, &e), 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e.file);
		CU_ASSERT_EQUAL(e.file_len, strlen(e.file));
		CU_ASSERT_STRING_EQUAL(e.file, "A='s3cr3t #x'\nE=''\n");
		CU_ASSERT_EQUAL(env_has(&e, "A=s3cr3t #x"), 0);
		CU_ASSERT_EQUAL(env_has(&e, "A=public"), 0);  /* still overridden */
		CU_ASSERT_EQUAL(env_has(&e, "B=b"), 1);
		/* a quote, a line break, a '$': the environment, counted */
		CU_ASSERT_EQUAL(env_has(&e, "Q=it's"), 1);
		CU_ASSERT_EQUAL(env_has(&e, "N=two\nlines"), 1);
		CU_ASSERT_EQUAL(env_has(&e, "D=pa${HOME}ss"), 1);
		CU_ASSERT_EQUAL(e.in_environ, 3);
		compose_environment_free(&e);
		CU_ASSERT_PTR_NULL(e.file);
	}
	CU_ASSERT_EQUAL_FATAL(compose_environment(&v125, &s, &e), 0);
	CU_ASSERT_PTR_NULL(e.file);
	CU_ASSERT_EQUAL(env_has(&e, "A=s3cr3t #x"), 1);
	CU_ASSERT_EQUAL(e.in_environ, 5);
	compose_environment_free(&e);
	settings_free(&s);
	settings_report_free(&rep);

	/* no protected environment: no file */
	CU_ASSERT_EQUAL_FATAL(parse("{'compose':{'w':{'image':'a'}}}", NULL, &s,
	                            &rep), 0);
	CU_ASSERT_EQUAL_FATAL(compose_environment(&tools[2], &s, &e), 0);
	CU_ASSERT_PTR_NULL(e.file);
	compose_environment_free(&e);
	settings_free(&s);
	settings_report_free(&rep);
}

/* ---- Engine API answers ---------------------------------------------------------------- */

static void test_engine_list(void)
{
	static const char json[] =
		"[{\"Id\":\"aaa1\",\"Image\":\"r/web:1\",\"State\":\"running\","
		"\"Status\":\"Up 3 minutes\",\"Labels\":{"
		"\"com.docker.compose.service\":\"web\","
		"\"com.docker.compose.config-hash\":\"h1\"}},"
		"{\"Id\":\"bbb2\",\"Image\":\"r/job:1\",\"State\":\"exited\","
		"\"Status\":\"Exited (0) 2 hours ago\",\"Labels\":{"
		"\"com.docker.compose.service\":\"job\"}},"
		"{\"Id\":\"ccc3\",\"State\":\"running\",\"Labels\":{"
		"\"com.docker.compose.service\":\"web\","
		"\"com.docker.compose.oneoff\":\"True\"}},"
		"{\"Image\":\"no id\"}, 7]";
	struct engine_container *c = NULL;
	size_t n = 0;

	CU_ASSERT_EQUAL_FATAL(engine_parse_list(json, sizeof(json) - 1, &c, &n),
	                      0);
	CU_ASSERT_EQUAL_FATAL(n, 2);  /* the one-off and the broken ones skipped */
	CU_ASSERT_STRING_EQUAL(c[0].id, "aaa1");
	CU_ASSERT_STRING_EQUAL(c[0].service, "web");
	CU_ASSERT_STRING_EQUAL(c[0].config_hash, "h1");
	CU_ASSERT_STRING_EQUAL(c[0].image, "r/web:1");
	CU_ASSERT_STRING_EQUAL(c[1].state, "exited");
	CU_ASSERT_STRING_EQUAL(c[1].status, "Exited (0) 2 hours ago");
	CU_ASSERT_STRING_EQUAL(c[1].config_hash, "");
	free(c);

	CU_ASSERT_NOT_EQUAL(engine_parse_list("{}", 2, &c, &n), 0);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_NOT_EQUAL(engine_parse_list("[{", 2, &c, &n), 0);
	CU_ASSERT_EQUAL(engine_parse_list("[]", 2, &c, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
}

static void test_engine_inspect(void)
{
	static const char json[] =
		"{\"RestartCount\":4,\"State\":{\"Status\":\"restarting\","
		"\"ExitCode\":3,\"Health\":{\"Status\":\"unhealthy\"}},"
		"\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"always\"}}}";
	struct engine_container c;

	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL_FATAL(engine_parse_inspect(json, sizeof(json) - 1, &c),
	                      0);
	CU_ASSERT_STRING_EQUAL(c.state, "restarting");
	CU_ASSERT_EQUAL(c.exit_code, 3);
	CU_ASSERT_EQUAL(c.restart_count, 4);
	CU_ASSERT_STRING_EQUAL(c.health, "unhealthy");
	CU_ASSERT_STRING_EQUAL(c.restart_policy, "always");
	CU_ASSERT_NOT_EQUAL(engine_parse_inspect("[]", 2, &c), 0);
}

static void test_engine_logs(void)
{
	/* two frames (stdout, stderr), then a frame cut short */
	static const char mux[] = "\x01\0\0\0\0\0\0\x06" "hello\n"
	                          "\x02\0\0\0\0\0\0\x05" "oops\n"
	                          "\x01\0\0\0\0\0\0\x09" "cut";
	char out[64];

	CU_ASSERT_EQUAL(engine_demux_logs(mux, sizeof(mux) - 1, out,
	                                  sizeof(out)), 14);
	CU_ASSERT_STRING_EQUAL(out, "hello\noops\ncut");
	/* a container with a TTY sends the bytes raw */
	CU_ASSERT_EQUAL(engine_demux_logs("plain text\n", 11, out, sizeof(out)),
	                11);
	CU_ASSERT_STRING_EQUAL(out, "plain text\n");
	/* a small buffer keeps what fits, terminated */
	CU_ASSERT_EQUAL(engine_demux_logs(mux, sizeof(mux) - 1, out, 4), 3);
	CU_ASSERT_STRING_EQUAL(out, "hel");
}

static void test_project_label(void)
{
	char out[64];

	engine_project_label("My_Shop-2 (prod)", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "my_shop-2prod");
	engine_project_label("compose", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "compose");
}

/* ---- the report ----------------------------------------------------------------------- */

static struct compose_result *results(size_t n, size_t failed)
{
	struct compose_result *r = calloc(n, sizeof(*r));
	size_t i;

	for (i = 0; i < n; i++) {
		tu_fmt(r[i].service, sizeof(r[i].service), "service-%03zu", i);
		tu_fmt(r[i].image, sizeof(r[i].image),
		       "registry.example.com/team/app-%03zu:1.2.3", i);
		r[i].err = i < failed ? 30 : 0;
		tu_fmt(r[i].detail, sizeof(r[i].detail), "%s",
		       i < failed ? "exited with code 1; last log lines: boom"
		                  : "running");
	}
	return r;
}

static size_t rendered_size(struct status_report *st)
{
	char *text = NULL;
	size_t len = 0;

	CU_ASSERT_EQUAL(status_render(st, &text, &len), 0);
	free(text);
	return len;
}

static void test_report(void)
{
	struct status_report *st = calloc(1, sizeof(*st));
	struct compose_result *r = results(5, 1);
	size_t len;

	status_begin(st, "Test", "Enable", STATUS_SUCCESS, 0, "ok");
	compose_report(st, r, 5);
	CU_ASSERT_EQUAL(st->n_subs, 5);
	CU_ASSERT_STRING_EQUAL(st->subs[0].name, "service service-000");
	CU_ASSERT_EQUAL(st->subs[0].state, STATUS_ERROR);
	CU_ASSERT_EQUAL(st->subs[0].code, 130);
	CU_ASSERT_EQUAL(st->subs[1].state, STATUS_SUCCESS);
	free(r);

	/* 200 services, 3 failing: each failure and one summary */
	status_begin(st, "Test", "Enable", STATUS_SUCCESS, 0, "ok");
	r = results(200, 3);
	compose_report(st, r, 200);
	CU_ASSERT_EQUAL(st->n_subs, 4);
	CU_ASSERT_STRING_EQUAL(st->subs[3].name, "services");
	CU_ASSERT_PTR_NOT_NULL(strstr(st->subs[3].message,
	                              "197 of 200 services running"));
	len = rendered_size(st);
	CU_ASSERT(len < 16 * 1024);
	printf("\n    status with 200 services: %zu bytes ", len);
	free(r);
	free(st);
}

void test_compose_register(void)
{
	CU_pSuite s = CU_add_suite("compose", NULL, NULL);

	CU_add_test(s, "both forms become the modern one", test_normalise);
	CU_add_test(s, "bad definitions name the key", test_bad_definitions);
	CU_add_test(s, "the file per compose tool", test_render);
	CU_add_test(s, "environment: protected wins, once", test_environment);
	CU_add_test(s, "environment: protected values in the env file only",
	            test_environment_file);
	CU_add_test(s, "engine: container list", test_engine_list);
	CU_add_test(s, "engine: inspect", test_engine_inspect);
	CU_add_test(s, "engine: log frames", test_engine_logs);
	CU_add_test(s, "engine: project label", test_project_label);
	CU_add_test(s, "report: per service, small at 200", test_report);
}
