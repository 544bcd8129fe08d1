/*
 * switch_epoll.c - vmc-switch's loop and system calls on Linux (see
 * switch.h; switch_kqueue.c is the macOS one): an epoll set whose entries
 * carry their struct vsw_watch, a signalfd for SIGTERM/SIGINT/SIGHUP, and
 * recvmmsg/sendmmsg for whole batches of frames.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "net/switch.h"

_Static_assert(VSW_EV_IN == EPOLLIN && VSW_EV_OUT == EPOLLOUT && VSW_EV_ERR == EPOLLERR &&
	       VSW_EV_HUP == EPOLLHUP, "VSW_EV_* are epoll's values");

int vsw_watch_add(struct vswitch *vs, struct vsw_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (epoll_ctl(vs->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "epoll_ctl");
	return 0;
}

int vsw_watch_mod(struct vswitch *vs, struct vsw_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(vs->epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

void vsw_watch_del(struct vswitch *vs, struct vsw_watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(vs->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

static int on_signal(struct vswitch *vs, struct vsw_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	if (read(w->fd, &si, sizeof(si)) == sizeof(si))
		vs->stopping = 1;
	return 0;
}

int vsw_loop_init(struct vswitch *vs)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t mask;

	vs->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (vs->epfd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "epoll_create1");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sigaction(SIGPIPE, &ign, NULL);
	vs->signals.fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (vs->signals.fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "signalfd");
	vs->signals.handler = on_signal;
	return vsw_watch_add(vs, &vs->signals, VSW_EV_IN);
}

void vsw_loop_run(struct vswitch *vs)
{
	struct epoll_event evs[64];

	while (!vs->stopping) {
		int n = epoll_wait(vs->epfd, evs, 64, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "vmc-switch: epoll_wait: %s\n", strerror(errno));
			break;
		}
		for (int i = 0; i < n && !vs->stopping; i++) {
			struct vsw_watch *w = evs[i].data.ptr;
			w->handler(vs, w, evs[i].events);
		}
		vsw_reap_dead(vs);
	}
}

int vsw_recv_batch(int fd, struct mmsghdr *m, unsigned n)
{
	return recvmmsg(fd, m, n, MSG_DONTWAIT, NULL);
}

int vsw_send_batch(int fd, struct mmsghdr *m, unsigned n)
{
	return sendmmsg(fd, m, n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int vsw_dgram_socket(int nonblock)
{
	return socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
}

int vsw_dgram_socketpair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv);
}
