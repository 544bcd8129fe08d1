/*
 * oci_auth_config_fuzzer.c - fuzzes the Docker config.json reader
 * (auths / credHelpers / credsStore) with hostile bytes, asking for a
 * registry chosen by the first input byte. A parse that succeeds must give
 * NUL-terminated, bounded fields and a helper name of [A-Za-z0-9._-] only.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "image/oci_auth.h"
#include "vmc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const regs[] = { "docker.io", "localhost:5000", "127.0.0.1:5000",
					    "ghcr.io" };
	struct oci_cred_source src;
	size_t i, n;
	int rc;

	if (size == 0)
		return 0;
	rc = oci_docker_config_parse((const char *)data + 1, size - 1, regs[data[0] % 4], &src);
	if (rc != 0) {
		if (rc != VMC_EPROTO && rc != VMC_EINVAL && rc != VMC_ENOMEM)
			abort();
		if (src.kind != OCI_CREDS_NONE)
			abort();
		return 0;
	}
	if (strnlen(src.creds.user, sizeof(src.creds.user)) >= sizeof(src.creds.user) ||
	    strnlen(src.creds.secret, sizeof(src.creds.secret)) >= sizeof(src.creds.secret))
		abort();
	n = strnlen(src.helper, sizeof(src.helper));
	if (n >= sizeof(src.helper))
		abort();
	if (src.kind == OCI_CREDS_HELPER) {
		if (n == 0)
			abort();
		for (i = 0; i < n; i++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
				    src.helper[i]))
				abort();
	}
	if (src.kind == OCI_CREDS_INLINE && !src.creds.found)
		abort();
	return 0;
}
