/*
 * hash - SHA-256 and HMAC-SHA256 helpers (the one place besides secrets
 * that includes mbedTLS headers).
 */
#ifndef DX_HASH_H
#define DX_HASH_H

#include <stddef.h>

#define HASH_SHA256_LEN 32
#define HASH_SHA256_HEX_LEN 64

void hash_sha256(const void *data, size_t len,
                 unsigned char out[HASH_SHA256_LEN]);
/* Lower-case hex of the SHA-256 of data into out (65 bytes with NUL). */
void hash_sha256_hex(const void *data, size_t len,
                     char out[HASH_SHA256_HEX_LEN + 1]);

/* HMAC-SHA256 of data under key, as lower-case hex (65 bytes with NUL). */
void hash_hmac_sha256_hex(const void *key, size_t keylen, const void *data,
                          size_t len, char out[HASH_SHA256_HEX_LEN + 1]);

#endif
