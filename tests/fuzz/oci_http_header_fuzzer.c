/*
 * oci_http_header_fuzzer.c - fuzzes the registry response header parser
 * with hostile header lines (the input split at '\n', as curl hands them
 * over). Whatever comes, the fields stay NUL-terminated and bounded, a
 * digest kept is a valid one, and a range kept is ordered.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "image/digest.h"
#include "image/oci_http.h"
#include "core/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_http_headers h;
	const char *p = (const char *)data, *end = p + size;

	oci_http_headers_reset(&h);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		oci_http_header_line(&h, p, len);
		p += len;
	}
	if (strnlen(h.content_type, sizeof(h.content_type)) >= sizeof(h.content_type) ||
	    strnlen(h.www_auth, sizeof(h.www_auth)) >= sizeof(h.www_auth) ||
	    strnlen(h.digest, sizeof(h.digest)) >= sizeof(h.digest))
		abort();
	if (h.digest[0] && oci_digest_validate(h.digest) != 0)
		abort();
	if (h.has_range && h.range_end < h.range_start)
		abort();
	if (h.content_length < -1)
		abort();
	return 0;
}
