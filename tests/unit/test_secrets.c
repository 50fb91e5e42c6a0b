/*
 * secrets: real envelopes made by the openssl CLI at test time
 * (tests/fixtures/make-envelopes.sh: keys written the way waagent writes
 * them), each decrypted to the exact plaintext bytes; then every refusal,
 * with its own code and message, on envelopes corrupted by hand.  When
 * openssl is missing the envelope tests pass with a "skipped" note and the
 * rest (base64, the JSON check, hand-built DER) still runs.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dx_plugin.h"
#include "secrets.h"
#include "settings.h"
#include "testutil.h"

void test_secrets_register(void);

static char fx[4096];              /* the generator's output directory */
static int have_fx;                /* 0: openssl missing, tests skip */
static struct secrets_keydir keydir;
static unsigned char *big, *tiny;  /* the fixture plaintexts */
static size_t big_len, tiny_len;

#define NEED_FIXTURES()                                                  \
	do {                                                             \
		if (!have_fx) {                                          \
			CU_PASS("skipped: openssl not found");           \
			return;                                          \
		}                                                        \
	} while (0)

/* ---- helpers ------------------------------------------------------------------ */

static unsigned char *read_bin(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = 0;
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static unsigned char *load_env(const char *name, size_t *len)
{
	char path[4300];

	tu_fmt(path, sizeof(path), "%s/env/%s.der", fx, name);
	return read_bin(path, len);
}

/* The thumbprint of fixture identity `id` (a few stay valid at once). */
static const char *thumb(const char *id)
{
	static char slots[8][64];
	static unsigned next;
	char *s = slots[next++ % 8];
	char path[4300];
	const char *t;

	tu_fmt(path, sizeof(path), "%s/thumb/%s", fx, id);
	t = tu_read_file(path);
	snprintf(s, 64, "%s", t != NULL ? t : "MISSING");
	return s;
}

static const char b64_digits[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of data; a line break `eol` every `wrap` characters (0: none);
   `pad` 0 leaves the '=' off. */
static char *b64_encode(const unsigned char *d, size_t n, size_t wrap,
                        const char *eol, int pad)
{
	size_t cap = (n + 2) / 3 * 4 * 3 + 16, o = 0, col = 0, i, k;
	char *out = malloc(cap);
	char quad[4];

	if (out == NULL)
		abort();
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)d[i] << 16;
		size_t m = n - i < 3 ? n - i : 3;

		if (m > 1)
			v |= (unsigned)d[i + 1] << 8;
		if (m > 2)
			v |= d[i + 2];
		quad[0] = b64_digits[(v >> 18) & 63];
		quad[1] = b64_digits[(v >> 12) & 63];
		quad[2] = m > 1 ? b64_digits[(v >> 6) & 63] : '=';
		quad[3] = m > 2 ? b64_digits[v & 63] : '=';
		for (k = 0; k < 4; k++) {
			if (quad[k] == '=' && !pad)
				continue;
			if (wrap > 0 && col == wrap) {
				o += (size_t)snprintf(out + o, cap - o, "%s", eol);
				col = 0;
			}
			out[o++] = quad[k];
			col++;
		}
	}
	out[o] = '\0';
	return out;
}

/* Position of `needle` in h, or -1. */
static long find(const unsigned char *h, size_t hl, const void *needle,
                 size_t nl)
{
	size_t i;

	for (i = 0; nl <= hl && i <= hl - nl; i++)
		if (memcmp(h + i, needle, nl) == 0)
			return (long)i;
	return -1;
}

/* No refusal message may carry any of the plaintext. */
static int clean_msg(const char *msg)
{
	return strstr(msg, "p4ssw0rd") == NULL && strstr(msg, "SECRET_") == NULL &&
	       strstr(msg, "value-0") == NULL && strstr(msg, "hello") == NULL;
}

static int try_b64(const char *b64, const char *id, char **plain,
                   size_t *plen, char *msg, size_t msgsize)
{
	*plain = NULL;
	*plen = 0;
	msg[0] = '\0';
	return secrets_decrypt(&keydir, b64, thumb(id), plain, plen, msg,
	                       msgsize);
}

static int try_der(const unsigned char *der, size_t len, const char *id,
                   char **plain, size_t *plen, char *msg, size_t msgsize)
{
	char *b = b64_encode(der, len, 0, "", 1);
	int r = try_b64(b, id, plain, plen, msg, msgsize);

	free(b);
	return r;
}

static void check_ok(const char *row, int r, char *plain, size_t plen,
                     const unsigned char *want, size_t want_len,
                     const char *msg)
{
	char label[800];

	snprintf(label, sizeof(label), "%s: %s", row, msg);
	TU_ROW_ASSERT(r == DX_OK, label);
	TU_ROW_ASSERT(plain != NULL && plen == want_len &&
	              memcmp(plain, want, want_len) == 0 &&
	              plain[plen] == '\0', label);
	secrets_free_plaintext(plain, plen);
}

static void expect_ok(const char *env, const char *id,
                      const unsigned char *want, size_t want_len)
{
	unsigned char *der;
	char *plain = NULL;
	size_t len, plen = 0;
	char msg[512], row[256];
	int r;

	snprintf(row, sizeof(row), "%s for %s", env, id);
	der = load_env(env, &len);
	TU_ROW_ASSERT(der != NULL, row);
	if (der == NULL)
		return;
	r = try_der(der, len, id, &plain, &plen, msg, sizeof(msg));
	check_ok(row, r, plain, plen, want, want_len, msg);
	free(der);
}

static void check_refusal(const char *row, int r, int code, char *plain,
                          size_t plen, const char *msg, const char *needle)
{
	char label[800];

	snprintf(label, sizeof(label), "%s: got %d (%s)", row, r, msg);
	TU_ROW_ASSERT(r == code, label);
	TU_ROW_ASSERT(plain == NULL && plen == 0, label);
	TU_ROW_ASSERT(strncmp(msg, "protectedSettings: ", 19) == 0, label);
	TU_ROW_ASSERT(needle == NULL || strstr(msg, needle) != NULL, label);
	TU_ROW_ASSERT(clean_msg(msg), label);
	if (plain != NULL)
		secrets_free_plaintext(plain, plen);
}

static void refuse_der(const char *row, const unsigned char *der, size_t len,
                       const char *id, int code, const char *needle)
{
	char *plain = NULL;
	size_t plen = 0;
	char msg[512];
	int r = try_der(der, len, id, &plain, &plen, msg, sizeof(msg));

	check_refusal(row, r, code, plain, plen, msg, needle);
}

static void refuse_env(const char *env, const char *id, int code,
                       const char *needle)
{
	unsigned char *der;
	size_t len;

	der = load_env(env, &len);
	TU_ROW_ASSERT(der != NULL, env);
	if (der != NULL)
		refuse_der(env, der, len, id, code, needle);
	free(der);
}

/* ---- DER to BER, by hand ---------------------------------------------------- */

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			abort();
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put_byte(struct buf *b, unsigned char c)
{
	put(b, &c, 1);
}

static void put_tl(struct buf *b, unsigned char tag, size_t len)
{
	put_byte(b, tag);
	if (len < 0x80) {
		put_byte(b, (unsigned char)len);
	} else if (len < 0x100) {
		put_byte(b, 0x81);
		put_byte(b, (unsigned char)len);
	} else {
		put_byte(b, 0x82);
		put_byte(b, (unsigned char)(len >> 8));
		put_byte(b, (unsigned char)len);
	}
}

/* Header size of the definite-length element at p; its length in *len. */
static size_t der_hdr(const unsigned char *p, size_t *len)
{
	size_t n, i;

	if (p[1] < 0x80) {
		*len = p[1];
		return 2;
	}
	n = p[1] & 0x7f;
	*len = 0;
	for (i = 0; i < n; i++)
		*len = (*len << 8) | p[2 + i];
	return 2 + n;
}

static void put_chunks(struct buf *out, const unsigned char *v, size_t len,
                       size_t chunk)
{
	size_t i = 0, k;

	/* The first piece is itself constructed: chunks may nest. */
	put_byte(out, 0x24);
	put_byte(out, 0x80);
	k = len < chunk ? len : chunk;
	put_tl(out, 0x04, k);
	put(out, v, k);
	put(out, "\0\0", 2);
	for (i = k; i < len; i += k) {
		k = len - i < chunk ? len - i : chunk;
		put_tl(out, 0x04, k);
		put(out, v + i, k);
	}
}

/* Every constructed element gets an indefinite length, except a Name (a
   SEQUENCE whose first child is a SET), which is byte-compared with the
   certificate's; every OCTET STRING or [0] longer than `chunk` is sent in
   chunks. */
static void to_ber(struct buf *out, const unsigned char *p, size_t n,
                   size_t chunk)
{
	while (n > 0) {
		size_t len, h = der_hdr(p, &len);
		const unsigned char *v = p + h;
		unsigned char tag = p[0];

		if ((tag & 0x20) && !(tag == 0x30 && len > 0 && v[0] == 0x31)) {
			put_byte(out, tag);
			put_byte(out, 0x80);
			to_ber(out, v, len, chunk);
			put(out, "\0\0", 2);
		} else if ((tag == 0x04 || tag == 0x80) && len > chunk) {
			put_byte(out, tag | 0x20);
			put_byte(out, 0x80);
			put_chunks(out, v, len, chunk);
			put(out, "\0\0", 2);
		} else {
			put(out, p, h + len);
		}
		p += h + len;
		n -= h + len;
	}
}

/* A copy of d with [at, at + del) replaced by ins[0..n). */
static unsigned char *resplice(const unsigned char *d, size_t len, size_t at,
                             size_t del, const void *ins, size_t n,
                             size_t *out_len)
{
	unsigned char *out = malloc(len - del + n + 1);

	if (out == NULL)
		abort();
	memcpy(out, d, at);
	memcpy(out + at, ins, n);
	memcpy(out + at + n, d + at + del, len - at - del);
	*out_len = len - del + n;
	return out;
}

/* ---- suite setup ---------------------------------------------------------------- */

static int run_generator(const char *dir)
{
	char sh[] = "/bin/sh";
	char script[4096], out[4096];
	char *argv[4];
	pid_t pid;
	int status, fd;

	tu_fmt(script, sizeof(script), "%s", tu_fixture("make-envelopes.sh"));
	tu_fmt(out, sizeof(out), "%s", dir);
	argv[0] = sh;
	argv[1] = script;
	argv[2] = out;
	argv[3] = NULL;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		execv(sh, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int suite_init(void)
{
	char path[4300];
	int rc;

	tu_fmt(fx, sizeof(fx), "%s", tu_mkdtemp("secrets"));
	tu_fmt(keydir.dir, sizeof(keydir.dir), "%s/keys", fx);
	rc = run_generator(fx);
	if (rc == 77) {
		printf("\n  secrets: openssl not found: envelope tests skipped\n");
		return 0;
	}
	if (rc != 0) {
		fprintf(stderr, "secrets: make-envelopes.sh failed (%d)\n", rc);
		return 1;
	}
	tu_fmt(path, sizeof(path), "%s/plain/big.json", fx);
	big = read_bin(path, &big_len);
	tu_fmt(path, sizeof(path), "%s/plain/tiny.json", fx);
	tiny = read_bin(path, &tiny_len);
	if (big == NULL || tiny == NULL)
		return 1;
	have_fx = 1;
	return 0;
}

static int suite_clean(void)
{
	free(big);
	free(tiny);
	big = tiny = NULL;
	if (fx[0] != '\0')
		tu_rm_rf(fx);
	return 0;
}

/* ---- what must decrypt -------------------------------------------------------------- */

static void test_every_cipher_transport_and_rid(void)
{
	static const char *const ids[] = { "a2048", "b4096" };
	static const char *const ciphers[] = { "des3", "aes128", "aes192",
	                                       "aes256" };
	static const char *const kts[] = { "pkcs1", "oaep", "oaep256" };
	static const char *const rids[] = { "issuer", "keyid" };
	char name[128];
	size_t i, c, k, r;

	NEED_FIXTURES();
	for (i = 0; i < TU_N_ROWS(ids); i++)
		for (c = 0; c < TU_N_ROWS(ciphers); c++)
			for (k = 0; k < TU_N_ROWS(kts); k++)
				for (r = 0; r < TU_N_ROWS(rids); r++) {
					tu_fmt(name, sizeof(name), "%s-%s-%s-%s",
					       ids[i], ciphers[c], kts[k], rids[r]);
					expect_ok(name, ids[i], big, big_len);
				}
}

static void test_rsa3072(void)
{
	NEED_FIXTURES();
	expect_ok("c3072-aes256-oaep256-keyid", "c3072", big, big_len);
	expect_ok("c3072-des3-pkcs1-issuer", "c3072", tiny, tiny_len);
}

static void test_smime_and_tiny(void)
{
	NEED_FIXTURES();
	expect_ok("smime-des3", "a2048", big, big_len);
	expect_ok("smime-aes256", "a2048", big, big_len);
	expect_ok("tiny-des3", "a2048", tiny, tiny_len);
}

static void test_several_recipients(void)
{
	NEED_FIXTURES();
	expect_ok("multi-second", "a2048", big, big_len);
	expect_ok("multi-first-keyid", "a2048", big, big_len);
	expect_ok("multi-mixed", "a2048", big, big_len);
	expect_ok("multi-ec", "a2048", big, big_len);
	/* The other recipient's key opens them too. */
	expect_ok("multi-second", "other", big, big_len);
	expect_ok("multi-mixed", "other", big, big_len);
}

static void test_ber_from_openssl(void)
{
	NEED_FIXTURES();
	expect_ok("ber-stream", "a2048", big, big_len);
	expect_ok("ber-stream-tiny", "b4096", tiny, tiny_len);
}

/* Indefinite lengths everywhere, nested chunks in the content, the IV,
   the encryptedKey and a subjectKeyIdentifier. */
static void test_ber_by_hand(void)
{
	static const char *const envs[] = {
		"a2048-des3-pkcs1-issuer", "a2048-aes256-oaep256-keyid",
		"a2048-aes128-oaep-issuer", "multi-ec",
	};
	static const size_t chunks[] = { 1, 7, 1000 };
	size_t i, k;

	NEED_FIXTURES();
	for (i = 0; i < TU_N_ROWS(envs); i++) {
		for (k = 0; k < TU_N_ROWS(chunks); k++) {
			struct buf ber = { NULL, 0, 0 };
			unsigned char *der;
			char *plain = NULL;
			size_t len, plen = 0;
			char msg[512], row[256];
			int r;

			tu_fmt(row, sizeof(row), "%s as BER, %zu-byte chunks",
			       envs[i], chunks[k]);
			der = load_env(envs[i], &len);
			TU_ROW_ASSERT(der != NULL, row);
			if (der == NULL)
				continue;
			to_ber(&ber, der, len, chunks[k]);
			TU_ROW_ASSERT(ber.n > len, row);
			r = try_der(ber.p, ber.n, "a2048", &plain, &plen, msg,
			            sizeof(msg));
			check_ok(row, r, plain, plen, big, big_len, msg);
			free(ber.p);
			free(der);
		}
	}
}

static void test_subject_key_identifiers(void)
{
	NEED_FIXTURES();
	/* Matched through the extension (not a hash of the key)... */
	expect_ok("custom-keyid", "custom", big, big_len);
	/* ...or, without one, through the SHA-1 of the public key. */
	expect_ok("a2048-for-noski", "noski", big, big_len);
	expect_ok("a2048-for-noski", "v1", big, big_len);
	/* Same key, different identifier: not ours. */
	refuse_env("custom-keyid", "a2048", DX_ERR_DECRYPT_RECIPIENT,
	           "none of its 1 RSA key-transport recipient(s)");
}

static void test_oaep_parameters(void)
{
	NEED_FIXTURES();
	expect_ok("oaep512", "a2048", big, big_len);
	expect_ok("oaep-label", "a2048", big, big_len);
	refuse_env("oaep-mgf-mismatch", "a2048", DX_ERR_DECRYPT_ALGORITHM,
	           "hash SHA-256 and MGF1 hash SHA-1");
}

static void test_base64_forms(void)
{
	static const struct {
		size_t wrap;
		const char *eol;
		int pad;
	} forms[] = {
		{ 0, "", 1 }, { 64, "\n", 1 }, { 76, "\r\n", 1 }, { 0, "", 0 },
		{ 4, " ", 1 }, { 1, "\n\t", 0 },
	};
	unsigned char *der;
	size_t len, i;

	NEED_FIXTURES();
	der = load_env("a2048-des3-pkcs1-issuer", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(der);
	for (i = 0; i < TU_N_ROWS(forms); i++) {
		char *b = b64_encode(der, len, forms[i].wrap, forms[i].eol,
		                     forms[i].pad);
		char *plain = NULL;
		size_t plen = 0;
		char msg[512], row[64];
		int r = try_b64(b, "a2048", &plain, &plen, msg, sizeof(msg));

		tu_fmt(row, sizeof(row), "base64 form %zu", i);
		check_ok(row, r, plain, plen, big, big_len, msg);
		free(b);
	}
	free(der);
}

static void test_lower_case_thumbprint(void)
{
	unsigned char *der;
	char *b, *plain = NULL, lower[64], msg[512];
	size_t len, plen = 0, i;
	int r;

	NEED_FIXTURES();
	tu_fmt(lower, sizeof(lower), "%s", thumb("a2048"));
	for (i = 0; lower[i] != '\0'; i++)
		if (lower[i] >= 'A' && lower[i] <= 'F')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	der = load_env("a2048-aes256-pkcs1-issuer", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(der);
	b = b64_encode(der, len, 0, "", 1);
	r = secrets_decrypt(&keydir, b, lower, &plain, &plen, msg, sizeof(msg));
	check_ok("lower-case thumbprint", r, plain, plen, big, big_len, msg);
	free(b);
	free(der);
}

/* One key, several envelopes: the steps' API. */
static void test_key_reuse(void)
{
	static const char *const envs[] = { "a2048-des3-pkcs1-issuer",
	                                    "a2048-aes256-oaep256-keyid",
	                                    "ber-stream" };
	struct secrets_key *key = NULL;
	char msg[512];
	size_t i;

	NEED_FIXTURES();
	CU_ASSERT_EQUAL_FATAL(secrets_key_load(keydir.dir, thumb("a2048"), &key,
	                                       msg, sizeof(msg)), DX_OK);
	for (i = 0; i < TU_N_ROWS(envs); i++) {
		unsigned char *der;
		char *plain = NULL;
		size_t len, plen = 0;
		int r;

		der = load_env(envs[i], &len);
		TU_ROW_ASSERT(der != NULL, envs[i]);
		if (der == NULL)
			continue;
		r = secrets_decrypt_der(key, der, len, &plain, &plen, msg,
		                        sizeof(msg));
		check_ok(envs[i], r, plain, plen, big, big_len, msg);
		free(der);
	}
	secrets_key_free(key);
	secrets_key_free(NULL);
}

/* ---- what must be refused ------------------------------------------------------------ */

static void test_not_for_us(void)
{
	NEED_FIXTURES();
	refuse_env("for-other", "a2048", DX_ERR_DECRYPT_RECIPIENT,
	           "is not for certificate");
	refuse_env("a2048-aes256-pkcs1-issuer", "b4096",
	           DX_ERR_DECRYPT_RECIPIENT, thumb("b4096"));
	refuse_env("ec-only", "a2048", DX_ERR_DECRYPT_RECIPIENT,
	           "of a kind not supported: key agreement");
}

static void test_unsupported_algorithms(void)
{
	static const unsigned char rsa_oid[] = {
		0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01
	};
	unsigned char *der;
	size_t len;
	long at;

	NEED_FIXTURES();
	refuse_env("camellia", "a2048", DX_ERR_DECRYPT_ALGORITHM,
	           "1.2.392.200011.61.1.1.1.2");
	refuse_env("gcm", "a2048", DX_ERR_DECRYPT_ALGORITHM,
	           "1.2.840.113549.1.9.16.1.23");
	/* rsaEncryption -> sha256WithRSAEncryption as the key transport */
	der = load_env("a2048-aes256-pkcs1-issuer", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(der);
	at = find(der, len, rsa_oid, sizeof(rsa_oid));
	CU_ASSERT_FATAL(at > 0);
	der[at + sizeof(rsa_oid) - 1] = 0x0b;
	refuse_der("key transport OID", der, len, "a2048",
	           DX_ERR_DECRYPT_ALGORITHM, "1.2.840.113549.1.1.11");
	free(der);
}

/* A copy of `name` with one byte XORed, refused with `code`. */
static void refuse_flipped(const char *name, long at, unsigned char x,
                           int code, const char *needle)
{
	unsigned char *der;
	size_t len;
	char row[128];

	tu_fmt(row, sizeof(row), "%s ^ 0x%02x at %ld", name, x, at);
	der = load_env(name, &len);
	TU_ROW_ASSERT(der != NULL && at >= 0 && (size_t)at < len, row);
	if (der == NULL || at < 0 || (size_t)at >= len) {
		free(der);
		return;
	}
	der[at] ^= x;
	refuse_der(row, der, len, "a2048", code, needle);
	free(der);
}

/* The encryptedKey (256 bytes for RSA 2048) and the IV (after the
   cipher's OID) of an envelope. */
static long ek_offset(const char *name)
{
	static const unsigned char hdr[] = { 0x04, 0x82, 0x01, 0x00 };
	unsigned char *der;
	size_t len;
	long at;

	der = load_env(name, &len);
	at = der != NULL ? find(der, len, hdr, sizeof(hdr)) : -1;
	free(der);
	return at < 0 ? -1 : at + 4;
}

static long iv_offset(const char *name)
{
	static const unsigned char aes256[] = { 0x06, 0x09, 0x60, 0x86, 0x48,
	                                        0x01, 0x65, 0x03, 0x04, 0x01,
	                                        0x2a, 0x04, 0x10 };
	unsigned char *der;
	size_t len;
	long at;

	der = load_env(name, &len);
	at = der != NULL ? find(der, len, aes256, sizeof(aes256)) : -1;
	free(der);
	return at < 0 ? -1 : at + (long)sizeof(aes256);
}

static void test_bad_padding(void)
{
	const char *p1 = "a2048-aes256-pkcs1-issuer";
	const char *oaep = "a2048-aes256-oaep256-issuer";
	unsigned char *der;
	size_t len;

	NEED_FIXTURES();
	/* The key transport's padding check fails. */
	refuse_flipped(p1, ek_offset(p1) + 100, 0x5a, DX_ERR_DECRYPT,
	               "RSA PKCS#1 v1.5");
	refuse_flipped(oaep, ek_offset(oaep) + 100, 0x5a, DX_ERR_DECRYPT,
	               "RSAES-OAEP");
	refuse_flipped(oaep, ek_offset(oaep), 0xff, DX_ERR_DECRYPT,
	               "cannot be recovered");
	/* The content's: the last byte of the next-to-last block turns the
	   padding length into one over 0x80. */
	der = load_env(p1, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(der);
	free(der);
	refuse_flipped(p1, (long)len - 17, 0x80, DX_ERR_DECRYPT,
	               "bad padding");
}

/* A wrong first block whose padding is still right: what a wrong key
   yields once in 256 tries, and `openssl smime` on an OAEP envelope. */
static void test_garbage_plaintext(void)
{
	const char *name = "a2048-aes256-pkcs1-issuer";

	NEED_FIXTURES();
	refuse_flipped(name, iv_offset(name), 0x80, DX_ERR_DECRYPT,
	               "not UTF-8");
	refuse_flipped(name, iv_offset(name), '{' ^ 'x', DX_ERR_DECRYPT,
	               "not a JSON object");
	refuse_flipped(name, iv_offset(name), 0x7b, DX_ERR_DECRYPT, "NUL");
	refuse_env("hello", "a2048", DX_ERR_DECRYPT, "not a JSON object");
}

static void test_truncated(void)
{
	static const char *const names[] = { "a2048-aes256-pkcs1-issuer",
	                                     "ber-stream" };
	size_t i, k;

	NEED_FIXTURES();
	for (i = 0; i < TU_N_ROWS(names); i++) {
		unsigned char *der;
		size_t len;

		der = load_env(names[i], &len);
		TU_ROW_ASSERT(der != NULL, names[i]);
		if (der == NULL)
			continue;
		{
			const size_t cuts[] = { 1, 2, 3, 4, 10, 50, len / 2,
			                        len - 16, len - 2, len - 1 };

			for (k = 0; k < TU_N_ROWS(cuts); k++) {
				char row[128];

				tu_fmt(row, sizeof(row), "%s cut to %zu",
				       names[i], cuts[k]);
				refuse_der(row, der, cuts[k], "a2048",
				           DX_ERR_DECRYPT_FORMAT, "truncated");
			}
		}
		free(der);
	}
}

static void test_trailing_garbage(void)
{
	static const char *const tails[] = { "\0", "\0\0", "x",
	                                     "\x30\x03\x02\x01\x00" };
	static const size_t tail_lens[] = { 1, 2, 1, 5 };
	unsigned char *der;
	size_t len, i;

	NEED_FIXTURES();
	der = load_env("a2048-aes256-pkcs1-issuer", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(der);
	for (i = 0; i < TU_N_ROWS(tails); i++) {
		unsigned char *more = malloc(len + 8);
		char row[64];

		CU_ASSERT_PTR_NOT_NULL_FATAL(more);
		memcpy(more, der, len);
		memcpy(more + len, tails[i], tail_lens[i]);
		tu_fmt(row, sizeof(row), "trailing %zu", i);
		refuse_der(row, more, len + tail_lens[i], "a2048",
		           DX_ERR_DECRYPT_FORMAT, "trailing data");
		free(more);
	}
	free(der);
}

/* The outer length rewritten: 0x84FFFFFFFF, 9 length bytes, 0xFF. */
static void test_overflowing_lengths(void)
{
	static const struct {
		const char *hdr;
		size_t n;
		const char *needle;
	} hdrs[] = {
		{ "\x30\x84\xff\xff\xff\xff", 6, "overflows" },
		{ "\x30\x88\xff\xff\xff\xff\xff\xff\xff\xff", 10, "overflows" },
		{ "\x30\x89\x01\x01\x01\x01\x01\x01\x01\x01\x01", 11, "overflows" },
		{ "\x30\xff", 2, "overflows" },
		{ "\x30\x84\x7f\xff\xff\xff", 6, "overflows" },
	};
	unsigned char *der;
	size_t len, i, h, inner;

	NEED_FIXTURES();
	der = load_env("a2048-aes256-pkcs1-issuer", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(der);
	h = der_hdr(der, &inner);
	for (i = 0; i < TU_N_ROWS(hdrs); i++) {
		unsigned char *bad = malloc(len + 16);
		char row[64];

		CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
		memcpy(bad, hdrs[i].hdr, hdrs[i].n);
		memcpy(bad + hdrs[i].n, der + h, len - h);
		tu_fmt(row, sizeof(row), "outer length %zu", i);
		refuse_der(row, bad, hdrs[i].n + len - h, "a2048",
		           DX_ERR_DECRYPT_FORMAT, hdrs[i].needle);
		free(bad);
	}
	/* An inner length past its container: the encryptedKey claims
	   0xFFFF bytes. */
	{
		long at = ek_offset("a2048-aes256-pkcs1-issuer");

		CU_ASSERT_FATAL(at > 4);
		der[at - 2] = 0xff;
		der[at - 1] = 0xff;
		refuse_der("encryptedKey length", der, len, "a2048",
		           DX_ERR_DECRYPT_FORMAT, "in the element holding it");
	}
	free(der);
}

/* Inner fields resized: in BER form, where the constructed elements around
   them have no lengths to fix. */
static void test_resized_fields(void)
{
	static const unsigned char iv_hdr[] = { 0x06, 0x09, 0x60, 0x86, 0x48,
	                                        0x01, 0x65, 0x03, 0x04, 0x01,
	                                        0x2a, 0x04, 0x10 };
	static const unsigned char ek_hdr[] = { 0x04, 0x82, 0x01, 0x00 };
	struct buf ber = { NULL, 0, 0 };
	unsigned char *der, *bad, ct_hdr[4];
	size_t len, n, ct = 0;
	long at;

	NEED_FIXTURES();
	der = load_env("a2048-aes256-pkcs1-issuer", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(der);
	to_ber(&ber, der, len, (size_t)1 << 20);
	free(der);
	{
		char *plain = NULL, msg[512];
		size_t plen = 0;
		int r = try_der(ber.p, ber.n, "a2048", &plain, &plen, msg,
		                sizeof(msg));

		check_ok("BER unchanged", r, plain, plen, big, big_len, msg);
	}

	/* An IV one byte short, or empty. */
	at = find(ber.p, ber.n, iv_hdr, sizeof(iv_hdr));
	CU_ASSERT_FATAL(at > 0);
	at += (long)sizeof(iv_hdr) - 1;
	bad = resplice(ber.p, ber.n, (size_t)at, 2, "\x0f", 1, &n);
	refuse_der("IV of 15 bytes", bad, n, "a2048", DX_ERR_DECRYPT_FORMAT,
	           "the IV is 15 bytes, aes-256-cbc needs 16");
	free(bad);
	bad = resplice(ber.p, ber.n, (size_t)at, 17, "\x00", 1, &n);
	refuse_der("empty IV", bad, n, "a2048", DX_ERR_DECRYPT_FORMAT,
	           "the IV is 0 bytes");
	free(bad);

	/* Content one byte short of a whole block. */
	ct = (big_len / 16 + 1) * 16;
	ct_hdr[0] = 0x80;
	ct_hdr[1] = 0x82;
	ct_hdr[2] = (unsigned char)(ct >> 8);
	ct_hdr[3] = (unsigned char)ct;
	at = find(ber.p, ber.n, ct_hdr, sizeof(ct_hdr));
	CU_ASSERT_FATAL(at > 0);
	ct_hdr[3] = (unsigned char)(ct - 1);
	{
		unsigned char *tmp = resplice(ber.p, ber.n, (size_t)at, 4, ct_hdr,
		                            4, &n);

		bad = resplice(tmp, n, (size_t)at + 4 + ct - 1, 1, "", 0, &n);
		free(tmp);
	}
	refuse_der("content not whole blocks", bad, n, "a2048",
	           DX_ERR_DECRYPT_FORMAT, "not a whole number of 16-byte");
	free(bad);

	/* An encrypted key longer than the modulus. */
	at = find(ber.p, ber.n, ek_hdr, sizeof(ek_hdr));
	CU_ASSERT_FATAL(at > 0);
	bad = resplice(ber.p, ber.n, (size_t)at, 4, "\x04\x82\x01\x01\x00", 5,
	             &n);
	refuse_der("encrypted key of 257 bytes", bad, n, "a2048",
	           DX_ERR_DECRYPT, "the encrypted key is 257 bytes");
	free(bad);
	free(ber.p);
}

static void test_flipped_tags(void)
{
	const char *name = "a2048-aes256-pkcs1-issuer";
	unsigned char *der;
	size_t len, i;

	NEED_FIXTURES();
	refuse_flipped(name, 0, 0x01, DX_ERR_DECRYPT_FORMAT,
	               "expected a ContentInfo");
	refuse_flipped(name, 4, 0x01, DX_ERR_DECRYPT_FORMAT,
	               "expected the contentType");
	refuse_flipped(name, 15, 0x01, DX_ERR_DECRYPT_FORMAT,
	               "expected the content");
	refuse_flipped(name, 26, 0x01, DX_ERR_DECRYPT_FORMAT,
	               "expected the recipientInfos");
	refuse_flipped(name, 14, 0x01, DX_ERR_DECRYPT_ALGORITHM,
	               "1.2.840.113549.1.7.2");
	/* Every byte of the head, each flipped: refused, never a crash. */
	der = load_env(name, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(der);
	for (i = 0; i < 100 && i < len; i++) {
		char *plain = NULL;
		size_t plen = 0;
		char msg[512], row[600];
		int r;

		der[i] ^= 0xff;
		r = try_der(der, len, "a2048", &plain, &plen, msg, sizeof(msg));
		der[i] ^= 0xff;
		snprintf(row, sizeof(row), "byte %zu flipped: %d %s", i, r, msg);
		TU_ROW_ASSERT(r != DX_OK && plain == NULL, row);
		TU_ROW_ASSERT(r >= DX_ERR_DECRYPT &&
		              r <= DX_ERR_DECRYPT_ALGORITHM, row);
		if (plain != NULL)
			secrets_free_plaintext(plain, plen);
	}
	free(der);
}

static void test_key_files(void)
{
	char dir[4300], src[4300], dst[4300], msg[512];
	const char *a = thumb("a2048"), *b = thumb("b4096"), *o = thumb("other");
	struct secrets_keydir kd;
	struct secrets_key *key = NULL;
	int r;

	NEED_FIXTURES();
	tu_fmt(dir, sizeof(dir), "%s/badkeys", fx);
	tu_mkdir_p(dir);
	tu_fmt(kd.dir, sizeof(kd.dir), "%s", dir);

	/* Nothing there. */
	r = secrets_key_load(dir, a, &key, msg, sizeof(msg));
	TU_ROW_ASSERT(r == DX_ERR_DECRYPT_KEY && key == NULL &&
	              strstr(msg, "No such file") != NULL, msg);
	/* The certificate but no key. */
	tu_fmt(src, sizeof(src), "%s/%s.crt", keydir.dir, a);
	tu_fmt(dst, sizeof(dst), "%s/%s.crt", dir, a);
	tu_copy_file(src, dst, 0644);
	r = secrets_key_load(dir, a, &key, msg, sizeof(msg));
	TU_ROW_ASSERT(r == DX_ERR_DECRYPT_KEY && strstr(msg, ".prv") != NULL,
	              msg);
	/* The key is a directory. */
	tu_fmt(dst, sizeof(dst), "%s/%s.prv", dir, a);
	tu_mkdir_p(dst);
	r = secrets_key_load(dir, a, &key, msg, sizeof(msg));
	TU_ROW_ASSERT(r == DX_ERR_DECRYPT_KEY &&
	              strstr(msg, "not a regular file") != NULL, msg);
	tu_rm_rf(dst);
	/* Another certificate's key. */
	tu_fmt(src, sizeof(src), "%s/%s.prv", keydir.dir, o);
	tu_copy_file(src, dst, 0600);
	r = secrets_key_load(dir, a, &key, msg, sizeof(msg));
	TU_ROW_ASSERT(r == DX_ERR_DECRYPT_KEY &&
	              strstr(msg, "does not belong") != NULL, msg);
	/* Not RSA. */
	tu_fmt(src, sizeof(src), "%s/ec.key", fx);
	tu_copy_file(src, dst, 0600);
	r = secrets_key_load(dir, a, &key, msg, sizeof(msg));
	TU_ROW_ASSERT(r == DX_ERR_DECRYPT_KEY &&
	              strstr(msg, "not an RSA key") != NULL, msg);
	/* No PEM block, or a broken one. */
	tu_write_file(dst, "Bag Attributes\n    localKeyID: 01\n", 0600);
	r = secrets_key_load(dir, a, &key, msg, sizeof(msg));
	TU_ROW_ASSERT(r == DX_ERR_DECRYPT_KEY &&
	              strstr(msg, "no PEM block") != NULL, msg);
	tu_write_file(dst, "Bag Attributes\n-----BEGIN PRIVATE KEY-----\n"
	              "AAAA\n-----END PRIVATE KEY-----\n", 0600);
	r = secrets_key_load(dir, a, &key, msg, sizeof(msg));
	TU_ROW_ASSERT(r == DX_ERR_DECRYPT_KEY &&
	              strstr(msg, "cannot be parsed") != NULL, msg);
	/* The certificate under another thumbprint's name. */
	tu_fmt(src, sizeof(src), "%s/%s.crt", keydir.dir, a);
	tu_fmt(dst, sizeof(dst), "%s/%s.crt", dir, b);
	tu_copy_file(src, dst, 0644);
	tu_fmt(src, sizeof(src), "%s/%s.prv", keydir.dir, a);
	tu_fmt(dst, sizeof(dst), "%s/%s.prv", dir, b);
	tu_copy_file(src, dst, 0600);
	r = secrets_key_load(dir, b, &key, msg, sizeof(msg));
	TU_ROW_ASSERT(r == DX_ERR_DECRYPT_KEY && strstr(msg, a) != NULL &&
	              strstr(msg, "thumbprint") != NULL, msg);
	/* A certificate that is not one. */
	tu_fmt(dst, sizeof(dst), "%s/%s.crt", dir, b);
	tu_write_file(dst, "Bag Attributes\n-----BEGIN CERTIFICATE-----\n"
	              "MIIB\n-----END CERTIFICATE-----\n", 0644);
	r = secrets_key_load(dir, b, &key, msg, sizeof(msg));
	TU_ROW_ASSERT(r == DX_ERR_DECRYPT_KEY &&
	              strstr(msg, "cannot be parsed") != NULL, msg);
	/* Thumbprints that are not SHA-1 hex. */
	r = secrets_key_load(dir, "ABCDEF", &key, msg, sizeof(msg));
	TU_ROW_ASSERT(r == DX_ERR_INVALID_ARG, msg);
	r = secrets_key_load(dir, "G0CA13855411A2CCD9E2FDED332AD4EA6C096CA6",
	                     &key, msg, sizeof(msg));
	TU_ROW_ASSERT(r == DX_ERR_INVALID_ARG, msg);
	CU_ASSERT_PTR_NULL(key);
	/* Through the whole: the code and the prefix. */
	{
		unsigned char *der;
		char *b64, *plain = NULL;
		size_t len, plen = 0;

		der = load_env("a2048-aes256-pkcs1-issuer", &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(der);
		b64 = b64_encode(der, len, 0, "", 1);
		r = secrets_decrypt(&kd, b64, o, &plain, &plen, msg, sizeof(msg));
		check_refusal("missing files", r, DX_ERR_DECRYPT_KEY, plain,
		              plen, msg, "cannot read the certificate");
		plain = NULL;
		r = secrets_decrypt(&kd, b64, b, &plain, &plen, msg, sizeof(msg));
		check_refusal("bad certificate", r, DX_ERR_DECRYPT_KEY, plain,
		              plen, msg, "cannot be parsed");
		free(b64);
		free(der);
	}
	tu_rm_rf(dir);
}

/* Hand-built DER: no openssl needed. */
static void test_hand_built(void)
{
	static const struct {
		const char *name;
		const char *der;
		size_t n;
		int code;
		const char *needle;
	} rows[] = {
		{ "one byte", "\x30", 1, DX_ERR_DECRYPT_FORMAT, "truncated" },
		{ "empty SEQUENCE", "\x30\x00", 2, DX_ERR_DECRYPT_FORMAT,
		  "the contentType is missing" },
		{ "not enveloped", "\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01"
		  "\x07\x01\xa0\x00", 15, DX_ERR_DECRYPT_ALGORITHM,
		  "1.2.840.113549.1.7.1" },
		{ "indefinite primitive", "\x04\x80\x00\x00", 4,
		  DX_ERR_DECRYPT_FORMAT, "primitive" },
		{ "no end-of-contents", "\x30\x80\x02\x01\x00", 5,
		  DX_ERR_DECRYPT_FORMAT, "end-of-contents" },
		{ "multi-byte tag", "\x1f\x81\x00\x00", 4,
		  DX_ERR_DECRYPT_FORMAT, "multi-byte tag" },
		{ "empty enveloped", "\x30\x0f\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01"
		  "\x07\x03\xa0\x02\x30\x00", 17, DX_ERR_DECRYPT_FORMAT,
		  "EnvelopedData version is missing" },
		{ "no recipients", "\x30\x16\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01"
		  "\x07\x03\xa0\x09\x30\x07\x02\x01\x00\x31\x00\x30\x00", 24,
		  DX_ERR_DECRYPT_FORMAT, "no recipients" },
	};
	struct secrets_key *key = NULL;
	char msg[512];
	size_t i;

	NEED_FIXTURES();   /* a key is needed to get past the envelope */
	CU_ASSERT_EQUAL_FATAL(secrets_key_load(keydir.dir, thumb("a2048"), &key,
	                                       msg, sizeof(msg)), DX_OK);
	for (i = 0; i < TU_N_ROWS(rows); i++) {
		char *plain = NULL;
		size_t plen = 0;
		char row[600];
		int r;

		r = secrets_decrypt_der(key, (const unsigned char *)rows[i].der,
		                        rows[i].n, &plain, &plen, msg,
		                        sizeof(msg));
		snprintf(row, sizeof(row), "%s: %d %s", rows[i].name, r, msg);
		TU_ROW_ASSERT(r == rows[i].code && plain == NULL, row);
		TU_ROW_ASSERT(strstr(msg, rows[i].needle) != NULL, row);
	}
	/* Nesting deeper than the reader goes. */
	{
		unsigned char deep[400];
		char *plain = NULL;
		size_t plen = 0;
		int r;

		for (i = 0; i < sizeof(deep); i += 2) {
			deep[i] = 0x30;
			deep[i + 1] = 0x80;
		}
		r = secrets_decrypt_der(key, deep, sizeof(deep), &plain, &plen,
		                        msg, sizeof(msg));
		TU_ROW_ASSERT(r == DX_ERR_DECRYPT_FORMAT &&
		              strstr(msg, "nested") != NULL, msg);
		r = secrets_decrypt_der(key, deep, 0, &plain, &plen, msg,
		                        sizeof(msg));
		TU_ROW_ASSERT(r == DX_ERR_DECRYPT_FORMAT &&
		              strstr(msg, "empty") != NULL, msg);
	}
	secrets_key_free(key);
}

static void test_oversized(void)
{
	char *huge = malloc(SECRETS_MAX_B64 + 2);
	char *plain = NULL;
	size_t plen = 0;
	char msg[512];
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(huge);
	memset(huge, 'A', SECRETS_MAX_B64 + 1);
	huge[SECRETS_MAX_B64 + 1] = '\0';
	r = secrets_decrypt(&keydir, huge, "0CA13855411A2CCD9E2FDED332AD4EA6C096CA6B",
	                    &plain, &plen, msg, sizeof(msg));
	check_refusal("over the cap", r, DX_ERR_TOO_LARGE, plain, plen, msg,
	              "over the limit");
	/* At the cap it is decoded (and is no envelope). */
	if (have_fx) {
		huge[SECRETS_MAX_B64] = '\0';
		plain = NULL;
		r = secrets_decrypt(&keydir, huge, thumb("a2048"), &plain, &plen,
		                    msg, sizeof(msg));
		check_refusal("at the cap", r, DX_ERR_DECRYPT_FORMAT, plain,
		              plen, msg, "malformed envelope");
	}
	free(huge);
}

static void test_base64_refusals(void)
{
	static const struct {
		const char *text;
		const char *needle;
	} rows[] = {
		{ "", "no data" }, { " \n ", "no data" }, { "====", "no data" },
		{ "MIIB$", "character 0x24" }, { "A", "length or padding" },
		{ "AB=C", "after '=' padding" }, { "ABC==", "length or padding" },
		{ "AB===", "length or padding" }, { "MI-B", "character 0x2d" },
		{ "MIIB\x80", "character 0x80" },
	};
	unsigned char *out = NULL;
	size_t n = 0, i;
	char msg[256];

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		int r = secrets_base64_decode(rows[i].text, strlen(rows[i].text),
		                              &out, &n, msg, sizeof(msg));

		TU_ROW_ASSERT(r == DX_ERR_DECRYPT_FORMAT && out == NULL,
		              rows[i].text);
		TU_ROW_ASSERT(strstr(msg, rows[i].needle) != NULL, msg);
	}
	CU_ASSERT_EQUAL(secrets_base64_decode("TWFu", 4, &out, &n, msg,
	                                      sizeof(msg)), DX_OK);
	CU_ASSERT(n == 3 && memcmp(out, "Man", 3) == 0);
	free(out);
	CU_ASSERT_EQUAL(secrets_base64_decode("TW E\r\n=", 7, &out, &n, msg,
	                                      sizeof(msg)), DX_OK);
	CU_ASSERT(n == 2 && memcmp(out, "Ma", 2) == 0);
	free(out);
	CU_ASSERT_EQUAL(secrets_base64_decode("TQ", 2, &out, &n, msg,
	                                      sizeof(msg)), DX_OK);
	CU_ASSERT(n == 1 && out[0] == 'M');
	free(out);
	CU_ASSERT_EQUAL(secrets_base64_decode(NULL, 0, &out, &n, msg,
	                                      sizeof(msg)), DX_ERR_INVALID_ARG);
}

static void test_json_check(void)
{
	static const struct {
		const char *text;
		size_t n;   /* 0: strlen */
		int ok;
		const char *needle;
	} rows[] = {
		{ "{}", 0, 1, NULL },
		{ " \r\n\t{ } \n", 0, 1, NULL },
		{ "\xef\xbb\xbf{}", 0, 1, NULL },
		{ "{\"a\":\"}]\\\"{\",\"b\":[1,{\"c\":[]}]}", 0, 1, NULL },
		{ "{\"k\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3\"}", 0, 1, NULL },
		{ "", 0, 0, "does not start with '{'" },
		{ "   ", 0, 0, "does not start with '{'" },
		{ "[]", 0, 0, "does not start with '{'" },
		{ "hello", 0, 0, "does not start with '{'" },
		{ "{", 0, 0, "not closed" },
		{ "{\"a\":\"}", 0, 0, "not closed" },
		{ "{]", 0, 0, "mismatched ']'" },
		{ "{[}]", 0, 0, "mismatched '}'" },
		{ "{}x", 0, 0, "data after" },
		{ "{}}", 0, 0, "data after" },
		{ "{}{}", 0, 0, "data after" },
		{ "\xff{}", 0, 0, "not UTF-8" },
		{ "{\"\xc0\xaf\"}", 0, 0, "not UTF-8" },
		{ "{\"\xed\xa0\x80\"}", 0, 0, "not UTF-8" },
		{ "{\"\xf4\x90\x80\x80\"}", 0, 0, "not UTF-8" },
		{ "{\"\xe2\x82\"}", 0, 0, "not UTF-8" },
		{ "{\"a\":1}\xe2\x82", 0, 0, "not UTF-8" },
		{ "{\"a\0\":1}", 8, 0, "NUL" },
	};
	char msg[256], *deep;
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		size_t n = rows[i].n ? rows[i].n : strlen(rows[i].text);
		int r = secrets_check_json_text(rows[i].text, n, msg, sizeof(msg));
		char row[300];

		snprintf(row, sizeof(row), "row %zu: %d %s", i, r,
		       rows[i].ok ? "" : msg);
		TU_ROW_ASSERT(r == (rows[i].ok ? DX_OK : DX_ERR_DECRYPT), row);
		TU_ROW_ASSERT(rows[i].ok || strstr(msg, rows[i].needle) != NULL,
		              row);
	}
	/* Deeper than 1024 levels. */
	deep = malloc(2 * 1100 + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(deep);
	deep[0] = '{';
	deep[1] = '"';
	deep[2] = '"';
	deep[3] = ':';
	for (i = 4; i < 1100; i++)
		deep[i] = '[';
	deep[1100] = '\0';
	CU_ASSERT_EQUAL(secrets_check_json_text(deep, 1100, msg, sizeof(msg)),
	                DX_ERR_DECRYPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "deeper"));
	free(deep);
}

static void test_bad_arguments(void)
{
	char *plain = (char *)1;
	size_t plen = 9;
	char msg[256];
	int r;

	r = secrets_decrypt(NULL, "MIIB", "0CA13855411A2CCD9E2FDED332AD4EA6C096CA6B",
	                    &plain, &plen, msg, sizeof(msg));
	CU_ASSERT(r == DX_ERR_INVALID_ARG && plain == NULL && plen == 0);
	r = secrets_decrypt(&keydir, NULL, "x", &plain, &plen, msg, sizeof(msg));
	CU_ASSERT_EQUAL(r, DX_ERR_INVALID_ARG);
	r = secrets_decrypt(&keydir, "MIIB", "not-hex", &plain, &plen, msg,
	                    sizeof(msg));
	CU_ASSERT_EQUAL(r, DX_ERR_INVALID_ARG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "protectedSettings: "));
	/* A message buffer too small is cut, not overrun. */
	r = secrets_decrypt(&keydir, "$", "x", &plain, &plen, msg, 8);
	CU_ASSERT(r == DX_ERR_DECRYPT_FORMAT && strlen(msg) == 7);
	secrets_free_plaintext(NULL, 0);
}

/* The settings module drives us through settings_decrypt_fn. */
static void test_through_settings(void)
{
	unsigned char *der;
	char *b64, *text;
	size_t len, n;
	struct dx_settings s;
	struct settings_report rep;
	int r;

	NEED_FIXTURES();
	der = load_env("a2048-aes256-oaep256-keyid", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(der);
	b64 = b64_encode(der, len, 0, "", 1);
	n = strlen(b64) + 512;
	text = malloc(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	tu_fmt(text, n, "{\"runtimeSettings\":[{\"handlerSettings\":{"
	       "\"publicSettings\":{},\"protectedSettings\":\"%s\","
	       "\"protectedSettingsCertThumbprint\":\"%s\"}}]}", b64,
	       thumb("a2048"));
	r = settings_parse_file(text, strlen(text), secrets_decrypt, &keydir,
	                        &s, &rep);
	CU_ASSERT_EQUAL(r, DX_OK);
	if (r != DX_OK && rep.n_errors > 0)
		fprintf(stderr, "\n    settings: %s\n", rep.errors[0]);
	CU_ASSERT_EQUAL(s.has_protected, 1);
	CU_ASSERT_EQUAL(s.n_secret_env, 61);
	CU_ASSERT_EQUAL_FATAL(s.n_logins, 1);
	CU_ASSERT_STRING_EQUAL(s.logins[0].password, "p4ssw0rd!");
	settings_free(&s);
	settings_report_free(&rep);

	/* Not for us: the code and our message come through. */
	tu_fmt(text, n, "{\"runtimeSettings\":[{\"handlerSettings\":{"
	       "\"publicSettings\":{},\"protectedSettings\":\"%s\","
	       "\"protectedSettingsCertThumbprint\":\"%s\"}}]}", b64,
	       thumb("b4096"));
	r = settings_parse_file(text, strlen(text), secrets_decrypt, &keydir,
	                        &s, &rep);
	CU_ASSERT_EQUAL(r, DX_ERR_DECRYPT_RECIPIENT);
	CU_ASSERT(rep.n_errors >= 1 && strstr(rep.errors[0],
	          "protectedSettings: the envelope is not for") != NULL);
	settings_free(&s);
	settings_report_free(&rep);
	free(text);
	free(b64);
	free(der);
}

void test_secrets_register(void)
{
	CU_pSuite s = CU_add_suite("secrets", suite_init, suite_clean);

	CU_add_test(s, "every cipher x key transport x recipient id, RSA 2048/4096",
	            test_every_cipher_transport_and_rid);
	CU_add_test(s, "RSA 3072", test_rsa3072);
	CU_add_test(s, "openssl smime and a tiny object", test_smime_and_tiny);
	CU_add_test(s, "several recipients", test_several_recipients);
	CU_add_test(s, "BER from openssl -stream", test_ber_from_openssl);
	CU_add_test(s, "BER by hand: nested chunks everywhere", test_ber_by_hand);
	CU_add_test(s, "subjectKeyIdentifier: extension or key hash",
	            test_subject_key_identifiers);
	CU_add_test(s, "OAEP SHA-512, label, MGF1 mismatch", test_oaep_parameters);
	CU_add_test(s, "base64 with and without line breaks and padding",
	            test_base64_forms);
	CU_add_test(s, "lower-case thumbprint", test_lower_case_thumbprint);
	CU_add_test(s, "one key, several envelopes", test_key_reuse);
	CU_add_test(s, "refused: not for our certificate", test_not_for_us);
	CU_add_test(s, "refused: unsupported algorithms (OID named)",
	            test_unsupported_algorithms);
	CU_add_test(s, "refused: bad padding", test_bad_padding);
	CU_add_test(s, "refused: garbage plaintext with good padding",
	            test_garbage_plaintext);
	CU_add_test(s, "refused: truncated", test_truncated);
	CU_add_test(s, "refused: trailing garbage", test_trailing_garbage);
	CU_add_test(s, "refused: overflowing lengths", test_overflowing_lengths);
	CU_add_test(s, "refused: resized IV, content, encrypted key",
	            test_resized_fields);
	CU_add_test(s, "refused: flipped tags and bytes", test_flipped_tags);
	CU_add_test(s, "refused: key files", test_key_files);
	CU_add_test(s, "refused: hand-built DER", test_hand_built);
	CU_add_test(s, "refused: oversized", test_oversized);
	CU_add_test(s, "refused: bad base64", test_base64_refusals);
	CU_add_test(s, "the JSON object check", test_json_check);
	CU_add_test(s, "bad arguments", test_bad_arguments);
	CU_add_test(s, "through settings_parse_file", test_through_settings);
}
