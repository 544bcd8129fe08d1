/*
 * forward_epoll.c - the forwarder's platform part on Linux (see
 * forward_int.h; forward_kqueue.c is the macOS one): an epoll set whose
 * entries carry their struct fwd_watch, a timerfd for the UDP idle tick,
 * splice(2) through a pipe per TCP direction, accept4/SOCK_CLOEXEC, and
 * sockets towards a guest in a bridge network's namespace (setns).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/error.h"
#include "net/forward_int.h"

_Static_assert(FWD_EV_IN == EPOLLIN && FWD_EV_OUT == EPOLLOUT && FWD_EV_ERR == EPOLLERR &&
	       FWD_EV_HUP == EPOLLHUP, "FWD_EV_* are epoll's values");

int fwd_watch_add(struct fwd *f, struct fwd_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "epoll_ctl");
	return 0;
}

int fwd_watch_mod(struct fwd *f, struct fwd_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (epoll_ctl(f->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "epoll_ctl");
	return 0;
}

void fwd_watch_del(struct fwd *f, struct fwd_watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(f->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

int fwd_loop_open(struct fwd *f)
{
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (f->epfd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "epoll_create1");
	f->timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (f->timer.fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "timerfd_create");
	return fwd_watch_add(f, &f->timer, FWD_EV_IN);
}

int fwd_timer_set(struct fwd *f, unsigned int ms)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	its.it_interval = its.it_value;
	if (timerfd_settime(f->timer.fd, 0, &its, NULL) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "timerfd_settime");
	return 0;
}

void fwd_dispatch(struct fwd *f)
{
	struct epoll_event evs[32];
	int n;

	do {
		n = epoll_wait(f->epfd, evs, 32, 0);
	} while (n < 0 && errno == EINTR);
	for (int i = 0; i < n; i++) {
		struct fwd_watch *w = evs[i].data.ptr;
		w->fn(f, w, evs[i].events);
	}
	/* freed only now: a later event of this batch may name them */
	fwd_tcp_reap(f);
	fwd_udp_reap(f);
}

int fwd_socket(int family, int type)
{
	return socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

int fwd_accept(int listen_fd)
{
	return accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int fwd_dir_open(struct fwd_dir *d)
{
	return pipe2(d->pipe, O_CLOEXEC | O_NONBLOCK);
}

void fwd_dir_close(struct fwd_dir *d)
{
	for (int i = 0; i < 2; i++) {
		if (d->pipe[i] >= 0)
			close(d->pipe[i]);
		d->pipe[i] = -1;
	}
}

ssize_t fwd_dir_fill(struct fwd_dir *d, int src)
{
	ssize_t n = splice(src, NULL, d->pipe[1], NULL, FWD_RELAY_CHUNK,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

	if (n > 0)
		d->pending += (size_t)n;
	return n;
}

ssize_t fwd_dir_drain(struct fwd_dir *d, int dst)
{
	ssize_t n = splice(d->pipe[0], NULL, dst, NULL, d->pending,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

	if (n > 0)
		d->pending -= (size_t)n;
	return n;
}

int fwd_set_guest_netns(struct fwd *f, const char *name)
{
	char path[128];
	int n = snprintf(path, sizeof(path), "/run/netns/%s", name);

	if (n < 0 || (size_t)n >= sizeof(path) || strchr(name, '/'))
		return vmc_error_set(VMC_EINVAL, "bad network namespace name '%.64s'", name);
	f->guest_ns = open(path, O_RDONLY | O_CLOEXEC);
	if (f->guest_ns < 0)
		return vmc_error_set_errno(errno == ENOENT ? VMC_ENOTFOUND : VMC_EIO, errno,
					   "network namespace '%s'", name);
	f->home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (f->home_ns < 0) {
		close(f->guest_ns);
		f->guest_ns = -1;
		return vmc_error_set_errno(VMC_EIO, errno, "/proc/self/ns/net");
	}
	return 0;
}

/* A socket keeps the namespace it was made in: enter the guest's for the
 * socket() call only (setns moves just this thread; the shim has one). */
int fwd_guest_socket(struct fwd *f, int family, int type)
{
	int fd, err;

	if (f->guest_ns < 0)
		return socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (setns(f->guest_ns, CLONE_NEWNET) < 0)
		return -1;
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	err = errno;
	if (setns(f->home_ns, CLONE_NEWNET) < 0) {
		/* not expected (we held the fd); the next call tries again */
		err = errno;
		fwd_logf(f, "cannot return to the shim's network namespace: %s", strerror(err));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	errno = err;
	return fd;
}
