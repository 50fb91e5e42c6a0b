/*
 * certgen - gen-certs: a CA and two leaf certificates with mbedTLS.
 *
 * Everything is generated in memory first (keys, certificates, PEM), then
 * written: a crypto failure leaves no file behind, and files are checked
 * for before any key is made, so that a refusal to overwrite is instant.
 *
 * mbedTLS 2.28 has no writer for subjectAltName or extendedKeyUsage, so
 * both extensions are encoded here with its ASN.1 writer (the same DER on
 * 2.28 and 3.x; 3.x's helpers are not used).  Version differences: 3.4
 * replaced set_serial (an mpi) with set_serial_raw; with
 * MBEDTLS_USE_PSA_CRYPTO, PSA must be initialised before signing.
 *
 * Hygiene: private keys exist as mbedTLS contexts (wiped by their _free)
 * and as PEM text and its base64 in one heap block, wiped on every path
 * before it is freed.  Messages name files and arguments, never content.
 */
#include "config.h"

#include "certgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/base64.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#if defined(MBEDTLS_USE_PSA_CRYPTO)
#include <psa/crypto.h>
#endif

#include "dx_plugin.h"
#include "fileio.h"

#define PROG "docker-extension gen-certs"

#define RSA_BITS 2048
#define RSA_EXPONENT 65537
#define SERIAL_LEN 16
/* Room for one PEM certificate or key (an RSA 2048 key is ~1.7 KiB). */
#define PEM_MAX 8192
/* The subjectAltName DER: a 253-character name and 17 addresses fit. */
#define SAN_DER_MAX 1024
/* notBefore is an hour in the past: a client whose clock is a little
   ahead of the VM's must not be "not yet valid". */
#define BACKDATE_SECONDS 3600
#define DAY_SECONDS 86400
/* ub-common-name (RFC 5280). */
#define CN_MAX 64
#define NAME_MAX_TEXT 128
#define HOST_MAX 253
#define LABEL_MAX 63
/* Room under PATH_MAX for "/server-cert.pem" and fileio's temp suffix. */
#define OUT_DIR_MAX (PATH_MAX - 64)

const char certgen_help_text[] =
	"Usage: docker-extension gen-certs --host NAME [--ip ADDR]... --out DIR\n"
	"                                  [--port N] [--days N] [--key-type rsa|ec]\n"
	"                                  [--force]\n"
	"\n"
	"Make the certificates for the daemon's TLS port, as `azure vm docker\n"
	"create` did: a CA, a server certificate for NAME (and each --ip\n"
	"address) and a client certificate, each with its key, written to DIR\n"
	"(created with mode 0700 when missing; keys are written with mode 0600):\n"
	"  ca.pem, ca-key.pem             the CA (keep ca-key.pem safe: it signs\n"
	"                                 certificates the daemon will trust)\n"
	"  server-cert.pem, server-key.pem  for the daemon (in the settings)\n"
	"  cert.pem, key.pem              for the docker client on this machine\n"
	"Existing files are never replaced unless --force is given.\n"
	"\n"
	"Then it prints the protected settings object {\"certs\": {ca, cert,\n"
	"key}} (base64 PEM), the public settings object {\"docker\": {\"port\"}}\n"
	"and the docker command line to reach the daemon from this machine.\n"
	"The protected settings hold the server's private key: they are printed\n"
	"to your terminal on purpose, for --protected-settings; do not paste them\n"
	"into public settings, a ticket or a log.\n"
	"\n"
	"  --host NAME      the DNS name (or IP address) clients connect to,\n"
	"                   e.g. myvm.westeurope.cloudapp.azure.com\n"
	"  --ip ADDR        an IPv4 or IPv6 address also in the server\n"
	"                   certificate (repeatable, up to 16)\n"
	"  --out DIR        where the files go\n"
	"  --port N         the daemon's TCP port, 1-65535 (default 2376)\n"
	"  --days N         validity of the server and client certificates,\n"
	"                   1-3650 days (default 825); the CA's is 10 years\n"
	"  --key-type T     rsa (RSA 2048, the default) or ec (ECDSA P-256)\n"
	"  --force          replace existing files in DIR\n"
	"\n"
	"The docker client also takes DOCKER_HOST=tcp://NAME:PORT,\n"
	"DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH=DIR (ca.pem, cert.pem, key.pem).\n"
	"Exit status: 0 done, 1 could not generate or write, 2 bad arguments.\n";

const char *certgen_help(void)
{
	return certgen_help_text;
}

/* ---- arguments ---------------------------------------------------------------- */

/* In certgen_parse_args: set msg, return the usage exit code. */
#define USAGE(...)                                                       \
	do {                                                             \
		snprintf(msg, msgsize, __VA_ARGS__);                     \
		return CERTGEN_EXIT_USAGE;                               \
	} while (0)

/* 4 bytes for IPv4, 16 for IPv6, 0 when `s` is neither. */
static size_t parse_ip(const char *s, unsigned char out[16])
{
	if (inet_pton(AF_INET, s, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, out) == 1)
		return 16;
	return 0;
}

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* RFC 1123 host name: dot-separated labels of 1-63 letters, digits and
   hyphens, no hyphen at either end of a label, 253 characters at most, and
   a last label that is not all digits (that would be a bad IPv4 address). */
static int valid_hostname(const char *s)
{
	size_t len = strlen(s), label = 0, i;
	int digits_only = 1;

	if (len == 0 || len > HOST_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		int c = (unsigned char)s[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > LABEL_MAX || s[i - 1] == '-')
				return 0;
			if (c == '\0')
				break;
			label = 0;
			digits_only = 1;
			continue;
		}
		if (c == '-') {
			if (label == 0)
				return 0;
		} else if (!is_alnum(c)) {
			return 0;
		}
		if (c < '0' || c > '9')
			digits_only = 0;
		label++;
	}
	return !digits_only;
}

/* A decimal integer in [lo, hi]: digits only, no sign, no spaces. */
static int parse_int(const char *s, long lo, long hi, int *out)
{
	long v = 0;
	size_t i;

	if (s[0] == '\0' || strlen(s) > 9)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

int certgen_parse_args(int argc, char **argv, struct certgen_opts *o,
                       int *help, char *msg, size_t msgsize)
{
	const char *port = NULL, *days = NULL, *key_type = NULL;
	unsigned char ip[16];
	size_t n;
	int i;

	memset(o, 0, sizeof(*o));
	*help = 0;
	msg[0] = '\0';
	o->port = CERTGEN_DEFAULT_PORT;
	o->days = CERTGEN_DEFAULT_DAYS;
	o->key_type = CERTGEN_KEY_RSA;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = 1;
			return CERTGEN_EXIT_OK;
		}
		if (strcmp(a, "--force") == 0) {
			o->force = 1;
			continue;
		}
		if (strcmp(a, "--host") == 0)
			slot = &o->host;
		else if (strcmp(a, "--out") == 0)
			slot = &o->out_dir;
		else if (strcmp(a, "--port") == 0)
			slot = &port;
		else if (strcmp(a, "--days") == 0)
			slot = &days;
		else if (strcmp(a, "--key-type") == 0)
			slot = &key_type;
		else if (strcmp(a, "--ip") != 0)
			USAGE("unknown argument '%s'", a);
		if (i + 1 >= argc)
			USAGE("%s needs a value", a);
		i++;
		if (slot == NULL) {        /* --ip */
			if (o->n_ips == CERTGEN_MAX_IPS)
				USAGE("--ip: at most %d addresses",
				      CERTGEN_MAX_IPS);
			o->ips[o->n_ips++] = argv[i];
			continue;
		}
		if (*slot != NULL)
			USAGE("%s given twice", a);
		*slot = argv[i];
	}
	if (o->host == NULL)
		USAGE("missing --host NAME (the name clients use to reach "
		      "the VM)");
	if (o->out_dir == NULL)
		USAGE("missing --out DIR (where the certificates and keys go)");
	if (parse_ip(o->host, ip) == 0 && !valid_hostname(o->host))
		USAGE("--host: '%s' is not a host name (dot-separated labels "
		      "of letters, digits and '-', at most 63 characters each "
		      "and 253 in all) or an IP address", o->host);
	for (n = 0; n < o->n_ips; n++)
		if (parse_ip(o->ips[n], ip) == 0)
			USAGE("--ip: '%s' is not an IPv4 or IPv6 address",
			      o->ips[n]);
	if (o->out_dir[0] == '\0')
		USAGE("--out: expected a directory path, got ''");
	if (strlen(o->out_dir) > OUT_DIR_MAX)
		USAGE("--out: the path is longer than %d characters",
		      OUT_DIR_MAX);
	if (port != NULL && parse_int(port, 1, 65535, &o->port) != 0)
		USAGE("--port: expected an integer 1-65535, got '%s'", port);
	if (days != NULL && parse_int(days, 1, CERTGEN_MAX_DAYS, &o->days) != 0)
		USAGE("--days: expected an integer 1-%d, got '%s'",
		      CERTGEN_MAX_DAYS, days);
	if (key_type != NULL) {
		if (strcmp(key_type, "rsa") == 0)
			o->key_type = CERTGEN_KEY_RSA;
		else if (strcmp(key_type, "ec") == 0)
			o->key_type = CERTGEN_KEY_EC;
		else
			USAGE("--key-type: expected rsa or ec, got '%s'",
			      key_type);
	}
	return CERTGEN_EXIT_OK;
}

/* ---- generation ----------------------------------------------------------------- */

struct pem {
	char text[PEM_MAX];
	size_t len;
};

/* One heap block, wiped before it is freed. */
struct gen {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context ca_key, server_key, client_key;
	struct pem ca_crt, ca_pem_key;
	struct pem server_crt, server_pem_key;
	struct pem client_crt, client_pem_key;
	char ca_name[NAME_MAX_TEXT];
};

/* What goes into one certificate. */
struct cert_spec {
	const char *subject;
	mbedtls_pk_context *subject_key;
	int is_ca;
	int days;
	unsigned int key_usage;
	const char *eku_oid;          /* NULL: no extendedKeyUsage */
	size_t eku_oid_len;
	const struct certgen_opts *san;   /* NULL: no subjectAltName */
};

static int fail(char *msg, size_t msgsize, const char *what, int ret)
{
	char err[128];

	mbedtls_strerror(ret, err, sizeof(err));
	snprintf(msg, msgsize, "%s failed: %s (-0x%04x)", what, err,
	         (unsigned)-ret);
	return CERTGEN_EXIT_FAILED;
}

static int make_key(struct gen *g, mbedtls_pk_context *pk,
                    enum certgen_key_type type)
{
	int ret;

	if (type == CERTGEN_KEY_EC) {
		ret = mbedtls_pk_setup(pk,
		                       mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
		if (ret == 0)
			ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1,
			                          mbedtls_pk_ec(*pk),
			                          mbedtls_ctr_drbg_random,
			                          &g->drbg);
		return ret;
	}
	ret = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
	if (ret == 0)
		ret = mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk),
		                          mbedtls_ctr_drbg_random, &g->drbg,
		                          RSA_BITS, RSA_EXPONENT);
	return ret;
}

/* "YYYYMMDDhhmmss" in UTC, as mbedtls_x509write_crt_set_validity wants. */
static int format_time(time_t t, char out[16])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 16, "%Y%m%d%H%M%S", &tm) != 14)
		return -1;
	return 0;
}

/* Add an mbedtls_asn1_write_* result to `len`; return its error. */
#define ASN1_ADD(len, expr)                                              \
	do {                                                             \
		int asn1_ret_ = (expr);                                  \
		if (asn1_ret_ < 0)                                       \
			return asn1_ret_;                                \
		(len) += (size_t)asn1_ret_;                              \
	} while (0)

/* subjectAltName: --host (a dNSName, or an iPAddress when it is one), then
   each distinct --ip.  Encoded back to front, as mbedTLS's writer works. */
static int set_san(mbedtls_x509write_cert *crt, const struct certgen_opts *o)
{
	unsigned char buf[SAN_DER_MAX];
	unsigned char ips[CERTGEN_MAX_IPS + 1][16];
	size_t ip_lens[CERTGEN_MAX_IPS + 1], n = 0, i, j;
	unsigned char *p = buf + sizeof(buf);
	size_t len = 0;
	int host_is_ip;

	ip_lens[0] = parse_ip(o->host, ips[0]);
	host_is_ip = ip_lens[0] != 0;
	if (host_is_ip)
		n = 1;
	for (i = 0; i < o->n_ips; i++) {
		int dup = 0;

		ip_lens[n] = parse_ip(o->ips[i], ips[n]);
		for (j = 0; j < n; j++)
			if (ip_lens[j] == ip_lens[n] &&
			    memcmp(ips[j], ips[n], ip_lens[n]) == 0)
				dup = 1;
		if (!dup && ip_lens[n] != 0)
			n++;
	}
	for (i = n; i-- > 0;) {
		ASN1_ADD(len, mbedtls_asn1_write_raw_buffer(
			&p, buf, ips[i], ip_lens[i]));
		ASN1_ADD(len, mbedtls_asn1_write_len(
			&p, buf, ip_lens[i]));
		ASN1_ADD(len, mbedtls_asn1_write_tag(
			&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7));
	}
	if (!host_is_ip) {
		size_t hl = strlen(o->host);

		ASN1_ADD(len, mbedtls_asn1_write_raw_buffer(
			&p, buf, (const unsigned char *)o->host, hl));
		ASN1_ADD(len, mbedtls_asn1_write_len(&p, buf, hl));
		ASN1_ADD(len, mbedtls_asn1_write_tag(
			&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2));
	}
	ASN1_ADD(len, mbedtls_asn1_write_len(&p, buf, len));
	ASN1_ADD(len, mbedtls_asn1_write_tag(
		&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	return mbedtls_x509write_crt_set_extension(
		crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
		MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, p, len);
}

/* extendedKeyUsage with one purpose (serverAuth or clientAuth). */
static int set_eku(mbedtls_x509write_cert *crt, const char *oid,
                   size_t oid_len)
{
	unsigned char buf[64];
	unsigned char *p = buf + sizeof(buf);
	size_t len = 0;

	ASN1_ADD(len, mbedtls_asn1_write_oid(&p, buf, oid, oid_len));
	ASN1_ADD(len, mbedtls_asn1_write_len(&p, buf, len));
	ASN1_ADD(len, mbedtls_asn1_write_tag(
		&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	return mbedtls_x509write_crt_set_extension(
		crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
		MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, p, len);
}

/* A random positive serial of SERIAL_LEN bytes, minimally encoded (first
   byte 0x01-0x7f). */
static int set_serial(struct gen *g, mbedtls_x509write_cert *crt)
{
	unsigned char serial[SERIAL_LEN];
	int ret;
#if MBEDTLS_VERSION_NUMBER < 0x03040000
	mbedtls_mpi mpi;

	mbedtls_mpi_init(&mpi);
#endif
	ret = mbedtls_ctr_drbg_random(&g->drbg, serial, sizeof(serial));
	if (ret != 0)
		goto out;
	serial[0] &= 0x7f;
	if (serial[0] == 0)
		serial[0] = 1;
#if MBEDTLS_VERSION_NUMBER >= 0x03040000
	ret = mbedtls_x509write_crt_set_serial_raw(crt, serial, sizeof(serial));
out:
#else
	ret = mbedtls_mpi_read_binary(&mpi, serial, sizeof(serial));
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_serial(crt, &mpi);
out:
	mbedtls_mpi_free(&mpi);
#endif
	return ret;
}

static int make_cert(struct gen *g, const struct cert_spec *spec,
                     struct pem *out, char *msg, size_t msgsize)
{
	mbedtls_x509write_cert crt;
	char not_before[16], not_after[16];
	time_t now = time(NULL);
	const char *step;
	int ret;

	mbedtls_x509write_crt_init(&crt);
	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&crt, spec->subject_key);
	mbedtls_x509write_crt_set_issuer_key(&crt, &g->ca_key);
	step = "the validity period";
	if (now == (time_t)-1 ||
	    format_time(now - BACKDATE_SECONDS, not_before) != 0 ||
	    format_time(now + (time_t)spec->days * DAY_SECONDS,
	                not_after) != 0) {
		ret = MBEDTLS_ERR_X509_BAD_INPUT_DATA;
		goto out;
	}
	ret = mbedtls_x509write_crt_set_validity(&crt, not_before, not_after);
	if (ret != 0)
		goto out;
	step = "the serial number";
	ret = set_serial(g, &crt);
	if (ret != 0)
		goto out;
	step = "the subject name";
	ret = mbedtls_x509write_crt_set_subject_name(&crt, spec->subject);
	if (ret != 0)
		goto out;
	step = "the issuer name";
	ret = mbedtls_x509write_crt_set_issuer_name(&crt, g->ca_name);
	if (ret != 0)
		goto out;
	step = "basicConstraints";
	ret = mbedtls_x509write_crt_set_basic_constraints(
		&crt, spec->is_ca, spec->is_ca ? 0 : -1);
	if (ret != 0)
		goto out;
	step = "keyUsage";
	ret = mbedtls_x509write_crt_set_key_usage(&crt, spec->key_usage);
	if (ret != 0)
		goto out;
#if defined(MBEDTLS_SHA1_C) || defined(MBEDTLS_MD_CAN_SHA1)
	step = "the key identifiers";
	ret = mbedtls_x509write_crt_set_subject_key_identifier(&crt);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_authority_key_identifier(&crt);
	if (ret != 0)
		goto out;
#endif
	if (spec->eku_oid != NULL) {
		step = "extendedKeyUsage";
		ret = set_eku(&crt, spec->eku_oid, spec->eku_oid_len);
		if (ret != 0)
			goto out;
	}
	if (spec->san != NULL) {
		step = "subjectAltName";
		ret = set_san(&crt, spec->san);
		if (ret != 0)
			goto out;
	}
	step = "signing the certificate";
	ret = mbedtls_x509write_crt_pem(&crt, (unsigned char *)out->text,
	                                sizeof(out->text),
	                                mbedtls_ctr_drbg_random, &g->drbg);
	if (ret == 0)
		out->len = strlen(out->text);
out:
	mbedtls_x509write_crt_free(&crt);
	if (ret != 0) {
		char what[160];

		snprintf(what, sizeof(what), "%s: %s", spec->subject, step);
		return fail(msg, msgsize, what, ret);
	}
	return CERTGEN_EXIT_OK;
}

static int key_pem(mbedtls_pk_context *pk, struct pem *out)
{
	int ret = mbedtls_pk_write_key_pem(pk, (unsigned char *)out->text,
	                                   sizeof(out->text));

	if (ret == 0)
		out->len = strlen(out->text);
	return ret;
}

/* A CN of at most 64 characters (ub-common-name): a long host name is cut;
   the subjectAltName is what clients check. */
static void make_name(char *out, size_t size, const char *prefix,
                      const char *host)
{
	int cn = (int)(CN_MAX - strlen(prefix));

	snprintf(out, size, "CN=%s%.*s,O=docker-extension", prefix, cn, host);
}

static int generate(struct gen *g, const struct certgen_opts *o, char *msg,
                    size_t msgsize)
{
	static const char pers[] = "docker-extension gen-certs";
	char server_name[NAME_MAX_TEXT];
	struct cert_spec spec;
	unsigned int leaf_ku = MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
	int ret, r;

#if defined(MBEDTLS_USE_PSA_CRYPTO)
	if (psa_crypto_init() != PSA_SUCCESS) {
		snprintf(msg, msgsize, "PSA crypto initialisation failed");
		return CERTGEN_EXIT_FAILED;
	}
#endif
	ret = mbedtls_ctr_drbg_seed(&g->drbg, mbedtls_entropy_func,
	                            &g->entropy, (const unsigned char *)pers,
	                            sizeof(pers) - 1);
	if (ret != 0)
		return fail(msg, msgsize, "seeding the random generator", ret);
	ret = make_key(g, &g->ca_key, o->key_type);
	if (ret == 0)
		ret = make_key(g, &g->server_key, o->key_type);
	if (ret == 0)
		ret = make_key(g, &g->client_key, o->key_type);
	if (ret != 0)
		return fail(msg, msgsize, "generating a key", ret);

	make_name(g->ca_name, sizeof(g->ca_name), "docker-extension CA for ",
	          o->host);
	make_name(server_name, sizeof(server_name), "", o->host);

	memset(&spec, 0, sizeof(spec));
	spec.subject = g->ca_name;
	spec.subject_key = &g->ca_key;
	spec.is_ca = 1;
	spec.days = CERTGEN_CA_DAYS;
	spec.key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN;
	r = make_cert(g, &spec, &g->ca_crt, msg, msgsize);
	if (r != CERTGEN_EXIT_OK)
		return r;

	/* keyEncipherment is for RSA key transport; ECDSA keys only sign. */
	if (o->key_type == CERTGEN_KEY_RSA)
		leaf_ku |= MBEDTLS_X509_KU_KEY_ENCIPHERMENT;
	memset(&spec, 0, sizeof(spec));
	spec.subject = server_name;
	spec.subject_key = &g->server_key;
	spec.days = o->days;
	spec.key_usage = leaf_ku;
	spec.eku_oid = MBEDTLS_OID_SERVER_AUTH;
	spec.eku_oid_len = MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH);
	spec.san = o;
	r = make_cert(g, &spec, &g->server_crt, msg, msgsize);
	if (r != CERTGEN_EXIT_OK)
		return r;

	memset(&spec, 0, sizeof(spec));
	spec.subject = "CN=client,O=docker-extension";
	spec.subject_key = &g->client_key;
	spec.days = o->days;
	spec.key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
	spec.eku_oid = MBEDTLS_OID_CLIENT_AUTH;
	spec.eku_oid_len = MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH);
	r = make_cert(g, &spec, &g->client_crt, msg, msgsize);
	if (r != CERTGEN_EXIT_OK)
		return r;

	ret = key_pem(&g->ca_key, &g->ca_pem_key);
	if (ret == 0)
		ret = key_pem(&g->server_key, &g->server_pem_key);
	if (ret == 0)
		ret = key_pem(&g->client_key, &g->client_pem_key);
	if (ret != 0)
		return fail(msg, msgsize, "writing a key as PEM", ret);
	return CERTGEN_EXIT_OK;
}

static struct gen *gen_new(void)
{
	struct gen *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	mbedtls_entropy_init(&g->entropy);
	mbedtls_ctr_drbg_init(&g->drbg);
	mbedtls_pk_init(&g->ca_key);
	mbedtls_pk_init(&g->server_key);
	mbedtls_pk_init(&g->client_key);
	return g;
}

static void gen_free(struct gen *g)
{
	if (g == NULL)
		return;
	mbedtls_pk_free(&g->ca_key);
	mbedtls_pk_free(&g->server_key);
	mbedtls_pk_free(&g->client_key);
	mbedtls_ctr_drbg_free(&g->drbg);
	mbedtls_entropy_free(&g->entropy);
	mbedtls_platform_zeroize(g, sizeof(*g));
	free(g);
}

/* ---- files ---------------------------------------------------------------------------- */

static const struct {
	const char *name;
	mode_t mode;
} files[] = {
	{ CERTGEN_CA_KEY_FILE, 0600 },
	{ CERTGEN_CA_FILE, 0644 },
	{ CERTGEN_SERVER_KEY_FILE, 0600 },
	{ CERTGEN_SERVER_CERT_FILE, 0644 },
	{ CERTGEN_CLIENT_KEY_FILE, 0600 },
	{ CERTGEN_CLIENT_CERT_FILE, 0644 },
};
#define N_FILES (sizeof(files) / sizeof(files[0]))

static void join(char *out, size_t size, const char *dir, const char *name)
{
	size_t n = strlen(dir);

	snprintf(out, size, "%s%s%s", dir,
	         n > 0 && dir[n - 1] == '/' ? "" : "/", name);
}

/* mkdir -p, each directory made here with mode 0700; DIR must end up a
   directory. */
static int make_dir(const char *dir, char *msg, size_t msgsize)
{
	char path[PATH_MAX];
	struct stat st;
	char *p;

	snprintf(path, sizeof(path), "%s", dir);
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			snprintf(msg, msgsize, "cannot create %s: %s", path,
			         strerror(errno));
			return CERTGEN_EXIT_FAILED;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		snprintf(msg, msgsize, "cannot create %s: %s", path,
		         strerror(errno));
		return CERTGEN_EXIT_FAILED;
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(msg, msgsize, "--out: %s is not a directory", dir);
		return CERTGEN_EXIT_FAILED;
	}
	return CERTGEN_EXIT_OK;
}

/* Without --force, any of the six files already there stops us before a
   key is made. */
static int check_existing(const struct certgen_opts *o, char *msg,
                          size_t msgsize)
{
	char path[PATH_MAX], found[512] = "";
	size_t i, n = 0, used = 0;
	struct stat st;

	for (i = 0; i < N_FILES; i++) {
		join(path, sizeof(path), o->out_dir, files[i].name);
		if (lstat(path, &st) == 0) {
			int w = snprintf(found + used, sizeof(found) - used,
			                 "%s%s", n > 0 ? ", " : "",
			                 files[i].name);

			if (w > 0 && (size_t)w < sizeof(found) - used)
				used += (size_t)w;
			n++;
		} else if (errno != ENOENT) {
			snprintf(msg, msgsize, "cannot check %s: %s", path,
			         strerror(errno));
			return CERTGEN_EXIT_FAILED;
		}
	}
	if (n > 0 && !o->force) {
		snprintf(msg, msgsize, "%s already holds %s; nothing was "
		         "written (--force replaces them)", o->out_dir, found);
		return CERTGEN_EXIT_FAILED;
	}
	return CERTGEN_EXIT_OK;
}

static int write_files(const struct gen *g, const struct certgen_opts *o,
                       char *msg, size_t msgsize)
{
	const struct pem *pems[N_FILES] = {
		&g->ca_pem_key, &g->ca_crt, &g->server_pem_key,
		&g->server_crt, &g->client_pem_key, &g->client_crt,
	};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < N_FILES; i++) {
		join(path, sizeof(path), o->out_dir, files[i].name);
		if (fileio_write_atomic(path, pems[i]->text, pems[i]->len,
		                        files[i].mode) != DX_OK) {
			snprintf(msg, msgsize, "cannot write %s: %s", path,
			         strerror(errno));
			return CERTGEN_EXIT_FAILED;
		}
	}
	return CERTGEN_EXIT_OK;
}

/* ---- output ---------------------------------------------------------------------------- */

/* Base64 of a PEM text, unwrapped (the settings accept it as is). */
static char *b64(const struct pem *p)
{
	size_t cap = (p->len + 2) / 3 * 4 + 1, olen = 0;
	char *out = malloc(cap);

	if (out == NULL)
		return NULL;
	if (mbedtls_base64_encode((unsigned char *)out, cap, &olen,
	                          (const unsigned char *)p->text,
	                          p->len) != 0) {
		mbedtls_platform_zeroize(out, cap);
		free(out);
		return NULL;
	}
	return out;
}

static void free_b64(char *s)
{
	if (s == NULL)
		return;
	mbedtls_platform_zeroize(s, strlen(s));
	free(s);
}

/* One shell word: as is when it is plainly safe, else single-quoted. */
static void put_word(FILE *out, const char *s)
{
	static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                           "abcdefghijklmnopqrstuvwxyz0123456789"
	                           "/._-+,:@%=";

	if (s[0] != '\0' && s[strspn(s, safe)] == '\0') {
		fputs(s, out);
		return;
	}
	fputc('\'', out);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	}
	fputc('\'', out);
}

static void put_file_option(FILE *out, const char *option, const char *dir,
                            const char *name)
{
	char path[PATH_MAX];

	join(path, sizeof(path), dir, name);
	fprintf(out, " %s ", option);
	put_word(out, path);
}

static int print_result(const struct gen *g, const struct certgen_opts *o,
                        FILE *out, FILE *err, char *msg, size_t msgsize)
{
	char *ca = NULL, *cert = NULL, *key = NULL, *abs = NULL;
	const char *dir;
	unsigned char ip[16];
	int r = CERTGEN_EXIT_FAILED;

	ca = b64(&g->ca_crt);
	cert = b64(&g->server_crt);
	key = b64(&g->server_pem_key);
	if (ca == NULL || cert == NULL || key == NULL) {
		snprintf(msg, msgsize, "out of memory");
		goto out;
	}
	/* The client command works from any directory. */
	abs = realpath(o->out_dir, NULL);
	dir = abs != NULL ? abs : o->out_dir;

	fputs("Protected settings (--protected-settings; they hold the "
	      "server's private key):\n", out);
	fprintf(out, "{\"certs\": {\"ca\": \"%s\", \"cert\": \"%s\", "
	        "\"key\": \"%s\"}}\n", ca, cert, key);
	fputs("\nPublic settings (--settings):\n", out);
	fprintf(out, "{\"docker\": {\"port\": %d}}\n", o->port);
	fputs("\nThen, from this machine:\ndocker --tlsverify", out);
	put_file_option(out, "--tlscacert", dir, CERTGEN_CA_FILE);
	put_file_option(out, "--tlscert", dir, CERTGEN_CLIENT_CERT_FILE);
	put_file_option(out, "--tlskey", dir, CERTGEN_CLIENT_KEY_FILE);
	fputs(" -H ", out);
	{
		char h[HOST_MAX + 32];

		if (parse_ip(o->host, ip) == 16)
			snprintf(h, sizeof(h), "tcp://[%s]:%d", o->host,
			         o->port);
		else
			snprintf(h, sizeof(h), "tcp://%s:%d", o->host, o->port);
		put_word(out, h);
	}
	fputs(" version\n", out);
	if (fflush(out) != 0 || ferror(out)) {
		snprintf(msg, msgsize, "cannot print the settings: %s",
		         strerror(errno));
		goto out;
	}
	fprintf(err, "%s: warning: the protected settings printed above hold "
	        "the server's private key (certs.key): pass them only as "
	        "protected settings, never in public settings or a log; keep "
	        "%s/%s private too (it signs certificates the daemon "
	        "trusts)\n", PROG, dir, CERTGEN_CA_KEY_FILE);
	r = CERTGEN_EXIT_OK;
out:
	free_b64(ca);
	free_b64(cert);
	free_b64(key);
	free(abs);
	return r;
}

/* ---- the command ------------------------------------------------------------------------ */

int certgen_run(int argc, char **argv, FILE *out, FILE *err)
{
	struct certgen_opts o;
	struct gen *g = NULL;
	char msg[PATH_MAX + 512];
	int help = 0, r;

	r = certgen_parse_args(argc, argv, &o, &help, msg, sizeof(msg));
	if (r != CERTGEN_EXIT_OK) {
		fprintf(err, "%s: %s (try %s --help)\n", PROG, msg, PROG);
		return r;
	}
	if (help) {
		fputs(certgen_help_text, out);
		return CERTGEN_EXIT_OK;
	}
	r = make_dir(o.out_dir, msg, sizeof(msg));
	if (r == CERTGEN_EXIT_OK)
		r = check_existing(&o, msg, sizeof(msg));
	if (r != CERTGEN_EXIT_OK)
		goto out;
	g = gen_new();
	if (g == NULL) {
		snprintf(msg, sizeof(msg), "out of memory");
		r = CERTGEN_EXIT_FAILED;
		goto out;
	}
	r = generate(g, &o, msg, sizeof(msg));
	if (r == CERTGEN_EXIT_OK)
		r = write_files(g, &o, msg, sizeof(msg));
	if (r == CERTGEN_EXIT_OK)
		r = print_result(g, &o, out, err, msg, sizeof(msg));
out:
	gen_free(g);
	if (r != CERTGEN_EXIT_OK)
		fprintf(err, "%s: %s\n", PROG, msg);
	return r;
}

int certgen_main(int argc, char **argv)
{
	return certgen_run(argc, argv, stdout, stderr);
}
