/*
 * switch_peers.h - the two switches bench-switch compares, started and
 * wired the same way: two datagram "NICs" (data[0] = A, data[1] = B) per
 * switch, each connected to its port. vmc-switch's ports are added over its
 * control socket; vde_switch's through vde2's own handshake (see
 * switch_peers.c).
 */
#ifndef VMC_BENCH_SWITCH_PEERS_H
#define VMC_BENCH_SWITCH_PEERS_H

#include <stddef.h>
#include <sys/types.h>

struct sw {
	const char *label;
	int is_vde;
	pid_t pid;
	int pidfd;
	int stdin_w;                /* vde_switch: its stdin; EOF ends it */
	int ctl;                    /* vmc: control socket */
	char dir[64];
	int port_ctl[2];            /* vde: one control stream per port */
	int data[2];                /* A, B */
};

/* A fresh struct sw under base/ ("m" for vmc-switch, "v" for vde_switch). */
void bsw_init(struct sw *s, const char *label, int is_vde, const char *base);
/* Start the switch and attach both NICs; 0, or -1 with why filled. */
int bsw_start_vmc(struct sw *s, const char *bin, char *why, size_t why_len);
int bsw_start_vde(struct sw *s, char *why, size_t why_len);
/* Shut down (request, or EOF on vde_switch's console), reap, close. */
void bsw_stop(struct sw *s);

#endif
