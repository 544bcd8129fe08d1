/*
 * watch_darwin.c - cli/watch.h on macOS. The stop signals: a kqueue with
 * EVFILT_SIGNAL for each, their action set to SIG_IGN while it is open
 * (kqueue still records a signal that is ignored, and an ignored signal
 * is not left pending to strike when the old action comes back). The file
 * watch: a kqueue with EVFILT_VNODE (NOTE_WRITE | NOTE_EXTEND) on the
 * console log, or NOTE_WRITE on its directory (an entry was added), on an
 * O_EVTONLY fd that is the watch's id.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/event.h>
#include <time.h>
#include <unistd.h>

#include "watch.h"

static const int stop_signals[3] = { SIGINT, SIGTERM, SIGHUP };

static int cloexec_kqueue(void)
{
	int kq = kqueue();

	if (kq >= 0 && fcntl(kq, F_SETFD, FD_CLOEXEC) < 0) {
		int e = errno;
		close(kq);
		errno = e;
		return -1;
	}
	return kq;
}

int cli_sig_open(struct cli_sigwatch *s)
{
	struct sigaction ign;

	s->saved = 0;
	s->fd = cloexec_kqueue();
	if (s->fd < 0)
		return -1;
	sigemptyset(&ign.sa_mask);
	ign.sa_flags = 0;
	ign.sa_handler = SIG_IGN;
	for (int i = 0; i < 3; i++) {
		struct kevent kev;

		EV_SET(&kev, (uintptr_t)stop_signals[i], EVFILT_SIGNAL, EV_ADD, 0, 0, NULL);
		if (kevent(s->fd, &kev, 1, NULL, 0, NULL) < 0) {
			int e = errno;
			cli_sig_close(s);
			errno = e;
			return -1;
		}
	}
	for (int i = 0; i < 3; i++)
		sigaction(stop_signals[i], &ign, &s->act[i]);
	s->saved = 1;
	return 0;
}

int cli_sig_read(struct cli_sigwatch *s)
{
	struct timespec zero = { 0, 0 };
	struct kevent kev;

	if (kevent(s->fd, NULL, 0, &kev, 1, &zero) == 1 && kev.filter == EVFILT_SIGNAL)
		return (int)kev.ident;
	return 0;
}

void cli_sig_close(struct cli_sigwatch *s)
{
	if (s->saved)
		for (int i = 0; i < 3; i++)
			sigaction(stop_signals[i], &s->act[i], NULL);
	s->saved = 0;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int cli_fwatch_open(void)
{
	return cloexec_kqueue();
}

int cli_fwatch_add(int fd, const char *path, int is_dir, int *wd)
{
	struct kevent kev;
	int vfd = open(path, O_EVTONLY | O_CLOEXEC | (is_dir ? O_DIRECTORY : 0));

	*wd = -1;
	if (vfd < 0)
		return -1;
	EV_SET(&kev, (uintptr_t)vfd, EVFILT_VNODE, EV_ADD | EV_CLEAR,
	       is_dir ? NOTE_WRITE : (NOTE_WRITE | NOTE_EXTEND), 0, NULL);
	if (kevent(fd, &kev, 1, NULL, 0, NULL) < 0) {
		int e = errno;
		close(vfd);
		errno = e;
		return -1;
	}
	*wd = vfd;
	return 0;
}

void cli_fwatch_rm(int fd, int wd)
{
	(void)fd;
	if (wd >= 0)
		close(wd); /* drops its registration */
}

void cli_fwatch_drain(int fd)
{
	struct timespec zero = { 0, 0 };
	struct kevent kev[8];

	while (kevent(fd, NULL, 0, kev, 8, &zero) > 0)
		;
}
