/*
 * line_reader.c - bounded line framing over a stream (see line_reader.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/line_reader.h"

int line_reader_init(struct line_reader *r, size_t max_line)
{
	memset(r, 0, sizeof(*r));
	r->cap = max_line + 1;
	r->buf = malloc(r->cap);
	return r->buf ? 0 : vmc_error_oom();
}

void line_reader_free(struct line_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

static void compact(struct line_reader *r)
{
	if (r->consumed == 0)
		return;
	memmove(r->buf, r->buf + r->consumed, r->len - r->consumed);
	r->len -= r->consumed;
	r->consumed = 0;
}

int line_reader_fill(struct line_reader *r, int fd)
{
	ssize_t n;

	compact(r);
	if (r->len >= r->cap)
		return vmc_error_set(VMC_EPROTO, "line longer than %zu bytes", r->cap - 1);
	do {
		n = read(fd, r->buf + r->len, r->cap - r->len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN)
			return 0;
		return vmc_error_set_errno(VMC_EIO, errno, "read");
	}
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->len += (size_t)n;
	return (int)n;
}

char *line_reader_next(struct line_reader *r)
{
	char *start = r->buf + r->consumed;
	char *nl = memchr(start, '\n', r->len - r->consumed);

	if (!nl)
		return NULL;
	*nl = '\0';
	r->consumed = (size_t)(nl - r->buf) + 1;
	return start;
}
