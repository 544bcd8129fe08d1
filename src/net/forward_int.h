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
#define FWD_RELAY_CHUNK (64 * 1024) /* per read: splice into the pipe, or the buffer */

/* Readiness a watch asks for and its function receives: epoll's values
 * on Linux (forward_epoll.c passes them through); forward_kqueue.c maps
 * EVFILT_READ / EVFILT_WRITE / EV_EOF to them. */
#define FWD_EV_IN 0x001
#define FWD_EV_OUT 0x004
#define FWD_EV_ERR 0x008
#define FWD_EV_HUP 0x010

struct fwd;

/* One fd in the forwarder's loop: the loop calls fn with it. A timer
 * watch has fd -1 on macOS (a kqueue timer needs no descriptor). */
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
	int polling;                      /* listen fd is in the loop */
	int paused;                       /* out of fds: unpolled until one frees */
	unsigned int guest_port;
	char label[FWD_LABEL_MAX];
};

/* One direction of a TCP connection: bytes spliced from `src` into the
 * pipe, then from the pipe into `dst` (Linux); read into a buffer, then
 * written from it (macOS: no splice). */
struct fwd_dir {
	int pipe[2];      /* Linux; -1 on macOS */
	unsigned char *buf; /* macOS: FWD_RELAY_CHUNK bytes; NULL on Linux */
	size_t off;       /* macOS: where the pending bytes start in buf */
	size_t pending;   /* bytes in the pipe (buffer) */
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
	int epfd;                         /* epoll (Linux) or kqueue (macOS) */
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

/* forward_epoll.c (Linux) / forward_kqueue.c (macOS): the loop, the
 * timer, the relay's data path and the calls that differ. fwd_dispatch,
 * fwd_set_guest_netns and fwd_guest_socket (forward.h) are there too. */
/* The loop fd (f->epfd) and the timer watch (f->timer, fn set). */
int fwd_loop_open(struct fwd *f);
/* `events`: FWD_EV_IN and/or FWD_EV_OUT. */
int fwd_watch_add(struct fwd *f, struct fwd_watch *w, uint32_t events);
int fwd_watch_mod(struct fwd *f, struct fwd_watch *w, uint32_t events);
void fwd_watch_del(struct fwd *f, struct fwd_watch *w);
/* The timer fires every ms milliseconds; 0 stops it. */
int fwd_timer_set(struct fwd *f, unsigned int ms);
/* A close-on-exec, non-blocking socket (no SIGPIPE from it on macOS). */
int fwd_socket(int family, int type);
/* accept4(SOCK_NONBLOCK | SOCK_CLOEXEC), or its macOS equivalent. */
int fwd_accept(int listen_fd);
/* A direction's pipe (Linux) or buffer (macOS); 0, or -1 with errno. */
int fwd_dir_open(struct fwd_dir *d);
void fwd_dir_close(struct fwd_dir *d);
/* From src into the pipe/buffer (<= FWD_RELAY_CHUNK bytes), and from it
 * into dst: like read/write (n, 0 at EOF for fill, -1 with errno; EAGAIN
 * also when the buffer has no room). Both adjust d->pending. */
ssize_t fwd_dir_fill(struct fwd_dir *d, int src);
ssize_t fwd_dir_drain(struct fwd_dir *d, int dst);

/* forward.c */
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
