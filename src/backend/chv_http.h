/*
 * chv_http.h - the HTTP/1.1 framing vmc speaks with Cloud Hypervisor's API
 * server (micro_http): building one request and parsing one response from
 * untrusted bytes. The parser is incremental over a caller-owned buffer, so
 * the client (chv_api.c) feeds it whatever has arrived and the fuzzer
 * (tests/fuzz/chv_http_fuzzer.c) feeds it anything. Bodies are framed by
 * Content-Length or chunked transfer coding (CH sends neither chunked nor
 * bodies without a length; both are accepted so a proxy or a future server
 * cannot confuse us), or by EOF when the server says "Connection: close".
 * Every size is bounded; nothing here does I/O.
 */
#ifndef VMC_BACKEND_CHV_HTTP_H
#define VMC_BACKEND_CHV_HTTP_H

#include <stddef.h>

#define CHV_HTTP_HEAD_MAX 8192          /* status line + headers */
#define CHV_HTTP_BODY_MAX (1024 * 1024) /* decoded body */

struct chv_http_response {
	int status;             /* 100..599 */
	char *body;             /* malloc'd, NUL-terminated (may hold NULs); NULL if none */
	size_t body_len;
};

/* Parses the response at the start of buf[0..len). `eof` says the peer
 * has closed its side, so no more bytes will come. Returns 0 when more
 * bytes are needed, the number of bytes the response took (> 0) with *out
 * filled (free its body with chv_http_response_clear), or VMC_EPROTO
 * (malformed, or closed mid-response), VMC_EINVAL (over a bound) or
 * VMC_ENOMEM, with a message (VMC_EINVAL also for len > INT_MAX). An
 * interim 1xx response is returned like any other: the caller skips it. */
int chv_http_parse(const char *buf, size_t len, int eof, struct chv_http_response *out);

void chv_http_response_clear(struct chv_http_response *r);

/* Builds "METHOD /api/v1/ENDPOINT HTTP/1.1" with Host and Accept, and
 * Content-Type/Content-Length only when body is not NULL (CH answers 400
 * to any body on a bodyless action, even an empty one). *out is malloc'd,
 * *out_len its length. VMC_EINVAL for a method or endpoint with bytes
 * outside [A-Za-z0-9.-], VMC_ENOMEM. */
int chv_http_request(const char *method, const char *endpoint, const char *body,
		     char **out, size_t *out_len);

#endif
