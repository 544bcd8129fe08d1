/*
 * oci_cred_helper_fuzzer.c - fuzzes the parser of a credential helper's
 * `get` output ({"ServerURL","Username","Secret"}) with hostile bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "image/oci_auth.h"
#include "vmc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_creds c;
	int rc;

	rc = oci_cred_helper_parse((const char *)data, size, &c);
	if (rc != 0) {
		if (rc != VMC_EPROTO || c.found)
			abort();
		return 0;
	}
	if (strnlen(c.user, sizeof(c.user)) >= sizeof(c.user) ||
	    strnlen(c.secret, sizeof(c.secret)) >= sizeof(c.secret))
		abort();
	if (c.found && (!c.user[0] || strcmp(c.user, "<token>") == 0))
		abort();
	return 0;
}
