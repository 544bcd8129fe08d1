/*
 * chv_event_fuzzer.c - fuzzes the Cloud Hypervisor event-monitor reader
 * (src/backend/chv_event.c). Input byte 0 picks the size of the pieces the
 * stream arrives in (+ 1); the rest is the stream. Every feed must return
 * 0 or a documented code, every delivered event must carry non-empty
 * strings, a dead reader must stay dead with the same code, and the same
 * stream fed in one piece must end with the same code after the same
 * number of events (split points must not matter).
 */
#include <stdlib.h>
#include <string.h>

#include "backend/chv_event.h"
#include "fuzz.h"
#include "vmc.h"

#define FUZZ_INPUT_MAX (512 * 1024)

static void on_event(const char *source, const char *event, json_t *props, void *payload)
{
	size_t *count = payload;

	if (!source || !event)
		abort();
	if (props && !json_is_object(props))
		abort();
	(void)chv_event_map(source, event);
	(*count)++;
}

static int feed_all(const uint8_t *data, size_t size, size_t piece, size_t *count)
{
	struct chv_event_reader r;
	int rc = 0;

	chv_event_reader_init(&r, on_event, count);
	for (size_t off = 0; off < size && rc == 0; off += piece) {
		size_t n = size - off < piece ? size - off : piece;

		rc = chv_event_feed(&r, data + off, n);
		if (rc != 0 && rc != VMC_EPROTO && rc != VMC_ENOMEM)
			abort();
	}
	if (rc != 0 && chv_event_feed(&r, "{}", 2) != rc)
		abort();
	chv_event_reader_fini(&r);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t piece, split = 0, whole = 0;
	int rc1, rc2;

	if (size == 0 || size > FUZZ_INPUT_MAX)
		return 0;
	piece = (size_t)data[0] + 1;
	data++;
	size--;
	rc1 = feed_all(data, size, piece, &split);
	rc2 = feed_all(data, size, size ? size : 1, &whole);
	/* the bound and every error depend on the bytes, not on how they
	 * were split: both runs end alike after the same events */
	if (rc1 == VMC_ENOMEM || rc2 == VMC_ENOMEM)
		return 0;
	if (rc1 != rc2 || split != whole)
		abort();
	return 0;
}
