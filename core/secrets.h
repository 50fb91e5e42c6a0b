/*
 * secrets - decrypting protectedSettings: base64 of a DER (or BER)
 * CMS/PKCS#7 EnvelopedData encrypted to the certificate whose SHA-1
 * thumbprint is protectedSettingsCertThumbprint, with the key pair at
 * <configFolder>/../../<THUMBPRINT>.crt and .prv.  mbedTLS has no CMS
 * decoder, so the envelope decoder is ours, on mbedTLS's ASN.1, PK, RSA
 * and cipher modules.  The only module that includes mbedTLS headers
 * (besides hash).
 */
#ifndef DX_SECRETS_H
#define DX_SECRETS_H

#include <stddef.h>

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
   keydir as ctx. */
int secrets_decrypt(void *keydir, const char *b64, const char *thumbprint,
                    char **plaintext, size_t *len, char *msg,
                    size_t msgsize);

/* Wipe and free a plaintext returned by secrets_decrypt. */
void secrets_free_plaintext(char *plaintext, size_t len);

#endif
