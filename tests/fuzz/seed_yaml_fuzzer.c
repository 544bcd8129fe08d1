/*
 * seed_yaml_fuzzer.c - fuzzes the YAML double-quoted scalar writer that
 * every cloud-init seed value goes through (src/image/seed_yaml.c). Any
 * input is either rejected (and then it really holds a NUL byte or invalid
 * UTF-8, by an independent check, and the buffer is untouched) or written
 * as a scalar that: is quoted at both ends, holds no raw control, DEL, C1,
 * line-separator or non-character code point, and decodes (by the small
 * YAML escape decoder below, written from the YAML 1.2 spec, section
 * 5.7) back to exactly the input bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "core/config_check.h"
#include "fuzz.h"
#include "image/seed_yaml.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t put_utf8(unsigned char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes the inside of a double-quoted scalar (no line folding: the
 * writer never emits raw breaks). Returns the decoded length or aborts. */
static size_t decode(const char *q, size_t n, unsigned char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned char c = (unsigned char)q[i];
		unsigned long cp = 0;
		int digits = 0, k;

		if (c < 0x20 || c == 0x7f || c == '"')
			abort(); /* raw control, DEL or an unescaped quote */
		if (c != '\\') {
			out[o++] = c;
			i++;
			continue;
		}
		if (++i >= n)
			abort();
		switch (q[i]) {
		case '"': out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; break;
		case '/': out[o++] = '/'; break;
		case '0': out[o++] = 0; break;
		case 'a': out[o++] = '\a'; break;
		case 'b': out[o++] = '\b'; break;
		case 't': out[o++] = '\t'; break;
		case 'n': out[o++] = '\n'; break;
		case 'v': out[o++] = '\v'; break;
		case 'f': out[o++] = '\f'; break;
		case 'r': out[o++] = '\r'; break;
		case 'e': out[o++] = 0x1b; break;
		case ' ': out[o++] = ' '; break;
		case 'N': o += put_utf8(out + o, 0x85); break;
		case '_': o += put_utf8(out + o, 0xa0); break;
		case 'L': o += put_utf8(out + o, 0x2028); break;
		case 'P': o += put_utf8(out + o, 0x2029); break;
		case 'x': digits = 2; break;
		case 'u': digits = 4; break;
		case 'U': digits = 8; break;
		default: abort();
		}
		i++;
		if (digits) {
			for (k = 0; k < digits; k++) {
				int h = i < n ? hexval(q[i]) : -1;

				if (h < 0)
					abort();
				cp = cp * 16 + (unsigned long)h;
				i++;
			}
			if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
				abort();
			o += put_utf8(out + o, cp);
		}
	}
	return o;
}

/* No raw code point PyYAML or YAML 1.2 refuses inside a quoted scalar. */
static void check_printable(const char *q, size_t n)
{
	size_t i = 0, len;
	unsigned int cp;

	while (i < n) {
		len = yaml_utf8_decode((const unsigned char *)q + i, n - i, &cp);
		if (len == 0)
			abort();
		if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
		    cp == 0xfffe || cp == 0xffff)
			abort();
		i += len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yaml_buf b = { 0 };
	unsigned char *back;
	char *copy;
	size_t n;
	int rc, valid;

	yaml_buf_puts(&b, "k: ");
	if (b.oom)
		return 0;
	rc = yaml_quote(&b, (const char *)data, size);

	/* the independent verdict: no NUL and valid UTF-8 */
	copy = malloc(size + 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	valid = memchr(data, 0, size) == NULL && config_check_utf8(copy);
	free(copy);

	if (rc != 0) {
		if (rc != VMC_EINVAL || valid || b.len != 3 || strcmp(b.data, "k: ") != 0)
			abort();
		yaml_buf_free(&b);
		return 0;
	}
	if (!valid)
		abort();
	n = b.len - 3;
	if (n < 2 || b.data[3] != '"' || b.data[b.len - 1] != '"' || strlen(b.data) != b.len)
		abort();
	check_printable(b.data + 4, n - 2);
	/* the escape for U+2028 is 2 bytes, decoded 3: room for 1.5 times n */
	back = malloc(2 * n + 8);
	if (!back)
		abort();
	if (decode(b.data + 4, n - 2, back) != size || memcmp(back, data, size) != 0)
		abort();
	free(back);
	yaml_buf_free(&b);
	return 0;
}
