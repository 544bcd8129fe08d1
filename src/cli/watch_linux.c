/*
 * watch_linux.c - cli/watch.h on Linux: a signalfd for the blocked stop
 * signals, inotify (IN_MODIFY on the console log, IN_CREATE | IN_MOVED_TO
 * on its directory while it does not exist).
 */
#include <errno.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "watch.h"

static void stop_mask(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGHUP);
}

int cli_sig_open(struct cli_sigwatch *s)
{
	sigset_t mask;

	stop_mask(&mask);
	s->saved = sigprocmask(SIG_BLOCK, &mask, &s->old) == 0;
	s->fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return s->fd < 0 ? -1 : 0;
}

int cli_sig_read(struct cli_sigwatch *s)
{
	struct signalfd_siginfo si;

	if (read(s->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		return (int)si.ssi_signo;
	return 0;
}

void cli_sig_close(struct cli_sigwatch *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->saved)
		sigprocmask(SIG_SETMASK, &s->old, NULL);
	s->saved = 0;
}

int cli_fwatch_open(void)
{
	return inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

int cli_fwatch_add(int fd, const char *path, int is_dir, int *wd)
{
	*wd = inotify_add_watch(fd, path, is_dir ? (IN_CREATE | IN_MOVED_TO) : IN_MODIFY);
	return *wd < 0 ? -1 : 0;
}

void cli_fwatch_rm(int fd, int wd)
{
	inotify_rm_watch(fd, wd);
}

void cli_fwatch_drain(int fd)
{
	char evbuf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(fd, evbuf, sizeof(evbuf)) > 0)
		;
}
