/*
 * unixsock.c - unix socket helpers (see unixsock.h). The few Linux-only
 * flags (SOCK_CLOEXEC, accept4, O_PATH + /proc/self/fd) have a portable
 * fallback chosen at compile time, for the macOS shim.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error.h"
#include "core/unixsock.h"

/* Fills addr for path; for long paths opens the directory O_PATH and
 * addresses the socket through /proc/self/fd. *dirfd is closed by caller. */
static int make_addr(const char *path, struct sockaddr_un *addr, int *dirfd)
{
	char dir[PATH_MAX], base[PATH_MAX];
	size_t len = strlen(path);
	int n;

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	*dirfd = -1;
	if (len < sizeof(addr->sun_path)) {
		memcpy(addr->sun_path, path, len + 1);
		return 0;
	}
	if (len >= PATH_MAX)
		return vmc_error_set(VMC_EINVAL, "socket path too long '%s'", path);
#ifndef O_PATH
	/* no /proc/self/fd to address a directory by (macOS) */
	(void)dir;
	(void)base;
	(void)n;
	return vmc_error_set(VMC_EINVAL, "socket path '%s' is longer than %zu bytes: use a "
			     "shorter state directory", path, sizeof(addr->sun_path) - 1);
#else
	memcpy(dir, path, len + 1);
	memcpy(base, path, len + 1);
	*dirfd = open(dirname(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot open directory of '%s'", path);
	n = snprintf(addr->sun_path, sizeof(addr->sun_path), "/proc/self/fd/%d/%s", *dirfd,
		     basename(base));
	if (n < 0 || (size_t)n >= sizeof(addr->sun_path))
		return vmc_error_set(VMC_EINVAL, "socket name too long in '%s'", path);
	return 0;
#endif
}

#ifndef SOCK_CLOEXEC
/* Makes an fd close-on-exec (and non-blocking), with SO_NOSIGPIPE where
 * send() has no MSG_NOSIGNAL. Linux gets these from the flags instead. */
static int fd_setup(int fd, int nonblock)
{
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	if (nonblock && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return -1;
#ifdef SO_NOSIGPIPE
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one)) < 0)
		return -1;
#endif
	return 0;
}
#endif

static int stream_socket(int nonblock)
{
	int fd;

#ifdef SOCK_CLOEXEC
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
#else
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0 && fd_setup(fd, nonblock) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		fd = -1;
	}
#endif
	return fd;
}

int unix_accept(int listen_fd, int *out)
{
	int fd;

#ifdef SOCK_CLOEXEC
	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
#else
	fd = accept(listen_fd, NULL, NULL);
	if (fd >= 0 && fd_setup(fd, 1) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		fd = -1;
	}
#endif
	if (fd < 0)
		return -1;
	*out = fd;
	return 0;
}

int unix_connect(const char *path, int *out)
{
	struct sockaddr_un addr;
	int fd = -1, dirfd = -1, rc;

	rc = make_addr(path, &addr, &dirfd);
	if (rc < 0)
		goto out;
	fd = stream_socket(0);
	if (fd < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "socket");
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;
		rc = (e == ENOENT || e == ECONNREFUSED)
			? vmc_error_set(VMC_ENOTFOUND, "nothing listens on '%s'", path)
			: vmc_error_set_errno(VMC_EIO, e, "cannot connect to '%s'", path);
		goto out;
	}
	*out = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

int unix_listen(const char *path, int backlog, int nonblock, int *out)
{
	struct sockaddr_un addr;
	int fd = -1, dirfd = -1, rc, probe;

	rc = make_addr(path, &addr, &dirfd);
	if (rc < 0)
		goto out;
	fd = stream_socket(nonblock);
	if (fd < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "socket");
		goto out;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno != EADDRINUSE) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot bind '%s'", path);
			goto out;
		}
		/* a ghost from a dead process, or a live listener? */
		if (unix_connect(path, &probe) == 0) {
			close(probe);
			rc = vmc_error_set(VMC_EBUSY, "'%s' is in use", path);
			goto out;
		}
		vmc_error_clear();
		unlink(path);
		if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot bind '%s'", path);
			goto out;
		}
	}
	if (listen(fd, backlog) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot listen on '%s'", path);
		goto out;
	}
	*out = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

int unix_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, UNIX_MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vmc_error_set_errno(VMC_EIO, errno, "send");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
