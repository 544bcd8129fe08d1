/*
 * forward_int.h - the inside of struct fwd, shared by forward.c (rules,
 * loop, timer), forward_tcp.c (connections) and forward_udp.c (flows).
 * Nothing outside these three files includes it.
 */
#ifndef VMC_NET_FORWARD_INT_H
#define VMC_NET_FORWARD_INT_H

#include <stdint.h>
#include <sys/socket.h>

#include "net/forward.h"

#define FWD_UDP_BUCKETS 64
#define FWD_DGRAM_MAX 65536

struct fwd;

/* One fd in the forwarder's epoll set: the loop calls fn with it. */
struct fwd_watch {
	int fd;
	void (*fn)(struct fwd *f, struct fwd_watch *w, uint32_t events);
};

struct fwd_rule {
	struct fwd_watch listen;
	vmc_proto proto;
	struct sockaddr_storage host;     /* what it listens on */
	struct sockaddr_storage target;   /* valid when target_set */
	socklen_t target_len;
	int target_set;
	int polling;                      /* listen fd is in the epoll set */
	int paused;                       /* out of fds: unpolled until one frees */
	unsigned int guest_port;
	char label[FWD_LABEL_MAX];
};

/* One direction of a TCP connection: bytes spliced from `src` into the
 * pipe, then from the pipe into `dst`. */
struct fwd_dir {
	int pipe[2];
	size_t pending;   /* bytes in the pipe */
	int eof;          /* src said EOF */
	int shut;         /* EOF passed on: shutdown(dst, SHUT_WR) done */
	int full;         /* the pipe took no more: wait for dst to drain it */
};

struct fwd_conn {
	struct fwd_watch client, guest;
	uint32_t client_ev, guest_ev;     /* interest registered now */
	struct fwd_rule *rule;
	int connected;
	int dead;
	struct fwd_dir up;                /* client -> guest */
	struct fwd_dir down;              /* guest -> client */
	struct fwd_conn *prev, *next;
};

struct fwd_flow {
	struct fwd_watch sock;            /* connected towards the guest */
	struct fwd_rule *rule;
	struct sockaddr_storage peer;     /* the client */
	socklen_t peer_len;
	int64_t last_ms;
	int dead;
	struct fwd_flow *prev, *next;     /* all flows */
	struct fwd_flow *hnext;           /* bucket chain */
};

struct fwd {
	int epfd;
	struct fwd_limits lim;
	struct fwd_rule *rules[FWD_MAX_RULES];
	size_t n_rules;
	struct fwd_conn *conns;
	struct fwd_conn *graveyard;       /* closed in this dispatch round */
	struct fwd_flow *flows;
	struct fwd_flow *flow_graveyard;
	struct fwd_flow *buckets[FWD_UDP_BUCKETS];
	struct fwd_watch timer;
	int timer_armed;
	int guest_ns, home_ns;            /* netns fds, -1: the caller's */
	unsigned int n_paused;
	struct fwd_stats st;
	unsigned char buf[FWD_DGRAM_MAX];
};

/* forward.c */
int fwd_watch_add(struct fwd *f, struct fwd_watch *w, uint32_t events);
int fwd_watch_mod(struct fwd *f, struct fwd_watch *w, uint32_t events);
void fwd_watch_del(struct fwd *f, struct fwd_watch *w);
void fwd_logf(struct fwd *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A listener that hit the fd limit stops being polled (level-triggered
 * epoll would report the queued client forever); each closed connection
 * or flow puts the paused ones back. */
void fwd_pause(struct fwd *f, struct fwd_rule *r);
void fwd_resume_paused(struct fwd *f);

/* forward_tcp.c */
void fwd_tcp_on_listen(struct fwd *f, struct fwd_watch *w, uint32_t events);
void fwd_tcp_close_all(struct fwd *f);
void fwd_tcp_reap(struct fwd *f);

/* forward_udp.c */
void fwd_udp_on_listen(struct fwd *f, struct fwd_watch *w, uint32_t events);
void fwd_udp_on_timer(struct fwd *f, struct fwd_watch *w, uint32_t events);
int fwd_timer_update(struct fwd *f);
void fwd_udp_close_all(struct fwd *f);
void fwd_udp_reap(struct fwd *f);

#endif
