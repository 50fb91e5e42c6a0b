/*
 * secrets - the CMS EnvelopedData decoder (RFC 5652 section 6) on mbedTLS.
 *
 * mbedTLS has no CMS, and its ASN.1 reader knows only definite lengths,
 * so the envelope is walked by a small reader of our own that accepts BER
 * (indefinite lengths, chunked OCTET STRINGs: `openssl cms -stream` writes
 * both) and checks every length against what is left before using it.
 * The whole envelope is parsed and validated before the private key is
 * used; only the recipient that names our certificate is acted on, so a
 * recipient for someone else's key in an algorithm we do not know does
 * not stop us.
 *
 * Hygiene: the key file text, the content-encryption key and the
 * plaintext are wiped with mbedtls_platform_zeroize on every path; the
 * mbedTLS contexts wipe themselves when freed.
 *
 * On PKCS#1 v1.5 and Bleichenbacher: a padding error is reported as such
 * (the platform's operator needs to know), which is an oracle only for
 * someone who can both submit envelopes to this VM and read our status -
 * someone who already controls the VM's extension settings.
 */
#include "config.h"

#include "secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/asn1.h>
#include <mbedtls/cipher.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha1.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "dx_plugin.h"

/* A key or certificate file is a few KiB; anything much larger is not one. */
#define KEYFILE_MAX (256 * 1024)
/* How deep BER elements may nest inside one element: CMS needs about 10;
   the limit bounds the reader's recursion on hostile input. */
#define DER_MAX_DEPTH 24
/* The largest RSA modulus mbedTLS handles (MBEDTLS_MPI_MAX_SIZE), hence
   the largest encrypted key and the room for the decrypted one. */
#define RSA_MAX_BYTES 1024
#define SHA1_LEN 20
#define THUMBPRINT_HEX (2 * SHA1_LEN)
#define SKI_MAX 64
#define OAEP_LABEL_MAX 256
#define BLOCK_MAX 16

/* ---- messages --------------------------------------------------------------- */

static void fail_msg(char *msg, size_t msgsize, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail_msg(char *msg, size_t msgsize, const char *fmt, ...)
{
	va_list ap;

	if (msg != NULL && msgsize > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, msgsize, fmt, ap);
		va_end(ap);
	}
}

/* Writes the message and yields `code`, so that an error is one line.  A
   macro, so that the static analyzer (which does not follow calls into
   variadic functions) sees that an error path returns an error. */
#define fail(msg, msgsize, code, ...) \
	(fail_msg((msg), (msgsize), __VA_ARGS__), (code))

/* A public function's message is "" unless it fails. */
static void clear_msg(char *msg, size_t msgsize)
{
	if (msg != NULL && msgsize > 0)
		msg[0] = '\0';
}

/* mbedTLS's text for an error code ("PK - Invalid key tag or value"). */
static const char *tls_error(int ret, char *buf, size_t size)
{
	mbedtls_strerror(ret, buf, size);
	return buf;
}

static void to_hex(const unsigned char *bin, size_t n, char *out,
                   size_t outsize)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < outsize; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 0xf];
	}
	if (outsize > 0)
		out[2 * i < outsize ? 2 * i : outsize - 1] = '\0';
}

static void sha1(const unsigned char *p, size_t n, unsigned char out[SHA1_LEN])
{
#ifdef HAVE_MBEDTLS_SHA1_RET
	(void)mbedtls_sha1_ret(p, n, out);
#else
	(void)mbedtls_sha1(p, n, out);
#endif
}

/* ---- the BER/DER reader ----------------------------------------------------- */

#define TAG_INTEGER 0x02
#define TAG_BIT_STRING 0x03
#define TAG_OCTET_STRING 0x04
#define TAG_NULL 0x05
#define TAG_OID 0x06
#define TAG_SEQUENCE 0x30
#define TAG_SET 0x31
#define TAG_CONSTRUCTED 0x20
#define TAG_CTX(n) (0x80 | (n))              /* [n] IMPLICIT, primitive */
#define TAG_CTX_CONS(n) (0xa0 | (n))         /* [n], constructed */

struct der_ctx {
	const unsigned char *base;   /* the envelope, for offsets in messages */
	const unsigned char *end;
	char *msg;
	size_t msgsize;
};

/* One element.  For an indefinite length, len excludes the end-of-contents
   octets and next is past them. */
struct tlv {
	unsigned char tag;
	const unsigned char *start;
	const unsigned char *val;
	size_t len;
	const unsigned char *next;
};

static void bad_msg(struct der_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void bad_msg(struct der_ctx *c, const char *fmt, ...)
{
	char text[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fail_msg(c->msg, c->msgsize, "malformed envelope: %s", text);
}

/* The message, and DX_ERR_DECRYPT_FORMAT (a macro: see fail()). */
#define bad(c, ...) (bad_msg((c), __VA_ARGS__), DX_ERR_DECRYPT_FORMAT)

static size_t off(const struct der_ctx *c, const unsigned char *p)
{
	return (size_t)(p - c->base);
}

static int tlv_read(struct der_ctx *c, const unsigned char *p,
                    const unsigned char *end, unsigned depth, struct tlv *t);

/* The contents of an indefinite-length element run to the first
   end-of-contents octets (00 00) at its own level: walk its children. */
static int tlv_indefinite(struct der_ctx *c, const unsigned char *val,
                          const unsigned char *end, unsigned depth,
                          struct tlv *t)
{
	const unsigned char *p = val;
	struct tlv child;
	int r;

	for (;;) {
		if (end - p >= 2 && p[0] == 0 && p[1] == 0) {
			t->val = val;
			t->len = (size_t)(p - val);
			t->next = p + 2;
			return DX_OK;
		}
		if (p >= end)
			return bad(c, "truncated: the indefinite-length element "
			           "at offset %zu has no end-of-contents",
			           off(c, t->start));
		r = tlv_read(c, p, end, depth + 1, &child);
		if (r != DX_OK)
			return r;
		p = child.next;
	}
}

/* The length octets at p[1..]; *val is set past them. */
static int tlv_length(struct der_ctx *c, const unsigned char *p,
                      const unsigned char *end, size_t *len,
                      const unsigned char **val)
{
	size_t n, i, left = (size_t)(end - p) - 2;
	uint64_t v = 0;

	if (p[1] < 0x80) {
		*len = p[1];
		*val = p + 2;
		return DX_OK;
	}
	n = p[1] & 0x7f;
	if (n > sizeof(size_t))
		return bad(c, "the length at offset %zu is %zu bytes long, "
		           "which overflows", off(c, p), n);
	if (n > left)
		return bad(c, "truncated: the length of the element at offset "
		           "%zu needs %zu bytes, %zu are left", off(c, p), n,
		           left);
	for (i = 0; i < n; i++)
		v = (v << 8) | p[2 + i];
	*len = (size_t)v;
	*val = p + 2 + n;
	return DX_OK;
}

/* Reads the element at p, which must lie within [p, end).  `depth` counts
   the indefinite-length elements around it (the recursion's bound). */
static int tlv_read(struct der_ctx *c, const unsigned char *p,
                    const unsigned char *end, unsigned depth, struct tlv *t)
{
	size_t left = (size_t)(end - p);
	const unsigned char *val = NULL;
	size_t len = 0;
	int r;

	if (depth > DER_MAX_DEPTH)
		return bad(c, "elements nested more than %u deep at offset %zu",
		           DER_MAX_DEPTH, off(c, p));
	if (left < 2)
		return bad(c, "truncated at offset %zu: %zu byte(s) where an "
		           "element must be", off(c, p), left);
	memset(t, 0, sizeof(*t));
	t->start = p;
	t->tag = p[0];
	if ((p[0] & 0x1f) == 0x1f)
		return bad(c, "unsupported multi-byte tag at offset %zu",
		           off(c, p));
	if (p[1] == 0x80) {
		if (!(p[0] & TAG_CONSTRUCTED))
			return bad(c, "indefinite length on the primitive "
			           "element at offset %zu", off(c, p));
		return tlv_indefinite(c, p + 2, end, depth, t);
	}
	r = tlv_length(c, p, end, &len, &val);
	if (r != DX_OK)
		return r;
	if (len > (size_t)(end - val)) {
		/* Larger than any envelope we accept: a hostile or broken
		   length, not a cut-off transfer. */
		if (len > (size_t)SECRETS_MAX_B64)
			return bad(c, "the length %zu of the element at offset "
			           "%zu overflows (%zu bytes are left)", len,
			           off(c, p), (size_t)(end - val));
		return bad(c, "truncated: the element at offset %zu claims %zu "
		           "bytes, %zu are left%s", off(c, p), len,
		           (size_t)(end - val),
		           end == c->end ? "" : " in the element holding it");
	}
	t->val = val;
	t->len = len;
	t->next = val + len;
	return DX_OK;
}

/* The next element of [*p, end), which must carry `tag`; *p moves past
   it. */
static int der_next(struct der_ctx *c, const unsigned char **p,
                    const unsigned char *end, unsigned char tag,
                    const char *what, struct tlv *t)
{
	int r;

	if (*p >= end)
		return bad(c, "%s is missing at offset %zu", what, off(c, *p));
	r = tlv_read(c, *p, end, 0, t);
	if (r != DX_OK)
		return r;
	if (t->tag != tag)
		return bad(c, "expected %s (tag 0x%02x) at offset %zu, found "
		           "tag 0x%02x", what, tag, off(c, *p), t->tag);
	*p = t->next;
	return DX_OK;
}

/* A string type (OCTET STRING, [n] IMPLICIT OCTET STRING), which BER may
   also send constructed, in chunks. */
static int der_next_string(struct der_ctx *c, const unsigned char **p,
                           const unsigned char *end, unsigned char tag,
                           const char *what, struct tlv *t)
{
	if (*p < end && **p == (tag | TAG_CONSTRUCTED))
		tag |= TAG_CONSTRUCTED;
	return der_next(c, p, end, tag, what, t);
}

/* 1 when the next element of [p, end) carries `tag`. */
static int der_peek(const unsigned char *p, const unsigned char *end,
                    unsigned char tag)
{
	return p < end && *p == tag;
}

static int der_done(struct der_ctx *c, const unsigned char *p,
                    const unsigned char *end, const char *what)
{
	if (p != end)
		return bad(c, "unexpected data at offset %zu after the last "
		           "field of %s", off(c, p), what);
	return DX_OK;
}

/* A version INTEGER, which must be one of the one-byte values in
   `allowed` (as digits: "02" for 0 or 2). */
static int der_version(struct der_ctx *c, const struct tlv *t,
                       const char *allowed, const char *what)
{
	if (t->len != 1)
		return bad(c, "the %s version at offset %zu is not a small "
		           "INTEGER", what, off(c, t->start));
	if (t->val[0] > 9 || strchr(allowed, '0' + t->val[0]) == NULL)
		return bad(c, "unsupported %s version %u at offset %zu", what,
		           (unsigned)t->val[0], off(c, t->start));
	return DX_OK;
}

/* Appends the octets of a string, primitive or constructed (BER chunks,
   which may nest), to out[*n..cap).  DX_ERR_TOO_LARGE, without a message,
   when they do not fit. */
static int octets_collect(struct der_ctx *c, const struct tlv *t,
                          unsigned depth, unsigned char *out, size_t cap,
                          size_t *n)
{
	const unsigned char *p, *end;
	struct tlv chunk;
	int r;

	if (!(t->tag & TAG_CONSTRUCTED)) {
		if (t->len > cap - *n)
			return DX_ERR_TOO_LARGE;
		if (t->len > 0)
			memcpy(out + *n, t->val, t->len);
		*n += t->len;
		return DX_OK;
	}
	if (depth > DER_MAX_DEPTH)
		return bad(c, "OCTET STRING chunks nested more than %u deep at "
		           "offset %zu", DER_MAX_DEPTH, off(c, t->start));
	p = t->val;
	end = t->val + t->len;
	while (p < end) {
		r = tlv_read(c, p, end, 0, &chunk);
		if (r != DX_OK)
			return r;
		if ((chunk.tag & ~TAG_CONSTRUCTED) != TAG_OCTET_STRING)
			return bad(c, "expected an OCTET STRING chunk at offset "
			           "%zu, found tag 0x%02x", off(c, p), chunk.tag);
		r = octets_collect(c, &chunk, depth + 1, out, cap, n);
		if (r != DX_OK)
			return r;
		p = chunk.next;
	}
	return DX_OK;
}

/* A string collected into out[0..cap): a fixed-size field. */
static int octets_fixed(struct der_ctx *c, const struct tlv *t,
                        unsigned char *out, size_t cap, size_t *n,
                        const char *what)
{
	int r;

	*n = 0;
	r = octets_collect(c, t, 0, out, cap, n);
	if (r == DX_ERR_TOO_LARGE)
		return bad(c, "%s at offset %zu is longer than %zu bytes", what,
		           off(c, t->start), cap);
	return r;
}

/* ---- object identifiers ---------------------------------------------------- */

#define OID_ENVELOPED_DATA "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x03"
#define OID_RSA_ENCRYPTION "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"
#define OID_RSAES_OAEP "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x07"
#define OID_MGF1 "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x08"
#define OID_PSPECIFIED "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x09"
#define OID_SKI_EXT "\x55\x1d\x0e"

static int oid_is(const struct tlv *t, const char *oid, size_t len)
{
	return t->len == len && memcmp(t->val, oid, len) == 0;
}
#define OID_IS(t, oid) oid_is((t), (oid), sizeof(oid) - 1)

/* Dotted text of an OID, for messages ("1.2.840.113549.3.2"). */
static const char *oid_text(const struct tlv *t, char *buf, size_t size)
{
	mbedtls_asn1_buf b;

	b.tag = MBEDTLS_ASN1_OID;
	b.len = t->len;
	b.p = (unsigned char *)t->val;  /* mbedTLS only reads it */
	buf[0] = '\0';
	if (t->len == 0 || mbedtls_oid_get_numeric_string(buf, size, &b) < 0)
		snprintf(buf, size, "(an undecodable OID)");
	return buf;
}

struct cipher_alg {
	const char *oid;
	size_t oid_len;
	const char *name;
	mbedtls_cipher_type_t type;
	size_t key_len;
	size_t block;
};

static const struct cipher_alg ciphers[] = {
	{ "\x2a\x86\x48\x86\xf7\x0d\x03\x07", 8, "des-ede3-cbc",
	  MBEDTLS_CIPHER_DES_EDE3_CBC, 24, 8 },
	{ "\x60\x86\x48\x01\x65\x03\x04\x01\x02", 9, "aes-128-cbc",
	  MBEDTLS_CIPHER_AES_128_CBC, 16, 16 },
	{ "\x60\x86\x48\x01\x65\x03\x04\x01\x16", 9, "aes-192-cbc",
	  MBEDTLS_CIPHER_AES_192_CBC, 24, 16 },
	{ "\x60\x86\x48\x01\x65\x03\x04\x01\x2a", 9, "aes-256-cbc",
	  MBEDTLS_CIPHER_AES_256_CBC, 32, 16 },
};

struct hash_alg {
	const char *oid;
	size_t oid_len;
	const char *name;
	mbedtls_md_type_t md;
};

static const struct hash_alg hashes[] = {
	{ "\x2b\x0e\x03\x02\x1a", 5, "SHA-1", MBEDTLS_MD_SHA1 },
	{ "\x60\x86\x48\x01\x65\x03\x04\x02\x04", 9, "SHA-224", MBEDTLS_MD_SHA224 },
	{ "\x60\x86\x48\x01\x65\x03\x04\x02\x01", 9, "SHA-256", MBEDTLS_MD_SHA256 },
	{ "\x60\x86\x48\x01\x65\x03\x04\x02\x02", 9, "SHA-384", MBEDTLS_MD_SHA384 },
	{ "\x60\x86\x48\x01\x65\x03\x04\x02\x03", 9, "SHA-512", MBEDTLS_MD_SHA512 },
};

static const char *hash_name(mbedtls_md_type_t md)
{
	size_t i;

	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (hashes[i].md == md)
			return hashes[i].name;
	return "?";
}

/* ---- the key pair ------------------------------------------------------------ */

struct secrets_key {
	mbedtls_x509_crt chain;          /* everything in the .crt file */
	const mbedtls_x509_crt *crt;     /* the thumbprint's certificate */
	mbedtls_pk_context pk;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;   /* for RSA blinding */
	unsigned char ski_ext[SKI_MAX];  /* subjectKeyIdentifier extension */
	size_t ski_ext_len;              /* 0: the certificate has none */
	unsigned char ski_hash[SHA1_LEN];/* SHA-1 of the public key bits */
	int ski_hash_ok;
	char thumbprint[THUMBPRINT_HEX + 1];   /* upper case */
};

/* Reads a key or certificate file whole, NUL-terminated.  Our own reader
   rather than fileio_read_all, so that every byte that held the key is
   wiped here on every path. */
static int read_keyfile(const char *path, const char *what,
                        unsigned char **out, size_t *len, char *msg,
                        size_t msgsize)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t cap = 0, used = 0;
	int fd, r = DX_ERR_DECRYPT_KEY;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		r = fail(msg, msgsize, DX_ERR_DECRYPT_KEY, "cannot read the %s "
		         "%s: %s", what, path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > KEYFILE_MAX) {
		r = fail(msg, msgsize, DX_ERR_DECRYPT_KEY, "the %s %s is not a "
		         "regular file of at most %d bytes", what, path,
		         KEYFILE_MAX);
		goto out;
	}
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (buf == NULL) {
		r = fail(msg, msgsize, DX_ERR_NOMEM, "out of memory");
		goto out;
	}
	while (used < cap - 1) {
		ssize_t n = read(fd, buf + used, cap - 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = fail(msg, msgsize, DX_ERR_DECRYPT_KEY, "cannot read "
			         "the %s %s: %s", what, path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
	r = DX_OK;
out:
	if (buf != NULL) {
		mbedtls_platform_zeroize(buf, cap);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return r;
}

static void free_keyfile(unsigned char *buf, size_t len)
{
	if (buf == NULL)
		return;
	mbedtls_platform_zeroize(buf, len + 1);
	free(buf);
}

/* waagent writes openssl pkcs12's "Bag Attributes" text before the PEM
   block: the PEM starts at the first "-----BEGIN".  mbedTLS wants the
   length to include the NUL that ends PEM text. */
static const unsigned char *pem_block(const unsigned char *buf, size_t len,
                                      size_t *pem_len)
{
	const char *begin = strstr((const char *)buf, "-----BEGIN");

	if (begin == NULL)
		return NULL;
	*pem_len = len + 1 - (size_t)((const unsigned char *)begin - buf);
	return (const unsigned char *)begin;
}

/* The certificate of `chain` whose SHA-1 is `want` (40 upper-case hex). */
static const mbedtls_x509_crt *find_thumbprint(const mbedtls_x509_crt *chain,
                                              const char *want,
                                              char *first, size_t firstsize)
{
	const mbedtls_x509_crt *crt;
	unsigned char digest[SHA1_LEN];
	char hex[THUMBPRINT_HEX + 1];

	first[0] = '\0';
	for (crt = chain; crt != NULL && crt->raw.p != NULL; crt = crt->next) {
		sha1(crt->raw.p, crt->raw.len, digest);
		to_hex(digest, sizeof(digest), hex, sizeof(hex));
		if (first[0] == '\0')
			snprintf(first, firstsize, "%s", hex);
		if (strcmp(hex, want) == 0)
			return crt;
	}
	return NULL;
}

static int load_certificate(struct secrets_key *key, const char *path,
                            char *msg, size_t msgsize)
{
	unsigned char *text = NULL;
	const unsigned char *pem;
	size_t len = 0, pem_len = 0;
	char first[THUMBPRINT_HEX + 1], err[128];
	int ret, r;

	r = read_keyfile(path, "certificate", &text, &len, msg, msgsize);
	if (r != DX_OK)
		goto out;
	pem = pem_block(text, len, &pem_len);
	if (pem == NULL) {
		r = fail(msg, msgsize, DX_ERR_DECRYPT_KEY, "the certificate %s "
		         "holds no PEM block", path);
		goto out;
	}
	ret = mbedtls_x509_crt_parse(&key->chain, pem, pem_len);
	if (ret < 0) {
		r = fail(msg, msgsize, DX_ERR_DECRYPT_KEY, "the certificate %s "
		         "cannot be parsed (%s)", path,
		         tls_error(ret, err, sizeof(err)));
		goto out;
	}
	key->crt = find_thumbprint(&key->chain, key->thumbprint, first,
	                           sizeof(first));
	if (key->crt == NULL) {
		r = fail(msg, msgsize, DX_ERR_DECRYPT_KEY, "the certificate %s "
		         "has thumbprint %s, not %s", path,
		         first[0] != '\0' ? first : "(none)", key->thumbprint);
		goto out;
	}
	r = DX_OK;
out:
	free_keyfile(text, len);
	return r;
}

static int load_private_key(struct secrets_key *key, const char *path,
                            char *msg, size_t msgsize)
{
	unsigned char *text = NULL;
	const unsigned char *pem;
	size_t len = 0, pem_len = 0;
	char err[128];
	int ret, r;

	r = read_keyfile(path, "private key", &text, &len, msg, msgsize);
	if (r != DX_OK)
		goto out;
	pem = pem_block(text, len, &pem_len);
	if (pem == NULL) {
		r = fail(msg, msgsize, DX_ERR_DECRYPT_KEY, "the private key %s "
		         "holds no PEM block", path);
		goto out;
	}
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	ret = mbedtls_pk_parse_key(&key->pk, pem, pem_len, NULL, 0,
	                           mbedtls_ctr_drbg_random, &key->drbg);
#else
	ret = mbedtls_pk_parse_key(&key->pk, pem, pem_len, NULL, 0);
#endif
	if (ret != 0) {
		r = fail(msg, msgsize, DX_ERR_DECRYPT_KEY, "the private key %s "
		         "cannot be parsed (%s)", path,
		         tls_error(ret, err, sizeof(err)));
		goto out;
	}
	if (mbedtls_pk_get_type(&key->pk) != MBEDTLS_PK_RSA) {
		r = fail(msg, msgsize, DX_ERR_DECRYPT_KEY, "the private key %s "
		         "is not an RSA key", path);
		goto out;
	}
	r = DX_OK;
out:
	free_keyfile(text, len);
	return r;
}

/* The subjectKeyIdentifier extension, if any: mbedTLS 2.28 parses the
   extensions but keeps only the raw [3] contents, which it has already
   validated. */
static void crt_ski_extension(struct secrets_key *key)
{
	unsigned char *p = key->crt->v3_ext.p, *end, *ext_end;
	size_t len;
	int crit;

	if (p == NULL || key->crt->v3_ext.len == 0)
		return;
	end = p + key->crt->v3_ext.len;
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED |
	                         MBEDTLS_ASN1_SEQUENCE) != 0)
		return;
	end = p + len;
	while (p < end) {
		if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED |
		                         MBEDTLS_ASN1_SEQUENCE) != 0)
			return;
		ext_end = p + len;
		if (mbedtls_asn1_get_tag(&p, ext_end, &len, MBEDTLS_ASN1_OID) != 0)
			return;
		if (len == sizeof(OID_SKI_EXT) - 1 &&
		    memcmp(p, OID_SKI_EXT, len) == 0) {
			p += len;
			(void)mbedtls_asn1_get_bool(&p, ext_end, &crit);
			/* extnValue is an OCTET STRING holding the DER of the
			   KeyIdentifier, itself an OCTET STRING. */
			if (mbedtls_asn1_get_tag(&p, ext_end, &len,
			                         MBEDTLS_ASN1_OCTET_STRING) != 0 ||
			    mbedtls_asn1_get_tag(&p, p + len, &len,
			                         MBEDTLS_ASN1_OCTET_STRING) != 0 ||
			    len == 0 || len > sizeof(key->ski_ext))
				return;
			memcpy(key->ski_ext, p, len);
			key->ski_ext_len = len;
			return;
		}
		p = ext_end;
	}
}

/* RFC 5280 4.2.1.2 method 1, the SHA-1 of the subjectPublicKey bits:
   what `openssl ... subjectKeyIdentifier=hash` writes and what Windows
   uses for a certificate without the extension. */
static void crt_ski_hash(struct secrets_key *key)
{
	unsigned char *p = key->crt->pk_raw.p, *end;
	size_t len;

	if (p == NULL)
		return;
	end = p + key->crt->pk_raw.len;
	/* SubjectPublicKeyInfo ::= SEQUENCE { */
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED |
	                         MBEDTLS_ASN1_SEQUENCE) != 0)
		return;
	/* algorithm AlgorithmIdentifier (a SEQUENCE), */
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED |
	                         MBEDTLS_ASN1_SEQUENCE) != 0)
		return;
	p += len;   /* the AlgorithmIdentifier */
	if (mbedtls_asn1_get_bitstring_null(&p, end, &len) != 0)
		return;
	sha1(p, len, key->ski_hash);
	key->ski_hash_ok = 1;
}

/* Validates the thumbprint and keeps it upper-cased, as waagent names the
   files. */
static int set_thumbprint(struct secrets_key *key, const char *thumbprint,
                          char *msg, size_t msgsize)
{
	size_t i, n = thumbprint != NULL ? strlen(thumbprint) : 0;

	if (n != THUMBPRINT_HEX)
		return fail(msg, msgsize, DX_ERR_INVALID_ARG, "the certificate "
		            "thumbprint must be %d hex digits (SHA-1), got %zu "
		            "characters", THUMBPRINT_HEX, n);
	for (i = 0; i < n; i++) {
		char ch = thumbprint[i];

		if (ch >= 'a' && ch <= 'f')
			ch = (char)(ch - 'a' + 'A');
		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F')))
			return fail(msg, msgsize, DX_ERR_INVALID_ARG, "the "
			            "certificate thumbprint has a non-hex "
			            "character at position %zu", i + 1);
		key->thumbprint[i] = ch;
	}
	key->thumbprint[n] = '\0';
	return DX_OK;
}

static int seed_rng(struct secrets_key *key, char *msg, size_t msgsize)
{
	static const unsigned char pers[] = "docker-extension secrets";
	char err[128];
	int ret;

	ret = mbedtls_ctr_drbg_seed(&key->drbg, mbedtls_entropy_func,
	                            &key->entropy, pers, sizeof(pers) - 1);
	if (ret != 0)
		return fail(msg, msgsize, DX_ERR_INTERNAL, "the random generator "
		            "for RSA blinding cannot be seeded (%s)",
		            tls_error(ret, err, sizeof(err)));
	return DX_OK;
}

int secrets_key_load(const char *dir, const char *thumbprint,
                     struct secrets_key **out, char *msg, size_t msgsize)
{
	struct secrets_key *key = NULL;
	char crt_path[4200], prv_path[4200];
	int r;

	clear_msg(msg, msgsize);
	*out = NULL;
	if (dir == NULL || *dir == '\0')
		return fail(msg, msgsize, DX_ERR_INVALID_ARG, "no directory "
		            "for the certificate files");
	key = calloc(1, sizeof(*key));
	if (key == NULL)
		return fail(msg, msgsize, DX_ERR_NOMEM, "out of memory");
	mbedtls_x509_crt_init(&key->chain);
	mbedtls_pk_init(&key->pk);
	mbedtls_entropy_init(&key->entropy);
	mbedtls_ctr_drbg_init(&key->drbg);
	r = set_thumbprint(key, thumbprint, msg, msgsize);
	if (r != DX_OK)
		goto out;
	if (snprintf(crt_path, sizeof(crt_path), "%s/%s.crt", dir,
	             key->thumbprint) >= (int)sizeof(crt_path) ||
	    snprintf(prv_path, sizeof(prv_path), "%s/%s.prv", dir,
	             key->thumbprint) >= (int)sizeof(prv_path)) {
		r = fail(msg, msgsize, DX_ERR_INVALID_ARG, "the certificate "
		         "directory path is too long");
		goto out;
	}
	/* Seeded first: mbedTLS 3 wants the generator to parse a key. */
	r = seed_rng(key, msg, msgsize);
	if (r == DX_OK)
		r = load_certificate(key, crt_path, msg, msgsize);
	if (r == DX_OK)
		r = load_private_key(key, prv_path, msg, msgsize);
	if (r != DX_OK)
		goto out;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	if (mbedtls_pk_check_pair(&key->crt->pk, &key->pk,
	                          mbedtls_ctr_drbg_random, &key->drbg) != 0) {
#else
	if (mbedtls_pk_check_pair(&key->crt->pk, &key->pk) != 0) {
#endif
		r = fail(msg, msgsize, DX_ERR_DECRYPT_KEY, "the private key %s "
		         "does not belong to the certificate %s", prv_path,
		         crt_path);
		goto out;
	}
	crt_ski_extension(key);
	crt_ski_hash(key);
	*out = key;
	key = NULL;
out:
	secrets_key_free(key);
	return r;
}

void secrets_key_free(struct secrets_key *key)
{
	if (key == NULL)
		return;
	mbedtls_pk_free(&key->pk);
	mbedtls_x509_crt_free(&key->chain);
	mbedtls_ctr_drbg_free(&key->drbg);
	mbedtls_entropy_free(&key->entropy);
	mbedtls_platform_zeroize(key, sizeof(*key));
	free(key);
}

/* ---- the envelope --------------------------------------------------------------- */

enum rid_kind { RID_ISSUER_SERIAL, RID_SKI };

/* One KeyTransRecipientInfo; pointers into the envelope. */
struct ktri {
	enum rid_kind rid;
	struct tlv issuer;           /* Name, the whole element */
	struct tlv serial;           /* INTEGER */
	unsigned char ski[SKI_MAX];  /* [0] SubjectKeyIdentifier */
	size_t ski_len;              /* 0 when longer than SKI_MAX */
	struct tlv alg;              /* keyEncryptionAlgorithm's OID */
	struct tlv params;           /* its parameters (tag 0: none) */
	struct tlv ek;               /* encryptedKey */
};

struct envelope {
	struct ktri ours;
	unsigned n_ours;             /* recipients naming our certificate */
	unsigned n_ktri;             /* key-transport recipients */
	unsigned n_other;            /* other kinds (key agreement, ...) */
	const struct cipher_alg *cipher;
	unsigned char iv[BLOCK_MAX];
	struct tlv content;          /* encryptedContent */
};

/* An INTEGER's magnitude bytes: a DER serial may carry a leading 00. */
static void skip_zeros(const unsigned char **p, size_t *n)
{
	while (*n > 1 && **p == 0) {
		(*p)++;
		(*n)--;
	}
}

static int serial_equal(const struct tlv *t, const mbedtls_x509_buf *b)
{
	const unsigned char *a = t->val, *c = b->p;
	size_t na = t->len, nc = b->len;

	if (c == NULL || na == 0 || nc == 0)
		return 0;
	skip_zeros(&a, &na);
	skip_zeros(&c, &nc);
	return na == nc && memcmp(a, c, na) == 0;
}

static int ktri_matches(const struct secrets_key *key, const struct ktri *k)
{
	const mbedtls_x509_buf *issuer = &key->crt->issuer_raw;

	if (k->rid == RID_ISSUER_SERIAL)
		return (size_t)(k->issuer.next - k->issuer.start) == issuer->len &&
		       memcmp(k->issuer.start, issuer->p, issuer->len) == 0 &&
		       serial_equal(&k->serial, &key->crt->serial);
	if (k->ski_len == 0)
		return 0;
	if (key->ski_ext_len == k->ski_len &&
	    memcmp(key->ski_ext, k->ski, k->ski_len) == 0)
		return 1;
	return key->ski_hash_ok && k->ski_len == SHA1_LEN &&
	       memcmp(key->ski_hash, k->ski, SHA1_LEN) == 0;
}

/* AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY
   OPTIONAL } */
static int parse_alg_id(struct der_ctx *c, const struct tlv *seq,
                        const char *what, struct tlv *oid,
                        struct tlv *params)
{
	const unsigned char *p = seq->val, *end = seq->val + seq->len;
	int r;

	memset(params, 0, sizeof(*params));
	r = der_next(c, &p, end, TAG_OID, what, oid);
	if (r != DX_OK)
		return r;
	if (p < end) {
		r = tlv_read(c, p, end, 0, params);
		if (r != DX_OK)
			return r;
		p = params->next;
	}
	return der_done(c, p, end, what);
}

/* rid: issuerAndSerialNumber SEQUENCE { Name, INTEGER } or
   subjectKeyIdentifier [0] IMPLICIT OCTET STRING. */
static int parse_rid(struct der_ctx *c, const unsigned char **p,
                     const unsigned char *end, struct ktri *k)
{
	const unsigned char *q, *qend;
	struct tlv t;
	int r;

	if (der_peek(*p, end, TAG_SEQUENCE)) {
		k->rid = RID_ISSUER_SERIAL;
		r = der_next(c, p, end, TAG_SEQUENCE, "issuerAndSerialNumber", &t);
		if (r != DX_OK)
			return r;
		q = t.val;
		qend = t.val + t.len;
		r = der_next(c, &q, qend, TAG_SEQUENCE, "the issuer Name",
		             &k->issuer);
		if (r == DX_OK)
			r = der_next(c, &q, qend, TAG_INTEGER,
			             "the serialNumber", &k->serial);
		if (r == DX_OK)
			r = der_done(c, q, qend, "issuerAndSerialNumber");
		return r;
	}
	k->rid = RID_SKI;
	r = der_next_string(c, p, end, TAG_CTX(0), "a recipient identifier "
	                    "(issuerAndSerialNumber or subjectKeyIdentifier)",
	                    &t);
	if (r != DX_OK)
		return r;
	k->ski_len = 0;
	r = octets_collect(c, &t, 0, k->ski, sizeof(k->ski), &k->ski_len);
	if (r == DX_ERR_TOO_LARGE) {
		/* Longer than any we compare with: not ours, not an error. */
		k->ski_len = 0;
		r = DX_OK;
	}
	return r;
}

/* KeyTransRecipientInfo ::= SEQUENCE { version, rid,
   keyEncryptionAlgorithm, encryptedKey OCTET STRING } */
static int parse_ktri(struct der_ctx *c, const struct tlv *seq,
                      struct ktri *k)
{
	const unsigned char *p = seq->val, *end = seq->val + seq->len;
	struct tlv t;
	int r;

	memset(k, 0, sizeof(*k));
	r = der_next(c, &p, end, TAG_INTEGER, "the recipient's version", &t);
	if (r == DX_OK)
		r = der_version(c, &t, "02", "KeyTransRecipientInfo");
	if (r == DX_OK)
		r = parse_rid(c, &p, end, k);
	if (r == DX_OK)
		r = der_next(c, &p, end, TAG_SEQUENCE,
		             "the keyEncryptionAlgorithm", &t);
	if (r == DX_OK)
		r = parse_alg_id(c, &t, "the keyEncryptionAlgorithm", &k->alg,
		                 &k->params);
	if (r == DX_OK)
		r = der_next_string(c, &p, end, TAG_OCTET_STRING,
		                    "the encryptedKey", &k->ek);
	if (r == DX_OK)
		r = der_done(c, p, end, "a KeyTransRecipientInfo");
	return r;
}

static int parse_recipients(struct der_ctx *c, const struct tlv *set,
                            const struct secrets_key *key,
                            struct envelope *env)
{
	const unsigned char *p = set->val, *end = set->val + set->len;
	struct ktri k;
	struct tlv t;
	int r;

	while (p < end) {
		r = tlv_read(c, p, end, 0, &t);
		if (r != DX_OK)
			return r;
		if (t.tag == TAG_SEQUENCE) {
			r = parse_ktri(c, &t, &k);
			if (r != DX_OK)
				return r;
			env->n_ktri++;
			if (ktri_matches(key, &k) && env->n_ours++ == 0)
				env->ours = k;
		} else if (t.tag >= TAG_CTX_CONS(1) && t.tag <= TAG_CTX_CONS(4)) {
			env->n_other++;   /* kari, kekri, pwri, ori */
		} else {
			return bad(c, "expected a RecipientInfo at offset %zu, "
			           "found tag 0x%02x", off(c, p), t.tag);
		}
		p = t.next;
	}
	if (env->n_ktri + env->n_other == 0)
		return bad(c, "the envelope has no recipients");
	return DX_OK;
}

/* contentEncryptionAlgorithm: one of `ciphers`, its parameter the IV. */
static int parse_content_alg(struct der_ctx *c, const struct tlv *seq,
                             struct envelope *env)
{
	struct tlv oid, params;
	char text[96];
	size_t i, n;
	int r;

	r = parse_alg_id(c, seq, "the contentEncryptionAlgorithm", &oid,
	                 &params);
	if (r != DX_OK)
		return r;
	for (i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (oid_is(&oid, ciphers[i].oid, ciphers[i].oid_len))
			env->cipher = &ciphers[i];
	if (env->cipher == NULL)
		return fail(c->msg, c->msgsize, DX_ERR_DECRYPT_ALGORITHM,
		            "the content encryption algorithm %s is not "
		            "supported (des-ede3-cbc, aes-128-cbc, aes-192-cbc "
		            "and aes-256-cbc are)",
		            oid_text(&oid, text, sizeof(text)));
	if ((params.tag & ~TAG_CONSTRUCTED) != TAG_OCTET_STRING)
		return bad(c, "the %s parameters at offset %zu are not an IV "
		           "(OCTET STRING)", env->cipher->name,
		           off(c, seq->val));
	r = octets_fixed(c, &params, env->iv, sizeof(env->iv), &n, "the IV");
	if (r == DX_OK && n != env->cipher->block)
		r = bad(c, "the IV is %zu bytes, %s needs %zu", n,
		        env->cipher->name, env->cipher->block);
	return r;
}

/* EncryptedContentInfo ::= SEQUENCE { contentType,
   contentEncryptionAlgorithm, encryptedContent [0] IMPLICIT OPTIONAL } */
static int parse_eci(struct der_ctx *c, const struct tlv *seq,
                     struct envelope *env)
{
	const unsigned char *p = seq->val, *end = seq->val + seq->len;
	struct tlv t;
	int r;

	r = der_next(c, &p, end, TAG_OID, "the encrypted contentType", &t);
	if (r == DX_OK)
		r = der_next(c, &p, end, TAG_SEQUENCE,
		             "the contentEncryptionAlgorithm", &t);
	if (r == DX_OK)
		r = parse_content_alg(c, &t, env);
	if (r != DX_OK)
		return r;
	if (!der_peek(p, end, TAG_CTX(0)) && !der_peek(p, end, TAG_CTX_CONS(0)))
		return bad(c, "no encryptedContent at offset %zu (detached "
		           "content is not supported)", off(c, p));
	r = der_next_string(c, &p, end, TAG_CTX(0), "the encryptedContent",
	                    &env->content);
	if (r == DX_OK)
		r = der_done(c, p, end, "the EncryptedContentInfo");
	return r;
}

/* EnvelopedData ::= SEQUENCE { version, originatorInfo [0] OPTIONAL,
   recipientInfos SET, encryptedContentInfo, unprotectedAttrs [1]
   OPTIONAL } */
static int parse_enveloped(struct der_ctx *c, const struct tlv *seq,
                           const struct secrets_key *key,
                           struct envelope *env)
{
	const unsigned char *p = seq->val, *end = seq->val + seq->len;
	struct tlv t, set;
	int r;

	r = der_next(c, &p, end, TAG_INTEGER, "the EnvelopedData version", &t);
	if (r == DX_OK)
		r = der_version(c, &t, "0234", "EnvelopedData");
	if (r == DX_OK && der_peek(p, end, TAG_CTX_CONS(0)))
		r = der_next(c, &p, end, TAG_CTX_CONS(0), "originatorInfo", &t);
	if (r == DX_OK)
		r = der_next(c, &p, end, TAG_SET, "the recipientInfos", &set);
	if (r == DX_OK)
		r = der_next(c, &p, end, TAG_SEQUENCE,
		             "the encryptedContentInfo", &t);
	if (r == DX_OK && der_peek(p, end, TAG_CTX_CONS(1))) {
		struct tlv attrs;

		r = der_next(c, &p, end, TAG_CTX_CONS(1), "unprotectedAttrs",
		             &attrs);
	}
	if (r == DX_OK)
		r = der_done(c, p, end, "the EnvelopedData");
	/* Structure first, then meaning: a format error anywhere wins. */
	if (r == DX_OK)
		r = parse_recipients(c, &set, key, env);
	if (r == DX_OK)
		r = parse_eci(c, &t, env);
	return r;
}

/* ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT } */
static int parse_envelope(struct der_ctx *c, const struct secrets_key *key,
                          struct envelope *env)
{
	const unsigned char *p = c->base, *q, *qend;
	struct tlv ci, type, content, ed;
	char text[96];
	int r;

	if (p == c->end)
		return bad(c, "the envelope is empty");
	r = der_next(c, &p, c->end, TAG_SEQUENCE, "a ContentInfo", &ci);
	if (r != DX_OK)
		return r;
	if (p != c->end)
		return bad(c, "%zu bytes of trailing data after the envelope "
		           "(at offset %zu)", (size_t)(c->end - p), off(c, p));
	q = ci.val;
	qend = ci.val + ci.len;
	r = der_next(c, &q, qend, TAG_OID, "the contentType", &type);
	if (r == DX_OK)
		r = der_next(c, &q, qend, TAG_CTX_CONS(0), "the content", &content);
	if (r == DX_OK)
		r = der_done(c, q, qend, "the ContentInfo");
	if (r != DX_OK)
		return r;
	if (!OID_IS(&type, OID_ENVELOPED_DATA))
		return fail(c->msg, c->msgsize, DX_ERR_DECRYPT_ALGORITHM,
		            "the content type %s is not supported (only "
		            "EnvelopedData, 1.2.840.113549.1.7.3, is)",
		            oid_text(&type, text, sizeof(text)));
	q = content.val;
	qend = content.val + content.len;
	r = der_next(c, &q, qend, TAG_SEQUENCE, "the EnvelopedData", &ed);
	if (r == DX_OK)
		r = der_done(c, q, qend, "the content");
	if (r == DX_OK)
		r = parse_enveloped(c, &ed, key, env);
	return r;
}

/* ---- key transport ---------------------------------------------------------------- */

struct oaep {
	mbedtls_md_type_t md;
	unsigned char label[OAEP_LABEL_MAX];
	size_t label_len;
};

/* A hash AlgorithmIdentifier: one of `hashes`. */
static int oaep_hash_alg(struct der_ctx *c, const struct tlv *seq,
                         const char *what, mbedtls_md_type_t *md)
{
	struct tlv oid, params;
	char text[96];
	size_t i;
	int r;

	if (seq->tag != TAG_SEQUENCE)
		return bad(c, "the RSAES-OAEP %s at offset %zu is not an "
		           "AlgorithmIdentifier", what, off(c, seq->start));
	r = parse_alg_id(c, seq, what, &oid, &params);
	if (r != DX_OK)
		return r;
	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		if (oid_is(&oid, hashes[i].oid, hashes[i].oid_len)) {
			*md = hashes[i].md;
			return DX_OK;
		}
	}
	return fail(c->msg, c->msgsize, DX_ERR_DECRYPT_ALGORITHM,
	            "the RSAES-OAEP %s %s is not supported (SHA-1, SHA-224, "
	            "SHA-256, SHA-384 and SHA-512 are)", what,
	            oid_text(&oid, text, sizeof(text)));
}

/* The one AlgorithmIdentifier inside an [n] EXPLICIT wrapper. */
static int explicit_alg(struct der_ctx *c, const struct tlv *wrapper,
                        const char *what, struct tlv *seq)
{
	const unsigned char *p = wrapper->val;
	const unsigned char *end = wrapper->val + wrapper->len;
	int r;

	r = der_next(c, &p, end, TAG_SEQUENCE, what, seq);
	if (r == DX_OK)
		r = der_done(c, p, end, what);
	return r;
}

/* maskGenAlgorithm [1]: MGF1 with a hash. */
static int oaep_mgf(struct der_ctx *c, const struct tlv *wrapper,
                    mbedtls_md_type_t *md)
{
	struct tlv seq, oid, params;
	char text[96];
	int r;

	r = explicit_alg(c, wrapper, "the OAEP maskGenAlgorithm", &seq);
	if (r == DX_OK)
		r = parse_alg_id(c, &seq, "the OAEP maskGenAlgorithm", &oid,
		                 &params);
	if (r != DX_OK)
		return r;
	if (!OID_IS(&oid, OID_MGF1))
		return fail(c->msg, c->msgsize, DX_ERR_DECRYPT_ALGORITHM,
		            "the RSAES-OAEP mask generation function %s is not "
		            "supported (only MGF1 is)",
		            oid_text(&oid, text, sizeof(text)));
	return oaep_hash_alg(c, &params, "MGF1 hash", md);
}

/* pSourceAlgorithm [2]: pSpecified with the label. */
static int oaep_label(struct der_ctx *c, const struct tlv *wrapper,
                      struct oaep *o)
{
	struct tlv seq, oid, params;
	char text[96];
	int r;

	r = explicit_alg(c, wrapper, "the OAEP pSourceAlgorithm", &seq);
	if (r == DX_OK)
		r = parse_alg_id(c, &seq, "the OAEP pSourceAlgorithm", &oid,
		                 &params);
	if (r != DX_OK)
		return r;
	if (!OID_IS(&oid, OID_PSPECIFIED))
		return fail(c->msg, c->msgsize, DX_ERR_DECRYPT_ALGORITHM,
		            "the RSAES-OAEP label source %s is not supported "
		            "(only pSpecified is)",
		            oid_text(&oid, text, sizeof(text)));
	if (params.tag == 0)
		return DX_OK;
	if ((params.tag & ~TAG_CONSTRUCTED) != TAG_OCTET_STRING)
		return bad(c, "the OAEP label at offset %zu is not an OCTET "
		           "STRING", off(c, params.start));
	return octets_fixed(c, &params, o->label, sizeof(o->label),
	                    &o->label_len, "the OAEP label");
}

/* RSAES-OAEP-params ::= SEQUENCE { hashAlgorithm [0] DEFAULT sha1,
   maskGenAlgorithm [1] DEFAULT mgf1SHA1, pSourceAlgorithm [2] DEFAULT
   pSpecifiedEmpty } (RFC 4055 section 4.1).  mbedTLS uses one hash for
   both, so they must agree. */
static int parse_oaep(struct der_ctx *c, const struct tlv *params,
                      struct oaep *o)
{
	mbedtls_md_type_t mgf = MBEDTLS_MD_SHA1;
	const unsigned char *p, *end;
	struct tlv t;
	int r = DX_OK;

	o->md = MBEDTLS_MD_SHA1;
	o->label_len = 0;
	if (params->tag == 0 || params->tag == TAG_NULL)
		return DX_OK;
	if (params->tag != TAG_SEQUENCE)
		return bad(c, "the RSAES-OAEP parameters at offset %zu are not "
		           "a SEQUENCE", off(c, params->start));
	p = params->val;
	end = params->val + params->len;
	if (der_peek(p, end, TAG_CTX_CONS(0))) {
		struct tlv seq;

		r = der_next(c, &p, end, TAG_CTX_CONS(0), "OAEP hash", &t);
		if (r == DX_OK)
			r = explicit_alg(c, &t, "the OAEP hashAlgorithm", &seq);
		if (r == DX_OK)
			r = oaep_hash_alg(c, &seq, "hash", &o->md);
	}
	if (r == DX_OK && der_peek(p, end, TAG_CTX_CONS(1))) {
		r = der_next(c, &p, end, TAG_CTX_CONS(1), "OAEP MGF", &t);
		if (r == DX_OK)
			r = oaep_mgf(c, &t, &mgf);
	}
	if (r == DX_OK && der_peek(p, end, TAG_CTX_CONS(2))) {
		r = der_next(c, &p, end, TAG_CTX_CONS(2), "OAEP label", &t);
		if (r == DX_OK)
			r = oaep_label(c, &t, o);
	}
	if (r == DX_OK)
		r = der_done(c, p, end, "the RSAES-OAEP parameters");
	if (r == DX_OK && mgf != o->md)
		r = fail(c->msg, c->msgsize, DX_ERR_DECRYPT_ALGORITHM,
		         "RSAES-OAEP with hash %s and MGF1 hash %s is not "
		         "supported (they must be the same)", hash_name(o->md),
		         hash_name(mgf));
	return r;
}

/* The RSA private operation; blinding draws on the key's generator. */
static int rsa_decrypt(struct secrets_key *key, const struct oaep *o,
                       const unsigned char *in, unsigned char *out,
                       size_t cap, size_t *olen)
{
	mbedtls_rsa_context *rsa = mbedtls_pk_rsa(key->pk);

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	if (o != NULL) {
		(void)mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, o->md);
		return mbedtls_rsa_rsaes_oaep_decrypt(
			rsa, mbedtls_ctr_drbg_random, &key->drbg, o->label,
			o->label_len, olen, in, out, cap);
	}
	(void)mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
	return mbedtls_rsa_rsaes_pkcs1_v15_decrypt(
		rsa, mbedtls_ctr_drbg_random, &key->drbg, olen, in, out, cap);
#else
	if (o != NULL) {
		mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, (int)o->md);
		return mbedtls_rsa_rsaes_oaep_decrypt(
			rsa, mbedtls_ctr_drbg_random, &key->drbg,
			MBEDTLS_RSA_PRIVATE, o->label, o->label_len, olen, in,
			out, cap);
	}
	mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
	return mbedtls_rsa_rsaes_pkcs1_v15_decrypt(
		rsa, mbedtls_ctr_drbg_random, &key->drbg, MBEDTLS_RSA_PRIVATE,
		olen, in, out, cap);
#endif
}

/* Recovers the content-encryption key from our recipient into cek. */
static int unwrap_cek(struct der_ctx *c, struct secrets_key *key,
                      const struct ktri *k, unsigned char *cek, size_t cap,
                      size_t *cek_len)
{
	unsigned char ek[RSA_MAX_BYTES];
	struct oaep o;
	const struct oaep *use = NULL;
	size_t n = 0, mod = mbedtls_pk_get_len(&key->pk);
	char text[96], err[128];
	int ret, r;

	memset(&o, 0, sizeof(o));
	if (OID_IS(&k->alg, OID_RSAES_OAEP)) {
		r = parse_oaep(c, &k->params, &o);
		if (r != DX_OK)
			goto out;
		use = &o;
	} else if (!OID_IS(&k->alg, OID_RSA_ENCRYPTION)) {
		r = fail(c->msg, c->msgsize, DX_ERR_DECRYPT_ALGORITHM,
		         "the key transport algorithm %s is not supported "
		         "(rsaEncryption and RSAES-OAEP are)",
		         oid_text(&k->alg, text, sizeof(text)));
		goto out;
	} else if (k->params.tag != 0 &&
	           (k->params.tag != TAG_NULL || k->params.len != 0)) {
		r = bad(c, "the rsaEncryption parameters at offset %zu are not "
		        "NULL", off(c, k->params.start));
		goto out;
	}
	r = octets_fixed(c, &k->ek, ek, sizeof(ek), &n, "the encryptedKey");
	if (r != DX_OK)
		goto out;
	/* mbedTLS reads exactly one modulus worth of input.  A shorter one
	   lost leading zero bytes to its encoder: put them back. */
	if (n == 0 || n > mod || mod > sizeof(ek)) {
		r = fail(c->msg, c->msgsize, DX_ERR_DECRYPT, "the encrypted key "
		         "is %zu bytes, our RSA key's modulus is %zu: the "
		         "envelope was not made for this key", n, mod);
		goto out;
	}
	memmove(ek + (mod - n), ek, n);
	memset(ek, 0, mod - n);
	ret = rsa_decrypt(key, use, ek, cek, cap, cek_len);
	if (ret != 0) {
		r = fail(c->msg, c->msgsize, DX_ERR_DECRYPT, "the content key "
		         "cannot be recovered with %s (%s): bad padding, the "
		         "envelope was altered or made for another key",
		         use != NULL ? "RSAES-OAEP" : "RSA PKCS#1 v1.5",
		         tls_error(ret, err, sizeof(err)));
		goto out;
	}
	r = DX_OK;
out:
	mbedtls_platform_zeroize(&o, sizeof(o));
	return r;
}

/* ---- content decryption ------------------------------------------------------------- */

/* The ciphertext: in place when primitive, else its chunks joined in
   *owned (which the caller frees). */
static int content_bytes(struct der_ctx *c, const struct tlv *t,
                         unsigned char **owned, const unsigned char **ct,
                         size_t *ct_len)
{
	int r;

	*owned = NULL;
	if (!(t->tag & TAG_CONSTRUCTED)) {
		*ct = t->val;
		*ct_len = t->len;
		return DX_OK;
	}
	/* The chunks' contents are never longer than the element holding
	   them. */
	*owned = malloc(t->len > 0 ? t->len : 1);
	if (*owned == NULL)
		return fail(c->msg, c->msgsize, DX_ERR_NOMEM, "out of memory");
	*ct_len = 0;
	r = octets_collect(c, t, 0, *owned, t->len, ct_len);
	if (r == DX_ERR_TOO_LARGE)
		r = bad(c, "the encryptedContent chunks overflow");
	*ct = *owned;
	return r;
}

/* CBC with PKCS#7 padding.  *out holds *cap bytes (room for a NUL after
   the plaintext); on failure it is wiped and freed here. */
static int decrypt_content(struct der_ctx *c, const struct envelope *env,
                           const unsigned char *cek, const unsigned char *ct,
                           size_t ct_len, unsigned char **out, size_t *len,
                           size_t *cap)
{
	const struct cipher_alg *alg = env->cipher;
	mbedtls_cipher_context_t ctx;
	unsigned char *buf = NULL;
	size_t n1 = 0, n2 = 0, size = 0;
	char err[128];
	int ret, r = DX_ERR_DECRYPT;

	*out = NULL;
	*len = 0;
	*cap = 0;
	mbedtls_cipher_init(&ctx);
	if (ct_len == 0 || ct_len % alg->block != 0) {
		r = bad(c, "the encrypted content is %zu bytes, not a whole "
		        "number of %zu-byte %s blocks", ct_len, alg->block,
		        alg->name);
		goto out;
	}
	size = ct_len + alg->block + 1;
	buf = malloc(size);
	if (buf == NULL) {
		r = fail(c->msg, c->msgsize, DX_ERR_NOMEM, "out of memory");
		goto out;
	}
	ret = mbedtls_cipher_setup(&ctx, mbedtls_cipher_info_from_type(alg->type));
	if (ret == 0)
		ret = mbedtls_cipher_setkey(&ctx, cek, (int)(alg->key_len * 8),
		                            MBEDTLS_DECRYPT);
	if (ret == 0)
		ret = mbedtls_cipher_set_padding_mode(&ctx, MBEDTLS_PADDING_PKCS7);
	if (ret == 0)
		ret = mbedtls_cipher_set_iv(&ctx, env->iv, alg->block);
	if (ret == 0)
		ret = mbedtls_cipher_reset(&ctx);
	if (ret == 0)
		ret = mbedtls_cipher_update(&ctx, ct, ct_len, buf, &n1);
	if (ret == 0)
		ret = mbedtls_cipher_finish(&ctx, buf + n1, &n2);
	if (ret == MBEDTLS_ERR_CIPHER_INVALID_PADDING) {
		r = fail(c->msg, c->msgsize, DX_ERR_DECRYPT, "the decrypted "
		         "content has bad padding: the envelope was altered or "
		         "its content key is wrong");
		goto out;
	}
	if (ret != 0) {
		r = fail(c->msg, c->msgsize, DX_ERR_DECRYPT, "%s decryption "
		         "failed (%s)", alg->name, tls_error(ret, err, sizeof(err)));
		goto out;
	}
	/* The padding bytes are past the text; clear them with the rest. */
	mbedtls_platform_zeroize(buf + n1 + n2, size - n1 - n2);
	*out = buf;
	*len = n1 + n2;
	*cap = size;
	buf = NULL;
	r = DX_OK;
out:
	mbedtls_cipher_free(&ctx);
	if (buf != NULL) {
		mbedtls_platform_zeroize(buf, size);
		free(buf);
	}
	return r;
}

static int recipient_error(struct der_ctx *c, const struct secrets_key *key,
                           const struct envelope *env)
{
	char serial[2 * 32 + 1], others[96] = "";

	to_hex(key->crt->serial.p, key->crt->serial.len, serial, sizeof(serial));
	if (env->n_other > 0)
		snprintf(others, sizeof(others), " (and %u of a kind not "
		         "supported: key agreement, KEK or password)",
		         env->n_other);
	return fail(c->msg, c->msgsize, DX_ERR_DECRYPT_RECIPIENT,
	            "the envelope is not for certificate %s (serial %s%s): "
	            "none of its %u RSA key-transport recipient(s) names it%s",
	            key->thumbprint, serial,
	            key->crt->serial.len > 32 ? "..." : "", env->n_ktri,
	            others);
}

int secrets_decrypt_der(struct secrets_key *key, const unsigned char *der,
                        size_t len, char **plaintext, size_t *plen,
                        char *msg, size_t msgsize)
{
	struct der_ctx c;
	struct envelope env;
	unsigned char cek[RSA_MAX_BYTES];
	unsigned char *owned = NULL, *plain = NULL;
	const unsigned char *ct = NULL;
	size_t cek_len = 0, ct_len = 0, n = 0, cap = 0;
	int r;

	clear_msg(msg, msgsize);
	*plaintext = NULL;
	*plen = 0;
	if (key == NULL || der == NULL)
		return fail(msg, msgsize, DX_ERR_INVALID_ARG, "no key or no "
		            "envelope");
	if (len == 0)
		return fail(msg, msgsize, DX_ERR_DECRYPT_FORMAT, "malformed "
		            "envelope: it is empty");
	c.base = der;
	c.end = der + len;
	c.msg = msg;
	c.msgsize = msgsize;
	memset(&env, 0, sizeof(env));
	r = parse_envelope(&c, key, &env);
	if (r == DX_OK && env.n_ours == 0)
		r = recipient_error(&c, key, &env);
	if (r == DX_OK)
		r = content_bytes(&c, &env.content, &owned, &ct, &ct_len);
	if (r == DX_OK)
		r = unwrap_cek(&c, key, &env.ours, cek, sizeof(cek), &cek_len);
	if (r == DX_OK && cek_len != env.cipher->key_len)
		r = fail(msg, msgsize, DX_ERR_DECRYPT, "the content key is %zu "
		         "bytes, %s needs %zu: the envelope was altered or made "
		         "for another key", cek_len, env.cipher->name,
		         env.cipher->key_len);
	if (r == DX_OK)
		r = decrypt_content(&c, &env, cek, ct, ct_len, &plain, &n, &cap);
	if (r == DX_OK)
		r = secrets_check_json_text((const char *)plain, n, msg, msgsize);
	if (r != DX_OK)
		goto out;
	plain[n] = '\0';
	*plaintext = (char *)plain;
	*plen = n;
	plain = NULL;
out:
	mbedtls_platform_zeroize(cek, sizeof(cek));
	mbedtls_platform_zeroize(&env.iv, sizeof(env.iv));
	free(owned);
	if (plain != NULL) {
		mbedtls_platform_zeroize(plain, cap);
		free(plain);
	}
	return r;
}

/* ---- plaintext check --------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
   surrogates, nothing past U+10FFFF, no NUL), 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	unsigned char b = p[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (b == 0)
		return 0;
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		n = 2;
	else if (b >= 0xe0 && b <= 0xef)
		n = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static int is_json_space(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

#define JSON_MAX_DEPTH 1024

/* From the '{' at p[i]: brackets balance outside strings, and the close
   of that object is followed only by whitespace. */
static int json_balanced(const unsigned char *p, size_t len, size_t i,
                         char *msg, size_t msgsize)
{
	unsigned char stack[JSON_MAX_DEPTH / 8];   /* bit set: '[' */
	size_t depth = 0;
	int in_string = 0, closed = 0;

	memset(stack, 0, sizeof(stack));
	for (; i < len; i++) {
		unsigned char ch = p[i];

		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = 0;
			continue;
		}
		if (closed) {
			if (!is_json_space(ch))
				return fail(msg, msgsize, DX_ERR_DECRYPT, "the "
				            "decrypted content has data after its "
				            "JSON object (byte %zu)", i);
			continue;
		}
		if (ch == '"') {
			in_string = 1;
		} else if (ch == '{' || ch == '[') {
			if (depth >= JSON_MAX_DEPTH)
				return fail(msg, msgsize, DX_ERR_DECRYPT, "the "
				            "decrypted JSON nests deeper than %d",
				            JSON_MAX_DEPTH);
			if (ch == '[')
				stack[depth / 8] |= (unsigned char)(1u << (depth % 8));
			else
				stack[depth / 8] &= (unsigned char)~(1u << (depth % 8));
			depth++;
		} else if (ch == '}' || ch == ']') {
			int is_bracket;

			depth--;   /* > 0: the text starts with '{' */
			is_bracket = (stack[depth / 8] >> (depth % 8)) & 1;
			if (is_bracket != (ch == ']'))
				return fail(msg, msgsize, DX_ERR_DECRYPT, "the "
				            "decrypted JSON has a mismatched '%c' at "
				            "byte %zu", ch, i);
			closed = depth == 0;
		}
	}
	if (!closed)
		return fail(msg, msgsize, DX_ERR_DECRYPT, "the decrypted JSON "
		            "object is not closed (unbalanced brackets or an "
		            "unterminated string)");
	return DX_OK;
}

int secrets_check_json_text(const char *text, size_t len, char *msg,
                            size_t msgsize)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i, n;

	clear_msg(msg, msgsize);
	if (text == NULL)
		return fail(msg, msgsize, DX_ERR_INVALID_ARG, "no text");
	for (i = 0; i < len; i += n) {
		if (p[i] == 0)
			return fail(msg, msgsize, DX_ERR_DECRYPT, "the decrypted "
			            "content holds a NUL byte (byte %zu): it is not "
			            "JSON text", i);
		n = utf8_seq(p + i, len - i);
		if (n == 0)
			return fail(msg, msgsize, DX_ERR_DECRYPT, "the decrypted "
			            "content is not UTF-8 text (byte %zu): the "
			            "content key is wrong or the envelope was "
			            "altered", i);
	}
	i = 0;
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < len && is_json_space(p[i]))
		i++;
	if (i == len || p[i] != '{')
		return fail(msg, msgsize, DX_ERR_DECRYPT, "the decrypted content "
		            "is not a JSON object (it does not start with '{')");
	return json_balanced(p, len, i, msg, msgsize);
}

/* ---- base64 ----------------------------------------------------------------------- */

/* The sextet of a base64 character, -1 for anything else. */
static int b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int secrets_base64_decode(const char *b64, size_t len, unsigned char **out,
                          size_t *outlen, char *msg, size_t msgsize)
{
	unsigned char *buf = NULL;
	uint32_t acc = 0;
	size_t i, n = 0, sextets = 0, pads = 0;
	int r = DX_ERR_DECRYPT_FORMAT;

	clear_msg(msg, msgsize);
	*out = NULL;
	*outlen = 0;
	if (b64 == NULL)
		return fail(msg, msgsize, DX_ERR_INVALID_ARG, "no base64 text");
	if (len > SECRETS_MAX_B64)
		return fail(msg, msgsize, DX_ERR_TOO_LARGE, "the base64 text is "
		            "%zu bytes, over the limit of %d", len,
		            SECRETS_MAX_B64);
	buf = malloc(len / 4 * 3 + 3);
	if (buf == NULL)
		return fail(msg, msgsize, DX_ERR_NOMEM, "out of memory");
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)b64[i];
		int v = b64_value(ch);

		if (is_json_space(ch))
			continue;
		if (ch == '=') {
			pads++;
			continue;
		}
		if (v < 0 || pads > 0) {
			r = fail(msg, msgsize, DX_ERR_DECRYPT_FORMAT, "not base64: "
			         "%s 0x%02x at offset %zu", pads > 0 ? "data after "
			         "'=' padding," : "character", ch, i);
			goto out;
		}
		acc = (acc << 6) | (uint32_t)v;
		if (++sextets % 4 == 0) {
			buf[n++] = (unsigned char)(acc >> 16);
			buf[n++] = (unsigned char)(acc >> 8);
			buf[n++] = (unsigned char)acc;
			acc = 0;
		}
	}
	if (sextets == 0 || sextets % 4 == 1 || pads > 2 ||
	    (pads > 0 && (sextets + pads) % 4 != 0)) {
		r = fail(msg, msgsize, DX_ERR_DECRYPT_FORMAT, "not base64: %s",
		         sextets == 0 ? "no data" : "its length or padding is "
		         "wrong");
		goto out;
	}
	if (sextets % 4 == 2) {
		buf[n++] = (unsigned char)(acc >> 4);
	} else if (sextets % 4 == 3) {
		buf[n++] = (unsigned char)(acc >> 10);
		buf[n++] = (unsigned char)(acc >> 2);
	}
	*out = buf;
	*outlen = n;
	buf = NULL;
	r = DX_OK;
out:
	free(buf);
	return r;
}

/* ---- the whole ------------------------------------------------------------------------ */

int secrets_decrypt(void *keydir, const char *b64, const char *thumbprint,
                    char **plaintext, size_t *len, char *msg, size_t msgsize)
{
	const struct secrets_keydir *kd = keydir;
	struct secrets_key *key = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	char inner[448] = "";
	int r;

	clear_msg(msg, msgsize);
	*plaintext = NULL;
	*len = 0;
	if (kd == NULL || b64 == NULL || thumbprint == NULL) {
		r = fail(inner, sizeof(inner), DX_ERR_INVALID_ARG, "no key "
		         "directory, base64 text or thumbprint");
		goto out;
	}
	/* strnlen: a huge value is refused without being walked twice. */
	r = secrets_base64_decode(b64, strnlen(b64, SECRETS_MAX_B64 + 1), &der,
	                          &der_len, inner, sizeof(inner));
	if (r == DX_OK)
		r = secrets_key_load(kd->dir, thumbprint, &key, inner,
		                     sizeof(inner));
	if (r == DX_OK)
		r = secrets_decrypt_der(key, der, der_len, plaintext, len, inner,
		                        sizeof(inner));
out:
	secrets_key_free(key);
	free(der);
	if (r != DX_OK)
		fail_msg(msg, msgsize, "protectedSettings: %s", inner);
	return r;
}

void secrets_free_plaintext(char *plaintext, size_t len)
{
	size_t n;

	if (plaintext == NULL)
		return;
	n = strlen(plaintext);
	mbedtls_platform_zeroize(plaintext, n > len ? n : len);
	free(plaintext);
}
