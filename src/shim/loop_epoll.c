/*
 * loop_epoll.c - vmc-shim's event loop on Linux: one epoll set, signals
 * as a signalfd, the stop and boot timers as timerfds. Each watch's
 * handler is called through the epoll data pointer. The macOS loop is
 * loop_kqueue.c, with the same functions (shim.h).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/error.h"
#include "shim/shim.h"

_Static_assert(SHIM_EV_IN == EPOLLIN, "SHIM_EV_IN is passed to epoll as is");

int shim_watch_add(struct shim *shim, struct shim_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (epoll_ctl(shim->loop_fd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "epoll_ctl");
	return 0;
}

void shim_watch_del(struct shim *shim, struct shim_watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(shim->loop_fd, EPOLL_CTL_DEL, w->fd, NULL);
}

int shim_timer_arm(struct shim *shim, struct shim_watch *t, int ms)
{
	struct itimerspec its = { 0 };

	(void)shim;
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	if (timerfd_settime(t->fd, 0, &its, NULL) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "timerfd_settime");
	return 0;
}

void shim_timer_ack(struct shim_watch *t)
{
	uint64_t ticks;

	(void)!read(t->fd, &ticks, sizeof(ticks));
}

static int on_signal(struct shim *shim, struct shim_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	if (read(w->fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT || si.ssi_signo == SIGHUP)
		shim_on_terminate(shim);
	return 0;
}

static int make_timer(struct shim_watch *w)
{
	w->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (w->fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "timerfd_create");
	w->handler = shim_on_timer;
	return 0;
}

int shim_loop_init(struct shim *shim)
{
	sigset_t mask;
	int rc;

	shim->loop_fd = epoll_create1(EPOLL_CLOEXEC);
	if (shim->loop_fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "epoll_create1");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigaction(SIGPIPE, &ign, NULL);
	shim->signals.fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (shim->signals.fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "signalfd");
	shim->signals.handler = on_signal;
	rc = shim_watch_add(shim, &shim->signals, SHIM_EV_IN);
	if (rc == 0)
		rc = make_timer(&shim->stop_timer);
	if (rc == 0)
		rc = make_timer(&shim->boot_timer);
	if (rc == 0)
		rc = shim_watch_add(shim, &shim->stop_timer, SHIM_EV_IN);
	if (rc == 0)
		rc = shim_watch_add(shim, &shim->boot_timer, SHIM_EV_IN);
	return rc;
}

void shim_loop_run(struct shim *shim)
{
	struct epoll_event evs[16];

	while (!shim->hv_gone) {
		int n = epoll_wait(shim->loop_fd, evs, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			shim_log(shim, "epoll_wait: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++) {
			struct shim_watch *w = evs[i].data.ptr;

			if (w->handler(shim, w, evs[i].events) == 1 || shim->hv_gone)
				return;
		}
		shim_control_reap(shim);
	}
}
