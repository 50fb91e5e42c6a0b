/*
 * secrets - decrypting protectedSettings: base64 of a DER (or BER)
 * CMS/PKCS#7 EnvelopedData encrypted to the certificate whose SHA-1
 * thumbprint is protectedSettingsCertThumbprint, with the key pair at
 * <configFolder>/../../<THUMBPRINT>.crt and .prv.  mbedTLS has no CMS
 * decoder, so the envelope decoder is ours, on mbedTLS's ASN.1, PK, RSA
 * and cipher modules.  The only module that includes mbedTLS headers
 * (besides hash).
 *
 * Accepted: content encrypted with des-ede3-cbc or aes-128/192/256-cbc;
 * the content key transported with rsaEncryption (PKCS#1 v1.5) or
 * RSAES-OAEP (SHA-1, -224, -256, -384 or -512, MGF1 with the same hash);
 * recipients named by issuerAndSerialNumber or subjectKeyIdentifier, any
 * number of them (ours is picked); DER, or BER with indefinite lengths and
 * constructed (chunked) OCTET STRINGs.
 *
 * Error codes: DX_ERR_TOO_LARGE (input over SECRETS_MAX_B64),
 * DX_ERR_DECRYPT_FORMAT (bad base64; truncated, overflowing, trailing or
 * otherwise malformed DER), DX_ERR_DECRYPT_ALGORITHM (unsupported
 * algorithm; the message names its OID), DX_ERR_DECRYPT_KEY (key or
 * certificate file missing, unreadable, unparsable, not the thumbprint's,
 * or not a pair), DX_ERR_DECRYPT_RECIPIENT (the envelope is not for our
 * certificate), DX_ERR_DECRYPT (bad padding; the plaintext is not a UTF-8
 * JSON object), DX_ERR_INVALID_ARG, DX_ERR_NOMEM, DX_ERR_INTERNAL (the
 * random generator could not be seeded).  Messages never hold plaintext or
 * key material.
 */
#ifndef DX_SECRETS_H
#define DX_SECRETS_H

#include <stddef.h>

/* The longest base64 text accepted (line breaks included); longer input is
   refused with DX_ERR_TOO_LARGE before anything is decoded. */
#define SECRETS_MAX_B64 (1024 * 1024)

/* Where the key files are: the directory holding <THUMBPRINT>.crt/.prv
   (waagent's Lib.Dir, <configFolder>/../..). */
struct secrets_keydir {
	char dir[4096];
};

/* Decrypt `b64` (base64, line breaks allowed) for `thumbprint` (40 hex
   digits, any case) with the key files in keydir->dir.  On success
   *plaintext is a NUL-terminated UTF-8 JSON object text (the caller wipes
   and frees it with secrets_free_plaintext).  On failure a specific
   enum dx_err and a message naming what is wrong (never any plaintext or
   key material).  Matches settings_decrypt_fn (settings.h), with the
   keydir as ctx.  Messages start with "protectedSettings: ". */
int secrets_decrypt(void *keydir, const char *b64, const char *thumbprint,
                    char **plaintext, size_t *len, char *msg,
                    size_t msgsize);

/* Wipe and free a plaintext returned by secrets_decrypt. */
void secrets_free_plaintext(char *plaintext, size_t len);

/* ---- the steps of secrets_decrypt, for tests, the fuzzer and the benchmark */

/* A certificate and its private key, loaded and checked (opaque). */
struct secrets_key;

/* Load <dir>/<THUMBPRINT>.crt and .prv (THUMBPRINT upper-cased; each may
   start with a text preamble before its PEM block), check that the
   certificate's SHA-1 is the thumbprint and that the key is its pair, and
   seed the random generator used for RSA blinding.  DX_OK and *key, or
   DX_ERR_DECRYPT_KEY, DX_ERR_INVALID_ARG, DX_ERR_NOMEM, DX_ERR_INTERNAL. */
int secrets_key_load(const char *dir, const char *thumbprint,
                     struct secrets_key **out, char *msg, size_t msgsize);

/* Wipe and free a key (NULL is fine). */
void secrets_key_free(struct secrets_key *key);

/* Decode standard base64 of at most SECRETS_MAX_B64 characters; ASCII
   whitespace anywhere is skipped, '=' padding is optional.  *out is
   malloc()ed (free it).  DX_OK, DX_ERR_TOO_LARGE, DX_ERR_DECRYPT_FORMAT,
   DX_ERR_NOMEM. */
int secrets_base64_decode(const char *b64, size_t len, unsigned char **out,
                          size_t *outlen, char *msg, size_t msgsize);

/* Decrypt one DER/BER envelope with `key`; results as secrets_decrypt
   (without the message prefix). */
int secrets_decrypt_der(struct secrets_key *key, const unsigned char *der,
                        size_t len, char **plaintext, size_t *plen,
                        char *msg, size_t msgsize);

/* The cheap check a plaintext must pass: valid UTF-8 without NUL bytes,
   an optional BOM and whitespace, then one JSON object whose brackets
   balance outside strings, then only whitespace.  (The settings module
   parses it fully; this catches a wrong key that happened to leave valid
   padding.)  DX_OK or DX_ERR_DECRYPT. */
int secrets_check_json_text(const char *text, size_t len, char *msg,
                            size_t msgsize);

#endif
