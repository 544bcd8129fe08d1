/*
 * switch_core_test.c - the L2 switch's forwarding logic without I/O: MAC
 * learning, flooding of broadcast/multicast/unknown unicast, no echo,
 * isolation between two instances, ageing on the clock passed in, runt
 * and oversize frames, port removal at run time, counters, a full MAC
 * table, and the hash table staying consistent under heavy deletion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/switch_core.h"
#include "vmc.h"

#define AGE 1000

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t MAC_C[6] = { 0x02, 0, 0, 0, 0, 0x0c };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

static uint8_t frame[SWITCH_FRAME_MAX + 2];

static const uint8_t *mk(const uint8_t *dst, const uint8_t *src)
{
	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	frame[12] = 0x08;
	frame[13] = 0x00;
	return frame;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* Forwards a 64-byte frame and returns the destinations as a sorted
 * string of digits ("12"), "drop" or "". */
static const char *fwd(struct switch_core *sw, unsigned in, const uint8_t *dst,
		       const uint8_t *src, int64_t now)
{
	static char out[SWITCH_PORTS_MAX + 8];
	unsigned d[SWITCH_PORTS_MAX];
	int n = switch_core_forward(sw, in, mk(dst, src), 64, now, d, SWITCH_PORTS_MAX);

	if (n < 0)
		return "drop";
	qsort(d, (size_t)n, sizeof(d[0]), cmp_unsigned);
	for (int i = 0; i < n; i++)
		out[i] = (char)('0' + d[i]);
	out[n] = '\0';
	return out;
}

static struct switch_core *three_ports(void)
{
	struct switch_core *sw = NULL;
	unsigned p;

	assert_int_equal(switch_core_new(&sw, 8, 64, AGE), 0);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(switch_core_port_add(sw, &p), 0);
		assert_int_equal(p, i);
	}
	return sw;
}

static void switch_core__learning(void **state)
{
	struct switch_core *sw = three_ports();

	assert_string_equal(fwd(sw, 0, MAC_B, MAC_A, 1), "12"); /* B unknown: flood */
	assert_int_equal(switch_core_lookup(sw, MAC_A, 1), 0);
	assert_string_equal(fwd(sw, 1, MAC_A, MAC_B, 2), "0");  /* A learned on 0 */
	assert_string_equal(fwd(sw, 0, MAC_B, MAC_A, 3), "1");  /* B learned on 1 */
	assert_string_equal(fwd(sw, 2, MAC_B, MAC_C, 4), "1");
	assert_string_equal(fwd(sw, 1, MAC_C, MAC_B, 5), "2");
	/* A moves to port 2: the table follows */
	assert_string_equal(fwd(sw, 2, MAC_B, MAC_A, 6), "1");
	assert_string_equal(fwd(sw, 1, MAC_A, MAC_B, 7), "2");
	struct switch_core_stats st;
	switch_core_get_stats(sw, &st);
	assert_int_equal(st.n_macs, 3);
	assert_int_equal(st.moves, 1);
	switch_core_free(sw);
}

static void switch_core__flooding(void **state)
{
	struct switch_core *sw = three_ports();

	assert_string_equal(fwd(sw, 1, BCAST, MAC_B, 1), "02");
	assert_string_equal(fwd(sw, 0, MCAST, MAC_A, 1), "12");
	/* group addresses flood even after hosts are known */
	assert_string_equal(fwd(sw, 2, BCAST, MAC_C, 2), "01");
	/* a multicast source is never learned */
	assert_string_equal(fwd(sw, 0, MAC_B, MCAST, 3), "1");
	assert_int_equal(switch_core_lookup(sw, MCAST, 3), -1);
	assert_string_equal(fwd(sw, 1, MCAST, MAC_B, 4), "02");
	/* unknown unicast floods */
	static const uint8_t unknown[6] = { 0x02, 9, 9, 9, 9, 9 };
	assert_string_equal(fwd(sw, 0, unknown, MAC_A, 5), "12");
	switch_core_free(sw);
}

static void switch_core__no_echo(void **state)
{
	struct switch_core *sw = three_ports();

	/* A and B both behind port 0 (say, a nested bridge) */
	fwd(sw, 0, BCAST, MAC_A, 1);
	fwd(sw, 0, BCAST, MAC_B, 1);
	assert_string_equal(fwd(sw, 0, MAC_B, MAC_A, 2), "");
	assert_string_equal(fwd(sw, 0, BCAST, MAC_A, 2), "12");
	/* a lone port floods to nobody */
	struct switch_core *one = NULL;
	unsigned p;
	assert_int_equal(switch_core_new(&one, 1, 4, AGE), 0);
	assert_int_equal(switch_core_port_add(one, &p), 0);
	assert_string_equal(fwd(one, 0, BCAST, MAC_A, 1), "");
	assert_int_equal(switch_core_port_add(one, &p), VMC_EBUSY);
	switch_core_free(one);
	switch_core_free(sw);
}

static void switch_core__isolation(void **state)
{
	struct switch_core *a = three_ports(), *b = three_ports();

	fwd(a, 0, BCAST, MAC_A, 1);
	fwd(a, 1, BCAST, MAC_B, 1);
	assert_string_equal(fwd(a, 2, MAC_A, MAC_C, 2), "0");
	/* the same MACs mean nothing on the other switch */
	assert_int_equal(switch_core_lookup(b, MAC_A, 2), -1);
	assert_string_equal(fwd(b, 2, MAC_A, MAC_C, 2), "01");
	assert_int_equal(switch_core_counters(b, 0)->rx_frames, 0);
	assert_int_equal(switch_core_counters(a, 0)->rx_frames, 1);
	assert_int_equal(switch_core_counters(b, 2)->rx_frames, 1);
	switch_core_free(a);
	switch_core_free(b);
}

static void switch_core__ageing(void **state)
{
	struct switch_core *sw = three_ports();
	struct switch_core_stats st;

	fwd(sw, 1, BCAST, MAC_B, 100);
	assert_string_equal(fwd(sw, 0, MAC_B, MAC_A, 100 + AGE), "1"); /* exactly AGE: kept */
	assert_string_equal(fwd(sw, 0, MAC_B, MAC_A, 101 + AGE), "12"); /* older: flood */
	assert_int_equal(switch_core_lookup(sw, MAC_B, 101 + AGE), -1);
	/* A was refreshed at 101 + AGE; B is swept */
	assert_int_equal(switch_core_age(sw, 101 + AGE), 1);
	switch_core_get_stats(sw, &st);
	assert_int_equal(st.n_macs, 1);
	assert_int_equal(st.aged, 1);
	/* traffic refreshes an entry */
	for (int64_t t = 200 + AGE; t < 200 + 5 * AGE; t += AGE / 2)
		fwd(sw, 0, BCAST, MAC_A, t);
	assert_int_equal(switch_core_lookup(sw, MAC_A, 200 + 5 * AGE), 0);
	/* the forward path sweeps by itself */
	assert_string_equal(fwd(sw, 2, BCAST, MAC_C, 200 + 10 * AGE), "01");
	switch_core_get_stats(sw, &st);
	assert_int_equal(st.n_macs, 1); /* only C */
	assert_int_equal(st.aged, 2);
	switch_core_free(sw);
}

static void switch_core__runt_and_oversize(void **state)
{
	struct switch_core *sw = three_ports();
	unsigned d[8];

	mk(BCAST, MAC_A);
	assert_int_equal(switch_core_forward(sw, 0, frame, 0, 1, d, 8), -1);
	assert_int_equal(switch_core_forward(sw, 0, frame, 13, 1, d, 8), -1);
	assert_int_equal(switch_core_forward(sw, 0, frame, 65536, 1, d, 8), -1);
	assert_int_equal(switch_core_forward(sw, 0, frame, (size_t)-1, 1, d, 8), -1);
	assert_int_equal(switch_core_counters(sw, 0)->rx_drops, 4);
	assert_int_equal(switch_core_counters(sw, 0)->rx_frames, 0);
	/* a dropped frame teaches nothing */
	assert_int_equal(switch_core_lookup(sw, MAC_A, 1), -1);
	assert_int_equal(switch_core_forward(sw, 0, frame, 14, 1, d, 8), 2);
	assert_int_equal(switch_core_forward(sw, 0, frame, 65535, 1, d, 8), 2);
	assert_int_equal(switch_core_counters(sw, 0)->rx_frames, 2);
	assert_int_equal(switch_core_counters(sw, 0)->rx_bytes, 14 + 65535);
	/* an unknown ingress port drops without touching anything */
	assert_int_equal(switch_core_forward(sw, 7, frame, 64, 1, d, 8), -1);
	assert_int_equal(switch_core_forward(sw, 5000, frame, 64, 1, d, 8), -1);
	switch_core_free(sw);
}

static void switch_core__port_removal(void **state)
{
	struct switch_core *sw = three_ports();
	unsigned p;

	fwd(sw, 0, BCAST, MAC_A, 1);
	fwd(sw, 1, BCAST, MAC_B, 1);
	fwd(sw, 1, BCAST, MAC_C, 1);
	assert_string_equal(fwd(sw, 0, MAC_B, MAC_A, 2), "1");
	switch_core_count_tx(sw, 1, 64, 1);
	assert_int_equal(switch_core_port_remove(sw, 1), 0);
	assert_int_equal(switch_core_port_remove(sw, 1), VMC_ENOTFOUND);
	assert_int_equal(switch_core_lookup(sw, MAC_B, 2), -1);
	assert_int_equal(switch_core_lookup(sw, MAC_C, 2), -1);
	assert_int_equal(switch_core_lookup(sw, MAC_A, 2), 0);
	assert_null(switch_core_counters(sw, 1));
	assert_string_equal(fwd(sw, 0, MAC_B, MAC_A, 3), "2");
	assert_string_equal(fwd(sw, 2, BCAST, MAC_C, 3), "0");
	assert_string_equal(fwd(sw, 1, BCAST, MAC_B, 3), "drop");
	/* the id comes back fresh */
	assert_int_equal(switch_core_port_add(sw, &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(switch_core_counters(sw, 1)->tx_frames, 0);
	assert_string_equal(fwd(sw, 0, BCAST, MAC_A, 4), "12");
	switch_core_free(sw);
}

static void switch_core__counters(void **state)
{
	struct switch_core *sw = three_ports();
	const struct switch_port_counters *c;

	fwd(sw, 0, BCAST, MAC_A, 1);
	switch_core_count_tx(sw, 1, 64, 1);
	switch_core_count_tx(sw, 2, 64, 0);
	switch_core_count_tx(sw, 9, 64, 1); /* no such port: ignored */
	c = switch_core_counters(sw, 0);
	assert_int_equal(c->rx_frames, 1);
	assert_int_equal(c->rx_bytes, 64);
	c = switch_core_counters(sw, 1);
	assert_int_equal(c->tx_frames, 1);
	assert_int_equal(c->tx_bytes, 64);
	assert_int_equal(c->tx_drops, 0);
	assert_int_equal(switch_core_counters(sw, 2)->tx_drops, 1);
	switch_core_free(sw);
}

static void switch_core__table_full(void **state)
{
	struct switch_core *sw = NULL;
	struct switch_core_stats st;
	uint8_t mac[6] = { 0x02, 1, 2, 3, 4, 0 };
	unsigned p;

	assert_int_equal(switch_core_new(&sw, 2, 4, AGE), 0);
	assert_int_equal(switch_core_port_add(sw, &p), 0);
	assert_int_equal(switch_core_port_add(sw, &p), 0);
	for (int i = 0; i < 5; i++) {
		mac[5] = (uint8_t)i;
		fwd(sw, 0, BCAST, mac, 1);
	}
	switch_core_get_stats(sw, &st);
	assert_int_equal(st.n_macs, 4);
	assert_int_equal(st.learn_full, 1);
	assert_int_equal(switch_core_lookup(sw, mac, 1), -1);
	/* once the old ones age, room is made on demand */
	fwd(sw, 0, BCAST, mac, 2 + AGE);
	assert_int_equal(switch_core_lookup(sw, mac, 2 + AGE), 0);
	switch_core_free(sw);
}

static void switch_core__bad_arguments(void **state)
{
	struct switch_core *sw = NULL;

	assert_int_equal(switch_core_new(&sw, 0, 4, AGE), VMC_EINVAL);
	assert_int_equal(switch_core_new(&sw, SWITCH_PORTS_MAX + 1, 4, AGE), VMC_EINVAL);
	assert_int_equal(switch_core_new(&sw, 4, 0, AGE), VMC_EINVAL);
	assert_int_equal(switch_core_new(&sw, 4, 4, 0), VMC_EINVAL);
	assert_null(sw);
	switch_core_free(NULL);
}

/* Many hosts on many ports, removed port by port: after every removal
 * each surviving host is still found where it was learned. */
static void switch_core__heavy_deletion(void **state)
{
	enum { PORTS = 16, HOSTS = 2000 };
	struct switch_core *sw = NULL;
	struct switch_core_stats st;
	uint8_t mac[6];
	unsigned p;

	assert_int_equal(switch_core_new(&sw, PORTS, HOSTS, 1000000), 0);
	for (int i = 0; i < PORTS; i++)
		assert_int_equal(switch_core_port_add(sw, &p), 0);
	for (unsigned h = 0; h < HOSTS; h++) {
		mac[0] = 0x02;
		mac[1] = (uint8_t)(h * 37);
		mac[2] = 0;
		mac[3] = (uint8_t)(h >> 8);
		mac[4] = (uint8_t)h;
		mac[5] = (uint8_t)(h * 13);
		fwd(sw, h % PORTS, BCAST, mac, 1);
	}
	switch_core_get_stats(sw, &st);
	assert_int_equal(st.n_macs, HOSTS);
	for (unsigned gone = 0; gone < PORTS; gone++) {
		assert_int_equal(switch_core_port_remove(sw, gone), 0);
		for (unsigned h = 0; h < HOSTS; h++) {
			mac[0] = 0x02;
			mac[1] = (uint8_t)(h * 37);
			mac[2] = 0;
			mac[3] = (uint8_t)(h >> 8);
			mac[4] = (uint8_t)h;
			mac[5] = (uint8_t)(h * 13);
			int want = h % PORTS <= gone ? -1 : (int)(h % PORTS);
			if (switch_core_lookup(sw, mac, 2) != want)
				fail_msg("host %u after removing port %u: got %d, want %d", h, gone,
					 switch_core_lookup(sw, mac, 2), want);
		}
	}
	switch_core_get_stats(sw, &st);
	assert_int_equal(st.n_macs, 0);
	assert_int_equal(st.n_ports, 0);
	switch_core_free(sw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(switch_core__learning),
		cmocka_unit_test(switch_core__flooding),
		cmocka_unit_test(switch_core__no_echo),
		cmocka_unit_test(switch_core__isolation),
		cmocka_unit_test(switch_core__ageing),
		cmocka_unit_test(switch_core__runt_and_oversize),
		cmocka_unit_test(switch_core__port_removal),
		cmocka_unit_test(switch_core__counters),
		cmocka_unit_test(switch_core__table_full),
		cmocka_unit_test(switch_core__bad_arguments),
		cmocka_unit_test(switch_core__heavy_deletion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
