/*
 * switch_kqueue.c - vmc-switch's loop and system calls on macOS (see
 * switch.h; switch_epoll.c is the Linux one). One kqueue: EVFILT_READ per
 * watch (EVFILT_WRITE too while a port's backlog waits for room), udata
 * the struct vsw_watch, delivered to the handler as VSW_EV_IN / VSW_EV_OUT
 * (| VSW_EV_HUP on EV_EOF); EVFILT_SIGNAL for SIGTERM/SIGINT/SIGHUP, which
 * are ignored as signals so that only the kqueue sees them. macOS has no
 * recvmmsg/sendmmsg: a batch is moved one recvmsg/sendmsg per frame, and
 * no MSG_NOSIGNAL: SIGPIPE is ignored. No SOCK_CLOEXEC/SOCK_NONBLOCK
 * either: fcntl right after socket() (vmc-switch is single-threaded).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/event.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "net/switch.h"

static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP };

static int change(struct vswitch *vs, int fd, int16_t filter, uint16_t flags, void *udata)
{
	struct kevent kev;

	EV_SET(&kev, (uintptr_t)fd, filter, flags, 0, 0, udata);
	return kevent(vs->epfd, &kev, 1, NULL, 0, NULL);
}

int vsw_watch_add(struct vswitch *vs, struct vsw_watch *w, uint32_t events)
{
	if (change(vs, w->fd, EVFILT_READ, EV_ADD, w) < 0 ||
	    change(vs, w->fd, EVFILT_WRITE, (events & VSW_EV_OUT) ? EV_ADD : EV_ADD | EV_DISABLE,
		   w) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "kevent");
	return 0;
}

int vsw_watch_mod(struct vswitch *vs, struct vsw_watch *w, uint32_t events)
{
	return change(vs, w->fd, EVFILT_WRITE, (events & VSW_EV_OUT) ? EV_ENABLE : EV_DISABLE, w);
}

void vsw_watch_del(struct vswitch *vs, struct vsw_watch *w)
{
	if (w->fd < 0)
		return;
	change(vs, w->fd, EVFILT_READ, EV_DELETE, NULL);
	change(vs, w->fd, EVFILT_WRITE, EV_DELETE, NULL);
}

static int on_signal(struct vswitch *vs, struct vsw_watch *w, uint32_t events)
{
	(void)w;
	(void)events;
	vs->stopping = 1;
	return 0;
}

int vsw_loop_init(struct vswitch *vs)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };

	vs->epfd = kqueue();
	if (vs->epfd < 0 || fcntl(vs->epfd, F_SETFD, FD_CLOEXEC) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "kqueue");
	sigaction(SIGPIPE, &ign, NULL);
	vs->signals.fd = -1; /* kqueue signal events need no descriptor */
	vs->signals.handler = on_signal;
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		struct kevent kev;

		/* EVFILT_SIGNAL still records a signal whose action is SIG_IGN */
		sigaction(stop_signals[i], &ign, NULL);
		EV_SET(&kev, (uintptr_t)stop_signals[i], EVFILT_SIGNAL, EV_ADD, 0, 0, &vs->signals);
		if (kevent(vs->epfd, &kev, 1, NULL, 0, NULL) < 0)
			return vmc_error_set_errno(VMC_EIO, errno, "kevent EVFILT_SIGNAL");
	}
	return 0;
}

void vsw_loop_run(struct vswitch *vs)
{
	struct kevent evs[64];

	while (!vs->stopping) {
		int n = kevent(vs->epfd, NULL, 0, evs, 64, NULL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "vmc-switch: kevent: %s\n", strerror(errno));
			break;
		}
		for (int i = 0; i < n && !vs->stopping; i++) {
			struct vsw_watch *w = evs[i].udata;
			uint32_t ev = 0;

			if (evs[i].flags & EV_ERROR)
				continue; /* a registration that failed: nothing to dispatch */
			if (evs[i].filter == EVFILT_READ || evs[i].filter == EVFILT_SIGNAL)
				ev = VSW_EV_IN;
			else if (evs[i].filter == EVFILT_WRITE)
				ev = VSW_EV_OUT;
			if (evs[i].flags & EV_EOF)
				ev |= VSW_EV_HUP;
			w->handler(vs, w, ev);
		}
		vsw_reap_dead(vs);
	}
}

int vsw_recv_batch(int fd, struct mmsghdr *m, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		ssize_t r = recvmsg(fd, &m[i].msg_hdr, MSG_DONTWAIT);

		if (r < 0)
			return i > 0 ? (int)i : -1;
		m[i].msg_len = (unsigned int)r;
	}
	return (int)i;
}

int vsw_send_batch(int fd, struct mmsghdr *m, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		ssize_t r = sendmsg(fd, &m[i].msg_hdr, MSG_DONTWAIT);

		if (r < 0)
			return i > 0 ? (int)i : -1;
		m[i].msg_len = (unsigned int)r;
	}
	return (int)i;
}

static int cloexec_nonblock(int fd, int nonblock)
{
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || (nonblock && fcntl(fd, F_SETFL, O_NONBLOCK) < 0))
		return -1;
	return 0;
}

int vsw_dgram_socket(int nonblock)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (fd >= 0 && cloexec_nonblock(fd, nonblock) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int vsw_dgram_socketpair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
		return -1;
	if (cloexec_nonblock(sv[0], 0) < 0 || cloexec_nonblock(sv[1], 0) < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		errno = e;
		return -1;
	}
	return 0;
}
