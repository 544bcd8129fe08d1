/*
 * oci_http.c - response header lines of a registry (see oci_http.h).
 */
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "image/oci_http.h"

void oci_http_headers_reset(struct oci_http_headers *h)
{
	memset(h, 0, sizeof(*h));
	h->content_length = -1;
}

/* Decimal digits only, no overflow. Returns the number of digits. */
static size_t parse_u64(const char *s, size_t len, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9') {
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
		i++;
	}
	*out = v;
	return i;
}

static void parse_range(struct oci_http_headers *h, const char *v, size_t len)
{
	uint64_t start, end;
	size_t n;

	if (len < 6 || strncasecmp(v, "bytes ", 6) != 0)
		return;
	v += 6;
	len -= 6;
	n = parse_u64(v, len, &start);
	if (n == 0 || n >= len || v[n] != '-')
		return;
	v += n + 1;
	len -= n + 1;
	n = parse_u64(v, len, &end);
	if (n == 0 || n >= len || v[n] != '/' || end < start)
		return;
	h->has_range = 1;
	h->range_start = start;
	h->range_end = end;
}

static int is_bearer(const char *v, size_t len)
{
	return len >= 6 && strncasecmp(v, "bearer", 6) == 0 && (len == 6 || v[6] == ' ');
}

void oci_http_header_line(struct oci_http_headers *h, const char *line, size_t len)
{
	const char *colon, *v;
	size_t nlen, vlen;

	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		oci_http_headers_reset(h);
		return;
	}
	if (len > OCI_HTTP_LINE_MAX)
		return;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	colon = memchr(line, ':', len);
	if (!colon || colon == line)
		return;
	nlen = (size_t)(colon - line);
	v = colon + 1;
	vlen = len - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (memchr(v, '\0', vlen))
		return;
	if (nlen == 12 && strncasecmp(line, "content-type", 12) == 0) {
		size_t n = 0;

		while (n < vlen && v[n] != ';' && v[n] != ' ')
			n++;
		if (n <= OCI_MEDIA_TYPE_MAX) {
			memcpy(h->content_type, v, n);
			h->content_type[n] = '\0';
		}
	} else if (nlen == 21 && strncasecmp(line, "docker-content-digest", 21) == 0) {
		if (oci_digest_validate_n(v, vlen) == 0) {
			memcpy(h->digest, v, vlen);
			h->digest[vlen] = '\0';
			h->digest_invalid = 0;
		} else {
			vmc_error_clear();
			h->digest[0] = '\0';
			/* another algorithm is not ours to check; a malformed sha256 is */
			h->digest_invalid = vlen >= OCI_DIGEST_PREFIX_LEN &&
					    memcmp(v, OCI_DIGEST_PREFIX, OCI_DIGEST_PREFIX_LEN) == 0;
		}
	} else if (nlen == 16 && strncasecmp(line, "www-authenticate", 16) == 0) {
		if (vlen > OCI_CHALLENGE_HEADER_MAX)
			return;
		if (h->www_auth[0] && (is_bearer(h->www_auth, strlen(h->www_auth)) || !is_bearer(v, vlen)))
			return;
		memcpy(h->www_auth, v, vlen);
		h->www_auth[vlen] = '\0';
	} else if (nlen == 13 && strncasecmp(line, "content-range", 13) == 0) {
		parse_range(h, v, vlen);
	} else if (nlen == 14 && strncasecmp(line, "content-length", 14) == 0) {
		uint64_t n;

		if (vlen > 0 && parse_u64(v, vlen, &n) == vlen && n <= INT64_MAX)
			h->content_length = (int64_t)n;
	}
}
