/* signal.h (Darwin libc; macOS values). Stub: only what vmc uses. */
#ifndef _SIGNAL_H_
#define _SIGNAL_H_
#include <sys/types.h>
#define SIGHUP 1
#define SIGINT 2
#define SIGKILL 9
#define SIGPIPE 13
#define SIGTERM 15
#define SIG_IGN ((void (*)(int))1)
/* si_code values for SIGCHLD */
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
union sigval {
	int sival_int;
	void *sival_ptr;
};
typedef struct __siginfo {
	int si_signo;
	int si_errno;
	int si_code;
	pid_t si_pid;
	uid_t si_uid;
	int si_status;
	void *si_addr;
	union sigval si_value;
	long si_band;
	unsigned long __pad[7];
} siginfo_t;
typedef uint32_t sigset_t;
struct sigaction {
	union {
		void (*__sa_handler)(int);
		void (*__sa_sigaction)(int, siginfo_t *, void *);
	} __sigaction_u;
	sigset_t sa_mask;
	int sa_flags;
};
#define sa_handler __sigaction_u.__sa_handler
int sigaction(int sig, const struct sigaction *act, struct sigaction *oact);
int kill(pid_t pid, int sig);
#define SIGQUIT 3
#define SIGABRT 6
#define SIGUSR1 30
#define SIGUSR2 31
#define SIGCHLD 20
#define SIGCONT 19
#define SIGSTOP 17
#define SIGALRM 14
#define SIGWINCH 28
#define NSIG 32
#define SIG_DFL ((void (*)(int))0)
#define SIG_BLOCK 1
#define SIG_UNBLOCK 2
#define SIG_SETMASK 3
#define SA_RESTART 0x0002
#define SA_SIGINFO 0x0040
#define sa_sigaction __sigaction_u.__sa_sigaction
typedef int sig_atomic_t;
int sigemptyset(sigset_t *set);
int sigprocmask(int how, const sigset_t *set, sigset_t *oset);
void (*signal(int sig, void (*func)(int)))(int);
int raise(int sig);
int sigaddset(sigset_t *set, int signo);
int sigpending(sigset_t *set);
int sigismember(const sigset_t *set, int signo);
int pthread_sigmask(int how, const sigset_t *set, sigset_t *oset);
int sigwait(const sigset_t *set, int *sig);
#endif
