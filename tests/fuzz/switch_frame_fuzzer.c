/*
 * switch_frame_fuzzer.c - drives the L2 switch core (src/net/switch_core.c)
 * with an input that scripts ports, frames and clock: each step is one
 * opcode byte. 0: add a port. 1: remove port <byte>. 2: a frame on port
 * <byte>, clock advanced by <byte> ms, length <2 bytes, little endian>,
 * whose bytes are the next input bytes (zero-padded past the end; a length
 * over 65535 tests the oversize path). 3: an ageing sweep after <2 bytes>
 * ms. After each frame the switch's promises are checked: destinations
 * are live, distinct and never the ingress port; a group destination or
 * unknown unicast reaches every other port; a learned source is found on
 * its ingress port; drops happen exactly for runts and oversize frames.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "net/switch_core.h"

#define FUZZ_PORTS 8
#define FUZZ_MACS 16
#define FUZZ_AGE_MS 500

static uint8_t frame_buf[SWITCH_FRAME_MAX + 16];

static size_t take(const uint8_t **data, size_t *size, uint8_t *out, size_t n)
{
	size_t k = n < *size ? n : *size;

	memcpy(out, *data, k);
	memset(out + k, 0, n - k);
	*data += k;
	*size -= k;
	return k;
}

static void check_frame(struct switch_core *sw, unsigned in, size_t len, int64_t now, int n,
			const unsigned *dst)
{
	struct switch_core_stats st;
	unsigned char seen[FUZZ_PORTS] = { 0 };
	int i;

	switch_core_get_stats(sw, &st);
	if (!switch_core_port_exists(sw, in)) {
		if (n != -1)
			abort();
		return;
	}
	if ((len < SWITCH_FRAME_MIN || len > SWITCH_FRAME_MAX) != (n == -1))
		abort();
	if (n < 0)
		return;
	if ((unsigned)n >= st.n_ports + (st.n_ports == 0))
		abort();
	for (i = 0; i < n; i++) {
		if (dst[i] >= FUZZ_PORTS || dst[i] == in || seen[dst[i]] ||
		    !switch_core_port_exists(sw, dst[i]))
			abort();
		seen[dst[i]] = 1;
	}
	if ((frame_buf[0] & 1) || switch_core_lookup(sw, frame_buf, now) < 0) {
		if ((unsigned)n != st.n_ports - 1) /* flood: every other port */
			abort();
	} else if (n > 1) {
		abort();
	}
	/* a unicast, non-zero source is on its ingress port unless the
	 * table was full */
	static const uint8_t zero[6];
	if (!(frame_buf[6] & 1) && memcmp(frame_buf + 6, zero, 6) != 0) {
		int at = switch_core_lookup(sw, frame_buf + 6, now);
		if (at != (int)in && !(at < 0 && st.n_macs == FUZZ_MACS))
			abort();
	}
	if (st.n_macs > FUZZ_MACS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct switch_core *sw = NULL;
	unsigned dst[SWITCH_PORTS_MAX], port;
	int64_t now = 1;
	uint8_t b[2];

	if (switch_core_new(&sw, FUZZ_PORTS, FUZZ_MACS, FUZZ_AGE_MS) < 0)
		abort();
	while (size > 0) {
		uint8_t op = data[0] % 4;

		data++;
		size--;
		if (op == 0) {
			switch_core_port_add(sw, &port);
		} else if (op == 1) {
			take(&data, &size, b, 1);
			port = b[0] % (FUZZ_PORTS + 1);
			int existed = switch_core_port_exists(sw, port);
			if ((switch_core_port_remove(sw, port) == 0) != existed)
				abort();
		} else if (op == 2) {
			uint8_t hdr[4];
			size_t len, copy;
			const struct switch_port_counters *c;
			uint64_t drops_before = 0;
			int n;

			take(&data, &size, hdr, 4);
			port = hdr[0] % (FUZZ_PORTS + 1);
			now += hdr[1];
			len = (size_t)hdr[2] | (size_t)hdr[3] << 8;
			if (hdr[3] == 0xff)
				len = SWITCH_FRAME_MAX + 1 + hdr[2]; /* oversize */
			copy = len < sizeof(frame_buf) ? len : sizeof(frame_buf);
			take(&data, &size, frame_buf, copy);
			c = switch_core_counters(sw, port);
			if (c)
				drops_before = c->rx_drops;
			n = switch_core_forward(sw, port, frame_buf, len, now, dst, SWITCH_PORTS_MAX);
			check_frame(sw, port, len, now, n, dst);
			c = switch_core_counters(sw, port);
			if (c && (c->rx_drops != drops_before) != (n < 0))
				abort();
			for (int i = 0; i < n; i++)
				switch_core_count_tx(sw, dst[i], len, i % 2);
		} else {
			take(&data, &size, b, 2);
			now += (int64_t)b[0] | (int64_t)b[1] << 8;
			switch_core_age(sw, now);
		}
	}
	switch_core_free(sw);
	return 0;
}
