/*
 * compat.h - the few Linux spellings vmc's portable files use that macOS
 * spells otherwise, each with one portable name:
 *
 *   VMC_O_PATH      O_PATH on Linux; O_RDONLY on macOS, which has no
 *                   O_PATH (a directory fd for *at() calls works either way)
 *   vmc_random()    getrandom(2) on Linux; arc4random_buf(3) on macOS
 *   makedev()       <sys/sysmacros.h> on Linux; <sys/types.h> on macOS
 *   vmc_fd_path()   a path naming `name` in the directory open at fd:
 *                   /proc/self/fd/N/name on Linux; fcntl(F_GETPATH) on macOS
 *
 * Bigger differences live in their own files (spawn_darwin.c,
 * proc_darwin.c, events_darwin.c, ...): this header is only for
 * one-liners.
 */
#ifndef VMC_CORE_COMPAT_H
#define VMC_CORE_COMPAT_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdio.h>
#ifdef __APPLE__
#include <stdlib.h>
#include <sys/param.h>
#else
#include <sys/random.h>
#include <sys/sysmacros.h>
#endif

#ifdef O_PATH
#define VMC_O_PATH O_PATH
#else
#define VMC_O_PATH O_RDONLY
#endif

/* Fills buf with len random bytes from the kernel. 0, or -1 with errno. */
static inline int vmc_random(void *buf, size_t len)
{
#ifdef __APPLE__
	arc4random_buf(buf, len); /* never fails */
	return 0;
#else
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom((char *)buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
#endif
}

/* A path for `name` inside the directory open at dirfd, into out. 0, or
 * -1 (errno: ENAMETOOLONG when it does not fit). */
static inline int vmc_fd_path(int dirfd, const char *name, char *out, size_t len)
{
	int n;
#ifdef __APPLE__
	char dir[MAXPATHLEN];

	if (fcntl(dirfd, F_GETPATH, dir) < 0)
		return -1;
	n = snprintf(out, len, "%s/%s", dir, name);
#else
	n = snprintf(out, len, "/proc/self/fd/%d/%s", dirfd, name);
#endif
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

#endif
