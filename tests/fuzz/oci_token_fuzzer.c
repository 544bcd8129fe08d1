/*
 * oci_token_fuzzer.c - fuzzes the parser of a token server's answer
 * ({"token": ...} / {"access_token": ...}) with hostile bytes. A token
 * that parses is 1..OCI_AUTH_TOKEN_MAX printable ASCII characters without
 * spaces, so it can go into an Authorization header as it is.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "image/oci_auth.h"
#include "vmc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *token = NULL;
	size_t n, i;
	int rc;

	rc = oci_token_parse((const char *)data, size, &token);
	if (rc != 0) {
		if ((rc != VMC_EPROTO && rc != VMC_ENOMEM) || token)
			abort();
		return 0;
	}
	n = strlen(token);
	if (n == 0 || n > OCI_AUTH_TOKEN_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (token[i] <= ' ' || token[i] > '~')
			abort();
	free(token);
	return 0;
}
