/*
 * certgen - `docker-extension gen-certs`: a CA, a server certificate and a
 * client certificate for the daemon's TLS port, made with mbedTLS's X.509
 * writer, as `azure vm docker create` made them for its users in 2014.
 * It prints the protected-settings `certs` object (base64 PEM, which the
 * settings validator accepts as is), the public `docker.port` hint and the
 * docker command line to use from this machine.
 *
 * The printed `certs` object holds the server's private key: it goes to
 * the user's own terminal on purpose (it is what they paste into
 * --protected-settings), with a warning on stderr.  Nothing here logs.
 */
#ifndef DX_CERTGEN_H
#define DX_CERTGEN_H

#include <stdio.h>

/* Exit codes of gen-certs. */
#define CERTGEN_EXIT_OK 0
#define CERTGEN_EXIT_FAILED 1     /* could not generate or write */
#define CERTGEN_EXIT_USAGE 2      /* a bad or missing argument */

/* Limits on the command line. */
#define CERTGEN_MAX_IPS 16
#define CERTGEN_DEFAULT_PORT 2376
#define CERTGEN_DEFAULT_DAYS 825  /* server and client certificates */
#define CERTGEN_MAX_DAYS 3650
#define CERTGEN_CA_DAYS 3650      /* the CA: 10 years */

/* The files written in the output directory. */
#define CERTGEN_CA_FILE "ca.pem"
#define CERTGEN_CA_KEY_FILE "ca-key.pem"
#define CERTGEN_SERVER_CERT_FILE "server-cert.pem"
#define CERTGEN_SERVER_KEY_FILE "server-key.pem"
#define CERTGEN_CLIENT_CERT_FILE "cert.pem"
#define CERTGEN_CLIENT_KEY_FILE "key.pem"

enum certgen_key_type {
	CERTGEN_KEY_RSA = 0,      /* RSA 2048 (default) */
	CERTGEN_KEY_EC = 1        /* ECDSA P-256 */
};

struct certgen_opts {
	const char *host;                      /* DNS name or IP address */
	const char *ips[CERTGEN_MAX_IPS];      /* extra IP SANs, deduplicated */
	size_t n_ips;
	int port;
	int days;
	const char *out_dir;
	int force;
	enum certgen_key_type key_type;
};

/* The help text of `docker-extension gen-certs --help` (usable in a static
   table: it is an array). */
extern const char certgen_help_text[];

/* The same text, for callers that prefer a function. */
const char *certgen_help(void);

/* Parse argv (argv[1] is "gen-certs"; options from argv[2]).  Returns
   CERTGEN_EXIT_OK, or CERTGEN_EXIT_USAGE with msg naming the argument at
   fault.  Pointers in `o` point into argv.  A `--help` sets *help. */
int certgen_parse_args(int argc, char **argv, struct certgen_opts *o,
                       int *help, char *msg, size_t msgsize);

/* Everything gen-certs does, with its output streams given: parse, make
   the keys and certificates, write them under --out, print the settings
   and the client command to `out`, the warning and errors to `err`.
   Returns a CERTGEN_EXIT_* code. */
int certgen_run(int argc, char **argv, FILE *out, FILE *err);

/* docker-extension gen-certs ...: certgen_run on stdout and stderr. */
int certgen_main(int argc, char **argv);

#endif
