/*
 * jsonw - a JSON writer into a growing buffer.
 *
 * Every string is written as valid UTF-8 because waagent decodes the
 * status file strictly: one invalid byte makes it fail the status report
 * of every extension on the VM (waagent-contract.md 3.2).  Invalid input
 * is replaced with U+FFFD, one per "maximal subpart" of an ill-formed
 * sequence (the Unicode recommendation, and what Python's
 * decode(errors="replace") does), so the result reads the same as the
 * agent's own logs would.
 *
 * Commas need no bookkeeping from the caller: need_comma is set after
 * every value (a closed container is a value too) and cleared after an
 * opening bracket or a key, which is all the state nesting needs.
 */
#include "config.h"

#include "jsonw.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSONW_MIN_CAP 256
#define ELLIPSIS "..."
#define ELLIPSIS_LEN 3

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
static const char replacement[] = "\xEF\xBF\xBD";
#define REPLACEMENT_LEN 3

void jsonw_init(struct jsonw *w)
{
	memset(w, 0, sizeof(*w));
}

void jsonw_free(struct jsonw *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

int jsonw_failed(const struct jsonw *w)
{
	return w->failed;
}

/* Room for `extra` more bytes plus the NUL that keeps buf a C string.
   A failure sticks: the caller checks jsonw_failed() once at the end. */
static int reserve(struct jsonw *w, size_t extra)
{
	size_t need, cap;
	char *p;

	if (w->failed)
		return -1;
	if (extra > SIZE_MAX - w->len - 1) {
		w->failed = 1;
		return -1;
	}
	need = w->len + extra + 1;
	if (need <= w->cap)
		return 0;
	cap = w->cap > 0 ? w->cap : JSONW_MIN_CAP;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(w->buf, cap);
	if (p == NULL) {
		w->failed = 1;
		return -1;
	}
	w->buf = p;
	w->cap = cap;
	return 0;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (reserve(w, n) != 0)
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void put_char(struct jsonw *w, char c)
{
	put(w, &c, 1);
}

/* The comma before a value or key, when one precedes it at this level. */
static void separate(struct jsonw *w)
{
	if (w->need_comma)
		put_char(w, ',');
}

/*
 * The length of the well-formed UTF-8 sequence at s (n bytes available),
 * or 0 when it is ill-formed; *bad is then the length of its maximal
 * subpart, the bytes one U+FFFD stands for.  The second-byte ranges of
 * E0, ED, F0 and F4 are what exclude overlongs, surrogates (D800-DFFF)
 * and code points above U+10FFFF (RFC 3629, Unicode table 3-7).
 */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		*bad = 1;   /* 80-BF alone, C0/C1 (always overlong), F5-FF */
		return 0;
	}
	for (i = 1; i < need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return need;
}

/* The byte length of s once repaired (what a reader of the value sees). */
static size_t repaired_len(const unsigned char *s, size_t n)
{
	size_t i = 0, out = 0, bad, k;

	while (i < n) {
		k = utf8_seq(s + i, n - i, &bad);
		if (k > 0) {
			out += k;
			i += k;
		} else {
			out += REPLACEMENT_LEN;
			i += bad;
		}
	}
	return out;
}

/* One ASCII byte that JSON does not allow raw in a string. */
static void put_escape(struct jsonw *w, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char u[6] = { '\\', 'u', '0', '0', 0, 0 };

	switch (c) {
	case '"': put(w, "\\\"", 2); return;
	case '\\': put(w, "\\\\", 2); return;
	case '\n': put(w, "\\n", 2); return;
	case '\r': put(w, "\\r", 2); return;
	case '\t': put(w, "\\t", 2); return;
	case '\b': put(w, "\\b", 2); return;
	case '\f': put(w, "\\f", 2); return;
	default:
		u[4] = hex[c >> 4];
		u[5] = hex[c & 0x0f];
		put(w, u, sizeof(u));
		return;
	}
}

static int needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

/*
 * The body of a string (no quotes): repaired and escaped, stopping before
 * the code point that would take the repaired text past `limit` bytes.
 * Runs of bytes that need nothing are copied in one piece.
 */
static void put_text(struct jsonw *w, const unsigned char *s, size_t n,
                     size_t limit)
{
	size_t i = 0, run = 0, produced = 0, bad, k;

	while (i < n) {
		k = utf8_seq(s + i, n - i, &bad);
		if ((k > 0 ? k : REPLACEMENT_LEN) > limit - produced)
			break;
		if (k > 0 && !(k == 1 && needs_escape(s[i]))) {
			produced += k;
			i += k;
			continue;
		}
		put(w, (const char *)s + run, i - run);
		if (k > 0) {
			put_escape(w, s[i]);
			produced += 1;
			i += 1;
		} else {
			put(w, replacement, REPLACEMENT_LEN);
			produced += REPLACEMENT_LEN;
			i += bad;
		}
		run = i;
	}
	put(w, (const char *)s + run, i - run);
}

void jsonw_begin_object(struct jsonw *w)
{
	separate(w);
	put_char(w, '{');
	w->need_comma = 0;
}

void jsonw_end_object(struct jsonw *w)
{
	put_char(w, '}');
	w->need_comma = 1;
}

void jsonw_begin_array(struct jsonw *w)
{
	separate(w);
	put_char(w, '[');
	w->need_comma = 0;
}

void jsonw_end_array(struct jsonw *w)
{
	put_char(w, ']');
	w->need_comma = 1;
}

void jsonw_key(struct jsonw *w, const char *key)
{
	const char *k = key != NULL ? key : "";

	separate(w);
	put_char(w, '"');
	put_text(w, (const unsigned char *)k, strlen(k), SIZE_MAX);
	put(w, "\":", 2);
	w->need_comma = 0;
}

void jsonw_string(struct jsonw *w, const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, limit = SIZE_MAX;
	int cut = 0;

	if (s == NULL) {
		jsonw_raw(w, "null");
		return;
	}
	separate(w);
	n = strlen(s);
	/* The limit applies to the repaired text: a U+FFFD takes 3 bytes
	   whatever it replaced, and escapes are JSON syntax, not content. */
	if (max > 0 && repaired_len(u, n) > max) {
		cut = 1;
		limit = max > ELLIPSIS_LEN ? max - ELLIPSIS_LEN : 0;
	}
	put_char(w, '"');
	put_text(w, u, n, limit);
	if (cut)
		put(w, ELLIPSIS, max < ELLIPSIS_LEN ? max : ELLIPSIS_LEN);
	put_char(w, '"');
	w->need_comma = 1;
}

void jsonw_int(struct jsonw *w, long long v)
{
	char num[32];
	int k = snprintf(num, sizeof(num), "%lld", v);

	separate(w);
	put(w, num, k > 0 ? (size_t)k : 0);
	w->need_comma = 1;
}

void jsonw_raw(struct jsonw *w, const char *text)
{
	const char *t = text != NULL ? text : "null";

	separate(w);
	put(w, t, strlen(t));
	w->need_comma = 1;
}
