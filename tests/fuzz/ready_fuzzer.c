/*
 * ready_fuzzer.c - fuzzes the ready-protocol scanner with hostile console
 * bytes. The first input byte picks a chunk size so split writes are
 * explored; every reported event is checked for the parser's promises
 * (known kind, valid addresses, bounded printable text), and the whole
 * input fed in one piece must give the same number of events.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/ready.h"
#include "fuzz.h"

static void fuzz_check_event(const struct ready_event *ev, void *payload)
{
	unsigned char buf[sizeof(struct in6_addr)];
	size_t i, len;

	(void)payload;
	if (ev->kind < READY_EV_READY || ev->kind > READY_EV_PANIC)
		abort();
	if (ev->n_ip > VMC_STATE_IP_MAX)
		abort();
	for (i = 0; i < ev->n_ip; i++) {
		if (strnlen(ev->ip[i], READY_IP_LEN) >= READY_IP_LEN)
			abort();
		if (inet_pton(AF_INET, ev->ip[i], buf) != 1 &&
		    inet_pton(AF_INET6, ev->ip[i], buf) != 1)
			abort();
	}
	len = strnlen(ev->text, READY_TEXT_MAX);
	if (len >= READY_TEXT_MAX)
		abort();
	for (i = 0; i < len; i++)
		if ((unsigned char)ev->text[i] < 0x20 || (unsigned char)ev->text[i] >= 0x7f)
			abort();
	if (ev->kind == READY_EV_EXIT &&
	    !((ev->exit_status >= 0 && ev->exit_status <= 255 && ev->exit_signal == 0) ||
	      (ev->exit_status == -1 && ev->exit_signal >= 1 && ev->exit_signal <= 64)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ready_scanner s;
	struct ready_event ev;
	size_t chunk, off, split_events = 0, whole_events;

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] % 17 + 1;
	data++;
	size--;

	ready_scanner_init(&s);
	for (off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		split_events += ready_scanner_feed(&s, (const char *)data + off, n,
						   fuzz_check_event, NULL);
	}
	ready_scanner_init(&s);
	whole_events = ready_scanner_feed(&s, (const char *)data, size, fuzz_check_event, NULL);
	if (split_events != whole_events)
		abort();
	if (ready_parse_line((const char *)data, size, &ev) == 1)
		fuzz_check_event(&ev, NULL);
	return 0;
}
