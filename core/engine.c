/*
 * engine - reading the Docker Engine API about a compose project.
 */
#include "config.h"

#include "engine.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dx_plugin.h"
#include "http.h"
#include "json.h"

#define ENGINE_TIMEOUT_MS 10000u
#define ENGINE_LIST_MAX (8u * 1024u * 1024u)
#define ENGINE_INSPECT_MAX (2u * 1024u * 1024u)
#define ENGINE_LOGS_MAX (256u * 1024u)

void engine_project_label(const char *project, char *out, size_t outsize)
{
	size_t n = 0, i;

	if (outsize == 0)
		return;
	for (i = 0; project[i] != '\0' && n + 1 < outsize; i++) {
		int ch = tolower((unsigned char)project[i]);

		if (isalnum(ch) || ch == '_' || ch == '-')
			out[n++] = (char)ch;
	}
	out[n] = '\0';
}

/* Percent-encode everything but RFC 3986's unreserved characters. */
static int url_encode(const char *in, char *out, size_t outsize)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *in != '\0'; in++) {
		unsigned char ch = (unsigned char)*in;

		if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' ||
		    ch == '~') {
			if (n + 1 >= outsize)
				return -1;
			out[n++] = (char)ch;
		} else {
			if (n + 3 >= outsize)
				return -1;
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	if (n >= outsize)
		return -1;
	out[n] = '\0';
	return 0;
}

static void copy_str(char *dst, size_t size, json_val *v)
{
	snprintf(dst, size, "%s", json_str(v));
}

/* One entry of GET /containers/json; 0 when it is to be skipped. */
static int parse_entry(json_val *e, struct engine_container *c)
{
	json_val *labels = json_get(e, "Labels");

	memset(c, 0, sizeof(*c));
	if (strcmp(json_str(json_get(labels, ENGINE_LABEL_ONEOFF)), "True") ==
	    0)
		return 0;
	copy_str(c->id, sizeof(c->id), json_get(e, "Id"));
	copy_str(c->image, sizeof(c->image), json_get(e, "Image"));
	copy_str(c->state, sizeof(c->state), json_get(e, "State"));
	copy_str(c->status, sizeof(c->status), json_get(e, "Status"));
	copy_str(c->service, sizeof(c->service),
	         json_get(labels, ENGINE_LABEL_SERVICE));
	copy_str(c->config_hash, sizeof(c->config_hash),
	         json_get(labels, ENGINE_LABEL_HASH));
	return c->id[0] != '\0';
}

int engine_parse_list(const char *text, size_t len,
                      struct engine_container **out, size_t *n)
{
	struct json *doc = json_parse(text, len);
	json_val *root = json_root(doc), *e;
	size_t count = json_count(root);
	int r = DX_OK;

	*out = NULL;
	*n = 0;
	if (!json_is_array(root)) {
		r = DX_ERR_INVALID_ARG;
		goto out;
	}
	if (count == 0)
		goto out;
	*out = calloc(count, sizeof(**out));
	if (*out == NULL) {
		r = DX_ERR_NOMEM;
		goto out;
	}
	for (e = json_first(root); e != NULL; e = json_next(e))
		if (json_is_object(e) && parse_entry(e, &(*out)[*n]))
			(*n)++;
out:
	json_free(doc);
	return r;
}

int engine_list_project(const char *socket, const char *project,
                        struct engine_container **out, size_t *n)
{
	char name[256], filter[512], enc[1536], path[2048];
	char *body = NULL;
	size_t len;
	int r;

	*out = NULL;
	*n = 0;
	engine_project_label(project, name, sizeof(name));
	if (snprintf(filter, sizeof(filter), "{\"label\":[\"%s=%s\"]}",
	             ENGINE_LABEL_PROJECT, name) >= (int)sizeof(filter) ||
	    url_encode(filter, enc, sizeof(enc)) != 0 ||
	    snprintf(path, sizeof(path), "/containers/json?all=1&filters=%s",
	             enc) >= (int)sizeof(path))
		return DX_ERR_INVALID_ARG;
	r = http_unix_get(socket, path, ENGINE_TIMEOUT_MS, ENGINE_LIST_MAX,
	                  &body, &len);
	if (r == DX_ERR_DOWNLOAD)
		r = DX_ERR_DAEMON_DOWN;
	if (r == DX_OK)
		r = engine_parse_list(body, len, out, n);
	free(body);
	return r;
}

int engine_parse_inspect(const char *text, size_t len,
                         struct engine_container *c)
{
	struct json *doc = json_parse(text, len);
	json_val *root = json_root(doc), *state;

	if (!json_is_object(root)) {
		json_free(doc);
		return DX_ERR_INVALID_ARG;
	}
	state = json_get(root, "State");
	copy_str(c->state, sizeof(c->state), json_get(state, "Status"));
	c->exit_code = json_int(json_get(state, "ExitCode"));
	c->restart_count = json_int(json_get(root, "RestartCount"));
	copy_str(c->health, sizeof(c->health),
	         json_get(json_get(state, "Health"), "Status"));
	copy_str(c->restart_policy, sizeof(c->restart_policy),
	         json_get(json_get(json_get(root, "HostConfig"),
	                           "RestartPolicy"), "Name"));
	json_free(doc);
	return DX_OK;
}

/* Container IDs are hex; anything else is not put into a URL. */
static int is_container_id(const char *id)
{
	size_t i;

	for (i = 0; id[i] != '\0'; i++)
		if (!isxdigit((unsigned char)id[i]))
			return 0;
	return i > 0 && i <= 64;
}

int engine_inspect(const char *socket, struct engine_container *c)
{
	char path[128];
	char *body = NULL;
	size_t len;
	int r;

	if (!is_container_id(c->id))
		return DX_ERR_INVALID_ARG;
	snprintf(path, sizeof(path), "/containers/%s/json", c->id);
	r = http_unix_get(socket, path, ENGINE_TIMEOUT_MS, ENGINE_INSPECT_MAX,
	                  &body, &len);
	if (r == DX_ERR_DOWNLOAD)
		r = DX_ERR_DAEMON_DOWN;
	if (r == DX_OK)
		r = engine_parse_inspect(body, len, c);
	free(body);
	return r;
}

int engine_image_present(const char *socket, const char *name)
{
	char enc[1024], path[1200];
	char *body = NULL;
	size_t len, i, n = 0;
	int r;

	/* The name keeps its '/' and ':' (the API's route takes them);
	   everything else outside the unreserved set is encoded. */
	for (i = 0; name[i] != '\0'; i++) {
		char one[2] = { name[i], '\0' }, piece[4];

		if (name[i] == '/' || name[i] == ':')
			memcpy(piece, one, sizeof(one));
		else if (url_encode(one, piece, sizeof(piece)) != 0)
			return 0;
		if (n + strlen(piece) >= sizeof(enc))
			return 0;
		memcpy(enc + n, piece, strlen(piece));
		n += strlen(piece);
	}
	enc[n] = '\0';
	if (n == 0 || snprintf(path, sizeof(path), "/images/%s/json", enc) >=
	                      (int)sizeof(path))
		return 0;
	r = http_unix_get(socket, path, ENGINE_TIMEOUT_MS, ENGINE_INSPECT_MAX,
	                  &body, &len);
	free(body);
	return r == DX_OK;
}

/* A container without a TTY sends its logs in frames: one byte stream
   type (0-2), three zero bytes, a big-endian length, the data.  With a
   TTY the bytes come raw. */
static int is_multiplexed(const unsigned char *p, size_t len)
{
	return len >= 8 && p[0] <= 2 && p[1] == 0 && p[2] == 0 && p[3] == 0;
}

static void append(char *out, size_t outsize, size_t *n, const char *p,
                   size_t len)
{
	size_t room = outsize - 1 - *n;

	if (len > room)
		len = room;
	memcpy(out + *n, p, len);
	*n += len;
}

size_t engine_demux_logs(const char *raw, size_t len, char *out,
                         size_t outsize)
{
	const unsigned char *p = (const unsigned char *)raw;
	size_t n = 0, i = 0;

	if (outsize == 0)
		return 0;
	if (!is_multiplexed(p, len)) {
		append(out, outsize, &n, raw, len);
	} else {
		while (i + 8 <= len && is_multiplexed(p + i, len - i)) {
			size_t frame = (size_t)p[i + 4] << 24 |
			               (size_t)p[i + 5] << 16 |
			               (size_t)p[i + 6] << 8 | (size_t)p[i + 7];

			i += 8;
			if (frame > len - i)
				frame = len - i;
			append(out, outsize, &n, raw + i, frame);
			i += frame;
		}
	}
	out[n] = '\0';
	return n;
}

int engine_logs_tail(const char *socket, const char *id, unsigned lines,
                     char *out, size_t outsize)
{
	char path[192];
	char *body = NULL;
	size_t len;
	int r;

	if (outsize > 0)
		out[0] = '\0';
	if (!is_container_id(id) || outsize == 0)
		return DX_ERR_INVALID_ARG;
	snprintf(path, sizeof(path),
	         "/containers/%s/logs?stdout=1&stderr=1&tail=%u", id, lines);
	r = http_unix_get(socket, path, ENGINE_TIMEOUT_MS, ENGINE_LOGS_MAX,
	                  &body, &len);
	if (r == DX_ERR_DOWNLOAD)
		r = DX_ERR_DAEMON_DOWN;
	if (r == DX_OK)
		(void)engine_demux_logs(body, len, out, outsize);
	free(body);
	return r;
}
