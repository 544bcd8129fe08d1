/*
 * spawn.c - fork + exec with a controlled fd set (see spawn.h).
 *
 * Between fork and exec only async-signal-safe calls are made. Every fd
 * above 2 is marked close-on-exec (spawn_mark_cloexec_from: close_range on
 * Linux, a loop up to the fd limit on macOS), then the passed fds are
 * unmarked. The platform parts are spawn_linux.c and spawn_darwin.c. The child
 * writes errno to a CLOEXEC pipe if exec fails; EOF means success.
 * With `detach`, an intermediate child forks the real one and exits at
 * once, so the real child is reparented to init (or a subreaper) and the
 * caller never has to reap it: a library must not leave zombies behind in
 * its embedding program.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "core/spawn.h"
#include "core/spawn_platform.h"

static int move_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to) < 0 ? -1 : 0;
}

/* In the child: set up fds, signals and session, then exec. Never returns. */
static void child_exec(const struct spawn_opts *o, int status_fd, int devnull)
{
	int saved_errno;
	int stdio[3] = { o->stdin_fd, o->stdout_fd, o->stderr_fd };
	int pass[SPAWN_MAX_PASS_FDS];
	sigset_t all;
	struct sigaction dfl;

	for (int i = 0; i < o->n_pass_fds; i++)
		pass[i] = o->pass_fds[i];
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	if (o->new_session)
		setsid();
	if (o->death_signal)
		spawn_set_death_signal(o->death_signal);

	/* Sources may collide with their targets or with each other, and the
	 * status pipe with a target: move everything high first. */
	int moved = fcntl(status_fd, F_DUPFD_CLOEXEC, 200);
	if (moved < 0)
		goto fail;
	status_fd = moved;
	for (int i = 0; i < 3; i++) {
		int src = stdio[i] < 0 ? devnull : stdio[i];
		int hi = fcntl(src, F_DUPFD_CLOEXEC, 200);
		if (hi < 0)
			goto fail;
		stdio[i] = hi;
	}
	for (int i = 0; i < o->n_pass_fds; i++) {
		int hi = fcntl(pass[i], F_DUPFD_CLOEXEC, 200);
		if (hi < 0)
			goto fail;
		pass[i] = hi;
	}
	for (int i = 0; i < 3; i++)
		if (move_fd(stdio[i], i) < 0)
			goto fail;
	spawn_mark_cloexec_from(3);
	for (int i = 0; i < o->n_pass_fds; i++)
		if (move_fd(pass[i], o->pass_to[i]) < 0)
			goto fail;
	if (o->pre_exec) {
		int r = o->pre_exec(o->pre_exec_arg);
		if (r < 0) {
			errno = -r;
			goto fail;
		}
	}
	execvp(o->argv[0], (char *const *)o->argv);
fail:
	saved_errno = errno;
	(void)!write(status_fd, &saved_errno, sizeof(saved_errno));
	_exit(127);
}

int spawn_process(const struct spawn_opts *o, pid_t *pid_out)
{
	int status[2] = { -1, -1 }, devnull = -1, rc = 0, child_errno = 0;
	pid_t pid, grandchild = 0;
	ssize_t n;

	if (!o->argv || !o->argv[0])
		return vmc_error_set(VMC_EINVAL, "spawn: empty argv");
	if (o->n_pass_fds < 0 || o->n_pass_fds > SPAWN_MAX_PASS_FDS)
		return vmc_error_set(VMC_EINVAL, "spawn: too many fds to pass");
	for (int i = 0; i < o->n_pass_fds; i++)
		if (o->pass_to[i] < 3 || o->pass_to[i] >= 200)
			return vmc_error_set(VMC_EINVAL, "spawn: bad target fd %d", o->pass_to[i]);
	if (o->death_signal && spawn_check_death_signal() < 0)
		return -1;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot open /dev/null");
	if (spawn_pipe_cloexec(status, 0) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "pipe");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "fork");
		goto out;
	}
	if (pid == 0) {
		close(status[0]);
		if (o->detach) {
			pid_t gc = fork();
			if (gc < 0) {
				int e = errno;
				(void)!write(status[1], &e, sizeof(e));
				_exit(127);
			}
			if (gc > 0) {
				/* tell the parent the grandchild's pid, then vanish */
				int32_t neg = -(int32_t)gc;
				(void)!write(status[1], &neg, sizeof(neg));
				_exit(0);
			}
		}
		child_exec(o, status[1], devnull);
	}
	close(status[1]);
	status[1] = -1;
	if (o->detach) {
		int32_t first = 0;
		do {
			n = read(status[0], &first, sizeof(first));
		} while (n < 0 && errno == EINTR);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (n == sizeof(first) && first < 0) {
			grandchild = (pid_t)-first;
		} else {
			rc = vmc_error_set_errno(VMC_EIO, n == sizeof(first) ? first : EIO,
						 "cannot start '%s'", o->argv[0]);
			goto out;
		}
	}
	do {
		n = read(status[0], &child_errno, sizeof(child_errno));
	} while (n < 0 && errno == EINTR);
	if (n == sizeof(child_errno)) {
		if (!o->detach)
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		rc = vmc_error_set_errno(child_errno == ENOENT ? VMC_ENOTFOUND : VMC_EIO,
					 child_errno, "cannot execute '%s'", o->argv[0]);
		goto out;
	}
	*pid_out = o->detach ? grandchild : pid;
out:
	if (status[0] >= 0)
		close(status[0]);
	if (status[1] >= 0)
		close(status[1]);
	close(devnull);
	return rc;
}
