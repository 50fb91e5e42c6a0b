/*
 * hash: SHA-256 against the FIPS 180-2 / NIST known-answer vectors, in
 * binary and in lower-case hex, and near misses that must not collide.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "testutil.h"

void test_hash_register(void);

#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static const struct {
	const char *name;
	const char *msg;
	const char *hex;
} vectors[] = {
	{ "empty", "", SHA_EMPTY },
	{ "abc", "abc", SHA_ABC },
	{ "448 bits",
	  "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "896 bits",
	  "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
};

static int hex_to_bin(const char *hex, unsigned char *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

static void test_known_answers(void)
{
	size_t i;

	for (i = 0; i < TU_N_ROWS(vectors); i++) {
		unsigned char bin[HASH_SHA256_LEN], want[HASH_SHA256_LEN];
		char hex[HASH_SHA256_HEX_LEN + 1];

		memset(hex, 'Z', sizeof(hex));
		hash_sha256_hex(vectors[i].msg, strlen(vectors[i].msg), hex);
		TU_ROW_ASSERT(hex[HASH_SHA256_HEX_LEN] == '\0', vectors[i].name);
		TU_ROW_ASSERT(strcmp(hex, vectors[i].hex) == 0, vectors[i].name);

		hash_sha256(vectors[i].msg, strlen(vectors[i].msg), bin);
		TU_ROW_ASSERT(hex_to_bin(vectors[i].hex, want, sizeof(want)) == 0,
		              vectors[i].name);
		TU_ROW_ASSERT(memcmp(bin, want, sizeof(want)) == 0, vectors[i].name);
	}
}

static void test_million_a(void)
{
	const size_t n = 1000000;
	char hex[HASH_SHA256_HEX_LEN + 1];
	char *a = malloc(n);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	memset(a, 'a', n);
	hash_sha256_hex(a, n, hex);
	CU_ASSERT_STRING_EQUAL(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	                            "f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

static void test_binary_and_empty_input(void)
{
	/* The length counts, not a NUL: "a\0b" is three bytes. */
	static const char three[] = { 'a', '\0', 'b' };
	char h1[HASH_SHA256_HEX_LEN + 1], h2[HASH_SHA256_HEX_LEN + 1];

	hash_sha256_hex(three, sizeof(three), h1);
	hash_sha256_hex("a", 1, h2);
	CU_ASSERT_STRING_NOT_EQUAL(h1, h2);
	/* No bytes at all: NULL is as good as "" when the length is 0. */
	hash_sha256_hex(NULL, 0, h1);
	CU_ASSERT_STRING_EQUAL(h1, SHA_EMPTY);
}

static void test_near_misses(void)
{
	/* error rows: inputs one step away from "abc" must not hash to it */
	static const char *const rows[] = { "ab", "abd", "ABC", "abc ", " abc",
	                                    "abcabc" };
	size_t i;

	for (i = 0; i < TU_N_ROWS(rows); i++) {
		char hex[HASH_SHA256_HEX_LEN + 1];

		hash_sha256_hex(rows[i], strlen(rows[i]), hex);
		TU_ROW_ASSERT(strcmp(hex, SHA_ABC) != 0, rows[i]);
		TU_ROW_ASSERT(strspn(hex, "0123456789abcdef") == HASH_SHA256_HEX_LEN,
		              rows[i]);
	}
}

void test_hash_register(void)
{
	CU_pSuite s = CU_add_suite("hash", NULL, NULL);

	CU_add_test(s, "SHA-256 known answers (FIPS 180-2)", test_known_answers);
	CU_add_test(s, "SHA-256 of a million 'a'", test_million_a);
	CU_add_test(s, "binary and empty input", test_binary_and_empty_input);
	CU_add_test(s, "near misses differ, hex is lower-case",
	            test_near_misses);
}
