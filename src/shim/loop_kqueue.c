/*
 * loop_kqueue.c - vmc-shim's event loop on macOS: one kqueue for the
 * watched fds (EVFILT_READ), SIGTERM/SIGINT/SIGHUP (EVFILT_SIGNAL, with
 * the signals' default action set to ignore so only the kqueue sees
 * them) and the stop and boot timers (one-shot EVFILT_TIMER, identified
 * by their watch, no fd). Each event's udata is its watch. The VM itself
 * runs on Virtualization.framework's dispatch queue (vz.c), which talks
 * to this loop through the backend's event pipe, so the loop stays
 * single-threaded. There is no hypervisor process on macOS: vz is
 * in-process, and shim_start_process() refuses. The Linux loop is
 * loop_epoll.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/event.h>
#include <unistd.h>

#include "core/error.h"
#include "shim/shim.h"

static int kq_change(struct shim *shim, uintptr_t ident, int16_t filter, uint16_t flags,
		     int64_t data, void *udata)
{
	struct kevent ev;

	EV_SET(&ev, ident, filter, flags, 0, data, udata);
	if (kevent(shim->loop_fd, &ev, 1, NULL, 0, NULL) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "kevent");
	return 0;
}

int shim_watch_add(struct shim *shim, struct shim_watch *w, uint32_t events)
{
	(void)events; /* SHIM_EV_IN: readability is all the shim watches */
	return kq_change(shim, (uintptr_t)w->fd, EVFILT_READ, EV_ADD, 0, w);
}

void shim_watch_del(struct shim *shim, struct shim_watch *w)
{
	if (w->fd >= 0 && kq_change(shim, (uintptr_t)w->fd, EVFILT_READ, EV_DELETE, 0, NULL) < 0)
		vmc_error_clear(); /* already gone with its fd */
}

int shim_timer_arm(struct shim *shim, struct shim_watch *t, int ms)
{
	/* re-adding the same ident replaces a pending timer */
	return kq_change(shim, (uintptr_t)t, EVFILT_TIMER, EV_ADD | EV_ONESHOT, ms > 0 ? ms : 0, t);
}

void shim_timer_ack(struct shim_watch *t)
{
	(void)t; /* one-shot kqueue timers leave nothing to read */
}

int shim_loop_init(struct shim *shim)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction ign;
	int rc;

	shim->loop_fd = kqueue();
	if (shim->loop_fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "kqueue");
	if (fcntl(shim->loop_fd, F_SETFD, FD_CLOEXEC) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "fcntl");
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, NULL);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* ignored: EVFILT_SIGNAL still records them */
		sigaction(sigs[i], &ign, NULL);
		rc = kq_change(shim, (uintptr_t)sigs[i], EVFILT_SIGNAL, EV_ADD, 0, &shim->signals);
		if (rc < 0)
			return rc;
	}
	shim->stop_timer.fd = shim->boot_timer.fd = -1;
	shim->stop_timer.handler = shim->boot_timer.handler = shim_on_timer;
	return 0;
}

void shim_loop_run(struct shim *shim)
{
	struct kevent evs[16];

	while (!shim->hv_gone) {
		int n = kevent(shim->loop_fd, NULL, 0, evs, 16, NULL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			shim_log(shim, "kevent: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++) {
			struct shim_watch *w = evs[i].udata;

			if (evs[i].filter == EVFILT_SIGNAL) {
				shim_on_terminate(shim);
			} else if (w && w->handler(shim, w, SHIM_EV_IN) == 1) {
				return;
			}
			if (shim->hv_gone)
				return;
		}
		shim_control_reap(shim);
	}
}

int shim_start_process(struct shim *shim, struct backend_launch *launch)
{
	(void)launch;
	return vmc_error_set(VMC_EUNSUPPORTED, "backend %s runs a hypervisor process, which "
			     "this macOS build does not do (vz runs in the shim)", shim->ops->name);
}

void shim_kill_process(struct shim *shim)
{
	(void)shim; /* no hypervisor process on macOS */
}
