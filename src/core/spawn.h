/*
 * spawn.h - starting a child process from an argv, with exactly the fds
 * it should have: stdio as given, a few fds passed at fixed numbers, and
 * everything else closed on exec. Exec failure is reported to the parent
 * through a CLOEXEC status pipe, so "spawned" means "exec succeeded".
 */
#ifndef VMC_CORE_SPAWN_H
#define VMC_CORE_SPAWN_H

#include <sys/types.h>

#define SPAWN_MAX_PASS_FDS 24

struct spawn_opts {
	const char *const *argv;   /* argv[0] is looked up in PATH if it has no '/' */
	int stdin_fd;              /* -1: /dev/null */
	int stdout_fd;             /* -1: /dev/null */
	int stderr_fd;             /* -1: /dev/null */
	int pass_fds[SPAWN_MAX_PASS_FDS]; /* inherited by the child ... */
	int pass_to[SPAWN_MAX_PASS_FDS];  /* ... at these numbers (>= 3) */
	int n_pass_fds;
	int new_session;           /* setsid() in the child */
	int death_signal;          /* PR_SET_PDEATHSIG, 0: none (Linux only:
	                            * refused on macOS) */
	int detach;                /* double fork: the child is not ours to reap */
	/* Runs in the child just before exec (async-signal-safe calls only);
	 * a negative return fails the spawn with that errno value negated. */
	int (*pre_exec)(void *arg);
	void *pre_exec_arg;
};

/* Spawns the child; *pid_out gets its pid (for `detach`, the grandchild's).
 * Returns 0 or VMC_EIO / VMC_ENOTFOUND (exec failed) with a message. */
int spawn_process(const struct spawn_opts *o, pid_t *pid_out);

/* The process watch: an fd that polls readable (POLLIN) once `pid` has
 * exited, closed with close(): a pidfd on Linux, a kqueue with EVFILT_PROC
 * NOTE_EXIT on macOS (spawn_darwin.c). -1 with errno. */
int spawn_pidfd_open(pid_t pid);
/* pidfd_send_signal, falling back to kill(2) where pidfds are missing
 * (always kill(2) on macOS). */
int spawn_pidfd_signal(int pidfd, pid_t pid, int sig);

/* pipe(2) with both ends close-on-exec (and O_NONBLOCK with `nonblock`):
 * pipe2 on Linux, pipe + fcntl on macOS. 0, or -1 with errno. */
int spawn_pipe_cloexec(int fds[2], int nonblock);

#endif
