/*
 * redact - the registry of secret values and the masking of text.
 *
 * Masking is one pass over the text that marks every byte covered by an
 * occurrence of any secret (occurrences may overlap, and one secret may
 * contain another) and replaces each covered run with a single "***".
 * Working on the union of occurrences, rather than replacing one secret
 * after another, is what keeps a fragment from surviving when two secrets
 * overlap ("abcdef" and "defghi" in "abcdefghi") or when one occurrence
 * overlaps the next ("aaaa" in "aaaaaa").  The secrets are kept longest
 * first, so the first one that matches at a position is the longest.
 *
 * The pass works in place: a covered run is at least 4 bytes (the
 * shortest secret) and its mask only 3, and the mask is written when the
 * run ends, so the write position never passes the bytes still to be
 * read.  Cost: per byte, one table look-up, and a comparison with each
 * secret starting with that byte: O(n * m) at worst.
 *
 * Not thread-safe: the handler registers and masks from one thread.
 */
#include "config.h"

#include "redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dx_plugin.h"

#define REDACT_MIN_LEN 4
#define MASK_LEN (sizeof(REDACT_MASK) - 1)

struct secret {
	char *value;
	size_t len;
};

static struct secret *secrets;   /* longest first */
static size_t n_secrets, cap_secrets;
static unsigned char first_byte[256];   /* 1: some secret starts with it */

/* A memset the compiler may not drop because the memory is freed next. */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
}

static int is_registered(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n_secrets; i++)
		if (secrets[i].len == len && memcmp(secrets[i].value, s, len) == 0)
			return 1;
	return 0;
}

static int grow(void)
{
	struct secret *p;
	size_t cap = cap_secrets > 0 ? cap_secrets * 2 : 16;

	if (n_secrets < cap_secrets)
		return DX_OK;
	p = realloc(secrets, cap * sizeof(*p));
	if (p == NULL)
		return DX_ERR_NOMEM;
	secrets = p;
	cap_secrets = cap;
	return DX_OK;
}

int redact_add(const char *secret)
{
	size_t len, at;
	char *copy;

	if (secret == NULL)
		return DX_OK;
	len = strlen(secret);
	if (len < REDACT_MIN_LEN || is_registered(secret, len))
		return DX_OK;
	if (grow() != DX_OK)
		return DX_ERR_NOMEM;
	copy = malloc(len + 1);
	if (copy == NULL)
		return DX_ERR_NOMEM;
	memcpy(copy, secret, len + 1);
	/* After every secret at least as long: among equal lengths the
	   order of registration is kept. */
	for (at = 0; at < n_secrets && secrets[at].len >= len; at++)
		;
	memmove(&secrets[at + 1], &secrets[at],
	        (n_secrets - at) * sizeof(secrets[0]));
	secrets[at].value = copy;
	secrets[at].len = len;
	n_secrets++;
	first_byte[(unsigned char)secret[0]] = 1;
	return DX_OK;
}

size_t redact_count(void)
{
	return n_secrets;
}

/* The length of the longest secret that starts at s (n bytes left), or 0. */
static size_t match_at(const char *s, size_t n)
{
	size_t i;

	if (!first_byte[(unsigned char)s[0]])
		return 0;
	for (i = 0; i < n_secrets; i++) {
		const struct secret *e = &secrets[i];

		if (e->len <= n && e->value[0] == s[0] &&
		    memcmp(e->value, s, e->len) == 0)
			return e->len;
	}
	return 0;
}

size_t redact_text(char *buf, size_t size)
{
	size_t len, r, w = 0, cover_end = 0, m;
	int in_run = 0;

	if (buf == NULL || size == 0)
		return 0;
	len = strnlen(buf, size);
	if (n_secrets == 0)
		return len;
	for (r = 0; r < len; r++) {
		m = match_at(buf + r, len - r);
		if (m > 0 && r + m > cover_end)
			cover_end = r + m;
		if (r < cover_end) {
			in_run = 1;
			continue;
		}
		if (in_run) {
			memcpy(buf + w, REDACT_MASK, MASK_LEN);
			w += MASK_LEN;
			in_run = 0;
		}
		buf[w++] = buf[r];
	}
	if (in_run) {
		memcpy(buf + w, REDACT_MASK, MASK_LEN);
		w += MASK_LEN;
	}
	/* The bytes the text no longer uses still hold what was masked:
	   clear them.  Without a NUL inside `size` (a caller's bug) and
	   nothing masked there is no room for one, and none is needed. */
	if (w < len)
		memset(buf + w, 0, len - w);
	return w;
}

void redact_clear(void)
{
	size_t i;

	for (i = 0; i < n_secrets; i++) {
		wipe(secrets[i].value, secrets[i].len);
		free(secrets[i].value);
	}
	if (secrets != NULL)
		wipe(secrets, cap_secrets * sizeof(secrets[0]));
	free(secrets);
	secrets = NULL;
	n_secrets = 0;
	cap_secrets = 0;
	memset(first_byte, 0, sizeof(first_byte));
}

size_t redact_longest(void)
{
	return n_secrets > 0 ? secrets[0].len : 0;
}

char *redact_vformat(const char *fmt, va_list ap)
{
	va_list again;
	char *text;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0) {
		va_end(again);
		return NULL;
	}
	text = malloc((size_t)n + 1);
	if (text != NULL) {
		(void)vsnprintf(text, (size_t)n + 1, fmt, again);
		(void)redact_text(text, (size_t)n + 1);
	}
	va_end(again);
	return text;
}

void redact_free(char *text)
{
	if (text != NULL) {
		wipe(text, strlen(text));
		free(text);
	}
}

size_t redact_cut_start(char *buf, size_t len)
{
	size_t k = redact_longest();

	if (k == 0)
		return len;
	k = k - 1 < len ? k - 1 : len;
	memset(buf, '*', k);
	return len;
}
