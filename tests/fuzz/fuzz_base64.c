/*
 * fuzz_base64 - libFuzzer target for the base64 and PEM-text readers:
 * secrets_base64_decode() (core/secrets.c, the protectedSettings
 * envelope) and the reader of certs.ca/cert/key in the protected settings
 * (core/settings.c, PEM text or strict base64 of PEM text, reached
 * through settings_parse_parts()).
 *
 * Each input is used four ways, each against a reference written here
 * from the documented rules (settings.h, secrets.h) rather than copied:
 *  1. as base64 text for secrets_base64_decode(): same verdict, same
 *     bytes; a terminated message (also in a buffer of a few bytes);
 *  2. as bytes, encoded here (padding or not, wrapped at 64 or 76 with LF
 *     or CRLF, blanks around), which must decode back to themselves;
 *  3. as the value of certs.ca, certs.cert and certs.key (JSON-escaped, up
 *     to its first NUL, at most 1 KiB): the certificate text stored, or
 *     the error, must be the reference's;
 *  4. the same with the value "-----BEGIN" + input (1 KiB at most),
 *     base64-encoded.
 * The secrets.c PEM reader (the key files of secrets_key_load()) reads
 * files only, and is left to fuzz_cms's key and to the unit tests.
 *
 * Build and run by hand (from a configured build directory):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=undefined -I. -I$SRC/include -I$SRC/core \
 *     -o fuzz_base64 $SRC/tests/fuzz/fuzz_base64.c $SRC/core/secrets.c \
 *     $SRC/core/settings.c -lcjson -lmbedx509 -lmbedcrypto
 *   mkdir -p corpus && ./fuzz_base64 -max_total_time=300 \
 *     -dict=$SRC/tests/fuzz/base64.dict corpus $SRC/tests/fuzz/corpus/base64
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dx_plugin.h"
#include "secrets.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "fuzz_base64: %s:%d: check failed: " \
			        "%s\n", __FILE__, __LINE__, #cond);          \
			abort();                                             \
		}                                                            \
	} while (0)

#define CERT_INPUT_MAX 1024

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int sextet(unsigned char ch)
{
	const char *p = ch != '\0' ? strchr(alphabet, ch) : NULL;

	return p != NULL ? (int)(p - alphabet) : -1;
}

/* The symbols of `b64` (n of them) as bytes; n % 4 != 1. */
static size_t decode_symbols(const char *b64, size_t n, unsigned char *out)
{
	size_t i, k = 0;

	for (i = 0; i + 4 <= n; i += 4) {
		uint32_t v = (uint32_t)sextet(b64[i]) << 18 |
		             (uint32_t)sextet(b64[i + 1]) << 12 |
		             (uint32_t)sextet(b64[i + 2]) << 6 |
		             (uint32_t)sextet(b64[i + 3]);

		out[k++] = (unsigned char)(v >> 16);
		out[k++] = (unsigned char)(v >> 8);
		out[k++] = (unsigned char)v;
	}
	if (n - i >= 2)
		out[k++] = (unsigned char)(sextet(b64[i]) << 2 |
		                           sextet(b64[i + 1]) >> 4);
	if (n - i == 3)
		out[k++] = (unsigned char)((sextet(b64[i + 1]) & 0xf) << 4 |
		                           sextet(b64[i + 2]) >> 2);
	return k;
}

/* ---- 1. secrets_base64_decode against the rules of secrets.h ----------------- */

static int json_space(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Whitespace dropped; then only alphabet symbols and at most two '=' at
   the very end, no symbol count of 4k+1, and when padded a multiple of 4.
   Returns the output length or -1. */
static long ref_secrets_decode(const char *in, size_t len, unsigned char *out)
{
	char *clean = malloc(len + 1);
	size_t n = 0, i, pads = 0;
	long r = -1;

	CHECK(clean != NULL);
	for (i = 0; i < len; i++)
		if (!json_space((unsigned char)in[i]))
			clean[n++] = in[i];
	while (n > 0 && clean[n - 1] == '=') {
		n--;
		pads++;
	}
	for (i = 0; i < n; i++)
		if (sextet((unsigned char)clean[i]) < 0)
			goto out;
	if (n == 0 || pads > 2 || n % 4 == 1 || (pads > 0 && (n + pads) % 4 != 0))
		goto out;
	r = (long)decode_symbols(clean, n, out);
out:
	free(clean);
	return r;
}

static void check_secrets_decode(const uint8_t *data, size_t size)
{
	unsigned char *want = malloc(size / 4 * 3 + 3), *got = NULL;
	size_t glen = 99, smallsize = size > 0 ? data[0] % 12 : 0;
	char msg[256], *small;
	long wlen;
	int r;

	CHECK(want != NULL);
	memset(msg, 'x', sizeof(msg));
	wlen = ref_secrets_decode((const char *)data, size, want);
	r = secrets_base64_decode((const char *)data, size, &got, &glen, msg,
	                          sizeof(msg));
	CHECK(memchr(msg, '\0', sizeof(msg)) != NULL);
	if (wlen < 0) {
		CHECK(r == DX_ERR_DECRYPT_FORMAT);
		CHECK(got == NULL && glen == 0 && msg[0] != '\0');
	} else {
		CHECK(r == DX_OK && got != NULL);
		CHECK(glen == (size_t)wlen && memcmp(got, want, glen) == 0);
	}
	free(got);
	got = NULL;

	small = malloc(smallsize > 0 ? smallsize : 1);
	CHECK(small != NULL);
	memset(small, 'x', smallsize > 0 ? smallsize : 1);
	CHECK(secrets_base64_decode((const char *)data, size, &got, &glen,
	                            small, smallsize) == r);
	if (smallsize > 0)
		CHECK(memchr(small, '\0', smallsize) != NULL);
	free(got);
	free(small);
	free(want);
}

/* ---- 2. round trip ------------------------------------------------------------------- */

struct enc_opts {
	int pad;           /* '=' padding */
	size_t wrap;       /* 0: one line */
	const char *eol;   /* "\n" or "\r\n" */
	const char *lead, *trail;
};

/* base64 of data, as described by `o`; NUL-terminated, malloc()ed. */
static char *encode(const unsigned char *data, size_t size,
                    const struct enc_opts *o, size_t *outlen)
{
	size_t cap = (size + 2) / 3 * 4 * 3 + 64, n = 0, col = 0, i;
	char *out = malloc(cap), sym[4];
	size_t k, s;

	CHECK(out != NULL);
	n += (size_t)snprintf(out + n, cap - n, "%s", o->lead);
	for (i = 0; i < size; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;

		if (i + 1 < size)
			v |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < size)
			v |= data[i + 2];
		sym[0] = alphabet[v >> 18 & 63];
		sym[1] = alphabet[v >> 12 & 63];
		sym[2] = alphabet[v >> 6 & 63];
		sym[3] = alphabet[v & 63];
		s = size - i >= 3 ? 4 : size - i + 1;
		for (k = 0; k < 4; k++) {
			if (k >= s && !o->pad)
				break;
			if (o->wrap > 0 && col == o->wrap) {
				n += (size_t)snprintf(out + n, cap - n, "%s", o->eol);
				col = 0;
			}
			out[n++] = k < s ? sym[k] : '=';
			col++;
		}
	}
	n += (size_t)snprintf(out + n, cap - n, "%s", o->trail);
	CHECK(n < cap);
	out[n] = '\0';
	*outlen = n;
	return out;
}

static void pick_opts(const uint8_t *data, size_t size, struct enc_opts *o,
                      int strict)
{
	unsigned h = 0;
	size_t i;

	for (i = 0; i < size && i < 8; i++)
		h = h * 31 + data[i];
	o->pad = strict || (h & 1);
	o->wrap = (h >> 1 & 3) == 0 ? 0 : (h >> 1 & 3) == 1 ? 64 : 76;
	o->eol = (h >> 3 & 1) ? "\r\n" : "\n";
	/* settings.c skips only line breaks inside the text, and trims JSON
	   whitespace around it. */
	o->lead = (h >> 4 & 1) ? (strict ? " \n" : "\t ") : "";
	o->trail = (h >> 5 & 1) ? "\r\n" : "";
}

static void check_round_trip(const uint8_t *data, size_t size)
{
	struct enc_opts o;
	unsigned char *got = NULL;
	size_t glen = 0, tlen;
	char msg[128];
	char *text;
	int r;

	pick_opts(data, size, &o, 0);
	text = encode(data, size, &o, &tlen);
	r = secrets_base64_decode(text, tlen, &got, &glen, msg, sizeof(msg));
	if (size == 0) {
		CHECK(r == DX_ERR_DECRYPT_FORMAT);
	} else {
		CHECK(r == DX_OK);
		CHECK(glen == size && memcmp(got, data, size) == 0);
	}
	free(got);
	free(text);
}

/* ---- 3 and 4. certs.* in the protected settings ------------------------------------ */

/* Strict base64 as settings.h describes the certs values: RFC 4648
   padded, unused bits zero; only line breaks may come between symbols.
   Returns the length or -1. */
static long ref_strict_decode(const char *in, size_t len, unsigned char *out)
{
	char *clean = malloc(len + 1);
	size_t n = 0, i, pads = 0, k;
	long r = -1;

	CHECK(clean != NULL);
	for (i = 0; i < len; i++)
		if (in[i] != '\n' && in[i] != '\r')
			clean[n++] = in[i];
	while (n > 0 && clean[n - 1] == '=') {
		n--;
		pads++;
	}
	for (i = 0; i < n; i++)
		if (sextet((unsigned char)clean[i]) < 0)
			goto out;
	if (n == 0 || pads > 2 || (n + pads) % 4 != 0)
		goto out;
	/* Unused bits of the last symbol must be zero (canonical). */
	if (n % 4 == 2 && (sextet((unsigned char)clean[n - 1]) & 0xf) != 0)
		goto out;
	if (n % 4 == 3 && (sextet((unsigned char)clean[n - 1]) & 0x3) != 0)
		goto out;
	k = decode_symbols(clean, n, out);
	r = (long)k;
out:
	free(clean);
	return r;
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && json_space((unsigned char)(*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && json_space((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static int contains(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return 1;
	return 0;
}

/* The stored text for a certs value: NULL with *bad 0 when not given,
   NULL with *bad 1 when refused. */
static char *ref_cert_text(const char *value, int *bad)
{
	const char *s = value;
	size_t n = strlen(value);
	unsigned char *dec = malloc(n / 4 * 3 + 4);
	long dlen;
	char *res = NULL;

	CHECK(dec != NULL);
	*bad = 0;
	trim(&s, &n);
	if (n == 0)
		goto out;
	dlen = ref_strict_decode(s, n, dec);
	if (dlen >= 10 && memcmp(dec, "-----BEGIN", 10) == 0 &&
	    memchr(dec, '\0', (size_t)dlen) == NULL) {
		s = (const char *)dec;
		n = (size_t)dlen;
		trim(&s, &n);
	}
	if (!contains(s, n, "-----BEGIN")) {
		*bad = 1;
		goto out;
	}
	res = malloc(n + 2);
	CHECK(res != NULL);
	memcpy(res, s, n);
	res[n] = '\n';
	res[n + 1] = '\0';
out:
	free(dec);
	return res;
}

/* A JSON string literal of `s`. */
static char *json_quote(const char *s)
{
	char *out = malloc(6 * strlen(s) + 3), *p = out;

	CHECK(out != NULL);
	*p++ = '"';
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			*p++ = '\\';
			*p++ = (char)ch;
		} else if (ch < 0x20) {
			p += snprintf(p, 7, "\\u%04x", ch);
		} else {
			*p++ = (char)ch;
		}
	}
	*p++ = '"';
	*p = '\0';
	return out;
}

static void check_certs(const char *value)
{
	static const char fmt[] =
		"{\"certs\":{\"ca\":%s,\"cert\":%s,\"key\":%s}}";
	struct dx_settings s;
	struct settings_report rep;
	char *q = json_quote(value), *prot, *want;
	size_t plen = 3 * strlen(q) + sizeof(fmt);
	int bad, r;

	prot = malloc(plen);
	CHECK(prot != NULL);
	snprintf(prot, plen, fmt, q, q, q);
	want = ref_cert_text(value, &bad);
	r = settings_parse_parts(NULL, prot, &s, &rep);
	if (bad) {
		CHECK(r == DX_ERR_SETTINGS);
		CHECK(rep.n_errors >= 3);
		CHECK(strncmp(rep.errors[0], "certs.ca: expected PEM", 22) == 0);
	} else {
		CHECK(r == DX_OK && rep.n_errors == 0);
		if (want == NULL) {
			CHECK(s.cert_ca == NULL && s.cert_cert == NULL &&
			      s.cert_key == NULL);
		} else {
			CHECK(s.cert_ca != NULL && strcmp(s.cert_ca, want) == 0);
			CHECK(s.cert_cert != NULL &&
			      strcmp(s.cert_cert, want) == 0);
			CHECK(s.cert_key != NULL && strcmp(s.cert_key, want) == 0);
		}
	}
	settings_free(&s);
	settings_report_free(&rep);
	free(want);
	free(prot);
	free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t slen = strnlen(text, size), tlen, plen;
	char *value, *pem, *enc;
	struct enc_opts o;

	if (size > 64 * 1024)
		return 0;
	check_secrets_decode(data, size);
	check_round_trip(data, size);

	/* The certs values take at most CERT_INPUT_MAX bytes of the input:
	   reading them costs O(n * 10) traced comparisons, and longer ones
	   add nothing the first KiB does not reach. */
	if (slen > CERT_INPUT_MAX)
		slen = CERT_INPUT_MAX;
	value = malloc(slen + 1);
	CHECK(value != NULL);
	memcpy(value, text, slen);
	value[slen] = '\0';
	check_certs(value);

	plen = size < CERT_INPUT_MAX ? size : CERT_INPUT_MAX;
	pem = malloc(plen + 11);
	CHECK(pem != NULL);
	memcpy(pem, "-----BEGIN", 10);
	memcpy(pem + 10, data, plen);
	pick_opts(data, size, &o, 1);
	enc = encode((const unsigned char *)pem, plen + 10, &o, &tlen);
	check_certs(enc);

	free(enc);
	free(pem);
	free(value);
	return 0;
}
