/*
 * switch_peer.c - the far end of each vmc-switch port: the datagram
 * socket a peer (QEMU's `-netdev dgram` local.path) binds. A port socket
 * is connect()ed to its peer whenever the peer's socket exists, which
 * spares a path lookup per frame and makes the kernel accept frames on the
 * port from that peer only. But a connected unix datagram socket keeps
 * pointing at a peer that has closed, and then refuses everyone else
 * (EPERM): a restarted QEMU binding the same path could never send to the
 * port. So the peer's directory is watched with inotify, and when a socket
 * file with the peer's name appears that is not the one the port talks to
 * (another inode), the port connects to it. Sending to a dead peer
 * (ECONNREFUSED) also makes switch.c reconnect through vsw_peer_connect().
 *
 * Never disconnect (AF_UNSPEC) or re-connect a port without cause: the
 * kernel then purges the port's receive queue (unix_dgram_disconnected),
 * losing frames the peer already sent, and reports ECONNRESET to a peer
 * connected back to the port. A deleted peer file is therefore ignored:
 * the association stays until a new socket shows up or a send is refused.
 * What is left is a window of microseconds between a new peer's bind()
 * and the switch reading the inotify event, in which the new peer's own
 * sends are refused; QEMU binds at start-up, long before its guest sends
 * a frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "net/switch.h"

#define PEER_EVENTS (IN_CREATE | IN_MOVED_TO | IN_ONLYDIR)

/* The peer socket file's identity, or 0. */
static int peer_stat(const struct vsw_port *p, dev_t *dev, ino_t *ino)
{
	struct stat st;

	if (stat(p->peer_addr.sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return -1;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

int vsw_peer_connect(struct vsw_port *p)
{
	dev_t dev = 0;
	ino_t ino = 0;

	if (p->connected)
		return 0;
	if (peer_stat(p, &dev, &ino) < 0)
		return -1;
	if (connect(p->watch.fd, (struct sockaddr *)&p->peer_addr, sizeof(p->peer_addr)) < 0)
		return -1;
	p->connected = 1;
	p->peer_dev = dev;
	p->peer_ino = ino;
	return 0;
}

/* A socket file may have appeared at the peer path: follow it if it is
 * not the one the port already talks to. */
static void peer_check(struct vsw_port *p)
{
	dev_t dev;
	ino_t ino;

	if (peer_stat(p, &dev, &ino) < 0)
		return;
	if (p->connected && dev == p->peer_dev && ino == p->peer_ino)
		return;
	p->connected = 0;
	vsw_peer_connect(p);
}

int vsw_peer_init(struct vswitch *vs, struct vsw_port *p, const char *peer)
{
	char dir[PATH_MAX], base[PATH_MAX];
	size_t len = strlen(peer);
	int n;

	if (len >= sizeof(dir))
		return vmc_error_set(VMC_EINVAL, "peer socket path too long");
	memcpy(dir, peer, len + 1);
	memcpy(base, peer, len + 1);
	n = snprintf(p->peer_base, sizeof(p->peer_base), "%s", basename(base));
	if (n < 0 || (size_t)n >= sizeof(p->peer_base) || p->peer_base[0] == '\0')
		return vmc_error_set(VMC_EINVAL, "bad peer socket name in '%s'", peer);
	dirname(dir);
	/* a port whose peer is one of the switch's own port sockets would
	 * feed the switch its own frames: a loop */
	struct stat st_dir, st_ports;
	if (stat(dir, &st_dir) == 0 && fstat(vs->ports_dirfd, &st_ports) == 0 &&
	    st_dir.st_dev == st_ports.st_dev && st_dir.st_ino == st_ports.st_ino)
		return vmc_error_set(VMC_EINVAL, "peer '%s' is inside the switch's ports directory",
				     peer);
	memset(&p->peer_addr, 0, sizeof(p->peer_addr));
	p->peer_addr.sun_family = AF_UNIX;
	if (len < sizeof(p->peer_addr.sun_path)) {
		memcpy(p->peer_addr.sun_path, peer, len + 1);
	} else {
		/* too long for sun_path: address it through its directory */
		p->peer_dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (p->peer_dirfd < 0)
			return vmc_error_set_errno(VMC_EIO, errno, "cannot open directory of '%s'",
						   peer);
		n = snprintf(p->peer_addr.sun_path, sizeof(p->peer_addr.sun_path),
			     "/proc/self/fd/%d/%s", p->peer_dirfd, p->peer_base);
		if (n < 0 || (size_t)n >= sizeof(p->peer_addr.sun_path))
			return vmc_error_set(VMC_EINVAL, "socket name too long in '%s'", peer);
	}
	p->peer_wd = inotify_add_watch(vs->peers.fd, dir, PEER_EVENTS);
	if (p->peer_wd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot watch '%s'", dir);
	return 0;
}

void vsw_peer_fini(struct vswitch *vs, struct vsw_port *p)
{
	if (p->peer_dirfd >= 0)
		close(p->peer_dirfd);
	p->peer_dirfd = -1;
	if (p->peer_wd < 0)
		return;
	/* one watch per directory, shared by the ports whose peers live there */
	for (unsigned i = 0; i < SWITCH_PORTS_MAX; i++)
		if (vs->ports[i] && vs->ports[i] != p && vs->ports[i]->peer_wd == p->peer_wd)
			goto shared;
	inotify_rm_watch(vs->peers.fd, p->peer_wd);
shared:
	p->peer_wd = -1;
}

static void peer_event(struct vswitch *vs, const struct inotify_event *ev)
{
	for (unsigned i = 0; i < SWITCH_PORTS_MAX; i++) {
		struct vsw_port *p = vs->ports[i];

		if (!p || p->watch.fd < 0)
			continue;
		if (ev->mask & IN_Q_OVERFLOW)
			peer_check(p); /* events were lost: look at every port */
		else if (ev->wd == p->peer_wd && ev->len > 0 && strcmp(ev->name, p->peer_base) == 0)
			peer_check(p);
	}
}

static int peers_readable(struct vswitch *vs, struct vsw_watch *w, uint32_t events)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	(void)events;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *q = buf; q < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)q;

			peer_event(vs, ev);
			q += sizeof(*ev) + ev->len;
		}
	}
	return 0;
}

int vsw_peer_watch_start(struct vswitch *vs)
{
	vs->peers.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (vs->peers.fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "inotify_init1");
	vs->peers.handler = peers_readable;
	return vsw_watch_add(vs, &vs->peers, VSW_EV_IN);
}
