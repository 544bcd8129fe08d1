/*
 * forward_kqueue.c - the forwarder's platform part on macOS (see
 * forward_int.h; forward_epoll.c is the Linux one). One kqueue, the fd the
 * shim's loop watches: EVFILT_READ / EVFILT_WRITE per watch (enabled as
 * FWD_EV_IN / FWD_EV_OUT ask), udata the struct fwd_watch; the UDP idle
 * tick is an EVFILT_TIMER (no descriptor). No splice: each TCP direction
 * reads into a FWD_RELAY_CHUNK buffer and writes it out, the same
 * read/write relay with the same back-pressure (a full buffer stops the
 * reading until it drained). No accept4, SOCK_CLOEXEC or MSG_NOSIGNAL:
 * fcntl right after the socket is made (the shim is single-threaded) and
 * SO_NOSIGPIPE on every socket. No network namespaces either: a forward
 * through a bridge network's namespace is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/event.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "net/forward_int.h"

#define FWD_TIMER_IDENT 1

static int change(struct fwd *f, int fd, int16_t filter, uint16_t flags, void *udata)
{
	struct kevent kev;

	EV_SET(&kev, (uintptr_t)fd, filter, flags, 0, 0, udata);
	return kevent(f->epfd, &kev, 1, NULL, 0, NULL);
}

static int set_filters(struct fwd *f, struct fwd_watch *w, uint32_t events)
{
	if (change(f, w->fd, EVFILT_READ, (events & FWD_EV_IN) ? EV_ADD | EV_ENABLE
							       : EV_ADD | EV_DISABLE, w) < 0 ||
	    change(f, w->fd, EVFILT_WRITE, (events & FWD_EV_OUT) ? EV_ADD | EV_ENABLE
								 : EV_ADD | EV_DISABLE, w) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "kevent");
	return 0;
}

int fwd_watch_add(struct fwd *f, struct fwd_watch *w, uint32_t events)
{
	return set_filters(f, w, events);
}

int fwd_watch_mod(struct fwd *f, struct fwd_watch *w, uint32_t events)
{
	return set_filters(f, w, events);
}

void fwd_watch_del(struct fwd *f, struct fwd_watch *w)
{
	if (w->fd < 0)
		return;
	change(f, w->fd, EVFILT_READ, EV_DELETE, NULL);
	change(f, w->fd, EVFILT_WRITE, EV_DELETE, NULL);
}

int fwd_loop_open(struct fwd *f)
{
	f->epfd = kqueue();
	if (f->epfd < 0 || fcntl(f->epfd, F_SETFD, FD_CLOEXEC) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "kqueue");
	f->timer.fd = -1; /* EVFILT_TIMER: no descriptor */
	return 0;
}

int fwd_timer_set(struct fwd *f, unsigned int ms)
{
	struct kevent kev;

	if (ms)
		EV_SET(&kev, FWD_TIMER_IDENT, EVFILT_TIMER, EV_ADD | EV_ENABLE, 0, (intptr_t)ms,
		       &f->timer); /* periodic, in milliseconds (no NOTE_* unit) */
	else
		EV_SET(&kev, FWD_TIMER_IDENT, EVFILT_TIMER, EV_DELETE, 0, 0, NULL);
	if (kevent(f->epfd, &kev, 1, NULL, 0, NULL) < 0 && !(ms == 0 && errno == ENOENT))
		return vmc_error_set_errno(VMC_EIO, errno, "kevent EVFILT_TIMER");
	return 0;
}

void fwd_dispatch(struct fwd *f)
{
	struct timespec zero = { 0, 0 };
	struct kevent evs[32];
	int n;

	do {
		n = kevent(f->epfd, NULL, 0, evs, 32, &zero);
	} while (n < 0 && errno == EINTR);
	for (int i = 0; i < n; i++) {
		struct fwd_watch *w = evs[i].udata;
		uint32_t ev = 0;

		if (evs[i].flags & EV_ERROR)
			continue;
		if (evs[i].filter == EVFILT_READ || evs[i].filter == EVFILT_TIMER)
			ev = FWD_EV_IN;
		else if (evs[i].filter == EVFILT_WRITE)
			ev = FWD_EV_OUT;
		if (evs[i].flags & EV_EOF)
			ev |= FWD_EV_HUP;
		w->fn(f, w, ev);
	}
	/* freed only now: a later event of this batch may name them */
	fwd_tcp_reap(f);
	fwd_udp_reap(f);
}

/* close-on-exec, non-blocking, no SIGPIPE; closes fd on failure */
static int prepare(int fd)
{
	int one = 1;

	if (fd < 0)
		return -1;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int fwd_socket(int family, int type)
{
	return prepare(socket(family, type, 0));
}

int fwd_accept(int listen_fd)
{
	return prepare(accept(listen_fd, NULL, NULL));
}

int fwd_dir_open(struct fwd_dir *d)
{
	d->pipe[0] = d->pipe[1] = -1;
	d->off = d->pending = 0;
	d->buf = malloc(FWD_RELAY_CHUNK);
	if (!d->buf) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void fwd_dir_close(struct fwd_dir *d)
{
	free(d->buf);
	d->buf = NULL;
}

ssize_t fwd_dir_fill(struct fwd_dir *d, int src)
{
	ssize_t n;

	if (d->pending > 0) {
		/* one buffer: read again once it drained (as a full pipe) */
		errno = EAGAIN;
		return -1;
	}
	n = read(src, d->buf, FWD_RELAY_CHUNK);
	if (n > 0) {
		d->off = 0;
		d->pending = (size_t)n;
	}
	return n;
}

ssize_t fwd_dir_drain(struct fwd_dir *d, int dst)
{
	ssize_t n = write(dst, d->buf + d->off, d->pending);

	if (n > 0) {
		d->off += (size_t)n;
		d->pending -= (size_t)n;
	}
	return n;
}

int fwd_set_guest_netns(struct fwd *f, const char *name)
{
	(void)f;
	return vmc_error_set(VMC_EUNSUPPORTED, "network namespace '%s': not available on macOS",
			     name);
}

int fwd_guest_socket(struct fwd *f, int family, int type)
{
	(void)f;
	return fwd_socket(family, type);
}
