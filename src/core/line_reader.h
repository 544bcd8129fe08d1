/*
 * line_reader.h - a bounded buffer that turns a byte stream (a socket)
 * into newline-terminated lines. Used for vmc's shim control protocol,
 * one JSON object per line in each direction.
 */
#ifndef VMC_CORE_LINE_READER_H
#define VMC_CORE_LINE_READER_H

#include <stddef.h>

struct line_reader {
	char *buf;
	size_t len;
	size_t cap;       /* maximum line length + 1 */
	size_t consumed;  /* bytes of buf already returned as lines */
	int eof;
};

int line_reader_init(struct line_reader *r, size_t max_line);
void line_reader_free(struct line_reader *r);
/* Reads what the fd has (one read call). Returns bytes read, 0 on EOF,
 * or < 0: VMC_EIO, or VMC_EPROTO when a line exceeds the maximum.
 * EAGAIN on a non-blocking fd gives 0 with r->eof still 0. */
int line_reader_fill(struct line_reader *r, int fd);
/* Next complete line (without "\n", NUL-terminated in place), or NULL. */
char *line_reader_next(struct line_reader *r);

#endif
