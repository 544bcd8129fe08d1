/*
 * switch_core.c - forwarding decisions of the L2 switch (see
 * switch_core.h). The MAC table is an open-addressing hash table with
 * linear probing and backward-shift deletion (no tombstones, so removing
 * a port or ageing never slows later lookups), sized to at most half
 * full. Flooding walks a dense list of live ports. Nothing here does I/O
 * or reads a clock: the caller passes monotonic milliseconds in.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "net/switch_core.h"

struct mac_entry {
	uint64_t key;      /* the MAC in the low 48 bits; 0: empty slot */
	unsigned port;
	int64_t seen_ms;
};

struct switch_core {
	unsigned max_ports, max_macs;
	int64_t age_ms;
	int64_t next_sweep_ms;

	unsigned char *port_used;
	struct switch_port_counters *ctr;
	unsigned *active;          /* dense list of live ports, for flooding */
	unsigned *active_pos;      /* port -> index in active */
	unsigned n_active;

	struct mac_entry *tab;
	size_t mask;               /* table size - 1 (a power of two) */
	unsigned bits;
	unsigned n_macs;
	uint64_t learn_full, moves, aged;
};

static uint64_t mac_key(const uint8_t *m)
{
	return (uint64_t)m[0] << 40 | (uint64_t)m[1] << 32 | (uint64_t)m[2] << 24 |
	       (uint64_t)m[3] << 16 | (uint64_t)m[4] << 8 | (uint64_t)m[5];
}

static size_t slot_of(const struct switch_core *sw, uint64_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> (64 - sw->bits));
}

int switch_core_new(struct switch_core **out, unsigned max_ports, unsigned max_macs,
		    int64_t age_ms)
{
	struct switch_core *sw;
	unsigned bits = 4;

	if (max_ports == 0 || max_ports > SWITCH_PORTS_MAX)
		return vmc_error_set(VMC_EINVAL, "switch ports %u out of range 1..%u", max_ports,
				     SWITCH_PORTS_MAX);
	if (max_macs == 0 || max_macs > (1u << 20))
		return vmc_error_set(VMC_EINVAL, "switch MAC table size %u out of range", max_macs);
	if (age_ms <= 0)
		return vmc_error_set(VMC_EINVAL, "switch ageing time must be positive");
	while ((1ull << bits) < 2ull * max_macs)
		bits++;
	sw = calloc(1, sizeof(*sw));
	if (!sw)
		return vmc_error_oom();
	sw->max_ports = max_ports;
	sw->max_macs = max_macs;
	sw->age_ms = age_ms;
	sw->bits = bits;
	sw->mask = ((size_t)1 << bits) - 1;
	sw->port_used = calloc(max_ports, 1);
	sw->ctr = calloc(max_ports, sizeof(*sw->ctr));
	sw->active = calloc(max_ports, sizeof(*sw->active));
	sw->active_pos = calloc(max_ports, sizeof(*sw->active_pos));
	sw->tab = calloc(sw->mask + 1, sizeof(*sw->tab));
	if (!sw->port_used || !sw->ctr || !sw->active || !sw->active_pos || !sw->tab) {
		switch_core_free(sw);
		return vmc_error_oom();
	}
	*out = sw;
	return 0;
}

void switch_core_free(struct switch_core *sw)
{
	if (!sw)
		return;
	free(sw->port_used);
	free(sw->ctr);
	free(sw->active);
	free(sw->active_pos);
	free(sw->tab);
	free(sw);
}

/* Empties slot i and shifts later members of its probe run back, so
 * every entry stays reachable from its home slot without tombstones. */
static void tab_delete_at(struct switch_core *sw, size_t i)
{
	size_t j = i, home;

	for (;;) {
		j = (j + 1) & sw->mask;
		if (sw->tab[j].key == 0)
			break;
		home = slot_of(sw, sw->tab[j].key);
		/* the entry at j may stay if its home lies cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		sw->tab[i] = sw->tab[j];
		i = j;
	}
	sw->tab[i].key = 0;
	sw->n_macs--;
}

static struct mac_entry *tab_find(const struct switch_core *sw, uint64_t key)
{
	size_t i = slot_of(sw, key);

	while (sw->tab[i].key != 0) {
		if (sw->tab[i].key == key)
			return &sw->tab[i];
		i = (i + 1) & sw->mask;
	}
	return NULL;
}

/* Removes every entry for which drop() says so; returns how many. A slot
 * is examined again after a deletion, because backward shift may have
 * moved a not-yet-examined entry into it. */
static unsigned tab_remove_if(struct switch_core *sw, int (*drop)(const struct mac_entry *e,
								  const void *arg),
			      const void *arg)
{
	unsigned removed = 0;
	size_t i = 0;

	while (i <= sw->mask) {
		if (sw->tab[i].key != 0 && drop(&sw->tab[i], arg)) {
			tab_delete_at(sw, i);
			removed++;
			continue;
		}
		i++;
	}
	return removed;
}

struct age_arg {
	int64_t now_ms, age_ms;
};

static int is_stale(const struct mac_entry *e, const void *arg)
{
	const struct age_arg *a = arg;

	return a->now_ms - e->seen_ms > a->age_ms;
}

static int is_on_port(const struct mac_entry *e, const void *arg)
{
	return e->port == *(const unsigned *)arg;
}

unsigned switch_core_age(struct switch_core *sw, int64_t now_ms)
{
	struct age_arg a = { now_ms, sw->age_ms };
	unsigned n = sw->n_macs ? tab_remove_if(sw, is_stale, &a) : 0;

	sw->aged += n;
	sw->next_sweep_ms = now_ms + (sw->age_ms / 4 > 0 ? sw->age_ms / 4 : 1);
	return n;
}

int switch_core_port_add(struct switch_core *sw, unsigned *out)
{
	unsigned p;

	for (p = 0; p < sw->max_ports; p++)
		if (!sw->port_used[p])
			break;
	if (p == sw->max_ports)
		return vmc_error_set(VMC_EBUSY, "all %u switch ports are in use", sw->max_ports);
	sw->port_used[p] = 1;
	memset(&sw->ctr[p], 0, sizeof(sw->ctr[p]));
	sw->active_pos[p] = sw->n_active;
	sw->active[sw->n_active++] = p;
	*out = p;
	return 0;
}

int switch_core_port_exists(const struct switch_core *sw, unsigned port)
{
	return port < sw->max_ports && sw->port_used[port];
}

int switch_core_port_remove(struct switch_core *sw, unsigned port)
{
	unsigned pos, last;

	if (!switch_core_port_exists(sw, port))
		return vmc_error_set(VMC_ENOTFOUND, "no switch port %u", port);
	if (sw->n_macs)
		tab_remove_if(sw, is_on_port, &port);
	pos = sw->active_pos[port];
	last = sw->active[--sw->n_active];
	sw->active[pos] = last;
	sw->active_pos[last] = pos;
	sw->port_used[port] = 0;
	memset(&sw->ctr[port], 0, sizeof(sw->ctr[port]));
	return 0;
}

static void learn(struct switch_core *sw, uint64_t key, unsigned port, int64_t now_ms)
{
	struct mac_entry *e = tab_find(sw, key);
	size_t i;

	if (e) {
		if (e->port != port)
			sw->moves++;
		e->port = port;
		e->seen_ms = now_ms;
		return;
	}
	if (sw->n_macs >= sw->max_macs)
		switch_core_age(sw, now_ms);
	if (sw->n_macs >= sw->max_macs) {
		sw->learn_full++;
		return;
	}
	i = slot_of(sw, key);
	while (sw->tab[i].key != 0)
		i = (i + 1) & sw->mask;
	sw->tab[i].key = key;
	sw->tab[i].port = port;
	sw->tab[i].seen_ms = now_ms;
	sw->n_macs++;
}

int switch_core_lookup(const struct switch_core *sw, const uint8_t mac[6], int64_t now_ms)
{
	const struct mac_entry *e = tab_find(sw, mac_key(mac));

	if (!e || now_ms - e->seen_ms > sw->age_ms)
		return -1;
	return (int)e->port;
}

int switch_core_forward(struct switch_core *sw, unsigned in, const uint8_t *frame, size_t len,
			int64_t now_ms, unsigned *dst, size_t dst_max)
{
	struct switch_port_counters *c;
	uint64_t src_key;
	size_t n = 0, k;
	int to;

	if (!switch_core_port_exists(sw, in))
		return -1;
	c = &sw->ctr[in];
	if (len < SWITCH_FRAME_MIN || len > SWITCH_FRAME_MAX) {
		c->rx_drops++;
		return -1;
	}
	c->rx_frames++;
	c->rx_bytes += len;
	if (now_ms >= sw->next_sweep_ms)
		switch_core_age(sw, now_ms);

	/* learn unicast, non-zero sources only: a group address as source is
	 * bogus, and all-zero is the empty-slot key */
	src_key = mac_key(frame + 6);
	if (!(frame[6] & 1) && src_key != 0)
		learn(sw, src_key, in, now_ms);

	if (!(frame[0] & 1)) {
		to = switch_core_lookup(sw, frame, now_ms);
		if (to >= 0) {
			if ((unsigned)to == in || dst_max == 0)
				return 0; /* never echo to the sender */
			dst[0] = (unsigned)to;
			return 1;
		}
	}
	/* broadcast, multicast or unknown unicast: every other port */
	for (k = 0; k < sw->n_active && n < dst_max; k++)
		if (sw->active[k] != in)
			dst[n++] = sw->active[k];
	return (int)n;
}

void switch_core_count_tx(struct switch_core *sw, unsigned port, size_t len, int delivered)
{
	struct switch_port_counters *c;

	if (!switch_core_port_exists(sw, port))
		return;
	c = &sw->ctr[port];
	if (delivered) {
		c->tx_frames++;
		c->tx_bytes += len;
	} else {
		c->tx_drops++;
	}
}

const struct switch_port_counters *switch_core_counters(const struct switch_core *sw,
							 unsigned port)
{
	return switch_core_port_exists(sw, port) ? &sw->ctr[port] : NULL;
}

void switch_core_get_stats(const struct switch_core *sw, struct switch_core_stats *out)
{
	out->n_ports = sw->n_active;
	out->n_macs = sw->n_macs;
	out->learn_full = sw->learn_full;
	out->moves = sw->moves;
	out->aged = sw->aged;
}
