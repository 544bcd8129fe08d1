/*
 * oci_challenge_fuzzer.c - fuzzes the WWW-Authenticate parser (the
 * registry's token challenge) with hostile header bytes. A challenge that
 * parses must keep the parser's promises: a known scheme, a realm for
 * Bearer, NUL-terminated fields within their bounds and free of control
 * characters.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "image/oci_challenge.h"
#include "vmc.h"

static void check_field(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap), i;

	if (n >= cap)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_challenge ch;
	int rc;

	rc = oci_challenge_parse(&ch, (const char *)data, size);
	if (rc != 0) {
		if (rc != VMC_EPROTO && rc != VMC_EUNSUPPORTED)
			abort();
		return 0;
	}
	if (ch.scheme != OCI_AUTH_BASIC && ch.scheme != OCI_AUTH_BEARER)
		abort();
	if (ch.scheme == OCI_AUTH_BEARER && !ch.realm[0])
		abort();
	check_field(ch.realm, sizeof(ch.realm));
	check_field(ch.service, sizeof(ch.service));
	check_field(ch.scope, sizeof(ch.scope));
	check_field(ch.error, sizeof(ch.error));
	return 0;
}
