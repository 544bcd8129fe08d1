/*
 * switch.c - vmc-switch's entry point, event loop, ports and data path:
 * `vmc-switch --dir NETDIR [--report-fd N]`. It creates NETDIR/ports,
 * listens on NETDIR/switch.sock (switch_ctl.c speaks the protocol), writes
 * one line to fd N once it serves ("ok <pid>" or "error <code> <msg>"),
 * and runs until a "shutdown" request or SIGTERM/SIGINT/SIGHUP, after
 * which no socket file of its own is left behind. Port sockets a killed
 * predecessor left in NETDIR/ports are removed at start.
 *
 * Data path: a readable port is drained with recvmmsg (one recvmsg per
 * frame on macOS: switch_kqueue.c), VSW_BATCH frames
 * at a time (at most VSW_RX_ROUNDS batches per wakeup, so one busy port
 * cannot starve the others); switch_core decides the destinations; frames
 * are queued per destination and each destination gets one sendmmsg per
 * batch. Sends never block: frames a peer cannot take yet wait in a short
 * backlog sent on VSW_EV_OUT (switch_txq.c); beyond it, or when the peer is
 * not there, they are dropped and its tx_drops counter says so. No sleeps
 * and no timers: the loop wakes only for fds.
 *
 * A port is a datagram socket in one of two modes: bound at
 * NETDIR/ports/<name>.sock and sending to the socket its peer binds (QEMU's
 * `-netdev dgram`), or one end of a socketpair whose other end the control
 * client receives (VZ's file-handle NIC). A path-mode port socket is
 * connect()ed to its peer whenever the peer exists (switch_peer.c). Besides sparing a path lookup per frame, that makes
 * the kernel accept datagrams on the port from the peer only
 * (unix_may_send), so nobody else can inject frames into the network.
 * Until then the ports directory (0700) is what keeps strangers out.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/compat.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "net/switch.h"

#define VSW_MACS 4096

struct vsw_port *vsw_port_find(struct vswitch *vs, const char *name)
{
	for (unsigned i = 0; i < SWITCH_PORTS_MAX; i++)
		if (vs->ports[i] && strcmp(vs->ports[i]->name, name) == 0)
			return vs->ports[i];
	return NULL;
}

static void port_free(struct vswitch *vs, struct vsw_port *p)
{
	if (!p)
		return;
	if (p->watch.fd >= 0) {
		vsw_watch_del(vs, &p->watch);
		close(p->watch.fd);
	}
	if (p->path)
		unlink(p->path);
	vsw_txq_clear(vs, p);
	vsw_peer_fini(vs, p);
	free(p->path);
	free(p->peer);
	free(p);
}

static int port_readable(struct vswitch *vs, struct vsw_watch *w, uint32_t events);

/* The path mode: a socket bound at <netdir>/ports/<name>.sock that sends
 * to the socket the peer binds at `peer`. */
static int open_path_port(struct vswitch *vs, struct vsw_port *p, const char *peer)
{
	struct sockaddr_un addr;
	char file[VSW_NAME_MAX + 8];
	int rc, n;

	snprintf(file, sizeof(file), "%s.sock", p->name);
	p->peer = strdup(peer);
	if (!p->peer)
		return vmc_error_oom();
	rc = vsw_peer_init(vs, p, peer);
	if (rc < 0)
		return rc;
	p->watch.fd = vsw_dgram_socket(1);
	if (p->watch.fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "socket");
	/* bound relative to the ports directory: never too long */
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	n = snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s",
		     vs->ports_dirfd, file);
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path))
		return vmc_error_set(VMC_EINVAL, "port name too long '%s'", p->name);
	unlinkat(vs->ports_dirfd, file, 0); /* left by a switch that died */
	if (bind(p->watch.fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot bind port '%s'", p->name);
	p->path = fs_join(vs->ports_dir, file); /* ours to unlink from now on */
	if (!p->path)
		return vmc_error_oom();
	vsw_peer_connect(p); /* at once if the peer is there, else when it appears */
	return 0;
}

/* The socketpair mode (VZ's file-handle NIC): the other end goes to the
 * caller, who hands it to the hypervisor. Connected both ways from birth. */
static int open_pair_port(struct vsw_port *p, int *give_fd)
{
	int sv[2];

	if (vsw_dgram_socketpair(sv) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "socketpair");
	p->watch.fd = sv[0];
	*give_fd = sv[1];
	if (fcntl(p->watch.fd, F_SETFL, O_NONBLOCK) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "fcntl");
	p->connected = 1;
	return 0;
}

int vsw_port_add(struct vswitch *vs, const char *name, const char *peer, int *give_fd,
		 struct vsw_port **out)
{
	struct vsw_port *p = NULL;
	unsigned id;
	int rc;

	if (give_fd)
		*give_fd = -1;
	if (!vsw_name_valid(name))
		return vmc_error_set(VMC_EINVAL, "invalid port name '%s'", name);
	if (!give_fd && (!peer || peer[0] != '/'))
		return vmc_error_set(VMC_EINVAL, "peer socket path must be absolute");
	if (vsw_port_find(vs, name))
		return vmc_error_set(VMC_EEXISTS, "port '%s' already exists", name);
	p = calloc(1, sizeof(*p));
	if (!p)
		return vmc_error_oom();
	p->watch.fd = -1;
	p->peer_dirfd = -1;
	p->peer_wd = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	rc = give_fd ? open_pair_port(p, give_fd) : open_path_port(vs, p, peer);
	if (rc < 0)
		goto out;
	/* room for a burst in flight to a peer that reads in batches; the
	 * kernel caps it at net.core.wmem_max, and only what is queued counts */
	int sndbuf = VSW_SNDBUF;
	setsockopt(p->watch.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
#ifdef __APPLE__
	/* VZ's file-handle NIC: SO_RCVBUF four times SO_SNDBUF on both ends */
	int rcvbuf = VSW_RCVBUF;
	setsockopt(p->watch.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (give_fd && *give_fd >= 0) {
		setsockopt(*give_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		setsockopt(*give_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	}
#endif
	rc = switch_core_port_add(vs->core, &id);
	if (rc < 0)
		goto out;
	p->id = id;
	p->watch.handler = port_readable;
	rc = vsw_watch_add(vs, &p->watch, VSW_EV_IN);
	if (rc < 0) {
		switch_core_port_remove(vs->core, id);
		goto out;
	}
	for (unsigned i = 0; i < VSW_BATCH; i++) {
		p->tx[i].msg_hdr.msg_iov = &p->txv[i];
		p->tx[i].msg_hdr.msg_iovlen = 1;
	}
	vs->ports[id] = p;
	*out = p;
	p = NULL;
out:
	if (rc < 0 && give_fd && *give_fd >= 0) {
		close(*give_fd);
		*give_fd = -1;
	}
	port_free(vs, p);
	return rc;
}

int vsw_port_remove(struct vswitch *vs, const char *name)
{
	struct vsw_port *p = vsw_port_find(vs, name);

	if (!p)
		return vmc_error_set(VMC_ENOTFOUND, "no port '%s'", name);
	/* frames queued for it reference the receive buffers only; drop them
	 * from the dirty list so the flush never touches a freed port */
	for (unsigned i = 0; i < vs->n_dirty; i++) {
		if (vs->dirty[i] == p->id) {
			vs->dirty[i] = vs->dirty[--vs->n_dirty];
			break;
		}
	}
	vsw_txq_clear(vs, p); /* while its id is still its own */
	switch_core_port_remove(vs->core, p->id);
	vs->ports[p->id] = NULL;
	/* the loop may still hold an event for it in this round: close now,
	 * free after the round (see main) */
	vsw_watch_del(vs, &p->watch);
	close(p->watch.fd);
	p->watch.fd = -1;
	vsw_peer_fini(vs, p);
	if (p->path)
		unlink(p->path);
	free(p->path);
	p->path = NULL;
	p->next_dead = vs->dead;
	vs->dead = p;
	return 0;
}

static void flush_port(struct vswitch *vs, struct vsw_port *p)
{
	unsigned sent = 0, n = p->n_tx;
	int retried = 0;

	p->n_tx = 0;
	if (vsw_peer_connect(p) < 0)
		goto drop_rest;
	if (p->q.n > 0) {
		/* older frames wait in the backlog: keep the order */
		vsw_txq_push(vs, p, p->txv, n);
		return;
	}
	while (sent < n) {
		int r = vsw_send_batch(p->watch.fd, p->tx + sent, n - sent);

		if (r > 0) {
			for (unsigned i = sent; i < sent + (unsigned)r; i++)
				switch_core_count_tx(vs->core, p->id, p->txv[i].iov_len, 1);
			sent += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == ECONNREFUSED || errno == ENOTCONN || errno == ENOENT)) {
			/* the peer went away (the kernel dropped the association);
			 * a new one may already sit at its path: retry once */
			p->connected = 0;
			if (retried++ || vsw_peer_connect(p) < 0)
				goto drop_rest;
			continue;
		}
		if (r < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
			/* the peer's queue is full: keep the rest for VSW_EV_OUT */
			vsw_txq_push(vs, p, p->txv + sent, n - sent);
			return;
		}
		/* anything else (EMSGSIZE, ...) is about this one frame */
		switch_core_count_tx(vs->core, p->id, p->txv[sent].iov_len, 0);
		sent++;
	}
	return;
drop_rest:
	for (; sent < n; sent++)
		switch_core_count_tx(vs->core, p->id, p->txv[sent].iov_len, 0);
}

static void flush_all(struct vswitch *vs)
{
	for (unsigned i = 0; i < vs->n_dirty; i++) {
		struct vsw_port *p = vs->ports[vs->dirty[i]];
		if (p)
			flush_port(vs, p);
	}
	vs->n_dirty = 0;
}

static int port_readable(struct vswitch *vs, struct vsw_watch *w, uint32_t events)
{
	struct vsw_port *in = (struct vsw_port *)w;
	int round, n, i, nd, k;
	int64_t now;

	if (w->fd < 0)
		return 0; /* removed earlier in this round */
	if (events & VSW_EV_OUT)
		vsw_txq_drain(vs, in);
	if (!(events & (VSW_EV_IN | VSW_EV_ERR | VSW_EV_HUP)))
		return 0;
	for (round = 0; round < VSW_RX_ROUNDS; round++) {
		for (i = 0; i < VSW_BATCH; i++) {
			vs->rx[i].msg_hdr.msg_flags = 0;
			vs->rxv[i].iov_len = SWITCH_FRAME_MAX + 1;
		}
		n = vsw_recv_batch(w->fd, vs->rx, VSW_BATCH);
		if (n <= 0)
			break; /* EAGAIN; nothing else can happen on a bound dgram socket */
		now = clock_mono_ms();
		for (i = 0; i < n; i++) {
			size_t len = vs->rx[i].msg_len;
			uint8_t *frame = vs->rxv[i].iov_base;

			if (vs->rx[i].msg_hdr.msg_flags & MSG_TRUNC)
				len = (size_t)SWITCH_FRAME_MAX + 1; /* counted as oversize */
			nd = switch_core_forward(vs->core, in->id, frame, len, now, vs->dst,
						 SWITCH_PORTS_MAX);
			for (k = 0; k < nd; k++) {
				struct vsw_port *out = vs->ports[vs->dst[k]];

				if (!out)
					continue;
				if (out->n_tx == 0)
					vs->dirty[vs->n_dirty++] = out->id;
				out->txv[out->n_tx].iov_base = frame;
				out->txv[out->n_tx].iov_len = len;
				out->n_tx++;
			}
		}
		flush_all(vs);
		if (n < VSW_BATCH)
			break;
	}
	return 0;
}

/* Port sockets left by a switch that died. We hold the control socket,
 * so no live switch owns any of them; only sockets are removed. */
static void remove_stale_ports(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	struct stat st;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISSOCK(st.st_mode))
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

static int setup(struct vswitch *vs)
{
	int rc;

	rc = switch_core_new(&vs->core, SWITCH_PORTS_MAX, VSW_MACS, SWITCH_AGE_MS_DEFAULT);
	if (rc < 0)
		return rc;
	vs->rxbuf = malloc((size_t)VSW_BATCH * (SWITCH_FRAME_MAX + 1));
	if (!vs->rxbuf)
		return vmc_error_oom();
	for (int i = 0; i < VSW_BATCH; i++) {
		vs->rxv[i].iov_base = vs->rxbuf + (size_t)i * (SWITCH_FRAME_MAX + 1);
		vs->rx[i].msg_hdr.msg_iov = &vs->rxv[i];
		vs->rx[i].msg_hdr.msg_iovlen = 1;
	}
	rc = vsw_loop_init(vs);
	if (rc == 0)
		rc = vsw_peer_watch_start(vs);
	if (rc < 0)
		return rc;
	/* the control socket first: it fails with VMC_EBUSY while another
	 * switch serves this directory, before we touch anything of its */
	rc = vsw_control_listen(vs);
	if (rc < 0)
		return rc;
	vs->ports_dir = fs_join(vs->dir, "ports");
	if (!vs->ports_dir)
		return vmc_error_oom();
	rc = fs_mkdir_p(vs->ports_dir, 0700);
	if (rc < 0)
		return rc;
	vs->ports_dirfd = open(vs->ports_dir, VMC_O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (vs->ports_dirfd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot open '%s'", vs->ports_dir);
	remove_stale_ports(vs->ports_dir);
	return vsw_host_open(vs);
}

static void teardown(struct vswitch *vs)
{
	vsw_host_close(vs);
	vsw_control_close_all(vs);
	for (unsigned i = 0; i < SWITCH_PORTS_MAX; i++) {
		if (vs->ports[i])
			port_free(vs, vs->ports[i]);
		vs->ports[i] = NULL;
	}
	while (vs->dead) {
		struct vsw_port *p = vs->dead;
		vs->dead = p->next_dead;
		port_free(vs, p);
	}
	if (vs->ports_dirfd >= 0) {
		rmdir(vs->ports_dir); /* only if empty: never someone else's file */
		close(vs->ports_dirfd);
	}
	if (vs->signals.fd >= 0)
		close(vs->signals.fd);
	if (vs->peers.fd >= 0)
		close(vs->peers.fd);
	if (vs->epfd >= 0)
		close(vs->epfd);
	switch_core_free(vs->core);
	free(vs->rxbuf);
	free(vs->ports_dir);
}

void vsw_reap_dead(struct vswitch *vs)
{
	while (vs->dead) {
		struct vsw_port *p = vs->dead;
		vs->dead = p->next_dead;
		port_free(vs, p);
	}
}

static void report(int fd, int rc)
{
	char line[512];
	int n;

	if (fd < 0)
		return;
	if (rc == 0)
		n = snprintf(line, sizeof(line), "ok %ld\n", (long)getpid());
	else
		n = snprintf(line, sizeof(line), "error %d %s\n", rc, vmc_error_last());
	if (n > 0 && write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)
		vmc_error_clear(); /* the starter is gone; nothing to tell */
	close(fd);
}

static int parse_fd(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "report-fd", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct vswitch vs = { .epfd = -1, .ports_dirfd = -1, .signals.fd = -1,
			      .control.fd = -1, .peers.fd = -1, .host_tap.fd = -1,
			      .host_pair.fd = -1 };
	int report_fd = -1, c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			vs.dir = optarg;
		} else if (c == 'r' && parse_fd(optarg, &report_fd) == 0) {
			fcntl(report_fd, F_SETFD, FD_CLOEXEC);
		} else {
			fprintf(stderr, "usage: vmc-switch --dir NETDIR [--report-fd N]\n");
			return 2;
		}
	}
	if (!vs.dir || optind != argc) {
		fprintf(stderr, "usage: vmc-switch --dir NETDIR [--report-fd N]\n");
		return 2;
	}
	rc = fs_mkdir_p(vs.dir, 0700);
	if (rc == 0)
		rc = setup(&vs);
	report(report_fd, rc);
	if (rc < 0) {
		fprintf(stderr, "vmc-switch: %s\n", vmc_error_last());
		teardown(&vs);
		return 1;
	}
	vsw_loop_run(&vs);
	teardown(&vs);
	return 0;
}
