/*
 * fuzz_handler_env - libFuzzer target for the HandlerEnvironment.json
 * reader (settings_parse_handler_env in core/settings.c).
 *
 * Each input is the file's text, given with its exact length (no NUL
 * after it, so that a read past the end is seen).  Besides the
 * sanitizers, the target checks what the function promises:
 *  - DX_OK gives the three required folders, non-empty; any failure
 *    leaves the struct zeroed with a message saying why;
 *  - the message is always terminated, also in a buffer of a few bytes;
 *  - a round trip: the folders read, written back as a HandlerEnvironment
 *    file, read the same;
 *  - settings_is_handler_file() on the same bytes (an array is never one).
 *
 * Build and run by hand (from a configured build directory):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=undefined -I. -I$SRC/include -I$SRC/core \
 *     -o fuzz_handler_env $SRC/tests/fuzz/fuzz_handler_env.c \
 *     $SRC/core/settings.c -lcjson
 *   mkdir -p corpus && ./fuzz_handler_env -max_total_time=300 \
 *     -dict=$SRC/tests/fuzz/handler_env.dict corpus \
 *     $SRC/tests/fuzz/corpus/handler_env
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dx_plugin.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "fuzz_handler_env: %s:%d: check "    \
			        "failed: %s\n", __FILE__, __LINE__, #cond);  \
			abort();                                             \
		}                                                            \
	} while (0)

static int is_zeroed(const struct handler_env *e)
{
	static const struct handler_env zero;

	return memcmp(e, &zero, sizeof(zero)) == 0;
}

/* A JSON string: quotes, backslashes and control bytes escaped, other
   bytes as they are (cJSON keeps them as they are). */
static size_t put_json_string(char *out, const char *s)
{
	size_t n = 0;

	out[n++] = '"';
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			out[n++] = '\\';
			out[n++] = (char)ch;
		} else if (ch < 0x20) {
			n += (size_t)snprintf(out + n, 7, "\\u%04x", ch);
		} else {
			out[n++] = (char)ch;
		}
	}
	out[n++] = '"';
	out[n] = '\0';
	return n;
}

static size_t json_size(const char *s)
{
	return s != NULL ? 6 * strlen(s) + 3 : 0;
}

static void round_trip(const struct handler_env *e)
{
	static const char *const keys[] = { "logFolder", "configFolder",
		                            "statusFolder", "heartbeatFile",
		                            "eventsFolder" };
	const char *vals[5];
	struct handler_env again;
	char msg[256];
	char *buf, *p;
	size_t cap = 128, i;
	int r;

	vals[0] = e->log_folder;
	vals[1] = e->config_folder;
	vals[2] = e->status_folder;
	vals[3] = e->heartbeat_file;
	vals[4] = e->events_folder;
	cap += json_size(e->name);
	for (i = 0; i < 5; i++)
		cap += json_size(vals[i]) + strlen(keys[i]) + 8;
	buf = malloc(cap);
	CHECK(buf != NULL);
	p = buf;
	p += snprintf(p, (size_t)(buf + cap - p), "[{\"version\":1.0,");
	if (e->name != NULL) {
		p += snprintf(p, (size_t)(buf + cap - p), "\"name\":");
		p += put_json_string(p, e->name);
		*p++ = ',';
	}
	p += snprintf(p, (size_t)(buf + cap - p), "\"handlerEnvironment\":{");
	for (i = 0; i < 5; i++) {
		if (vals[i] == NULL)
			continue;
		p += snprintf(p, (size_t)(buf + cap - p), "%s\"%s\":", i > 0 ? "," : "", keys[i]);
		p += put_json_string(p, vals[i]);
	}
	p += snprintf(p, (size_t)(buf + cap - p), "}}]");
	CHECK((size_t)(p - buf) < cap);
	r = settings_parse_handler_env(buf, (size_t)(p - buf), &again, msg,
	                               sizeof(msg));
	CHECK(r == DX_OK);
#define SAME(f)                                                              \
	CHECK((e->f == NULL) == (again.f == NULL) &&                         \
	      (e->f == NULL || strcmp(e->f, again.f) == 0))
	SAME(name);
	SAME(log_folder);
	SAME(config_folder);
	SAME(status_folder);
	SAME(heartbeat_file);
	SAME(events_folder);
#undef SAME
	settings_free_handler_env(&again);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct handler_env env;
	char msg[512];
	char *small;
	size_t smallsize = size > 0 ? data[size - 1] % 16 : 0;
	int r, r2;

	memset(&env, 0xa5, sizeof(env));
	memset(msg, 'x', sizeof(msg));
	r = settings_parse_handler_env(text, size, &env, msg, sizeof(msg));
	CHECK(memchr(msg, '\0', sizeof(msg)) != NULL);
	switch (r) {
	case DX_OK:
		CHECK(env.log_folder != NULL && env.log_folder[0] != '\0');
		CHECK(env.config_folder != NULL && env.config_folder[0] != '\0');
		CHECK(env.status_folder != NULL && env.status_folder[0] != '\0');
		CHECK(env.heartbeat_file == NULL || env.heartbeat_file[0] != '\0');
		CHECK(env.events_folder == NULL || env.events_folder[0] != '\0');
		round_trip(&env);
		break;
	case DX_ERR_IO:
	case DX_ERR_TOO_LARGE:
		CHECK(is_zeroed(&env));
		CHECK(strncmp(msg, "HandlerEnvironment.json: ", 25) == 0);
		break;
	default:
		CHECK(0);
	}
	settings_free_handler_env(&env);
	CHECK(is_zeroed(&env));

	/* The same with a message buffer of a few bytes (0: none), on the
	   heap so that a write past it is caught. */
	small = malloc(smallsize > 0 ? smallsize : 1);
	CHECK(small != NULL);
	memset(small, 'x', smallsize > 0 ? smallsize : 1);
	r2 = settings_parse_handler_env(text, size, &env, small, smallsize);
	CHECK(r2 == r);
	if (smallsize > 0)
		CHECK(memchr(small, '\0', smallsize) != NULL);
	settings_free_handler_env(&env);
	free(small);

	/* A HandlerEnvironment file is an array, never a settings file. */
	if (r == DX_OK)
		CHECK(!settings_is_handler_file(text, size));
	else
		(void)settings_is_handler_file(text, size);
	return 0;
}
