/*
 * chv_http_fuzzer.c - fuzzes the HTTP/1.1 response parser of the Cloud
 * Hypervisor API client (src/backend/chv_http.c). Input byte 0 picks the
 * step in which the bytes arrive (low 7 bits + 1) and whether the peer
 * closes after the last one (high bit); the rest is the response. Every
 * prefix is parsed as the client would parse it, and the results must be
 * consistent: a prefix that completes a response completes it with the
 * same length and status when more bytes follow, the consumed length never
 * exceeds the input, the body is NUL-terminated and bounded, and every
 * failure is one of the documented codes.
 */
#include <stdlib.h>
#include <string.h>

#include "backend/chv_http.h"
#include "fuzz.h"
#include "vmc.h"

#define FUZZ_INPUT_MAX (3 * 1024 * 1024)

static void check(int rc, size_t len, const struct chv_http_response *r)
{
	if (rc < 0) {
		if (rc != VMC_EPROTO && rc != VMC_EINVAL && rc != VMC_ENOMEM)
			abort();
		if (r->body)
			abort();
		return;
	}
	if ((size_t)rc > len)
		abort();
	if (rc == 0 && r->body)
		abort();
	if (rc > 0) {
		if (r->status < 100 || r->status > 599)
			abort();
		if (r->body_len > CHV_HTTP_BODY_MAX)
			abort();
		if (r->body && r->body[r->body_len] != '\0')
			abort();
		if (!r->body && r->body_len)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chv_http_response r;
	size_t step, done_at = 0;
	int eof, done_rc = 0, done_status = 0;

	if (size == 0 || size > FUZZ_INPUT_MAX)
		return 0;
	step = (size_t)(data[0] & 0x7f) + 1;
	eof = data[0] >> 7;
	data++;
	size--;
	for (size_t len = step < size ? step : size;; len = len + step < size ? len + step : size) {
		int rc = chv_http_parse((const char *)data, len, 0, &r);

		check(rc, len, &r);
		if (rc > 0 && !done_at) {
			done_at = len;
			done_rc = rc;
			done_status = r.status;
		} else if (rc > 0 && (rc != done_rc || r.status != done_status)) {
			abort(); /* more bytes changed a complete response */
		} else if (rc == 0 && done_at) {
			abort(); /* a complete response became incomplete */
		}
		chv_http_response_clear(&r);
		if (rc < 0 || len == size)
			break;
	}
	if (eof) {
		int rc = chv_http_parse((const char *)data, size, 1, &r);

		check(rc, size, &r);
		if (rc == 0)
			abort(); /* at EOF the answer must be final */
		chv_http_response_clear(&r);
	}
	return 0;
}
