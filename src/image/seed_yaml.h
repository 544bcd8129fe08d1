/*
 * seed_yaml.h - the only way text reaches a cloud-init seed document: a
 * growable byte buffer and a YAML double-quoted scalar writer. Every value
 * the seed builder emits goes through yaml_quote(), which rejects NUL and
 * invalid UTF-8 and escapes everything YAML 1.1/1.2 does not allow raw in
 * a quoted scalar, so a value can never end its scalar, start a new key or
 * be re-typed (no `null`, `yes`, `0x1` surprises). Internal to src/image.
 */
#ifndef VMC_IMAGE_SEED_YAML_H
#define VMC_IMAGE_SEED_YAML_H

#include <stddef.h>

#include "core/error.h"

struct yaml_buf {
	char *data; /* NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	int oom;    /* an append failed; the content is incomplete */
};

/* Appends bytes / a string / formatted text. Failures only set b->oom;
 * check it once with yaml_buf_done(). */
void yaml_buf_add(struct yaml_buf *b, const void *data, size_t len);
void yaml_buf_puts(struct yaml_buf *b, const char *s);
void yaml_buf_printf(struct yaml_buf *b, const char *fmt, ...) VMC_PRINTF(2, 3);
/* 0, or VMC_ENOMEM (with a message) if any append failed. */
int yaml_buf_done(const struct yaml_buf *b);
void yaml_buf_free(struct yaml_buf *b);

/* Length of the UTF-8 sequence at s[0..len) (1..4), or 0 if it is not a
 * valid scalar value (overlong, surrogate, > U+10FFFF, truncated). *cp
 * gets the code point. */
size_t yaml_utf8_decode(const unsigned char *s, size_t len, unsigned int *cp);

/* Appends s[0..len) as a YAML double-quoted scalar, quotes included.
 * Returns 0, or VMC_EINVAL (buffer unchanged) if s holds a NUL byte or is
 * not valid UTF-8. Printable non-ASCII passes through as UTF-8; quotes,
 * backslashes, C0/C1 controls, DEL, U+2028/2029, U+FEFF and U+FFFE/FFFF
 * are escaped. */
int yaml_quote(struct yaml_buf *b, const char *s, size_t len);
/* Same for a NUL-terminated string. */
int yaml_quote_str(struct yaml_buf *b, const char *s);

#endif
