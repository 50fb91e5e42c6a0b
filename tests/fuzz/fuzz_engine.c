/*
 * fuzz_engine - libFuzzer target for what the Docker Engine API answers
 * (core/engine.c): the container list, a container's inspect document and
 * the multiplexed log stream.  A dockerd is trusted, but its answers come
 * from containers' labels and logs, which are whatever an image puts there.
 *
 * Besides the sanitizers, the target checks what the parsers promise:
 *  - every string field is NUL-terminated inside its array;
 *  - the list never holds one-off containers or entries without an ID;
 *  - the demultiplexed text is never longer than the input nor than the
 *    buffer, and is terminated where the returned length says.
 *
 * Built and run by `make fuzz-engine` (see Makefile.am).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "broken promise: %s\n", #cond);      \
			abort();                                             \
		}                                                            \
	} while (0)

#define TERMINATED(field) CHECK(memchr((field), '\0', sizeof(field)) != NULL)

static void check_container(const struct engine_container *c)
{
	TERMINATED(c->id);
	TERMINATED(c->service);
	TERMINATED(c->image);
	TERMINATED(c->state);
	TERMINATED(c->status);
	TERMINATED(c->config_hash);
	TERMINATED(c->health);
	TERMINATED(c->restart_policy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct engine_container *list = NULL, one;
	char out[512];
	size_t n = 0, i, len;

	if (engine_parse_list(text, size, &list, &n) == 0)
		for (i = 0; i < n; i++) {
			check_container(&list[i]);
			CHECK(list[i].id[0] != '\0');
		}
	free(list);

	memset(&one, 0, sizeof(one));
	(void)engine_parse_inspect(text, size, &one);
	check_container(&one);

	len = engine_demux_logs(text, size, out, sizeof(out));
	CHECK(len <= size && len < sizeof(out) && out[len] == '\0');
	len = engine_demux_logs(text, size, out, 1);
	CHECK(len == 0 && out[0] == '\0');
	return 0;
}
