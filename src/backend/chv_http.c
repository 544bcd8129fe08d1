/*
 * chv_http.c - HTTP/1.1 request building and response parsing for the
 * Cloud Hypervisor API client (see chv_http.h). The response is untrusted:
 * every length is checked against the bytes present and the bounds before
 * it is used, and nothing is allocated until a response is complete.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/chv_http.h"
#include "core/error.h"

#define CHUNK_LINE_MAX 256

void chv_http_response_clear(struct chv_http_response *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static int token_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

int chv_http_request(const char *method, const char *endpoint, const char *body,
		     char **out, size_t *out_len)
{
	size_t body_len = body ? strlen(body) : 0;
	char *text = NULL;
	int n;

	if (!token_ok(method) || !token_ok(endpoint))
		return vmc_error_set(VMC_EINVAL, "bad api request '%s %s'", method, endpoint);
	if (body)
		n = asprintf(&text,
			     "%s /api/v1/%s HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n"
			     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			     method, endpoint, body_len, body);
	else
		n = asprintf(&text,
			     "%s /api/v1/%s HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n",
			     method, endpoint);
	if (n < 0)
		return vmc_error_oom();
	*out = text;
	*out_len = (size_t)n;
	return 0;
}

/* ------------------------------------------------------------ head */

struct head {
	int status;
	int chunked, conn_close;
	long long content_length; /* -1: none */
	size_t len;               /* bytes of the head, blank line included */
};

/* Finds the blank line ending the head: 0 more, 1 found, < 0 error. */
static int find_head_end(const char *buf, size_t len, int eof, size_t *end)
{
	size_t lim = len < CHV_HTTP_HEAD_MAX ? len : CHV_HTTP_HEAD_MAX;

	for (size_t i = 0; i + 3 < lim; i++) {
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
			*end = i + 4;
			return 1;
		}
	}
	if (len >= CHV_HTTP_HEAD_MAX)
		return vmc_error_set(VMC_EINVAL, "response head longer than %d bytes",
				     CHV_HTTP_HEAD_MAX);
	if (eof)
		return vmc_error_set(VMC_EPROTO, len ? "connection closed in the response head"
						     : "connection closed before a response");
	return 0;
}

static int parse_status_line(const char *line, size_t n, int *status)
{
	if (n < 12 || memcmp(line, "HTTP/1.", 7) || (line[7] != '0' && line[7] != '1') ||
	    line[8] != ' ')
		return vmc_error_set(VMC_EPROTO, "not an HTTP/1.x status line");
	for (int i = 9; i < 12; i++)
		if (line[i] < '0' || line[i] > '9')
			return vmc_error_set(VMC_EPROTO, "bad HTTP status code");
	if (n > 12 && line[12] != ' ')
		return vmc_error_set(VMC_EPROTO, "bad HTTP status line");
	for (size_t i = 12; i < n; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			return vmc_error_set(VMC_EPROTO, "control byte in the HTTP status line");
	*status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	if (*status < 100 || *status > 599)
		return vmc_error_set(VMC_EPROTO, "HTTP status %d out of range", *status);
	return 0;
}

/* value[0..n) with optional whitespace trimmed, compared ignoring case */
static int value_is(const char *v, size_t n, const char *word)
{
	size_t wl = strlen(word);

	return n == wl && !strncasecmp(v, word, wl);
}

static int parse_header(struct head *h, const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n);
	size_t name_len, vlen;
	const char *v;

	if (!colon || colon == line)
		return vmc_error_set(VMC_EPROTO, "malformed HTTP header line");
	name_len = (size_t)(colon - line);
	for (size_t i = 0; i < name_len; i++)
		if (line[i] <= ' ' || line[i] >= 0x7f)
			return vmc_error_set(VMC_EPROTO, "bad byte in an HTTP header name");
	v = colon + 1;
	vlen = n - name_len - 1;
	while (vlen && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	for (size_t i = 0; i < vlen; i++)
		if (((unsigned char)v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
			return vmc_error_set(VMC_EPROTO, "control byte in an HTTP header value");

	if (name_len == 14 && !strncasecmp(line, "Content-Length", 14)) {
		long long cl = 0;

		if (vlen == 0 || vlen > 12)
			return vmc_error_set(VMC_EPROTO, "bad Content-Length");
		for (size_t i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9')
				return vmc_error_set(VMC_EPROTO, "bad Content-Length");
			cl = cl * 10 + (v[i] - '0');
		}
		if (h->content_length >= 0 && h->content_length != cl)
			return vmc_error_set(VMC_EPROTO, "conflicting Content-Length headers");
		h->content_length = cl;
	} else if (name_len == 17 && !strncasecmp(line, "Transfer-Encoding", 17)) {
		if (!value_is(v, vlen, "chunked"))
			return vmc_error_set(VMC_EPROTO, "unsupported Transfer-Encoding '%.*s'",
					     (int)(vlen > 40 ? 40 : vlen), v);
		h->chunked = 1;
	} else if (name_len == 10 && !strncasecmp(line, "Connection", 10)) {
		if (value_is(v, vlen, "close"))
			h->conn_close = 1;
	}
	return 0;
}

static int parse_head(const char *buf, size_t head_len, struct head *h)
{
	size_t pos = 0;
	int rc, first = 1;

	h->content_length = -1;
	h->len = head_len;
	while (pos < head_len - 2) { /* the final "\r\n" is the blank line */
		const char *line = buf + pos;
		const char *crlf = NULL;

		for (size_t i = pos; i + 1 < head_len; i++) {
			if (buf[i] == '\r' && buf[i + 1] == '\n') {
				crlf = buf + i;
				break;
			}
		}
		if (!crlf)
			return vmc_error_set(VMC_EPROTO, "unterminated HTTP header line");
		size_t n = (size_t)(crlf - line);
		if (memchr(line, '\n', n) || memchr(line, '\r', n))
			return vmc_error_set(VMC_EPROTO, "bare CR or LF in the HTTP head");
		if (first)
			rc = parse_status_line(line, n, &h->status);
		else if (n && (line[0] == ' ' || line[0] == '\t'))
			rc = vmc_error_set(VMC_EPROTO, "folded HTTP header line");
		else
			rc = parse_header(h, line, n);
		if (rc < 0)
			return rc;
		first = 0;
		pos += n + 2;
	}
	if (h->chunked && h->content_length >= 0)
		return vmc_error_set(VMC_EPROTO, "both Content-Length and chunked coding");
	if (h->content_length > CHV_HTTP_BODY_MAX)
		return vmc_error_set(VMC_EINVAL, "response body of %lld bytes is over the %d limit",
				     h->content_length, CHV_HTTP_BODY_MAX);
	return 0;
}

/* ------------------------------------------------------------ chunked */

/* Walks a chunked body in p[0..n). With dst NULL only measures. Returns 0
 * for more bytes, 1 when complete (*decoded, *used set), < 0 on error. */
static int chunked_walk(const char *p, size_t n, char *dst, size_t *decoded, size_t *used)
{
	size_t pos = 0, total = 0;

	for (;;) {
		size_t line_end = pos, size = 0, digits = 0;

		while (line_end < n && p[line_end] != '\n') {
			if (line_end - pos > CHUNK_LINE_MAX)
				return vmc_error_set(VMC_EPROTO, "chunk-size line too long");
			line_end++;
		}
		if (line_end >= n)
			return line_end - pos > CHUNK_LINE_MAX
				? vmc_error_set(VMC_EPROTO, "chunk-size line too long") : 0;
		if (line_end == pos || p[line_end - 1] != '\r')
			return vmc_error_set(VMC_EPROTO, "chunk-size line without CRLF");
		for (size_t i = pos; i < line_end - 1 && p[i] != ';'; i++) {
			char c = p[i];
			int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
				: (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
			if (d < 0)
				return vmc_error_set(VMC_EPROTO, "bad chunk size");
			if (++digits > 8)
				return vmc_error_set(VMC_EINVAL, "chunk size too large");
			size = size * 16 + (size_t)d;
		}
		if (digits == 0)
			return vmc_error_set(VMC_EPROTO, "bad chunk size");
		pos = line_end + 1;
		if (size == 0)
			break;
		if (size > CHV_HTTP_BODY_MAX || total + size > CHV_HTTP_BODY_MAX)
			return vmc_error_set(VMC_EINVAL, "chunked body over the %d limit",
					     CHV_HTTP_BODY_MAX);
		if (n - pos < size + 2)
			return 0;
		if (p[pos + size] != '\r' || p[pos + size + 1] != '\n')
			return vmc_error_set(VMC_EPROTO, "chunk data not followed by CRLF");
		if (dst)
			memcpy(dst + total, p + pos, size);
		total += size;
		pos += size + 2;
	}
	/* trailer fields, ignored, then the blank line */
	for (;;) {
		size_t line_end = pos;

		while (line_end < n && p[line_end] != '\n') {
			if (line_end - pos > CHV_HTTP_HEAD_MAX)
				return vmc_error_set(VMC_EPROTO, "chunked trailer too long");
			line_end++;
		}
		if (line_end >= n)
			return 0;
		if (line_end == pos || p[line_end - 1] != '\r')
			return vmc_error_set(VMC_EPROTO, "trailer line without CRLF");
		int empty = line_end == pos + 1;
		pos = line_end + 1;
		if (empty)
			break;
	}
	*decoded = total;
	*used = pos;
	return 1;
}

/* ------------------------------------------------------------ response */

static int take_body(struct chv_http_response *out, const char *src, size_t n)
{
	out->body = malloc(n + 1);
	if (!out->body)
		return vmc_error_oom();
	memcpy(out->body, src, n);
	out->body[n] = '\0';
	out->body_len = n;
	return 0;
}

int chv_http_parse(const char *buf, size_t len, int eof, struct chv_http_response *out)
{
	struct head h;
	size_t head_len = 0, avail;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&h, 0, sizeof(h));
	if (len > INT_MAX)
		return vmc_error_set(VMC_EINVAL, "response buffer too large");
	rc = find_head_end(buf, len, eof, &head_len);
	if (rc <= 0)
		return rc;
	rc = parse_head(buf, head_len, &h);
	if (rc < 0)
		return rc;
	out->status = h.status;
	avail = len - head_len;
	if (h.status < 200 || h.status == 204 || h.status == 304)
		return (int)head_len;
	if (h.chunked) {
		size_t decoded = 0, used = 0;

		rc = chunked_walk(buf + head_len, avail, NULL, &decoded, &used);
		if (rc == 0 && eof)
			rc = vmc_error_set(VMC_EPROTO, "connection closed in a chunked body");
		if (rc <= 0)
			return rc;
		out->body = malloc(decoded + 1);
		if (!out->body)
			return vmc_error_oom();
		chunked_walk(buf + head_len, avail, out->body, &decoded, &used);
		out->body[decoded] = '\0';
		out->body_len = decoded;
		return (int)(head_len + used);
	}
	if (h.content_length >= 0) {
		size_t cl = (size_t)h.content_length;

		if (avail < cl)
			return eof ? vmc_error_set(VMC_EPROTO, "connection closed after %zu of %zu "
						   "body bytes", avail, cl) : 0;
		rc = take_body(out, buf + head_len, cl);
		return rc < 0 ? rc : (int)(head_len + cl);
	}
	if (!h.conn_close)
		return (int)head_len; /* keep-alive without a length: no body (as ch-remote) */
	if (avail > CHV_HTTP_BODY_MAX)
		return vmc_error_set(VMC_EINVAL, "response body over the %d limit", CHV_HTTP_BODY_MAX);
	if (!eof)
		return 0;
	rc = take_body(out, buf + head_len, avail);
	return rc < 0 ? rc : (int)len;
}
