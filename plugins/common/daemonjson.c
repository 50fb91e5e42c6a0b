#include "config.h"

#include "daemonjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DJ_MAX_DEPTH 64

struct scan {
	const char *s;
	size_t len, pos;
	const char *err;
};

static void skip_ws(struct scan *sc)
{
	while (sc->pos < sc->len && strchr(" \t\r\n", sc->s[sc->pos]) != NULL &&
	       sc->s[sc->pos] != '\0')
		sc->pos++;
}

static int peek(const struct scan *sc)
{
	return sc->pos < sc->len ? (unsigned char)sc->s[sc->pos] : -1;
}

static int fail(struct scan *sc, const char *why)
{
	if (sc->err == NULL)
		sc->err = why;
	return -1;
}

static int is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* A string starting at the quote; leaves pos after the closing quote. */
static int scan_string(struct scan *sc)
{
	sc->pos++;
	while (sc->pos < sc->len) {
		unsigned char c = (unsigned char)sc->s[sc->pos++];

		if (c == '"')
			return 0;
		if (c < 0x20)
			return fail(sc, "control character in a string");
		if (c != '\\')
			continue;
		if (sc->pos >= sc->len)
			break;
		c = (unsigned char)sc->s[sc->pos++];
		if (c == 'u') {
			int i;

			for (i = 0; i < 4; i++)
				if (sc->pos >= sc->len ||
				    !is_hex(sc->s[sc->pos++]))
					return fail(sc, "bad \\u escape");
		} else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0') {
			return fail(sc, "bad escape in a string");
		}
	}
	return fail(sc, "unterminated string");
}

static int scan_digits(struct scan *sc)
{
	size_t start = sc->pos;

	while (peek(sc) >= '0' && peek(sc) <= '9')
		sc->pos++;
	return sc->pos > start ? 0 : fail(sc, "bad number");
}

static int scan_number(struct scan *sc)
{
	if (peek(sc) == '-')
		sc->pos++;
	if (peek(sc) == '0')
		sc->pos++;
	else if (scan_digits(sc) != 0)
		return -1;
	if (peek(sc) == '.') {
		sc->pos++;
		if (scan_digits(sc) != 0)
			return -1;
	}
	if (peek(sc) == 'e' || peek(sc) == 'E') {
		sc->pos++;
		if (peek(sc) == '+' || peek(sc) == '-')
			sc->pos++;
		if (scan_digits(sc) != 0)
			return -1;
	}
	return 0;
}

static int scan_word(struct scan *sc, const char *word)
{
	size_t n = strlen(word);

	if (sc->len - sc->pos < n || memcmp(sc->s + sc->pos, word, n) != 0)
		return fail(sc, "unexpected character");
	sc->pos += n;
	return 0;
}

static int scan_value(struct scan *sc, int depth);

/* An array or object body after its opening bracket. */
static int scan_container(struct scan *sc, int depth, char close, int object)
{
	sc->pos++;
	skip_ws(sc);
	if (peek(sc) == close) {
		sc->pos++;
		return 0;
	}
	for (;;) {
		skip_ws(sc);
		if (object) {
			if (peek(sc) != '"')
				return fail(sc, "expected a key");
			if (scan_string(sc) != 0)
				return -1;
			skip_ws(sc);
			if (peek(sc) != ':')
				return fail(sc, "expected ':'");
			sc->pos++;
		}
		if (scan_value(sc, depth + 1) != 0)
			return -1;
		skip_ws(sc);
		if (peek(sc) == ',') {
			sc->pos++;
			continue;
		}
		if (peek(sc) == close) {
			sc->pos++;
			return 0;
		}
		return fail(sc, "expected ',' or a closing bracket");
	}
}

static int scan_value(struct scan *sc, int depth)
{
	int c;

	if (depth > DJ_MAX_DEPTH)
		return fail(sc, "nested too deeply");
	skip_ws(sc);
	c = peek(sc);
	if (c == '"')
		return scan_string(sc);
	if (c == '{')
		return scan_container(sc, depth, '}', 1);
	if (c == '[')
		return scan_container(sc, depth, ']', 0);
	if (c == '-' || (c >= '0' && c <= '9'))
		return scan_number(sc);
	if (c == 't')
		return scan_word(sc, "true");
	if (c == 'f')
		return scan_word(sc, "false");
	if (c == 'n')
		return scan_word(sc, "null");
	return fail(sc, c < 0 ? "unexpected end" : "unexpected character");
}

static int parse_members(struct scan *sc, struct dj_object *out)
{
	skip_ws(sc);
	if (peek(sc) != '{')
		return fail(sc, "not a JSON object");
	sc->pos++;
	skip_ws(sc);
	if (peek(sc) == '}') {
		sc->pos++;
		return 0;
	}
	for (;;) {
		struct dj_member *m;
		size_t kstart, vstart;

		if (out->n >= DJ_MAX_MEMBERS)
			return fail(sc, "too many keys");
		m = &out->m[out->n];
		skip_ws(sc);
		if (peek(sc) != '"')
			return fail(sc, "expected a key");
		kstart = sc->pos;
		if (scan_string(sc) != 0)
			return -1;
		m->key = sc->s + kstart + 1;
		m->key_len = sc->pos - kstart - 2;
		skip_ws(sc);
		if (peek(sc) != ':')
			return fail(sc, "expected ':'");
		sc->pos++;
		skip_ws(sc);
		vstart = sc->pos;
		if (scan_value(sc, 1) != 0)
			return -1;
		m->value = sc->s + vstart;
		m->value_len = sc->pos - vstart;
		out->n++;
		skip_ws(sc);
		if (peek(sc) == ',') {
			sc->pos++;
			continue;
		}
		if (peek(sc) == '}') {
			sc->pos++;
			return 0;
		}
		return fail(sc, "expected ',' or '}'");
	}
}

int dj_parse(const char *text, size_t len, struct dj_object *out,
             char *why, size_t whysize)
{
	struct scan sc = { text, len, 0, NULL };

	out->n = 0;
	if (parse_members(&sc, out) == 0) {
		skip_ws(&sc);
		if (sc.pos == sc.len)
			return 0;
		fail(&sc, "text after the object");
	}
	if (why != NULL)
		snprintf(why, whysize, "%s at byte %zu", sc.err, sc.pos);
	return -1;
}

int dj_find(const struct dj_object *o, const char *key, size_t key_len)
{
	size_t i;

	for (i = 0; o != NULL && i < o->n; i++)
		if (o->m[i].key_len == key_len &&
		    memcmp(o->m[i].key, key, key_len) == 0)
			return (int)i;
	return -1;
}

static int dropped(const char *const *drop, const struct dj_member *m)
{
	size_t i;

	for (i = 0; drop != NULL && drop[i] != NULL; i++)
		if (strlen(drop[i]) == m->key_len &&
		    memcmp(drop[i], m->key, m->key_len) == 0)
			return 1;
	return 0;
}

static void put(char *buf, size_t *used, const char *s, size_t n)
{
	memcpy(buf + *used, s, n);
	*used += n;
}

/* "  "key": value" with the separator before it. */
static void put_member(char *buf, size_t *used, const struct dj_member *m,
                       int first)
{
	put(buf, used, first ? "\n  \"" : ",\n  \"", first ? 4 : 5);
	put(buf, used, m->key, m->key_len);
	put(buf, used, "\": ", 3);
	put(buf, used, m->value, m->value_len);
}

char *dj_merge(const struct dj_object *old, const char *const *drop,
               const struct dj_object *want)
{
	size_t cap = 8, used = 0, i;
	char *buf;
	int first = 1;

	for (i = 0; old != NULL && i < old->n; i++)
		cap += old->m[i].key_len + old->m[i].value_len + 8;
	for (i = 0; want != NULL && i < want->n; i++)
		cap += want->m[i].key_len + want->m[i].value_len + 8;
	buf = malloc(cap);
	if (buf == NULL)
		return NULL;
	put(buf, &used, "{", 1);
	for (i = 0; old != NULL && i < old->n; i++) {
		const struct dj_member *m = &old->m[i];

		if (dropped(drop, m) || dj_find(want, m->key, m->key_len) >= 0)
			continue;
		put_member(buf, &used, m, first);
		first = 0;
	}
	for (i = 0; want != NULL && i < want->n; i++) {
		put_member(buf, &used, &want->m[i], first);
		first = 0;
	}
	put(buf, &used, first ? "}\n" : "\n}\n", first ? 2 : 3);
	buf[used] = '\0';
	return buf;
}
