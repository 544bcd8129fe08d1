/*
 * watch.h - the two kinds of descriptor the console follower polls besides
 * the manager's event fd, with one interface on both platforms:
 * watch_linux.c (signalfd, inotify) and watch_darwin.c (kqueue with
 * EVFILT_SIGNAL, kqueue with EVFILT_VNODE). Each is one pollable fd.
 */
#ifndef VMC_CLI_WATCH_H
#define VMC_CLI_WATCH_H

#include <signal.h>

/* SIGINT, SIGTERM and SIGHUP no longer act on the process but make the
 * returned fd readable; cli_sig_read() says which came. */
struct cli_sigwatch {
	int fd;
	int saved;                  /* what close must restore is in `old` */
	sigset_t old;               /* Linux: the signal mask */
	struct sigaction act[3];    /* macOS: the actions */
};
/* 0, or -1 with errno. */
int cli_sig_open(struct cli_sigwatch *s);
/* The signal that arrived, or 0 (nothing pending). */
int cli_sig_read(struct cli_sigwatch *s);
/* Closes the fd and gives the signals back their old behaviour. */
void cli_sig_close(struct cli_sigwatch *s);

/* A file watch: the fd turns readable when a watched file is written or a
 * watched directory gets a new entry. */
int cli_fwatch_open(void);
/* Watches `path` (a file, or with is_dir a directory); *wd identifies it
 * for cli_fwatch_rm. 0, or -1 with errno. */
int cli_fwatch_add(int fd, const char *path, int is_dir, int *wd);
void cli_fwatch_rm(int fd, int wd);
/* Consumes what made the fd readable. */
void cli_fwatch_drain(int fd);

#endif
