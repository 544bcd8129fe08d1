/*
 * unixsock.c - unix socket helpers (see unixsock.h).
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
}

int unix_connect(const char *path, int *out)
{
	struct sockaddr_un addr;
	int fd = -1, dirfd = -1, rc;

	rc = make_addr(path, &addr, &dirfd);
	if (rc < 0)
		goto out;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
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
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
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
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
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
