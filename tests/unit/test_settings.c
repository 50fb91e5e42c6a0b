/*
 * settings: HandlerEnvironment.json, the N.settings envelope (empty files,
 * nulls, publicSettings as a string, runtimeSettings count, protected
 * settings through the decrypt callback), one row per validation rule with
 * the exact message, warnings (unknown keys with suggestions, legacy keys,
 * login.email), effective values (defaults, noProxy, certs, compose key
 * order), the secrets list, and that no secret reaches a message.
 *
 * JSON in the tables is written with ' for " (see dq()) to stay readable.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dx_plugin.h"
#include "settings.h"
#include "testutil.h"

void test_settings_register(void);

/* A string assert that survives NULL and shows what it got. */
#define STR_EQ(got, want) str_eq((got), (want), __LINE__, #got)

static void str_eq(const char *got, const char *want, unsigned line,
                   const char *expr)
{
	char text[1024];

	snprintf(text, sizeof(text), "%s == \"%s\" (got %s%s%s)", expr, want,
	         got != NULL ? "\"" : "", got != NULL ? got : "NULL",
	         got != NULL ? "\"" : "");
	CU_assertImplementation(got != NULL && strcmp(got, want) == 0 ? CU_TRUE
	                                                              : CU_FALSE,
	                        line, text, __FILE__, "", CU_FALSE);
}

#define PEM_CA "-----BEGIN CERTIFICATE-----\nMIIBcaCAca\n-----END CERTIFICATE-----"
#define PEM_CERT "-----BEGIN CERTIFICATE-----\nMIIBsrvSRV\n-----END CERTIFICATE-----"
#define PEM_KEY "-----BEGIN PRIVATE KEY-----\nMIIEkeyKEY\n-----END PRIVATE KEY-----"
/* As JSON string content ('\n' escaped). */
#define J_CA "-----BEGIN CERTIFICATE-----\\nMIIBcaCAca\\n-----END CERTIFICATE-----"
#define J_CERT "-----BEGIN CERTIFICATE-----\\nMIIBsrvSRV\\n-----END CERTIFICATE-----"
#define J_KEY "-----BEGIN PRIVATE KEY-----\\nMIIEkeyKEY\\n-----END PRIVATE KEY-----"
#define CERTS "'certs':{'ca':'" J_CA "','cert':'" J_CERT "','key':'" J_KEY "'}"

/* ' -> " in a malloc()ed copy (NULL stays NULL). */
static char *dq(const char *s)
{
	char *d, *p;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		abort();
	for (p = d; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static int parts(const char *pub, const char *prot, struct dx_settings *s,
                 struct settings_report *rep)
{
	char *a = dq(pub), *b = dq(prot);
	int r = settings_parse_parts(a, b, s, rep);

	free(a);
	free(b);
	return r;
}

static int has(char *const *list, size_t n, const char *needle)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strstr(list[i], needle) != NULL)
			return 1;
	return 0;
}

static void dump(const struct settings_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n_errors; i++)
		fprintf(stderr, "    error: %s\n", rep->errors[i]);
	for (i = 0; i < rep->n_warnings; i++)
		fprintf(stderr, "    warning: %s\n", rep->warnings[i]);
}

static int is_zeroed(const struct dx_settings *s)
{
	static const struct dx_settings zero;

	return memcmp(s, &zero, sizeof(zero)) == 0;
}

static const char *env_get(const struct settings_pair *p, size_t n,
                           const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return p[i].value;
	return NULL;
}

/* ---- one row per validation rule ------------------------------------------- */

struct err_row {
	const char *name;
	const char *pub;
	const char *prot;
	const char *want;   /* a substring of one error */
};

static const struct err_row err_rows[] = {
	/* docker.port */
	{ "port too big", "{'docker':{'port':70000}}", "{" CERTS "}",
	  "docker.port: expected an integer 1-65535 or a decimal string of "
	  "one, got 70000" },
	{ "port zero", "{'docker':{'port':0}}", "{" CERTS "}",
	  "docker.port: expected an integer 1-65535 or a decimal string of "
	  "one, got 0" },
	{ "port fraction", "{'docker':{'port':2376.5}}", "{" CERTS "}",
	  "docker.port: expected an integer 1-65535 or a decimal string of "
	  "one, got 2376.5" },
	{ "port word", "{'docker':{'port':'abc'}}", "{" CERTS "}",
	  "docker.port: expected an integer 1-65535 or a decimal string of "
	  "one, got \"abc\"" },
	{ "port string too big", "{'docker':{'port':'65536'}}", "{" CERTS "}",
	  "docker.port: expected an integer 1-65535 or a decimal string of "
	  "one, got \"65536\"" },
	{ "port signed string", "{'docker':{'port':'+2376'}}", "{" CERTS "}",
	  "docker.port: expected an integer 1-65535" },
	{ "port boolean", "{'docker':{'port':true}}", "{" CERTS "}",
	  "docker.port: expected an integer 1-65535 or a decimal string of "
	  "one, got true" },
	{ "port without certs", "{'docker':{'port':'2376'}}", NULL,
	  "docker.port: a TCP port needs certs.ca, certs.cert and certs.key "
	  "in the protected settings (TLS with client verification); set "
	  "docker.allowUnauthenticatedPort to true to open it without" },
	{ "port with allow false", "{'docker':{'port':2375,"
	  "'allowUnauthenticatedPort':false}}", "{}",
	  "docker.port: a TCP port needs certs.ca" },
	{ "legacy port without certs", "{'dockerport':'4243'}", NULL,
	  "dockerport: a TCP port needs certs.ca, certs.cert and certs.key" },
	{ "legacy port bad", "{'dockerport':'x'}", NULL,
	  "dockerport: expected an integer 1-65535 or a decimal string of "
	  "one, got \"x\"" },
	/* certs */
	{ "certs only ca", "{}", "{'certs':{'ca':'" J_CA "'}}",
	  "certs: expected all of ca, cert and key (or none), missing cert, "
	  "key" },
	{ "certs no key", "{}", "{'certs':{'ca':'" J_CA "','cert':'" J_CERT
	  "'}}", "certs: expected all of ca, cert and key (or none), missing "
	  "key" },
	{ "certs not pem", "{}", "{'certs':{'ca':'hello','cert':'" J_CERT
	  "','key':'" J_KEY "'}}",
	  "certs.ca: expected PEM text (-----BEGIN ...) or base64 of PEM "
	  "text" },
	{ "certs base64 of non-pem", "{}", "{'certs':{'ca':'aGVsbG8=',"
	  "'cert':'" J_CERT "','key':'" J_KEY "'}}",
	  "certs.ca: expected PEM text" },
	{ "certs key number", "{}", "{'certs':{'ca':'" J_CA "','cert':'"
	  J_CERT "','key':5}}",
	  "certs.key: expected a string (PEM text, or base64 of it), got a "
	  "number" },
	{ "certs not object", "{}", "{'certs':'x'}",
	  "certs: expected an object {ca, cert, key}, got a string" },
	{ "legacy ca not pem", "{}", "{'ca':'x','server-cert':'" J_CERT
	  "','server-key':'" J_KEY "'}", "ca: expected PEM text" },
	/* docker.options */
	{ "options string", "{'docker':{'options':'-D'}}", NULL,
	  "docker.options: expected an array of strings (one dockerd "
	  "argument each), got \"-D\"" },
	{ "options element number", "{'docker':{'options':['-D',5]}}", NULL,
	  "docker.options[1]: expected a string, got 5" },
	{ "options element empty", "{'docker':{'options':['']}}", NULL,
	  "docker.options[0]: expected a dockerd argument, got an empty "
	  "string" },
	{ "options element newline", "{'docker':{'options':['-D\\nExecStartPre=/bin/x']}}",
	  NULL, "docker.options[0]: expected a dockerd argument, got a "
	  "string with control characters" },
	/* docker.daemon */
	{ "daemon array", "{'docker':{'daemon':[]}}", NULL,
	  "docker.daemon: expected an object (the content of daemon.json), "
	  "got an array" },
	{ "daemon hosts", "{'docker':{'daemon':{'hosts':['tcp://0.0.0.0:2375']}}}",
	  NULL, "docker.daemon.hosts: not allowed: the extension sets the "
	  "daemon's sockets with -H flags, and dockerd refuses to start when "
	  "daemon.json has \"hosts\" as well" },
	{ "daemon Hosts any case", "{'docker':{'daemon':{'Hosts':[]}}}", NULL,
	  "docker.daemon.hosts: not allowed" },
	{ "daemon tlsverify with port", "{'docker':{'port':2376,'daemon':"
	  "{'tlsverify':true}}}", "{" CERTS "}",
	  "docker.daemon.tlsverify: not allowed with docker.port" },
	{ "daemon tlscacert with port", "{'docker':{'port':2376,'daemon':"
	  "{'tlscacert':'/x'}}}", "{" CERTS "}",
	  "docker.daemon.tlscacert: not allowed with docker.port" },
	{ "daemon tls with port", "{'docker':{'port':2376,'daemon':"
	  "{'tls':true}}}", "{" CERTS "}",
	  "docker.daemon.tls: not allowed with docker.port" },
	{ "daemon tlskey with port", "{'docker':{'port':2376,'daemon':"
	  "{'tlskey':'/x'}}}", "{" CERTS "}",
	  "docker.daemon.tlskey: not allowed with docker.port" },
	{ "daemon tlscert with port", "{'docker':{'port':2376,'daemon':"
	  "{'tlscert':'/x'}}}", "{" CERTS "}",
	  "docker.daemon.tlscert: not allowed with docker.port" },
	{ "option conflicts with daemon", "{'docker':{'options':['--debug'],"
	  "'daemon':{'debug':true}}}", NULL,
	  "docker.options[0]: \"--debug\" conflicts with docker.daemon.debug: "
	  "dockerd refuses to start" },
	{ "short option conflicts", "{'docker':{'options':['--dns=1.1.1.1','-D'],"
	  "'daemon':{'debug':true}}}", NULL,
	  "docker.options[1]: \"-D\" conflicts with docker.daemon.debug" },
	{ "plural option conflicts", "{'docker':{'options':["
	  "'--insecure-registry=r:5000'],'daemon':{'insecure-registries':[]}}}",
	  NULL, "docker.options[0]: \"--insecure-registry=r:5000\" conflicts "
	  "with docker.daemon.insecure-registries" },
	/* docker.version */
	{ "version word", "{'docker':{'version':'latest'}}", NULL,
	  "docker.version: expected a version such as \"27.3.1\" (a digit, "
	  "then letters, digits and . ~ : + -, at most 64 characters), got "
	  "\"latest\"" },
	{ "version shell", "{'docker':{'version':'27; rm -rf /'}}", NULL,
	  "docker.version: expected a version such as \"27.3.1\"" },
	{ "version too long", "{'docker':{'version':'1234567890123456789012345"
	  "6789012345678901234567890123456789012345'}}", NULL,
	  "docker.version: expected a version such as" },
	{ "version number", "{'docker':{'version':27}}", NULL,
	  "docker.version: expected a version string such as \"27.3.1\", got "
	  "27" },
	/* docker.source */
	{ "source apt", "{'docker':{'source':'apt'}}", NULL,
	  "docker.source: expected \"docker\" or \"distro\", got \"apt\"" },
	/* URLs */
	{ "mirror ftp", "{'docker':{'mirror':'ftp://m.example.com/'}}", NULL,
	  "docker.mirror: expected an http:// or https:// URL with a host, "
	  "got a string that does not start with http:// or https://" },
	{ "mirror no host", "{'docker':{'mirror':'https:///path'}}", NULL,
	  "docker.mirror: expected an http:// or https:// URL with a host, "
	  "got a URL without a host" },
	{ "mirror space", "{'docker':{'mirror':'https://m.example.com/a b'}}",
	  NULL, "docker.mirror: expected an http:// or https:// URL with a "
	  "host, got a string with spaces, quotes, backslashes or control "
	  "characters" },
	{ "proxy http no host", "{'docker':{'proxy':{'http':'http://:3128'}}}",
	  NULL, "docker.proxy.http: expected an http:// or https:// URL with "
	  "a host, got a URL without a host" },
	{ "proxy https bad port", "{'docker':{'proxy':{'https':"
	  "'http://p.example.com:31x8'}}}", NULL,
	  "docker.proxy.https: expected an http:// or https:// URL with a "
	  "host, got a URL with a malformed port" },
	{ "proxy https number", "{'docker':{'proxy':{'https':5}}}", NULL,
	  "docker.proxy.https: expected an http:// or https:// URL with a "
	  "host, got 5" },
	{ "proxy noProxy quote", "{'docker':{'proxy':{'noProxy':'a,b\\\"c'}}}",
	  NULL, "docker.proxy.noProxy: expected comma-separated host names, "
	  "domains or addresses (at most 2048 characters), got" },
	{ "proxy noProxy inner blank", "{'docker':{'proxy':{'noProxy':"
	  "'a b,c'}}}", NULL, "docker.proxy.noProxy: expected comma-separated" },
	{ "proxy not object", "{'docker':{'proxy':'http://p:1'}}", NULL,
	  "docker.proxy: expected an object {http, https, noProxy}, got "
	  "\"http://p:1\"" },
	/* docker.users */
	{ "users string", "{'docker':{'users':'bob'}}", NULL,
	  "docker.users: expected an array of user names, got \"bob\"" },
	{ "users upper case", "{'docker':{'users':['alice','Bob']}}", NULL,
	  "docker.users[1]: expected a user name (lower-case letters, digits, "
	  "_ and -, at most 32 characters), got \"Bob\"" },
	{ "users too long", "{'docker':{'users':['abcdefghijklmnopqrstuvwxyz"
	  "0123456']}}", NULL, "docker.users[0]: expected a user name" },
	{ "users leading digit", "{'docker':{'users':['1x']}}", NULL,
	  "docker.users[0]: expected a user name" },
	{ "users number", "{'docker':{'users':[7]}}", NULL,
	  "docker.users[0]: expected a user name (lower-case letters, digits, "
	  "_ and -, at most 32 characters), got 7" },
	/* docker.allowUnauthenticatedPort */
	{ "allow yes", "{'docker':{'allowUnauthenticatedPort':'yes'}}", NULL,
	  "docker.allowUnauthenticatedPort: expected true or false, got "
	  "\"yes\"" },
	{ "docker not object", "{'docker':'x'}", NULL,
	  "docker: expected an object {port, options, daemon, ...}, got "
	  "\"x\"" },
	/* compose */
	{ "compose string", "{'compose':'web: {image: x}'}", NULL,
	  "compose: expected an object (the compose file as JSON), got "
	  "\"web: {image: x}\"" },
	{ "composeup array", "{'composeup':[]}", NULL,
	  "composeup: expected an object (the compose file as JSON), got an "
	  "array" },
	/* compose-environment */
	{ "compose env number", "{'compose-environment':{'PORT':8080}}", NULL,
	  "compose-environment.PORT: expected a string, got a number" },
	{ "compose env bad name", "{'compose-environment':{'MY-VAR':'x'}}",
	  NULL, "compose-environment.MY-VAR: expected a variable name "
	  "(letters, digits and _, not starting with a digit)" },
	{ "compose env digit name", "{'compose-environment':{'1X':'x'}}",
	  NULL, "compose-environment.1X: expected a variable name" },
	{ "compose env array", "{'compose-environment':['A=1']}", NULL,
	  "compose-environment: expected an object of strings, got an array" },
	/* azure-environment, installonly */
	{ "azure env", "{'azure-environment':'AzureGermanCloud'}", NULL,
	  "azure-environment: expected \"AzureCloud\" or \"AzureChinaCloud\", "
	  "got \"AzureGermanCloud\"" },
	{ "installonly maybe", "{'installonly':'maybe'}", NULL,
	  "installonly: expected true or false, got \"maybe\"" },
	/* environment */
	{ "environment number", "{}", "{'environment':{'DB_PASSWORD':1234}}",
	  "environment.DB_PASSWORD: expected a string, got a number" },
	{ "environment bad name", "{}", "{'environment':{'DB PASSWORD':'x'}}",
	  "environment.DB PASSWORD: expected a variable name" },
	{ "environment not object", "{}", "{'environment':'A=1'}",
	  "environment: expected an object of strings, got a string" },
	/* login, logins */
	{ "login no password", "{}", "{'login':{'username':'u'}}",
	  "login: expected both username and password, password is missing" },
	{ "login no username", "{}", "{'login':{'password':'p'}}",
	  "login: expected both username and password, username is missing" },
	{ "login empty password", "{}",
	  "{'login':{'username':'u','password':''}}",
	  "login: expected both username and password, password is missing" },
	{ "login username number", "{}",
	  "{'login':{'username':5,'password':'p'}}",
	  "login.username: expected a string, got a number" },
	{ "login server option", "{}",
	  "{'login':{'server':'--password-stdin','username':'u','password':'p'}}",
	  "login.server: expected a registry name such as "
	  "myregistry.azurecr.io" },
	{ "login email number", "{}",
	  "{'login':{'username':'u','password':'p','email':1}}",
	  "login.email: expected a string, got a number" },
	{ "login not object", "{}", "{'login':['u','p']}",
	  "login: expected an object {server, username, password}, got an "
	  "array" },
	{ "logins second incomplete", "{}",
	  "{'logins':[{'username':'a','password':'b'},{'password':'p'}]}",
	  "logins[1]: expected both username and password, username is "
	  "missing" },
	{ "logins element string", "{}", "{'logins':['u:p']}",
	  "logins[0]: expected an object {server, username, password}, got a "
	  "string" },
	{ "logins object", "{}", "{'logins':{'username':'u'}}",
	  "logins: expected an array of login objects, got an object" },
	{ "logins field", "{}", "{'logins':[{'username':'u','password':true}]}",
	  "logins[0].password: expected a string, got a boolean" },
	/* whole sections */
	{ "public array", "[1]", NULL,
	  "public settings: expected a JSON object, got an array" },
	{ "public invalid", "{'docker':}", NULL,
	  "public settings: not valid JSON (line 1, column 11)" },
	{ "protected invalid", "{}", "{\n'login':",
	  "protected settings: not valid JSON (line 2, column 8)" },
	{ "public trailing text", "{} x", NULL,
	  "public settings: not valid JSON" },
};

static void test_error_rows(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(err_rows); i++) {
		const struct err_row *row = &err_rows[i];
		struct dx_settings s;
		struct settings_report rep;
		int r = parts(row->pub, row->prot, &s, &rep);
		int found = has(rep.errors, rep.n_errors, row->want);

		TU_ROW_ASSERT(r == DX_ERR_SETTINGS, row->name);
		TU_ROW_ASSERT(found, row->name);
		TU_ROW_ASSERT(is_zeroed(&s), row->name);
		if (!found || r != DX_ERR_SETTINGS) {
			fprintf(stderr, "\n  row '%s' wanted: %s\n", row->name,
			        row->want);
			dump(&rep);
		}
		settings_report_free(&rep);
	}
}

/* All problems are collected, not only the first. */
static void test_all_errors_collected(void)
{
	struct dx_settings s;
	struct settings_report rep;
	int r = parts("{'docker':{'port':'x','options':'-D','source':'apt',"
	              "'users':['Bob']},'azure-environment':'Mars',"
	              "'compose-environment':{'A':1}}",
	              "{'login':{'username':'u'},'environment':{'B':[]}}",
	              &s, &rep);

	CU_ASSERT_EQUAL(r, DX_ERR_SETTINGS);
	CU_ASSERT_EQUAL(rep.n_errors, 8);
	CU_ASSERT(has(rep.errors, rep.n_errors, "docker.port:"));
	CU_ASSERT(has(rep.errors, rep.n_errors, "docker.options:"));
	CU_ASSERT(has(rep.errors, rep.n_errors, "docker.source:"));
	CU_ASSERT(has(rep.errors, rep.n_errors, "docker.users[0]:"));
	CU_ASSERT(has(rep.errors, rep.n_errors, "azure-environment:"));
	CU_ASSERT(has(rep.errors, rep.n_errors, "compose-environment.A:"));
	CU_ASSERT(has(rep.errors, rep.n_errors, "login:"));
	CU_ASSERT(has(rep.errors, rep.n_errors, "environment.B:"));
	settings_report_free(&rep);
}

/* 64 slots: the last says that more were dropped; nothing overflows. */
static void test_problem_cap(void)
{
	char pub[8192];
	size_t len = 0, i;
	struct dx_settings s;
	struct settings_report rep;
	int r;

	len += (size_t)snprintf(pub + len, sizeof(pub) - len,
	                        "{'compose-environment':{");
	for (i = 0; i < 100; i++)
		len += (size_t)snprintf(pub + len, sizeof(pub) - len,
		                        "%s'V%zu':%zu", i ? "," : "", i, i);
	snprintf(pub + len, sizeof(pub) - len, "}}");
	r = parts(pub, NULL, &s, &rep);
	CU_ASSERT_EQUAL(r, DX_ERR_SETTINGS);
	CU_ASSERT_EQUAL(rep.n_errors, SETTINGS_MAX_PROBLEMS);
	STR_EQ(rep.errors[SETTINGS_MAX_PROBLEMS - 1],
	                       "(more problems are not shown)");
	settings_report_free(&rep);
	CU_ASSERT_EQUAL(rep.n_errors, 0);
}

/* ---- warnings ----------------------------------------------------------------- */

struct warn_row {
	const char *name;
	const char *pub;
	const char *prot;
	const char *want;   /* a substring of one warning; never an error */
};

static const struct warn_row warn_rows[] = {
	{ "typo in docker", "{'docker':{'prot':'2376'}}", NULL,
	  "docker.prot: unknown key (did you mean docker.port?)" },
	{ "typo at top", "{'dockr':{}}", NULL,
	  "dockr: unknown key (did you mean docker?)" },
	{ "one level down", "{'port':2376}", "{" CERTS "}",
	  "port: unknown key (did you mean docker.port?)" },
	{ "missing dash", "{'composeEnvironment':{}}", NULL,
	  "composeEnvironment: unknown key (did you mean compose-environment?)" },
	{ "typo in proxy", "{'docker':{'proxy':{'no_proxy':'x'}}}", NULL,
	  "docker.proxy.no_proxy: unknown key (did you mean "
	  "docker.proxy.noProxy?)" },
	{ "typo in login", "{}", "{'login':{'usrname':'u'}}",
	  "login.usrname: unknown key (did you mean login.username?)" },
	{ "protected one level down", "{}", "{'password':'p'}",
	  "password: unknown key (did you mean login.password?)" },
	{ "far unknown", "{'frobnicate':1}", NULL,
	  "frobnicate: unknown key, ignored" },
	{ "unknown name shown safely", "{'a\\nb':1}", NULL,
	  "a\\x0ab: unknown key, ignored" },
	{ "certs in public", "{'certs':{}}", NULL,
	  "certs: unknown key in the public settings: it belongs in the "
	  "protected settings (public settings are not encrypted); ignored" },
	{ "docker in protected", "{}", "{'docker':{}}",
	  "docker: unknown key in the protected settings: it belongs in the "
	  "public settings; ignored" },
	{ "dockerport", "{'dockerport':'4243'}", "{" CERTS "}",
	  "dockerport is deprecated (a key of the MS Open Tech extension 0.6); "
	  "use docker.port" },
	{ "dockerport and docker.port", "{'docker':{'port':2376},"
	  "'dockerport':'4243'}", "{" CERTS "}",
	  "dockerport: ignored: docker.port is given too, and the new key "
	  "wins" },
	{ "composeup", "{'composeup':{'web':{'image':'nginx'}}}", NULL,
	  "composeup is deprecated (a key of the MS Open Tech extension 0.6); "
	  "use compose" },
	{ "composeup and compose", "{'composeup':{'a':{'image':'a'}},'compose':{'b':{'image':'b'}}}",
	  NULL, "composeup: ignored: compose is given too, and the new key "
	  "wins" },
	{ "installonly", "{'installonly':'true'}", NULL,
	  "installonly is deprecated (a key of the MS Open Tech extension "
	  "0.6); it still means: install and configure Docker, start no "
	  "compose" },
	{ "installonly drops compose", "{'installonly':true,"
	  "'compose':{'web':{'image':'x'}}}", NULL,
	  "compose: ignored because installonly is true" },
	{ "legacy ca", "{}", "{'ca':'" J_CA "','server-cert':'" J_CERT
	  "','server-key':'" J_KEY "'}",
	  "ca is deprecated (a key of the MS Open Tech extension 0.6); use "
	  "certs.ca" },
	{ "legacy server-key", "{}", "{'ca':'" J_CA "','server-cert':'" J_CERT
	  "','server-key':'" J_KEY "'}",
	  "server-key is deprecated (a key of the MS Open Tech extension 0.6); "
	  "use certs.key" },
	{ "legacy and new cert", "{}", "{" CERTS ",'server-cert':'" J_CERT
	  "'}", "server-cert: ignored: certs.cert is given too, and the new "
	  "key wins" },
	{ "login email", "{}",
	  "{'login':{'username':'u','password':'p','email':'u@example.com'}}",
	  "login.email is ignored: Docker removed --email in 17.06" },
	{ "logins email", "{}",
	  "{'logins':[{'username':'u','password':'p','email':'e@x'}]}",
	  "logins[0].email is ignored: Docker removed --email in 17.06" },
	{ "login server only", "{}", "{'login':{'server':'r.example.com'}}",
	  "login: ignored: no username and password" },
	{ "open port allowed", "{'docker':{'port':2375,"
	  "'allowUnauthenticatedPort':true}}", NULL,
	  "docker.port: TCP port 2375 is open without TLS: anyone who can "
	  "reach it has root on this VM (docker.allowUnauthenticatedPort is "
	  "true)" },
	{ "open port allowed as string", "{'docker':{'port':'2375',"
	  "'allowUnauthenticatedPort':'TRUE'}}", NULL,
	  "docker.port: TCP port 2375 is open without TLS" },
	{ "same key twice", "{'docker':{'port':1,'PORT':2376}}",
	  "{" CERTS "}", "docker.port: given more than once (keys are matched "
	  "without regard to case); the last one is used" },
	{ "env twice", "{'compose-environment':{'A':'1','A':'2'}}", NULL,
	  "compose-environment.A: given more than once; the last value is "
	  "used" },
};

static void test_warning_rows(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(warn_rows); i++) {
		const struct warn_row *row = &warn_rows[i];
		struct dx_settings s;
		struct settings_report rep;
		int r = parts(row->pub, row->prot, &s, &rep);
		int found = has(rep.warnings, rep.n_warnings, row->want);

		TU_ROW_ASSERT(r == DX_OK, row->name);
		TU_ROW_ASSERT(rep.n_errors == 0, row->name);
		TU_ROW_ASSERT(found, row->name);
		if (!found || r != DX_OK) {
			fprintf(stderr, "\n  row '%s' wanted: %s\n", row->name,
			        row->want);
			dump(&rep);
		}
		settings_free(&s);
		settings_report_free(&rep);
	}
}

/* The mapped values of legacy keys, and the new key winning. */
static void test_legacy_values(void)
{
	struct dx_settings s;
	struct settings_report rep;

	CU_ASSERT_EQUAL(parts("{'docker':{'port':2376},'dockerport':'4243',"
	                      "'composeup':{'old':{'image':'o'}},'compose':{'new':{'image':'n'}}}",
	                      "{" CERTS ",'server-cert':'" J_CA "'}", &s, &rep),
	                DX_OK);
	CU_ASSERT_EQUAL(s.port, 2376);
	STR_EQ(s.compose_json, "{\"services\":{\"new\":{\"image\":\"n\"}}}");
	STR_EQ(s.cert_cert, PEM_CERT "\n");
	settings_free(&s);
	settings_report_free(&rep);

	CU_ASSERT_EQUAL(parts("{'dockerport':'4243','installonly':'true'}",
	                      "{'ca':'" J_CA "','server-cert':'" J_CERT "',"
	                      "'server-key':'" J_KEY "'}", &s, &rep), DX_OK);
	CU_ASSERT_EQUAL(s.port, 4243);
	CU_ASSERT_EQUAL(s.install_only, 1);
	STR_EQ(s.cert_ca, PEM_CA "\n");
	STR_EQ(s.cert_cert, PEM_CERT "\n");
	STR_EQ(s.cert_key, PEM_KEY "\n");
	settings_free(&s);
	settings_report_free(&rep);

	CU_ASSERT_EQUAL(parts("{'installonly':false}", NULL, &s, &rep), DX_OK);
	CU_ASSERT_EQUAL(s.install_only, 0);
	settings_free(&s);
	settings_report_free(&rep);
}

/* ---- values ----------------------------------------------------------------------- */

static void test_defaults(void)
{
	struct dx_settings s;
	struct settings_report rep;

	CU_ASSERT_EQUAL(parts(NULL, NULL, &s, &rep), DX_OK);
	CU_ASSERT_EQUAL(rep.n_errors + rep.n_warnings, 0);
	CU_ASSERT_EQUAL(s.port, 0);
	CU_ASSERT_EQUAL(s.source, DX_SOURCE_DOCKER);
	CU_ASSERT_PTR_NULL(s.daemon_json);
	CU_ASSERT_PTR_NULL(s.compose_json);
	CU_ASSERT_PTR_NULL(s.no_proxy);
	CU_ASSERT_PTR_NULL(s.version);
	CU_ASSERT_EQUAL(s.n_options, 0);
	CU_ASSERT_EQUAL(s.n_logins, 0);
	CU_ASSERT_EQUAL(s.has_protected, 0);
	CU_ASSERT_EQUAL(s.n_compose_env, 2);
	STR_EQ(env_get(s.compose_env, s.n_compose_env,
	                               "COMPOSE_PROJECT_NAME"), "compose");
	STR_EQ(env_get(s.compose_env, s.n_compose_env,
	                               "COMPOSE_HTTP_TIMEOUT"), "900");
	settings_free(&s);
	settings_report_free(&rep);

	/* A given value stays; only the missing default is added. */
	CU_ASSERT_EQUAL(parts("{'compose-environment':{'COMPOSE_PROJECT_NAME':"
	                      "'blog','TAG':null}}", NULL, &s, &rep), DX_OK);
	CU_ASSERT_EQUAL(s.n_compose_env, 3);
	STR_EQ(env_get(s.compose_env, s.n_compose_env,
	                               "COMPOSE_PROJECT_NAME"), "blog");
	STR_EQ(env_get(s.compose_env, s.n_compose_env, "TAG"),
	                       "");
	STR_EQ(env_get(s.compose_env, s.n_compose_env,
	                               "COMPOSE_HTTP_TIMEOUT"), "900");
	settings_free(&s);
	settings_report_free(&rep);

	/* Empty strings mean "not set", as in the original. */
	CU_ASSERT_EQUAL(parts("{'docker':{'port':'','version':'','source':'',"
	                      "'mirror':''},'azure-environment':'',"
	                      "'compose':{}}", NULL, &s, &rep), DX_OK);
	CU_ASSERT_EQUAL(s.port, 0);
	CU_ASSERT_PTR_NULL(s.version);
	CU_ASSERT_PTR_NULL(s.mirror);
	CU_ASSERT_PTR_NULL(s.compose_json);
	CU_ASSERT_EQUAL(s.china_cloud, 0);
	settings_free(&s);
	settings_report_free(&rep);

	/* null is "not given" at every level of our schema. */
	CU_ASSERT_EQUAL(parts("{'docker':null,'compose':null}",
	                      "{'certs':null,'login':null}", &s, &rep), DX_OK);
	CU_ASSERT_EQUAL(rep.n_warnings, 0);
	CU_ASSERT_EQUAL(s.has_protected, 1);
	settings_free(&s);
	settings_report_free(&rep);
}

static void test_case_insensitive(void)
{
	struct dx_settings s;
	struct settings_report rep;

	CU_ASSERT_EQUAL(parts("{'Docker':{'PORT':'2376','Options':['-D'],"
	                      "'SOURCE':'Distro','Daemon':{'Log-Level':'warn'}},"
	                      "'COMPOSE':{'Web':{'image':'nginx','Labels':{'A':'b'}}},"
	                      "'Azure-Environment':'azurechinacloud'}",
	                      "{'CERTS':{'CA':'" J_CA "','Cert':'" J_CERT "',"
	                      "'KEY':'" J_KEY "'},'Login':{'UserName':'u',"
	                      "'PassWord':'p'}}", &s, &rep), DX_OK);
	CU_ASSERT_EQUAL(rep.n_warnings, 0);
	CU_ASSERT_EQUAL(s.port, 2376);
	CU_ASSERT_EQUAL(s.n_options, 1);
	CU_ASSERT_EQUAL(s.source, DX_SOURCE_DISTRO);
	CU_ASSERT_EQUAL(s.china_cloud, 1);
	CU_ASSERT_EQUAL(s.n_logins, 1);
	/* Content passed through is not touched (compose only gains the
	   modern form's services level). */
	STR_EQ(s.daemon_json, "{\"Log-Level\":\"warn\"}");
	STR_EQ(s.compose_json, "{\"services\":{\"Web\":{\"image\":\"nginx\","
	       "\"Labels\":{\"A\":\"b\"}}}}");
	settings_free(&s);
	settings_report_free(&rep);
}

static void test_compose_order(void)
{
	struct dx_settings s;
	struct settings_report rep;

	CU_ASSERT_EQUAL(parts("{'compose':{'zeta':{'image':'z','ports':["
	                      "'2:2','1:1']},'alpha':{'image':'a'},'mid':"
	                      "{'image':'m','environment':{'Z':'1','A':'2'}}}}", NULL, &s,
	                      &rep), DX_OK);
	STR_EQ(s.compose_json,
	                       "{\"services\":{\"zeta\":{\"image\":\"z\","
	                       "\"ports\":[\"2:2\",\"1:1\"]},\"alpha\":"
	                       "{\"image\":\"a\"},\"mid\":{\"image\":\"m\","
	                       "\"environment\":{\"Z\":\"1\",\"A\":\"2\"}}}}");
	settings_free(&s);
	settings_report_free(&rep);
}

struct proxy_row {
	const char *name;
	const char *pub;
	const char *want;   /* no_proxy, NULL when none */
};

static const struct proxy_row proxy_rows[] = {
	{ "no proxy", "{}", NULL },
	{ "http only", "{'docker':{'proxy':{'http':'http://p.example.com:3128'}}}",
	  "168.63.129.16,169.254.169.254" },
	{ "user list", "{'docker':{'proxy':{'https':'https://p:1',"
	  "'noProxy':' localhost, .corp.example.com ,,10.0.0.0/8 '}}}",
	  "localhost,.corp.example.com,10.0.0.0/8,168.63.129.16,"
	  "169.254.169.254" },
	{ "already there", "{'docker':{'proxy':{'http':'http://p:1',"
	  "'noProxy':'169.254.169.254,localhost,168.63.129.16'}}}",
	  "169.254.169.254,localhost,168.63.129.16" },
	{ "one there", "{'docker':{'proxy':{'http':'http://p:1',"
	  "'noProxy':'168.63.129.16'}}}", "168.63.129.16,169.254.169.254" },
	{ "noProxy alone", "{'docker':{'proxy':{'noProxy':'a'}}}",
	  "a,168.63.129.16,169.254.169.254" },
	{ "empty proxy values", "{'docker':{'proxy':{'http':'','noProxy':''}}}",
	  NULL },
};

static void test_no_proxy(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(proxy_rows); i++) {
		const struct proxy_row *row = &proxy_rows[i];
		struct dx_settings s;
		struct settings_report rep;

		TU_ROW_ASSERT(parts(row->pub, NULL, &s, &rep) == DX_OK, row->name);
		if (row->want == NULL)
			TU_ROW_ASSERT(s.no_proxy == NULL, row->name);
		else
			TU_ROW_ASSERT(s.no_proxy != NULL &&
			              strcmp(s.no_proxy, row->want) == 0, row->name);
		settings_free(&s);
		settings_report_free(&rep);
	}
}

struct cert_row {
	const char *name;
	const char *value;   /* JSON string content of certs.ca */
	const char *want;    /* cert_ca */
};

static const struct cert_row cert_rows[] = {
	{ "plain pem", J_CA, PEM_CA "\n" },
	{ "plain pem with blanks", "  \\n" J_CA "\\n\\n  ", PEM_CA "\n" },
	{ "plain pem with preamble",
	  "Bag Attributes\\n    localKeyID: 01\\n" J_CA,
	  "Bag Attributes\n    localKeyID: 01\n" PEM_CA "\n" },
	/* base64 of PEM_CA "\n", as `base64` prints it (76 columns) */
	{ "base64 wrapped",
	  "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJjYUNBY2EKLS0tLS1FTkQgQ0VSVElGSUNB\\n"
	  "VEUtLS0tLQo=\\n", PEM_CA "\n" },
	{ "base64 one line crlf",
	  "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJjYUNBY2EKLS0tLS1FTkQgQ0VSVElGSUNB"
	  "VEUtLS0tLQo=\\r\\n", PEM_CA "\n" },
	/* base64 of PEM_CA without the final newline: one pad character */
	{ "base64 no newline",
	  "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJjYUNBY2EKLS0tLS1FTkQgQ0VSVElGSUNB"
	  "VEUtLS0tLQ==", PEM_CA "\n" },
};

static void test_certs(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(cert_rows); i++) {
		const struct cert_row *row = &cert_rows[i];
		char prot[1024];
		struct dx_settings s;
		struct settings_report rep;

		tu_fmt(prot, sizeof(prot), "{'certs':{'ca':'%s','cert':'" J_CERT
		       "','key':'" J_KEY "'}}", row->value);
		TU_ROW_ASSERT(parts("{'docker':{'port':2376}}", prot, &s, &rep) ==
		                      DX_OK, row->name);
		TU_ROW_ASSERT(s.cert_ca != NULL && strcmp(s.cert_ca, row->want) == 0,
		              row->name);
		if (s.cert_ca != NULL && strcmp(s.cert_ca, row->want) != 0)
			fprintf(stderr, "\n  got [%s]\n", s.cert_ca);
		TU_ROW_ASSERT(s.port == 2376, row->name);
		settings_free(&s);
		settings_report_free(&rep);
	}
}

/* Text that is almost base64 is not decoded (then it is not PEM either). */
static void test_base64_strict(void)
{
	static const char *const bad[] = {
		"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJjYUNBY2EKLS0tLS1FTkQgQ0VSVElGSUNB"
		"VEUtLS0tLQ",            /* no padding */
		"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJjYUNBY2EKLS0tLS1FTkQgQ0VSVElGSUNB"
		"VEUtLS0tLR==",          /* unused bits set */
		"LS0tLS1CRUdJTiBD RVJUSUZJQ0FURS0tLS0tCk1JSUJjYUNBY2EKLS0tLS1FTkQgQ0VSVElGSUNB"
		"VEUtLS0tLQ==",          /* a blank inside */
		"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJjYUNBY2EKLS0tLS1FTkQgQ0VSVElGSUNB"
		"VEUtLS0tLQ==QQ==",      /* data after padding */
		"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJjYUNBY2EKLS0tLS1FTkQgQ0VSVElGSUNB"
		"VEUtLS0tLQ===",         /* three pad characters */
	};
	size_t i;

	for (i = 0; i < TU_N_ROWS(bad); i++) {
		char prot[1024];
		struct dx_settings s;
		struct settings_report rep;

		tu_fmt(prot, sizeof(prot), "{'certs':{'ca':'%s','cert':'" J_CERT
		       "','key':'" J_KEY "'}}", bad[i]);
		TU_ROW_ASSERT(parts("{}", prot, &s, &rep) == DX_ERR_SETTINGS,
		              bad[i]);
		TU_ROW_ASSERT(has(rep.errors, rep.n_errors,
		                  "certs.ca: expected PEM text"), bad[i]);
		settings_report_free(&rep);
	}
}

static void test_arrays_and_logins(void)
{
	struct dx_settings s;
	struct settings_report rep;

	CU_ASSERT_EQUAL(parts("{'docker':{'options':['-D','--dns','8.8.8.8',"
	                      "'--label=a b'],'users':['alice','svc_1','mach$'],"
	                      "'version':'5:27.3.1-1~debian.12~bookworm',"
	                      "'mirror':'HTTPS://user:pw@[::1]:8443/docker?x#y'}}",
	                      "{'logins':[{'username':'b','password':'pb'},"
	                      "{'server':'ghcr.io','username':'c','password':"
	                      "'pc','email':''}],'login':{'server':'r.example.com',"
	                      "'username':'a','password':'pa'}}", &s, &rep),
	                DX_OK);
	CU_ASSERT_EQUAL(rep.n_warnings, 0);
	CU_ASSERT_EQUAL_FATAL(s.n_options, 4);
	STR_EQ(s.options[0], "-D");
	STR_EQ(s.options[2], "8.8.8.8");
	STR_EQ(s.options[3], "--label=a b");
	CU_ASSERT_EQUAL_FATAL(s.n_users, 3);
	STR_EQ(s.users[2], "mach$");
	STR_EQ(s.version, "5:27.3.1-1~debian.12~bookworm");
	CU_ASSERT_PTR_NOT_NULL(s.mirror);
	/* login first, then logins[] in order */
	CU_ASSERT_EQUAL_FATAL(s.n_logins, 3);
	STR_EQ(s.logins[0].server, "r.example.com");
	STR_EQ(s.logins[0].username, "a");
	STR_EQ(s.logins[0].password, "pa");
	STR_EQ(s.logins[1].server, "");
	STR_EQ(s.logins[1].username, "b");
	STR_EQ(s.logins[2].server, "ghcr.io");
	STR_EQ(s.logins[2].password, "pc");
	settings_free(&s);
	settings_report_free(&rep);
}

/* ---- secrets -------------------------------------------------------------------- */

struct collected {
	const char *items[16];
	size_t n;
};

static void collect(void *ctx, const char *secret)
{
	struct collected *c = ctx;

	if (c->n < TU_N_ROWS(c->items))
		c->items[c->n] = secret;
	c->n++;
}

static void test_each_secret(void)
{
	struct dx_settings s;
	struct settings_report rep;
	struct collected got = { { NULL }, 0 };

	CU_ASSERT_EQUAL(parts("{'docker':{'port':2376},"
	                      "'compose-environment':{'PUBLIC':'visible'}}",
	                      "{" CERTS ",'environment':{'DB_PASSWORD':'dbpw',"
	                      "'EMPTY':''},'login':{'username':'alice',"
	                      "'password':'pw1'},'logins':[{'server':'ghcr.io',"
	                      "'username':'bob','password':'pw2'}]}", &s, &rep),
	                DX_OK);
	settings_each_secret(&s, collect, &got);
	CU_ASSERT_EQUAL_FATAL(got.n, 4);
	STR_EQ(got.items[0], "pw1");
	STR_EQ(got.items[1], "pw2");
	STR_EQ(got.items[2], PEM_KEY "\n");
	STR_EQ(got.items[3], "dbpw");
	settings_free(&s);
	CU_ASSERT(is_zeroed(&s));
	settings_free(&s);    /* twice is fine */
	CU_ASSERT(is_zeroed(&s));
	settings_report_free(&rep);
	settings_report_free(&rep);

	/* Nothing secret: nothing listed. */
	got.n = 0;
	CU_ASSERT_EQUAL(parts("{}", NULL, &s, &rep), DX_OK);
	settings_each_secret(&s, collect, &got);
	CU_ASSERT_EQUAL(got.n, 0);
	settings_free(&s);
	settings_report_free(&rep);
}

static void collect_copy(void *ctx, const char *secret)
{
	char *out = ctx;

	/* The proxy password is handed over in a buffer wiped afterwards. */
	snprintf(out + strlen(out), 256 - strlen(out), "[%s]", secret);
}

/* Found by fuzz_settings: a daemon.json key with a newline came out raw
   in the conflict message, splitting it across lines. */
static void test_conflict_message_escapes_key(void)
{
	struct dx_settings s;
	struct settings_report rep;
	size_t i;

	CU_ASSERT_EQUAL(settings_parse_parts("{\"docker\":{\"options\":[\"-\\n\"],"
	                                     "\"daemon\":{\"\\n\":1}}}", NULL,
	                                     &s, &rep),
	                DX_ERR_SETTINGS);
	CU_ASSERT(rep.n_errors > 0);
	for (i = 0; i < rep.n_errors; i++)
		CU_ASSERT_PTR_NULL(strchr(rep.errors[i], '\n'));
	settings_free(&s);
	settings_report_free(&rep);
}

static void test_proxy_password_is_secret(void)
{
	struct dx_settings s;
	struct settings_report rep;
	char got[256] = "";

	CU_ASSERT_EQUAL(parts("{'docker':{'proxy':{"
	                      "'http':'http://proxyuser:pr0xy-pw@proxy:3128',"
	                      "'https':'https://proxy2:3128/'}}}", NULL, &s, &rep),
	                DX_OK);
	settings_each_secret(&s, collect_copy, got);
	STR_EQ(got, "[pr0xy-pw]");
	settings_free(&s);
	settings_report_free(&rep);
	/* error rows: no password, an empty one, '@' only in the path */
	got[0] = '\0';
	CU_ASSERT_EQUAL(parts("{'docker':{'proxy':{"
	                      "'http':'http://user@proxy:3128',"
	                      "'https':'http://proxy:3128/a@b'}}}", NULL, &s, &rep),
	                DX_OK);
	settings_each_secret(&s, collect_copy, got);
	STR_EQ(got, "");
	settings_free(&s);
	settings_report_free(&rep);
}

#define SECRET "Zq9-S3cr3t-Value"

/* Protected input that produces errors or warnings: the secret value must
   not be in any of them. */
static const char *const secret_rows[] = {
	"{'environment':{'bad-name':'" SECRET "'}}",
	"{'environment':{'NUM':424242}}",
	"{'environment':'" SECRET "'}",
	"{'environment':{'A':'" SECRET "','A':'" SECRET "2'}}",
	"{'login':{'password':'" SECRET "'}}",
	"{'login':{'username':'" SECRET "'}}",
	"{'login':{'server':'-" SECRET "','username':'u','password':'p'}}",
	"{'login':{'server':'" SECRET " x','username':'u','password':'p'}}",
	"{'login':{'username':'u','password':'" SECRET "','email':'" SECRET "'}}",
	"{'login':{'username':'u\\n" SECRET "','password':'p'}}",
	"{'login':'" SECRET "'}",
	"{'logins':['" SECRET "']}",
	"{'logins':'" SECRET "'}",
	"{'certs':{'ca':'" SECRET "','cert':'" SECRET "','key':'" SECRET "'}}",
	"{'certs':{'key':'" SECRET "'}}",
	"{'certs':'" SECRET "'}",
	"{'ca':'" SECRET "'}",
	"{'pasword':'" SECRET "'}",
	"{'docker':{'port':'" SECRET "'}}",
	"{'login':{'password':'" SECRET "'",
	"['" SECRET "']",
	"'" SECRET "'",
};

static void assert_no_secret(const struct settings_report *rep,
                             const char *row)
{
	size_t i;

	for (i = 0; i < rep->n_errors; i++) {
		TU_ROW_ASSERT(strstr(rep->errors[i], SECRET) == NULL, row);
		TU_ROW_ASSERT(strstr(rep->errors[i], "424242") == NULL, row);
	}
	for (i = 0; i < rep->n_warnings; i++) {
		TU_ROW_ASSERT(strstr(rep->warnings[i], SECRET) == NULL, row);
		TU_ROW_ASSERT(strstr(rep->warnings[i], "424242") == NULL, row);
	}
}

static void test_secret_never_in_messages(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(secret_rows); i++) {
		struct dx_settings s;
		struct settings_report rep;

		parts("{'docker':{'port':2376}}", secret_rows[i], &s, &rep);
		TU_ROW_ASSERT(rep.n_errors + rep.n_warnings > 0, secret_rows[i]);
		assert_no_secret(&rep, secret_rows[i]);
		settings_free(&s);
		settings_report_free(&rep);
	}
}

/* ---- the N.settings envelope ------------------------------------------------------ */

struct fake_decrypt {
	const char *plain;     /* returned as a malloc()ed copy */
	int rc;
	const char *msg;
	int calls;
	char b64[64];
	char thumb[64];
};

static int fake_decrypt(void *ctx, const char *b64, const char *thumbprint,
                        char **plaintext, size_t *len, char *msg,
                        size_t msgsize)
{
	struct fake_decrypt *f = ctx;

	f->calls++;
	snprintf(f->b64, sizeof(f->b64), "%s", b64);
	snprintf(f->thumb, sizeof(f->thumb), "%s", thumbprint);
	if (f->rc != DX_OK) {
		snprintf(msg, msgsize, "%s", f->msg);
		return f->rc;
	}
	*plaintext = dq(f->plain);
	*len = strlen(*plaintext);
	return DX_OK;
}

static char *settings_text(const char *pub, const char *prot,
                           const char *thumb)
{
	char text[8192];

	tu_fmt(text, sizeof(text), "{'runtimeSettings':[{'handlerSettings':{"
	       "'publicSettings':%s,'protectedSettings':%s,"
	       "'protectedSettingsCertThumbprint':%s}}]}", pub, prot, thumb);
	return dq(text);
}

static int parse_text(const char *text, struct fake_decrypt *f,
                      struct dx_settings *s, struct settings_report *rep)
{
	return settings_parse_file(text, strlen(text),
	                           f != NULL ? fake_decrypt : NULL, f, s, rep);
}

static int parse_fixture(const char *name, struct fake_decrypt *f,
                         struct dx_settings *s, struct settings_report *rep)
{
	char rel[256];
	const char *text;

	tu_fmt(rel, sizeof(rel), "settings/%s", name);
	text = tu_read_file(tu_fixture(rel));
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	return parse_text(text, f, s, rep);
}

struct file_row {
	const char *name;
	const char *text;    /* NULL: use fixture */
	const char *fixture;
	int want_rc;
	const char *want;    /* an error substring, or NULL for none */
};

static const struct file_row file_rows[] = {
	{ "empty fixture", NULL, "empty.settings", DX_OK, NULL },
	{ "whitespace fixture", NULL, "whitespace.settings", DX_OK, NULL },
	{ "bom only", "\xef\xbb\xbf", NULL, DX_OK, NULL },
	{ "nulls", NULL, "null-values.settings", DX_OK, NULL },
	{ "no handlerSettings", "{'runtimeSettings':[{}]}", NULL, DX_OK, NULL },
	{ "two runtimeSettings", NULL, "two-runtime-settings.settings",
	  DX_ERR_SETTINGS, "runtimeSettings: expected exactly 1 element, got 2" },
	{ "zero runtimeSettings", "{'runtimeSettings':[]}", NULL,
	  DX_ERR_SETTINGS, "runtimeSettings: expected exactly 1 element, got 0" },
	{ "no runtimeSettings", "{'runtime':[]}", NULL, DX_ERR_SETTINGS,
	  "runtimeSettings: expected an array of one element, got nothing" },
	{ "runtimeSettings object", "{'runtimeSettings':{}}", NULL,
	  DX_ERR_SETTINGS, "runtimeSettings: expected an array of one element, "
	  "got an object" },
	{ "top array", "[]", NULL, DX_ERR_SETTINGS,
	  "settings: expected an object {\"runtimeSettings\": [...]}, got an "
	  "array" },
	{ "not json", "{'runtimeSettings':[", NULL, DX_ERR_SETTINGS,
	  "settings: not valid JSON (line 1, column 20)" },
	{ "handlerSettings string", "{'runtimeSettings':[{'handlerSettings':"
	  "'x'}]}", NULL, DX_ERR_SETTINGS,
	  "runtimeSettings[0].handlerSettings: expected an object, got a "
	  "string" },
	{ "public number", "{'runtimeSettings':[{'handlerSettings':"
	  "{'publicSettings':5}}]}", NULL, DX_ERR_SETTINGS,
	  "publicSettings: expected an object, got a number" },
	{ "public string not object", "{'runtimeSettings':[{'handlerSettings':"
	  "{'publicSettings':'[1]'}}]}", NULL, DX_ERR_SETTINGS,
	  "publicSettings: expected a JSON object, got an array" },
	{ "public string not json", "{'runtimeSettings':[{'handlerSettings':"
	  "{'publicSettings':'{x'}}]}", NULL, DX_ERR_SETTINGS,
	  "publicSettings: not valid JSON (line 1, column 2)" },
	{ "public empty string", "{'runtimeSettings':[{'handlerSettings':"
	  "{'publicSettings':'','protectedSettings':''}}]}", NULL, DX_OK, NULL },
	{ "no thumbprint", NULL, "no-thumbprint.settings", DX_ERR_SETTINGS,
	  "protectedSettings is set but protectedSettingsCertThumbprint is "
	  "missing" },
	{ "empty thumbprint", "{'runtimeSettings':[{'handlerSettings':"
	  "{'protectedSettings':'MIIB','protectedSettingsCertThumbprint':''}}]}",
	  NULL, DX_ERR_SETTINGS, "protectedSettings is set but "
	  "protectedSettingsCertThumbprint is missing" },
	{ "thumbprint path", "{'runtimeSettings':[{'handlerSettings':"
	  "{'protectedSettings':'MIIB','protectedSettingsCertThumbprint':"
	  "'../../../etc/shadow'}}]}", NULL, DX_ERR_SETTINGS,
	  "protectedSettingsCertThumbprint: expected a hexadecimal certificate "
	  "thumbprint, got \"../../../etc/shadow\"" },
	{ "protected number", "{'runtimeSettings':[{'handlerSettings':"
	  "{'protectedSettings':5}}]}", NULL, DX_ERR_SETTINGS,
	  "protectedSettings: expected a base64 string or null, got a number" },
	{ "decrypt missing", "{'runtimeSettings':[{'handlerSettings':"
	  "{'protectedSettings':'MIIB','protectedSettingsCertThumbprint':"
	  "'DC18F1142B968B843E1EEEBB69F7B4BCE46BE708'}}]}", NULL,
	  DX_ERR_NOT_IMPLEMENTED, "protectedSettings: cannot be decrypted: no "
	  "decryption is available" },
};

static void test_file_rows(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(file_rows); i++) {
		const struct file_row *row = &file_rows[i];
		struct dx_settings s;
		struct settings_report rep;
		char *text = row->text != NULL ? dq(row->text) : NULL;
		int r = text != NULL ? parse_text(text, NULL, &s, &rep)
		                     : parse_fixture(row->fixture, NULL, &s, &rep);

		TU_ROW_ASSERT(r == row->want_rc, row->name);
		if (row->want == NULL) {
			TU_ROW_ASSERT(rep.n_errors == 0, row->name);
			TU_ROW_ASSERT(s.n_compose_env == 2, row->name);
			TU_ROW_ASSERT(s.has_protected == 0, row->name);
		} else {
			TU_ROW_ASSERT(has(rep.errors, rep.n_errors, row->want),
			              row->name);
			TU_ROW_ASSERT(is_zeroed(&s), row->name);
		}
		if (r != row->want_rc) {
			fprintf(stderr, "\n  row '%s': rc %d\n", row->name, r);
			dump(&rep);
		}
		free(text);
		settings_free(&s);
		settings_report_free(&rep);
	}
}

static void test_public_as_string(void)
{
	struct dx_settings s;
	struct settings_report rep;

	CU_ASSERT_EQUAL(parse_fixture("public-as-string.settings", NULL, &s,
	                              &rep), DX_OK);
	CU_ASSERT_EQUAL_FATAL(s.n_options, 1);
	STR_EQ(s.options[0], "--debug");
	STR_EQ(env_get(s.compose_env, s.n_compose_env, "TAG"),
	                       "7");
	settings_free(&s);
	settings_report_free(&rep);
}

static void test_too_large(void)
{
	size_t len = SETTINGS_MAX_BYTES + 1;
	char *text = malloc(len + 1);
	struct dx_settings s;
	struct settings_report rep;
	char msg[256];
	struct handler_env env;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	memset(text, ' ', len);
	text[len] = '\0';
	CU_ASSERT_EQUAL(settings_parse_file(text, len, NULL, NULL, &s, &rep),
	                DX_ERR_TOO_LARGE);
	CU_ASSERT(has(rep.errors, rep.n_errors, "over the limit"));
	settings_report_free(&rep);
	CU_ASSERT_EQUAL(settings_parse_parts(text, NULL, &s, &rep),
	                DX_ERR_TOO_LARGE);
	settings_report_free(&rep);
	CU_ASSERT_EQUAL(settings_parse_handler_env(text, len, &env, msg,
	                                           sizeof(msg)),
	                DX_ERR_TOO_LARGE);
	/* Exactly the cap is parsed (blank: no settings). */
	CU_ASSERT_EQUAL(settings_parse_file(text, len - 1, NULL, NULL, &s, &rep),
	                DX_OK);
	settings_free(&s);
	settings_report_free(&rep);
	free(text);
}

/* Lengths at their limits, and a NUL byte inside the text. */
static void test_edges(void)
{
	char url[2100], pub[2200], user[40], ver[80];
	struct dx_settings s;
	struct settings_report rep;
	static const char nul[] = "{\"runtimeSettings\":[{}]}\0{}";

	memset(url, 0, sizeof(url));
	memcpy(url, "https://m.example.com/", 22);
	memset(url + 22, 'a', 2048 - 22);
	tu_fmt(pub, sizeof(pub), "{'docker':{'mirror':'%s'}}", url);
	CU_ASSERT_EQUAL(parts(pub, NULL, &s, &rep), DX_OK);
	CU_ASSERT_EQUAL(s.mirror != NULL ? strlen(s.mirror) : 0, 2048);
	settings_free(&s);
	settings_report_free(&rep);
	url[2048] = 'a';
	tu_fmt(pub, sizeof(pub), "{'docker':{'mirror':'%s'}}", url);
	CU_ASSERT_EQUAL(parts(pub, NULL, &s, &rep), DX_ERR_SETTINGS);
	CU_ASSERT(has(rep.errors, rep.n_errors, "docker.mirror: expected an "
	              "http:// or https:// URL with a host, got a string longer "
	              "than 2048 characters"));
	settings_report_free(&rep);

	memset(user, 0, sizeof(user));
	memset(user, 'u', 32);
	tu_fmt(pub, sizeof(pub), "{'docker':{'users':['%s']}}", user);
	CU_ASSERT_EQUAL(parts(pub, NULL, &s, &rep), DX_OK);
	settings_free(&s);
	settings_report_free(&rep);

	memset(ver, 0, sizeof(ver));
	memset(ver, '1', 64);
	tu_fmt(pub, sizeof(pub), "{'docker':{'version':'%s'}}", ver);
	CU_ASSERT_EQUAL(parts(pub, NULL, &s, &rep), DX_OK);
	settings_free(&s);
	settings_report_free(&rep);
	ver[64] = '1';
	tu_fmt(pub, sizeof(pub), "{'docker':{'version':'%s'}}", ver);
	CU_ASSERT_EQUAL(parts(pub, NULL, &s, &rep), DX_ERR_SETTINGS);
	settings_report_free(&rep);

	CU_ASSERT_EQUAL(settings_parse_file(nul, sizeof(nul) - 1, NULL, NULL,
	                                    &s, &rep), DX_ERR_SETTINGS);
	CU_ASSERT(has(rep.errors, rep.n_errors,
	              "settings: not valid JSON (it contains a NUL byte)"));
	settings_report_free(&rep);

	/* A NULL text is an empty file. */
	CU_ASSERT_EQUAL(settings_parse_file(NULL, 0, NULL, NULL, &s, &rep),
	                DX_OK);
	settings_free(&s);
	settings_report_free(&rep);
}

static void test_decrypt_ok(void)
{
	struct fake_decrypt f = { "{'environment':{'DB_PASSWORD':'dbpw'},"
		                  "'login':{'username':'u','password':'p'}," CERTS
		                  "}", DX_OK, NULL, 0, "", "" };
	struct dx_settings s;
	struct settings_report rep;
	char *text = settings_text("{'docker':{'port':'2376'}}", "'MIIBcms=='",
	                           "'DC18F1142B968B843E1EEEBB69F7B4BCE46BE708'");

	CU_ASSERT_EQUAL(parse_text(text, &f, &s, &rep), DX_OK);
	CU_ASSERT_EQUAL(f.calls, 1);
	STR_EQ(f.b64, "MIIBcms==");
	STR_EQ(f.thumb,
	                       "DC18F1142B968B843E1EEEBB69F7B4BCE46BE708");
	CU_ASSERT_EQUAL(s.has_protected, 1);
	CU_ASSERT_EQUAL(s.port, 2376);
	CU_ASSERT_EQUAL_FATAL(s.n_secret_env, 1);
	STR_EQ(s.secret_env[0].value, "dbpw");
	CU_ASSERT_EQUAL(s.n_logins, 1);
	STR_EQ(s.cert_key, PEM_KEY "\n");
	settings_free(&s);
	settings_report_free(&rep);
	free(text);
}

static void test_decrypt_fails(void)
{
	struct fake_decrypt f = { NULL, DX_ERR_IO, "protectedSettings: cannot "
		                  "read /var/lib/waagent/ABCD.prv: No such file",
		                  0, "", "" };
	struct dx_settings s;
	struct settings_report rep;
	char *text = settings_text("{'docker':{'port':'2376','source':'apt'}}",
	                           "'MIIB'", "'ABCDEF0123456789ABCDEF01'");

	CU_ASSERT_EQUAL(parse_text(text, &f, &s, &rep), DX_ERR_IO);
	CU_ASSERT_EQUAL(f.calls, 1);
	CU_ASSERT(has(rep.errors, rep.n_errors, "protectedSettings: cannot "
	              "read /var/lib/waagent/ABCD.prv: No such file"));
	/* The public settings are still checked ... */
	CU_ASSERT(has(rep.errors, rep.n_errors, "docker.source:"));
	/* ... but not against protected settings nobody could read. */
	CU_ASSERT(!has(rep.errors, rep.n_errors, "a TCP port needs"));
	CU_ASSERT(is_zeroed(&s));
	settings_report_free(&rep);
	free(text);
}

struct plain_row {
	const char *name;
	const char *plain;
	const char *want;
};

static const struct plain_row plain_rows[] = {
	{ "array", "['a']", "protectedSettings: the decrypted text must be a "
	  "JSON object, got an array" },
	{ "string", "'" SECRET "'", "protectedSettings: the decrypted text must "
	  "be a JSON object, got a string" },
	{ "not json", "{'login':{'password':'" SECRET "'",
	  "protectedSettings (decrypted): not valid JSON (line 1, column" },
	{ "empty", "  ", "protectedSettings (decrypted): empty" },
	{ "bad content", "{'environment':{'X':5,'Y':'" SECRET "'},'login':"
	  "{'password':'" SECRET "'}}", "environment.X: expected a string, got "
	  "a number" },
};

static void test_decrypted_not_object(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(plain_rows); i++) {
		const struct plain_row *row = &plain_rows[i];
		struct fake_decrypt f = { row->plain, DX_OK, NULL, 0, "", "" };
		struct dx_settings s;
		struct settings_report rep;
		char *text = settings_text("{}", "'MIIB'",
		                           "'ABCDEF0123456789ABCDEF01'");

		TU_ROW_ASSERT(parse_text(text, &f, &s, &rep) == DX_ERR_SETTINGS,
		              row->name);
		TU_ROW_ASSERT(has(rep.errors, rep.n_errors, row->want), row->name);
		assert_no_secret(&rep, row->name);
		settings_report_free(&rep);
		free(text);
	}
}

/* ---- the historical examples ----------------------------------------------------- */

static char *fixture_text(const char *name)
{
	char rel[256];
	const char *text;
	char *copy;

	tu_fmt(rel, sizeof(rel), "settings/%s", name);
	text = tu_read_file(tu_fixture(rel));
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	copy = strdup(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	return copy;
}

static int parse_fixture_parts(const char *pub, const char *prot,
                               struct dx_settings *s,
                               struct settings_report *rep)
{
	char *a = pub != NULL ? fixture_text(pub) : NULL;
	char *b = prot != NULL ? fixture_text(prot) : NULL;
	int r = settings_parse_parts(a, b, s, rep);

	free(a);
	free(b);
	return r;
}

static void test_readme_example(void)
{
	struct dx_settings s;
	struct settings_report rep;

	CU_ASSERT_EQUAL(parse_fixture_parts("readme-example.public.json",
	                                    "readme-example.protected.json",
	                                    &s, &rep), DX_OK);
	CU_ASSERT_EQUAL(rep.n_warnings, 0);
	CU_ASSERT_EQUAL(s.port, 2376);
	CU_ASSERT_EQUAL_FATAL(s.n_options, 2);
	STR_EQ(s.options[1], "--dns=8.8.8.8");
	STR_EQ(s.compose_json,
	                       "{\"services\":{\"cache\":{\"image\":\"memcached\","
	                       "\"ports\":[\"11211:11211\"]},\"web\":{\"image\":"
	                       "\"ghost\",\"ports\":[\"80:2368\"]}}}");
	STR_EQ(env_get(s.compose_env, s.n_compose_env,
	                               "COMPOSE_PROJECT_NAME"), "blog");
	STR_EQ(env_get(s.compose_env, s.n_compose_env,
	                               "COMPOSE_HTTP_TIMEOUT"), "600");
	CU_ASSERT_EQUAL(s.n_compose_env, 2);
	CU_ASSERT_EQUAL(s.n_secret_env, 2);
	CU_ASSERT_EQUAL(s.n_logins, 1);
	CU_ASSERT(strncmp(s.cert_ca, "-----BEGIN CERTIFICATE-----\nMIIBfixtureCA",
	                  40) == 0);
	CU_ASSERT(strncmp(s.cert_key, "-----BEGIN PRIVATE KEY-----", 27) == 0);
	settings_free(&s);
	settings_report_free(&rep);

	/* Without its protected settings, the README's port is refused. */
	CU_ASSERT_EQUAL(parse_fixture_parts("readme-example.public.json", NULL,
	                                    &s, &rep), DX_ERR_SETTINGS);
	CU_ASSERT(has(rep.errors, rep.n_errors, "docker.port: a TCP port needs"));
	settings_report_free(&rep);
}

static void test_readme_settings_file(void)
{
	struct fake_decrypt f = { NULL, DX_OK, NULL, 0, "", "" };
	char *prot = fixture_text("readme-example.protected.json");
	struct dx_settings s;
	struct settings_report rep;

	f.plain = prot;   /* no ' inside: dq() leaves it as it is */
	CU_ASSERT_EQUAL(parse_fixture("readme-example.settings", &f, &s, &rep),
	                DX_OK);
	STR_EQ(f.thumb,
	                       "B3364F39E3086E9AD0C67767348D7392D35BC176");
	CU_ASSERT_EQUAL(s.port, 2376);
	CU_ASSERT_PTR_NOT_NULL(s.cert_key);
	CU_ASSERT_EQUAL(s.n_logins, 1);
	settings_free(&s);
	settings_report_free(&rep);
	free(prot);
}

static void test_blog_example(void)
{
	struct dx_settings s;
	struct settings_report rep;

	CU_ASSERT_EQUAL(parse_fixture_parts("blog-2016.public.json",
	                                    "blog-2016.protected.json", &s,
	                                    &rep), DX_OK);
	CU_ASSERT_EQUAL(s.port, 0);
	CU_ASSERT_EQUAL(s.n_options, 2);
	CU_ASSERT(strncmp(s.compose_json, "{\"services\":{\"monitoring\":"
	                  "{\"image\":\"google/cadvisor\"", 52) == 0);
	CU_ASSERT_EQUAL(s.n_logins, 1);
	CU_ASSERT(has(rep.warnings, rep.n_warnings,
	              "login.email is ignored: Docker removed --email in 17.06"));
	settings_free(&s);
	settings_report_free(&rep);
}

static void test_predecessor_example(void)
{
	struct dx_settings s;
	struct settings_report rep;

	CU_ASSERT_EQUAL(parse_fixture_parts("predecessor-0.6.public.json",
	                                    "predecessor-0.6.protected.json",
	                                    &s, &rep), DX_OK);
	CU_ASSERT_EQUAL(s.port, 4243);
	CU_ASSERT_PTR_NOT_NULL(s.cert_ca);
	CU_ASSERT_PTR_NOT_NULL(s.cert_cert);
	CU_ASSERT(s.cert_key != NULL &&
	          strncmp(s.cert_key, "-----BEGIN PRIVATE KEY-----", 27) == 0);
	CU_ASSERT_EQUAL(rep.n_warnings, 4);   /* one per legacy key */
	settings_free(&s);
	settings_report_free(&rep);

	CU_ASSERT_EQUAL(parse_fixture_parts("predecessor-0.6-full.public.json",
	                                    "predecessor-0.6.protected.json",
	                                    &s, &rep), DX_OK);
	CU_ASSERT_EQUAL(s.install_only, 1);
	CU_ASSERT_PTR_NULL(s.compose_json);
	settings_free(&s);
	settings_report_free(&rep);
}

static void test_modern_example(void)
{
	struct fake_decrypt f = { NULL, DX_OK, NULL, 0, "", "" };
	char *prot = fixture_text("modern-full.protected.json");
	struct dx_settings s;
	struct settings_report rep;

	f.plain = prot;
	CU_ASSERT_EQUAL(parse_fixture("modern-full.settings", &f, &s, &rep),
	                DX_OK);
	CU_ASSERT_EQUAL(rep.n_warnings, 0);
	CU_ASSERT_EQUAL(s.port, 2376);
	CU_ASSERT_EQUAL(s.allow_unauthenticated_port, 0);
	STR_EQ(s.daemon_json,
	                       "{\"log-driver\":\"json-file\",\"log-opts\":"
	                       "{\"max-size\":\"10m\",\"max-file\":\"3\"},"
	                       "\"live-restore\":true}");
	STR_EQ(s.version, "27.3.1");
	CU_ASSERT_EQUAL(s.source, DX_SOURCE_DOCKER);
	STR_EQ(s.mirror, "https://mirror.example.com/docker-ce");
	STR_EQ(s.proxy_http, "http://proxy.example.com:3128");
	STR_EQ(s.no_proxy, "localhost,127.0.0.1,"
	                       ".internal.example.com,168.63.129.16,"
	                       "169.254.169.254");
	CU_ASSERT_EQUAL(s.n_users, 2);
	CU_ASSERT(strncmp(s.compose_json, "{\"services\":{\"web\":", 19) == 0);
	STR_EQ(env_get(s.compose_env, s.n_compose_env,
	                               "COMPOSE_PROJECT_NAME"), "shop");
	CU_ASSERT_EQUAL(s.n_compose_env, 3);
	CU_ASSERT_EQUAL(s.china_cloud, 0);
	CU_ASSERT_EQUAL(s.n_secret_env, 1);
	CU_ASSERT_EQUAL_FATAL(s.n_logins, 3);
	STR_EQ(s.logins[0].server, "myregistry.azurecr.io");
	STR_EQ(s.logins[1].server, "");
	STR_EQ(s.logins[2].password, "gh-token");
	settings_free(&s);
	settings_report_free(&rep);
	free(prot);
}

/* ---- HandlerEnvironment.json ------------------------------------------------------ */

struct henv_row {
	const char *name;
	const char *text;     /* NULL: fixture */
	const char *fixture;
	int want_rc;
	const char *want;     /* message substring, or log_folder when OK */
};

static const struct henv_row henv_rows[] = {
	{ "waagent 2.7.3", NULL, "HandlerEnvironment.json", DX_OK,
	  "/var/log/azure/Publisher.Type" },
	{ "bom", NULL, "HandlerEnvironment-bom.json", DX_OK,
	  "/var/log/azure/Publisher.Type" },
	{ "original", NULL, "HandlerEnvironment-original.json", DX_OK,
	  "/var/log/azure/MSOpenTech.Extensions.DockerExtension/0.6.0.0" },
	{ "minimal, any case", "[{'HANDLERENVIRONMENT':{'logfolder':'/l',"
	  "'ConfigFolder':'/c','statusFolder':'/s','extra':1},'x':2}]", NULL,
	  DX_OK, "/l" },
	{ "no logFolder", "[{'handlerEnvironment':{'configFolder':'/c',"
	  "'statusFolder':'/s'}}]", NULL, DX_ERR_IO,
	  "HandlerEnvironment.json: handlerEnvironment.logFolder is missing" },
	{ "no configFolder", "[{'handlerEnvironment':{'logFolder':'/l',"
	  "'statusFolder':'/s'}}]", NULL, DX_ERR_IO,
	  "HandlerEnvironment.json: handlerEnvironment.configFolder is missing" },
	{ "null statusFolder", "[{'handlerEnvironment':{'logFolder':'/l',"
	  "'configFolder':'/c','statusFolder':null}}]", NULL, DX_ERR_IO,
	  "HandlerEnvironment.json: handlerEnvironment.statusFolder is missing" },
	{ "number logFolder", "[{'handlerEnvironment':{'logFolder':1,"
	  "'configFolder':'/c','statusFolder':'/s'}}]", NULL, DX_ERR_IO,
	  "HandlerEnvironment.json: handlerEnvironment.logFolder: expected a "
	  "string, got a number" },
	{ "number heartbeat", "[{'handlerEnvironment':{'logFolder':'/l',"
	  "'configFolder':'/c','statusFolder':'/s','heartbeatFile':2}}]", NULL,
	  DX_ERR_IO, "handlerEnvironment.heartbeatFile: expected a string" },
	{ "not array", "{'handlerEnvironment':{}}", NULL, DX_ERR_IO,
	  "HandlerEnvironment.json: expected an array of one object, got an "
	  "object" },
	{ "two elements", "[{},{}]", NULL, DX_ERR_IO,
	  "HandlerEnvironment.json: expected 1 element in the array, found 2" },
	{ "no elements", "[]", NULL, DX_ERR_IO,
	  "HandlerEnvironment.json: expected 1 element in the array, found 0" },
	{ "element not object", "['x']", NULL, DX_ERR_IO,
	  "HandlerEnvironment.json: handlerEnvironment: expected an object, got "
	  "a string" },
	{ "no handlerEnvironment", "[{'name':'x'}]", NULL, DX_ERR_IO,
	  "HandlerEnvironment.json: handlerEnvironment: expected an object, got "
	  "nothing" },
	{ "empty", "", NULL, DX_ERR_IO, "HandlerEnvironment.json: empty" },
	{ "not json", "[{", NULL, DX_ERR_IO,
	  "HandlerEnvironment.json: not valid JSON (line 1, column 2)" },
};

static void test_handler_env(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(henv_rows); i++) {
		const struct henv_row *row = &henv_rows[i];
		struct handler_env env;
		char msg[256];
		char rel[256];
		char *text;
		int r;

		if (row->text != NULL) {
			text = dq(row->text);
		} else {
			const char *t;

			tu_fmt(rel, sizeof(rel), "settings/%s", row->fixture);
			t = tu_read_file(tu_fixture(rel));
			CU_ASSERT_PTR_NOT_NULL_FATAL(t);
			text = strdup(t);
		}
		r = settings_parse_handler_env(text, strlen(text), &env, msg,
		                               sizeof(msg));
		TU_ROW_ASSERT(r == row->want_rc, row->name);
		if (row->want_rc == DX_OK) {
			TU_ROW_ASSERT(env.log_folder != NULL &&
			              strcmp(env.log_folder, row->want) == 0,
			              row->name);
			TU_ROW_ASSERT(env.config_folder != NULL, row->name);
			TU_ROW_ASSERT(env.status_folder != NULL, row->name);
		} else {
			TU_ROW_ASSERT(strstr(msg, row->want) != NULL, row->name);
			TU_ROW_ASSERT(env.log_folder == NULL, row->name);
			if (strstr(msg, row->want) == NULL)
				fprintf(stderr, "\n  row '%s': %s\n", row->name,
				        msg);
		}
		settings_free_handler_env(&env);
		settings_free_handler_env(&env);
		free(text);
	}
}

static void test_handler_env_fields(void)
{
	struct handler_env env;
	char msg[256];
	const char *text = tu_read_file(
	        tu_fixture("settings/HandlerEnvironment.json"));

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL_FATAL(settings_parse_handler_env(text, strlen(text),
	                                                 &env, msg, sizeof(msg)),
	                      DX_OK);
	STR_EQ(env.name, "Publisher.Type");
	STR_EQ(env.config_folder,
	                       "/var/lib/waagent/Publisher.Type-1.0.0/config");
	STR_EQ(env.status_folder,
	                       "/var/lib/waagent/Publisher.Type-1.0.0/status");
	STR_EQ(env.heartbeat_file,
	                       "/var/lib/waagent/Publisher.Type-1.0.0/"
	                       "heartbeat.log");
	STR_EQ(env.events_folder,
	                       "/var/log/azure/Publisher.Type/events");
	settings_free_handler_env(&env);

	text = tu_read_file(tu_fixture("settings/HandlerEnvironment-original.json"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL_FATAL(settings_parse_handler_env(text, strlen(text),
	                                                 &env, msg, sizeof(msg)),
	                      DX_OK);
	CU_ASSERT_PTR_NULL(env.events_folder);
	settings_free_handler_env(&env);
}

void test_settings_register(void)
{
	CU_pSuite s = CU_add_suite("settings", NULL, NULL);

	if (s == NULL)
		return;
	CU_add_test(s, "a conflict message shows the daemon key escaped",
	            test_conflict_message_escapes_key);
	CU_add_test(s, "a proxy URL's password is a secret",
	            test_proxy_password_is_secret);
	CU_add_test(s, "one row per validation rule", test_error_rows);
	CU_add_test(s, "every error is collected", test_all_errors_collected);
	CU_add_test(s, "problem list is capped", test_problem_cap);
	CU_add_test(s, "warnings", test_warning_rows);
	CU_add_test(s, "legacy keys map, new keys win", test_legacy_values);
	CU_add_test(s, "defaults and empty values", test_defaults);
	CU_add_test(s, "keys match without regard to case",
	            test_case_insensitive);
	CU_add_test(s, "compose keeps its key order", test_compose_order);
	CU_add_test(s, "noProxy gets the metadata endpoints", test_no_proxy);
	CU_add_test(s, "certs: base64 or plain PEM", test_certs);
	CU_add_test(s, "certs: base64 is strict", test_base64_strict);
	CU_add_test(s, "arrays and logins", test_arrays_and_logins);
	CU_add_test(s, "each_secret lists exactly the secrets",
	            test_each_secret);
	CU_add_test(s, "no secret in any message",
	            test_secret_never_in_messages);
	CU_add_test(s, "settings file envelope", test_file_rows);
	CU_add_test(s, "publicSettings as a JSON string",
	            test_public_as_string);
	CU_add_test(s, "size cap", test_too_large);
	CU_add_test(s, "limits and NUL bytes", test_edges);
	CU_add_test(s, "decrypt callback gives plaintext", test_decrypt_ok);
	CU_add_test(s, "decrypt callback fails", test_decrypt_fails);
	CU_add_test(s, "decrypted text must be an object",
	            test_decrypted_not_object);
	CU_add_test(s, "original README example", test_readme_example);
	CU_add_test(s, "original README as a settings file",
	            test_readme_settings_file);
	CU_add_test(s, "2016 blog example", test_blog_example);
	CU_add_test(s, "MS Open Tech 0.6 example", test_predecessor_example);
	CU_add_test(s, "modern full example", test_modern_example);
	CU_add_test(s, "HandlerEnvironment.json", test_handler_env);
	CU_add_test(s, "HandlerEnvironment.json fields",
	            test_handler_env_fields);
}
