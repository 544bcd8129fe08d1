/*
 * oci_http.h - the few HTTP response headers a pull acts on, parsed one
 * header line at a time (as libcurl's header callback hands them over)
 * from untrusted bytes into bounded fields: Content-Type (parameters
 * dropped), Docker-Content-Digest, WWW-Authenticate (a Bearer challenge is
 * kept over another scheme) and Content-Range. A status line ("HTTP/...")
 * starts a new response (redirects, 100 Continue) and clears them.
 */
#ifndef VMC_IMAGE_OCI_HTTP_H
#define VMC_IMAGE_OCI_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"
#include "image/oci_challenge.h"
#include "image/oci_manifest.h"

#define OCI_HTTP_LINE_MAX (OCI_CHALLENGE_HEADER_MAX + 64)

struct oci_http_headers {
	char content_type[OCI_MEDIA_TYPE_MAX + 1];  /* "" when absent or too long */
	char digest[OCI_DIGEST_BUF];                /* Docker-Content-Digest, "" when absent */
	int digest_invalid;                         /* present but not a valid sha256 digest */
	char www_auth[OCI_CHALLENGE_HEADER_MAX + 1]; /* "" when absent */
	int has_range;                              /* Content-Range: bytes S-E/T parsed */
	uint64_t range_start, range_end;
	int64_t content_length;                     /* -1 when absent */
};

void oci_http_headers_reset(struct oci_http_headers *h);
/* Takes one header line (`len` bytes, CRLF included or not). Lines that
 * are malformed or too long are ignored, as a client must. */
void oci_http_header_line(struct oci_http_headers *h, const char *line, size_t len);

#endif
