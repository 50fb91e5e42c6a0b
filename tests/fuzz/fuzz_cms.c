/*
 * fuzz_cms - libFuzzer target for the protected-settings decoder.
 *
 * Each input goes through the whole DER/BER envelope path with a real key
 * (a TEST-ONLY RSA 1024 pair in tests/fuzz/keys, made with the seed corpus
 * by tests/fuzz/make-corpus.sh), so that inputs that keep a recipient
 * naming it reach the RSA, cipher and plaintext checks; then the same bytes
 * go through the base64 decoder and the JSON-object check as text.
 *
 * Build and run by hand (from a configured build directory):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=undefined -I. -I$SRC/include -I$SRC/core \
 *     -DDX_FUZZ_KEYDIR="\"$SRC/tests/fuzz/keys\"" \
 *     -o fuzz_cms $SRC/tests/fuzz/fuzz_cms.c $SRC/core/secrets.c \
 *     -lmbedx509 -lmbedcrypto
 *   mkdir -p corpus && ./fuzz_cms -max_total_time=300 \
 *     -dict=$SRC/tests/fuzz/cms.dict corpus $SRC/tests/fuzz/corpus/cms
 * DX_FUZZ_KEYDIR may also be given in the environment at run time.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dx_plugin.h"
#include "secrets.h"

#ifndef DX_FUZZ_KEYDIR
#define DX_FUZZ_KEYDIR "tests/fuzz/keys"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct secrets_key *key;

/* The thumbprint is the name of the one .crt file in the directory. */
static int find_thumbprint(const char *dir, char *out, size_t outsize)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (d == NULL)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n == 44 && strcmp(e->d_name + 40, ".crt") == 0) {
			snprintf(out, outsize, "%.40s", e->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("DX_FUZZ_KEYDIR");
	char thumb[64], msg[512];

	(void)argc;
	(void)argv;
	if (dir == NULL || *dir == '\0')
		dir = DX_FUZZ_KEYDIR;
	if (!find_thumbprint(dir, thumb, sizeof(thumb))) {
		fprintf(stderr, "fuzz_cms: no <THUMBPRINT>.crt in %s (set "
		        "DX_FUZZ_KEYDIR)\n", dir);
		abort();
	}
	if (secrets_key_load(dir, thumb, &key, msg, sizeof(msg)) != DX_OK) {
		fprintf(stderr, "fuzz_cms: %s\n", msg);
		abort();
	}
	return 0;
}

/* Every message is a terminated string that fits. */
static void check_msg(const char *msg, size_t size)
{
	if (memchr(msg, '\0', size) == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[512], *plain = NULL;
	unsigned char *der = NULL;
	size_t plen = 0, n = 0;
	int r;

	memset(msg, 'x', sizeof(msg));
	r = secrets_decrypt_der(key, data, size, &plain, &plen, msg,
	                        sizeof(msg));
	check_msg(msg, sizeof(msg));
	if (r == DX_OK) {
		/* Only a checked JSON object comes out, NUL-terminated. */
		if (plain == NULL || plain[plen] != '\0' || plain[0] == '\0' ||
		    secrets_check_json_text(plain, plen, msg, sizeof(msg)) != DX_OK)
			abort();
		secrets_free_plaintext(plain, plen);
	} else if (plain != NULL || plen != 0 || r < DX_ERR_DECRYPT ||
	           r > DX_ERR_DECRYPT_ALGORITHM) {
		/* Refusals are ours, and leave nothing behind.  (NOMEM and
		   INTERNAL do not happen here.) */
		abort();
	}

	r = secrets_base64_decode((const char *)data, size, &der, &n, msg,
	                          sizeof(msg));
	check_msg(msg, sizeof(msg));
	if ((r == DX_OK) != (der != NULL) || n > size)
		abort();
	free(der);

	(void)secrets_check_json_text((const char *)data, size, msg,
	                              sizeof(msg));
	check_msg(msg, sizeof(msg));
	return 0;
}
