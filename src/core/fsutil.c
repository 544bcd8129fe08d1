/*
 * fsutil.c - careful small-file I/O and tree removal (see fsutil.h).
 * Removal walks with openat(O_NOFOLLOW | O_DIRECTORY) and unlinkat, so a
 * symlink inside a VM directory can never redirect it outside.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fsutil.h"

char *fs_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 2);

	if (!p)
		return NULL;
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

int fs_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return vmc_error_set(VMC_EINVAL, "invalid directory path '%s'", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return vmc_error_set_errno(VMC_EIO, errno, "cannot create directory '%s'", buf);
		*p = saved;
		if (saved == '\0')
			break;
	}
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, int durable)
{
	char tmp[PATH_MAX];
	int fd = -1, rc = 0, n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return vmc_error_set(VMC_EINVAL, "path too long '%s'", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot create '%s'", tmp);
	if (write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot write '%s'", tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot write '%s'", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot rename '%s' to '%s'", tmp, path);
		goto out;
	}
	if (durable) {
		char dir[PATH_MAX];
		char *slash;

		memcpy(dir, path, strlen(path) + 1);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0) {
				(void)fsync(dfd);
				close(dfd);
			}
		}
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int fs_read_file(const char *path, size_t max, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, rc = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return vmc_error_set(VMC_ENOTFOUND, "'%s' does not exist", path);
		return vmc_error_set_errno(VMC_EIO, errno, "cannot open '%s'", path);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = vmc_error_set(VMC_EINVAL, "'%s' is not a regular file", path);
		goto out;
	}
	buf = malloc(max + 1);
	if (!buf) {
		rc = vmc_error_oom();
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + got, max + 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot read '%s'", path);
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max) {
			rc = vmc_error_set(VMC_EINVAL, "'%s' is larger than %zu bytes", path, max);
			goto out;
		}
	}
	buf[got] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = got;
out:
	free(buf);
	close(fd);
	return rc;
}

static int remove_at(int parent, const char *name, int depth)
{
	int fd, rc = 0;
	DIR *d;
	struct dirent *e;

	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot remove '%s'", name);
	if (depth > 64)
		return vmc_error_set(VMC_EIO, "directory tree too deep at '%s'", name);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot open '%s'", name);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return vmc_error_set_errno(VMC_EIO, errno, "cannot read '%s'", name);
	}
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		rc = remove_at(dirfd(d), e->d_name, depth + 1);
		if (rc < 0)
			break;
	}
	closedir(d);
	if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot remove directory '%s'", name);
	return rc;
}

int fs_remove_tree(const char *path)
{
	return remove_at(AT_FDCWD, path, 0);
}

int fs_is_readable_file(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

int fs_lock(const char *dir, const char *name, int *fd)
{
	char *path = fs_join(dir, name);
	int rc = 0;

	*fd = -1;
	if (!path)
		return vmc_error_oom();
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		rc = vmc_error_set_errno(errno == ENOENT ? VMC_ENOTFOUND : VMC_EIO, errno,
					 "cannot open '%s'", path);
	while (rc == 0 && flock(*fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot lock '%s'", path);
			close(*fd);
			*fd = -1;
		}
	}
	free(path);
	return rc;
}
