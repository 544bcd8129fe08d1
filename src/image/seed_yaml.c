/*
 * seed_yaml.c - the byte buffer and the YAML double-quoted scalar writer
 * behind every cloud-init seed document (see seed_yaml.h).
 *
 * Why double-quoted scalars for everything: they are the one YAML style in
 * which any Unicode string can be written on one line with escapes, and in
 * which no content is ever re-typed by the resolver. The escape set is the
 * intersection of what YAML 1.1 (PyYAML, which cloud-init uses) and 1.2
 * accept: \0 is never needed (NUL is rejected), \xHH covers C0, DEL and C1
 * controls, \N \L \P the three non-ASCII line breaks, \uHHHH the BOM and
 * the two non-characters PyYAML refuses in a stream.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/seed_yaml.h"

static int buf_reserve(struct yaml_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return -1;
	if (extra > ((size_t)-1) / 2 - b->len) {
		b->oom = 1;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void yaml_buf_add(struct yaml_buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) < 0)
		return;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void yaml_buf_puts(struct yaml_buf *b, const char *s)
{
	yaml_buf_add(b, s, strlen(s));
}

void yaml_buf_printf(struct yaml_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if (buf_reserve(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int yaml_buf_done(const struct yaml_buf *b)
{
	if (b->oom)
		return vmc_error_oom();
	return 0;
}

void yaml_buf_free(struct yaml_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

size_t yaml_utf8_decode(const unsigned char *s, size_t len, unsigned int *cp)
{
	unsigned int c = s[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0; /* continuation byte, overlong lead (c0, c1) or f5..ff */
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* The escape for code point c, or NULL when it may appear raw. */
static const char *escape_for(unsigned int c, char tmp[16])
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\a':
		return "\\a";
	case '\b':
		return "\\b";
	case '\t':
		return "\\t";
	case '\n':
		return "\\n";
	case '\v':
		return "\\v";
	case '\f':
		return "\\f";
	case '\r':
		return "\\r";
	case 0x1b:
		return "\\e";
	case 0x85:
		return "\\N";
	case 0x2028:
		return "\\L";
	case 0x2029:
		return "\\P";
	default:
		break;
	}
	if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
		snprintf(tmp, 16, "\\x%02x", c);
		return tmp;
	}
	if (c == 0xfeff || c == 0xfffe || c == 0xffff) {
		snprintf(tmp, 16, "\\u%04x", c);
		return tmp;
	}
	return NULL;
}

int yaml_quote(struct yaml_buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n, start = b->len;
	unsigned int cp;
	char tmp[16];

	/* Validate first so a rejected value leaves nothing behind. */
	while (i < len) {
		if (u[i] == 0)
			return vmc_error_set(VMC_EINVAL, "NUL byte at offset %zu", i);
		n = yaml_utf8_decode(u + i, len - i, &cp);
		if (n == 0)
			return vmc_error_set(VMC_EINVAL, "invalid UTF-8 at offset %zu", i);
		i += n;
	}
	yaml_buf_add(b, "\"", 1);
	for (i = 0; i < len; i += n) {
		const char *esc;

		n = yaml_utf8_decode(u + i, len - i, &cp);
		esc = escape_for(cp, tmp);
		if (esc)
			yaml_buf_puts(b, esc);
		else
			yaml_buf_add(b, u + i, n);
	}
	yaml_buf_add(b, "\"", 1);
	if (b->oom) {
		b->len = start < b->len ? start : b->len;
		return vmc_error_oom();
	}
	return 0;
}

int yaml_quote_str(struct yaml_buf *b, const char *s)
{
	return yaml_quote(b, s, strlen(s));
}
