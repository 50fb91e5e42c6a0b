/*
 * hash - SHA-256 over mbedTLS.  2.28 has the _ret variants (the plain names
 * are deprecated there); 3.x has only the plain names, returning int.
 */
#include "config.h"

#include "hash.h"

#include <mbedtls/sha256.h>

void hash_sha256(const void *data, size_t len,
                 unsigned char out[HASH_SHA256_LEN])
{
#ifdef HAVE_MBEDTLS_SHA256_RET
	(void)mbedtls_sha256_ret(data, len, out, 0);
#else
	(void)mbedtls_sha256(data, len, out, 0);
#endif
}

void hash_sha256_hex(const void *data, size_t len,
                     char out[HASH_SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char bin[HASH_SHA256_LEN];
	size_t i;

	hash_sha256(data, len, bin);
	for (i = 0; i < HASH_SHA256_LEN; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 0xf];
	}
	out[HASH_SHA256_HEX_LEN] = '\0';
}
