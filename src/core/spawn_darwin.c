/*
 * spawn_darwin.c - macOS parts of spawn.c (see spawn_platform.h) and the
 * process watch of spawn.h. macOS has no pidfd: spawn_pidfd_open() returns
 * a kqueue holding one EVFILT_PROC NOTE_EXIT event for the pid. A kqueue
 * fd polls readable once an event is pending, so callers that poll() a
 * pidfd for POLLIN, or add it to their own loop, work unchanged; they
 * close it with close(). No prctl(PR_SET_PDEATHSIG) either: a spawn that
 * asks for a death signal is refused (only the Linux hypervisor path asks;
 * on macOS the VM runs inside vmc-shim).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/event.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/error.h"
#include "core/spawn.h"
#include "core/spawn_platform.h"

void spawn_mark_cloexec_from(int first)
{
	/* getdtablesize() is a plain syscall: async-signal-safe */
	int max = getdtablesize();

	if (max <= 0 || max > 65536)
		max = 65536;
	for (int fd = first; fd < max; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

void spawn_set_death_signal(int sig)
{
	(void)sig; /* refused before forking: spawn_check_death_signal() */
}

int spawn_check_death_signal(void)
{
	return vmc_error_set(VMC_EINVAL, "spawn: a parent-death signal is not available on macOS");
}

/* No pipe2: a concurrent fork+exec in another thread could inherit the
 * ends before fcntl; vmc spawns only from one thread at a time. */
int spawn_pipe_cloexec(int fds[2], int nonblock)
{
	if (pipe(fds) < 0)
		return -1;
	if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(fds[1], F_SETFD, FD_CLOEXEC) < 0 ||
	    (nonblock && (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0 ||
			  fcntl(fds[1], F_SETFL, O_NONBLOCK) < 0))) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		errno = e;
		return -1;
	}
	return 0;
}

int spawn_pidfd_open(pid_t pid)
{
	struct kevent kev;
	int kq, e;

	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	kq = kqueue(); /* never inherited across fork, closed on exec */
	if (kq < 0)
		return -1;
	if (fcntl(kq, F_SETFD, FD_CLOEXEC) < 0)
		goto fail;
	EV_SET(&kev, (uintptr_t)pid, EVFILT_PROC, EV_ADD | EV_ONESHOT, NOTE_EXIT, 0, NULL);
	if (kevent(kq, &kev, 1, NULL, 0, NULL) == 0)
		return kq;
	if (errno != ESRCH)
		goto fail;
	/* gone already: a user event triggered at once keeps the fd readable,
	 * as a pidfd of an exited process is */
	EV_SET(&kev, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL);
	if (kevent(kq, &kev, 1, NULL, 0, NULL) == 0)
		return kq;
fail:
	e = errno;
	close(kq);
	errno = e;
	return -1;
}

int spawn_pidfd_signal(int pidfd, pid_t pid, int sig)
{
	(void)pidfd; /* a kqueue cannot signal: the pid is checked by the caller */
	return kill(pid, sig);
}
