/*
 * oci_ref_fuzzer.c - fuzzes the image reference parser with arbitrary
 * bytes (NUL-terminated copy of the input). A reference that parses must
 * keep the parser's promises: bounded fields, a valid digest when one is
 * set, a non-empty tag or digest, and a canonical form that parses back to
 * the same reference.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "image/digest.h"
#include "image/oci_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_ref r, again;
	char canon[OCI_REF_INPUT_MAX * 2];
	char *s;

	if (size > 4 * OCI_REF_INPUT_MAX)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (oci_ref_parse(&r, s) == 0) {
		if (!r.registry[0] || !r.repository[0] || (!r.tag[0] && !r.digest[0]))
			abort();
		if (strlen(r.tag) > OCI_REF_TAG_MAX)
			abort();
		if (r.digest[0] && oci_digest_validate(r.digest) != 0)
			abort();
		if (oci_ref_check_registry(r.registry, strlen(r.registry)) != 0 ||
		    oci_ref_check_repository(r.repository, strlen(r.repository)) != 0)
			abort();
		if (strstr(r.repository, "..") || r.repository[0] == '/')
			abort();
		if (oci_ref_format(&r, canon, sizeof(canon)) != 0)
			abort();
		if (oci_ref_parse(&again, canon) != 0 || memcmp(&again, &r, sizeof(r)) != 0)
			abort();
		(void)oci_ref_api_host(&r);
		(void)oci_ref_is_loopback(&r);
	}
	free(s);
	return 0;
}
