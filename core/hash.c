/*
 * hash - SHA-256 over mbedTLS.  2.28 has the _ret variants (the plain names
 * are deprecated there); 3.x has only the plain names, returning int.
 */
#include "config.h"

#include "hash.h"

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
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

static void to_hex(const unsigned char bin[HASH_SHA256_LEN],
                   char out[HASH_SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < HASH_SHA256_LEN; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 0xf];
	}
	out[HASH_SHA256_HEX_LEN] = '\0';
}

void hash_sha256_hex(const void *data, size_t len,
                     char out[HASH_SHA256_HEX_LEN + 1])
{
	unsigned char bin[HASH_SHA256_LEN];

	hash_sha256(data, len, bin);
	to_hex(bin, out);
}

void hash_hmac_sha256_hex(const void *key, size_t keylen, const void *data,
                          size_t len, char out[HASH_SHA256_HEX_LEN + 1])
{
	unsigned char bin[HASH_SHA256_LEN];

	(void)mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	                      key, keylen, data, len, bin);
	to_hex(bin, out);
	mbedtls_platform_zeroize(bin, sizeof(bin));
}
