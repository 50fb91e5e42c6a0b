/* STUB: to be written (protected-settings decryption). */
#include "config.h"

#include "secrets.h"

#include <stdio.h>
#include <stdlib.h>

#include "dx_plugin.h"

int secrets_decrypt(void *keydir, const char *b64, const char *thumbprint,
                    char **plaintext, size_t *len, char *msg, size_t msgsize)
{
	(void)keydir; (void)b64; (void)thumbprint;
	*plaintext = NULL;
	*len = 0;
	snprintf(msg, msgsize, "protected settings decryption is not implemented yet");
	return DX_ERR_NOT_IMPLEMENTED;
}

void secrets_free_plaintext(char *plaintext, size_t len)
{
	(void)len;
	free(plaintext);
}
