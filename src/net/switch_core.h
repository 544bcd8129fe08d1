/*
 * switch_core.h - the forwarding logic of vmc's L2 switch, with no I/O:
 * ports (small integer ids), a MAC learning table with ageing on a
 * monotonic clock the caller passes in, flooding of broadcast, multicast
 * and unknown unicast, no echo to the ingress port, runt (< 14 bytes) and
 * oversize (> 65535 bytes) frames dropped and counted, and per-port
 * counters. Given a frame from port P it answers with the list of ports
 * the frame goes to; moving the bytes is the caller's job (src/net/switch.c
 * for the vmc-switch process). One instance is one isolated network.
 * Not thread-safe: one instance belongs to one loop.
 */
#ifndef VMC_NET_SWITCH_CORE_H
#define VMC_NET_SWITCH_CORE_H

#include <stddef.h>
#include <stdint.h>

#define SWITCH_FRAME_MIN 14        /* dst MAC + src MAC + EtherType */
#define SWITCH_FRAME_MAX 65535
#define SWITCH_PORTS_MAX 1024      /* hard upper bound on ports per switch */
#define SWITCH_AGE_MS_DEFAULT (300 * 1000)
#define SWITCH_MACS_DEFAULT 4096

struct switch_core;

struct switch_port_counters {
	uint64_t rx_frames, rx_bytes;  /* frames accepted from the port */
	uint64_t rx_drops;             /* runts and oversize frames */
	uint64_t tx_frames, tx_bytes;  /* frames delivered to the port */
	uint64_t tx_drops;             /* frames the port could not take */
};

struct switch_core_stats {
	unsigned n_ports;
	unsigned n_macs;               /* live entries in the MAC table */
	uint64_t learn_full;           /* source MACs not learned: table full */
	uint64_t moves;                /* a known MAC showed up on another port */
	uint64_t aged;                 /* entries removed by ageing */
};

/* Creates a switch for up to max_ports ports (<= SWITCH_PORTS_MAX) and
 * max_macs learned addresses; entries not refreshed for age_ms are
 * forgotten. 0 or VMC_EINVAL / VMC_ENOMEM. *out is freed with
 * switch_core_free(). */
int switch_core_new(struct switch_core **out, unsigned max_ports, unsigned max_macs,
		    int64_t age_ms);
void switch_core_free(struct switch_core *sw); /* NULL: no-op */

/* Adds a port; *out gets its id (< max_ports; the lowest free one).
 * VMC_EBUSY when every port is taken. */
int switch_core_port_add(struct switch_core *sw, unsigned *out);
/* Removes a port and forgets every MAC learned on it; its counters are
 * reset. VMC_ENOTFOUND for a port that does not exist. */
int switch_core_port_remove(struct switch_core *sw, unsigned port);
int switch_core_port_exists(const struct switch_core *sw, unsigned port);

/* A frame of `len` bytes arrived on `in` at monotonic time now_ms.
 * Learns its source, counts it, and writes the destination ports to
 * dst (room for dst_max ids; SWITCH_PORTS_MAX always suffices). Returns
 * the number of destinations (0: filtered, e.g. the destination lives on
 * the ingress port), or -1 when the frame is dropped (runt, oversize,
 * unknown ingress port). `len` may exceed SWITCH_FRAME_MAX (a truncated
 * datagram): only frame[0..min(len, 14)) is read. */
int switch_core_forward(struct switch_core *sw, unsigned in, const uint8_t *frame, size_t len,
			int64_t now_ms, unsigned *dst, size_t dst_max);

/* Counts the outcome of delivering a frame of `len` bytes to `port`. */
void switch_core_count_tx(struct switch_core *sw, unsigned port, size_t len, int delivered);

/* Forgets entries older than the ageing time; returns how many. The
 * forward path also sweeps on its own, at most every age_ms / 4. */
unsigned switch_core_age(struct switch_core *sw, int64_t now_ms);

/* Port a MAC is currently learned on (entry not aged at now_ms), or -1. */
int switch_core_lookup(const struct switch_core *sw, const uint8_t mac[6], int64_t now_ms);

/* Counters of a port, or NULL if it does not exist. Borrowed. */
const struct switch_port_counters *switch_core_counters(const struct switch_core *sw,
							 unsigned port);
void switch_core_get_stats(const struct switch_core *sw, struct switch_core_stats *out);

#endif
