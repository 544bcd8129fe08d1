/*
 * switch.h - vmc-switch, the process behind one switch network: a
 * single-threaded loop (epoll on Linux, kqueue on macOS) that moves
 * raw Ethernet frames between ports (unix datagram sockets, one datagram
 * = one frame: QEMU's `-netdev dgram` and VZ's file-handle NIC format) as
 * switch_core decides, and serves a control socket (switch.sock, JSON lines) to add
 * and remove ports, read counters and shut down. All of its files live in
 * the network directory given on the command line (created 0700):
 *
 *   <netdir>/switch.sock          control socket
 *   <netdir>/ports/<name>.sock    the switch's end of port <name> (path mode)
 *
 * A socketpair-mode port has no file: its other end went to whoever asked
 * for it, over the control socket.
 *
 * Everything here is internal to the vmc-switch executable.
 */
#ifndef VMC_NET_SWITCH_H
#define VMC_NET_SWITCH_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "core/line_reader.h"
#include "net/switch_core.h"
#include "net/switch_req.h"

#define VSW_BATCH 32              /* frames per recvmmsg/sendmmsg */
#define VSW_RX_ROUNDS 4           /* batches read from one port per wakeup */
#define VSW_CLIENT_LINE_MAX 4096
#define VSW_MAX_CLIENTS 32
#define VSW_TXQ_FRAMES 256        /* backlog per port (switch_txq.c) */
#define VSW_TXQ_BYTES (1 << 20)
#define VSW_SNDBUF (1 << 20)       /* SO_SNDBUF of a port socket */
/* SO_RCVBUF of a port socket: four times SO_SNDBUF, as Apple recommends
 * for the datagram sockets of VZ's file-handle NICs (at least twice) */
#define VSW_RCVBUF (4 * VSW_SNDBUF)

/* Readiness a watch asks for and its handler receives: epoll's values on
 * Linux (switch_epoll.c passes them through); switch_kqueue.c maps
 * EVFILT_READ / EVFILT_WRITE / EV_EOF to them. */
#define VSW_EV_IN 0x001
#define VSW_EV_OUT 0x004
#define VSW_EV_ERR 0x008
#define VSW_EV_HUP 0x010

#ifndef __linux__
/* No recvmmsg/sendmmsg (macOS): the same batch layout, moved one
 * datagram at a time by switch_kqueue.c. */
struct mmsghdr {
	struct msghdr msg_hdr;
	unsigned int msg_len;
};
#endif

struct vswitch;

/* One loop registration; the loop calls handler with it. */
struct vsw_watch {
	int fd;
	int (*handler)(struct vswitch *vs, struct vsw_watch *w, uint32_t events);
};

struct vsw_qframe {
	uint8_t *data;
	size_t len;
};

/* Frames a port's peer could not take yet, oldest first. */
struct vsw_txq {
	struct vsw_qframe slot[VSW_TXQ_FRAMES];
	unsigned head, n;
	size_t bytes;
	int armed;                     /* VSW_EV_OUT requested */
};

struct vsw_port {
	struct vsw_watch watch;        /* the bound datagram socket */
	unsigned id;                   /* switch_core port id */
	char name[VSW_NAME_MAX + 1];
	char *path;                    /* <netdir>/ports/<name>.sock; NULL: socketpair */
	char *peer;                    /* the socket the peer (QEMU) binds, or NULL */
	char peer_base[VSW_NAME_MAX * 4]; /* its file name */
	struct sockaddr_un peer_addr;  /* peer, or /proc/self/fd/N/base if long */
	int peer_dirfd;                /* O_PATH dir of a long peer path, or -1 */
	int peer_wd;                   /* inotify watch of the peer's directory */
	dev_t peer_dev;                /* the socket file connected to */
	ino_t peer_ino;
	int connected;                 /* connect()ed to the peer */
	unsigned n_tx;                 /* frames queued for the next flush */
	struct mmsghdr tx[VSW_BATCH];
	struct iovec txv[VSW_BATCH];
	struct vsw_txq q;
	struct vsw_port *next_dead;    /* removed, freed after the loop round */
};

struct vsw_client {
	struct vsw_watch watch;
	struct line_reader in;
	struct vsw_client *next;
};

struct vswitch {
	char *dir;                     /* the network directory */
	char *ports_dir;
	int ports_dirfd;               /* O_PATH, for binding long paths */
	struct switch_core *core;
	struct vsw_port *ports[SWITCH_PORTS_MAX];   /* by core port id */
	unsigned dirty[SWITCH_PORTS_MAX];           /* ports with n_tx > 0 */
	unsigned n_dirty;
	int epfd;
	struct vsw_watch control, signals;
	struct vsw_watch peers;        /* inotify on the peers' directories */
	struct vsw_port *dead;
	struct vsw_client *clients;
	int n_clients;
	int stopping;

	/* the host port (switch_host.c), fds -1 when the network has none */
	struct vsw_watch host_tap, host_pair;
	char host_if[16];

	/* receive batch: VSW_BATCH buffers of SWITCH_FRAME_MAX + 1 bytes, so
	 * an oversize datagram shows up as truncated and is counted */
	uint8_t *rxbuf;
	struct mmsghdr rx[VSW_BATCH];
	struct iovec rxv[VSW_BATCH];
	unsigned dst[SWITCH_PORTS_MAX];
};

/* switch_host.c: opens the host port when config.json asks for one. */
int vsw_host_open(struct vswitch *vs);
void vsw_host_close(struct vswitch *vs);

/* switch_epoll.c (Linux) / switch_kqueue.c (macOS): the loop and the
 * system calls that differ. */
/* The loop fd; SIGTERM/SIGINT/SIGHUP set vs->stopping, SIGPIPE ignored. */
int vsw_loop_init(struct vswitch *vs);
/* Dispatches events until vs->stopping; frees removed ports after each
 * round (vsw_reap_dead). */
void vsw_loop_run(struct vswitch *vs);
/* `events`: VSW_EV_IN, optionally | VSW_EV_OUT. */
int vsw_watch_add(struct vswitch *vs, struct vsw_watch *w, uint32_t events);
/* Changes what an added watch asks for; 0 or -1. */
int vsw_watch_mod(struct vswitch *vs, struct vsw_watch *w, uint32_t events);
void vsw_watch_del(struct vswitch *vs, struct vsw_watch *w);
/* recvmmsg / sendmmsg (MSG_DONTWAIT; no SIGPIPE): the number of
 * datagrams moved, or -1 with errno when the first one failed. macOS
 * moves one datagram per system call. */
int vsw_recv_batch(int fd, struct mmsghdr *m, unsigned n);
int vsw_send_batch(int fd, struct mmsghdr *m, unsigned n);
/* Close-on-exec (and non-blocking) datagram sockets. */
int vsw_dgram_socket(int nonblock);
int vsw_dgram_socketpair(int sv[2]);

/* switch.c */
/* Frees the ports removed during a loop round. */
void vsw_reap_dead(struct vswitch *vs);
/* Creates port `name`. Path mode (give_fd NULL): its socket is
 * <netdir>/ports/<name>.sock and its frames go to the socket the peer binds
 * at `peer` (which need not exist yet). Socketpair mode (give_fd set,
 * peer ignored): *give_fd gets the other end of a datagram socketpair, the
 * caller's to pass on and close. 0, VMC_EINVAL (bad name or path),
 * VMC_EEXISTS, VMC_EBUSY (no free port) or VMC_EIO. *out is borrowed. */
int vsw_port_add(struct vswitch *vs, const char *name, const char *peer, int *give_fd,
		 struct vsw_port **out);
/* Removes a port: its socket file goes at once, its memory after the
 * current loop round. VMC_ENOTFOUND. */
int vsw_port_remove(struct vswitch *vs, const char *name);
struct vsw_port *vsw_port_find(struct vswitch *vs, const char *name);

/* switch_peer.c (Linux); switch_peer_darwin.c refuses path-mode ports
 * (QEMU's -netdev dgram: VZ's NICs are socketpair ports) */
int vsw_peer_watch_start(struct vswitch *vs);
/* Fills the port's peer address and watches the peer's directory. */
int vsw_peer_init(struct vswitch *vs, struct vsw_port *p, const char *peer);
void vsw_peer_fini(struct vswitch *vs, struct vsw_port *p);
/* Connects the port to its peer if not yet; 0 when connected. */
int vsw_peer_connect(struct vsw_port *p);

/* switch_txq.c */
/* Copies frames the peer could not take to the backlog (dropping and
 * counting what does not fit) and asks for VSW_EV_OUT. */
void vsw_txq_push(struct vswitch *vs, struct vsw_port *p, const struct iovec *v, unsigned n);
/* Sends what it can of the backlog; stops asking for VSW_EV_OUT once empty. */
void vsw_txq_drain(struct vswitch *vs, struct vsw_port *p);
/* Drops the backlog (counted). */
void vsw_txq_clear(struct vswitch *vs, struct vsw_port *p);

/* switch_ctl.c */
int vsw_control_listen(struct vswitch *vs);
void vsw_control_close_all(struct vswitch *vs);

#endif
