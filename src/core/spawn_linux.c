/*
 * spawn_linux.c - Linux parts of spawn.c (see spawn_platform.h) and the
 * process watch of spawn.h: pidfds (pidfd_open, pidfd_send_signal).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/spawn.h"
#include "core/spawn_platform.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void spawn_mark_cloexec_from(int first)
{
	if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	for (int fd = first; fd < 1024; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

void spawn_set_death_signal(int sig)
{
	prctl(PR_SET_PDEATHSIG, sig);
}

int spawn_check_death_signal(void)
{
	return 0;
}

int spawn_pipe_cloexec(int fds[2], int nonblock)
{
	return pipe2(fds, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
}

int spawn_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int spawn_pidfd_signal(int pidfd, pid_t pid, int sig)
{
	if (pidfd >= 0) {
		if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0)
			return 0;
		if (errno != ENOSYS)
			return -1;
	}
	return kill(pid, sig);
}
