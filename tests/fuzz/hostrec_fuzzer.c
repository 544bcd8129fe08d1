/*
 * hostrec_fuzzer.c - the host-object record parser (src/net/hostrec.c)
 * on arbitrary bytes. What it accepts must be something the undo can
 * trust: at most HOSTREC_MAX_ENTRIES entries, each of which formats back
 * to a line that parses to the same entry (names within their charsets),
 * and an owner pid > 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "net/hostrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hostrec r, back;
	char text[HOSTREC_MAX_BYTES];
	size_t off;
	int n;

	if (hostrec_parse((const char *)data, size, &r) != 0)
		return 0;
	if (r.n > HOSTREC_MAX_ENTRIES || r.owner_pid <= 0)
		abort();
	off = (size_t)snprintf(text, sizeof(text), "vmc-host-record 1\nowner %ld %llu\n",
			       r.owner_pid, r.owner_start);
	for (size_t i = 0; i < r.n; i++) {
		n = hostrec_format_entry(&r.e[i], text + off, sizeof(text) - off);
		if (n < 0)
			abort(); /* accepted but not writable: an invalid entry got in */
		off += (size_t)n;
	}
	if (hostrec_parse(text, off, &back) != 0 || back.n != r.n)
		abort();
	for (size_t i = 0; i < r.n; i++)
		if (back.e[i].kind != r.e[i].kind || strcmp(back.e[i].name, r.e[i].name) ||
		    strcmp(back.e[i].table, r.e[i].table) || strcmp(back.e[i].family, r.e[i].family))
			abort();
	return 0;
}
