/*
 * disk_clone_linux.c - cloning a raw disk image on Linux (disk.c creates
 * them): cloning one copy-on-write where the filesystem can (FICLONE reflink on
 * XFS/btrfs), else with copy_file_range(2), else with read/write. Both
 * copies walk the base's data extents (SEEK_DATA/SEEK_HOLE) so holes stay
 * holes, and the plain copy also leaves all-zero blocks unwritten.
 *
 * A clone is never visible half-written and never replaces a file: it is
 * built in an unnamed O_TMPFILE in the target's directory (or, where the
 * filesystem lacks O_TMPFILE, a named temporary), fsynced, and then linked
 * to its name with linkat (or renameat2 RENAME_NOREPLACE), both of which
 * fail with EEXIST instead of overwriting. qcow2 and other formats are
 * not handled here.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "image/disk.h"

#define COPY_CHUNK (1024 * 1024)

/* The next data extent at or after off: [*start, *end). Returns 1, or 0
 * when only holes remain. Without SEEK_DATA the rest is one extent. */
static int next_data(int fd, off_t off, off_t size, off_t *start, off_t *end)
{
	off_t s, e;

	if (off >= size)
		return 0;
	s = lseek(fd, off, SEEK_DATA);
	if (s < 0) {
		if (errno == ENXIO)
			return 0;
		*start = off;
		*end = size;
		return 1;
	}
	if (s >= size)
		return 0;
	e = lseek(fd, s, SEEK_HOLE);
	if (e < 0 || e > size)
		e = size;
	*start = s;
	*end = e;
	return 1;
}

/* errno values after which a slower method may still work */
static int try_next(int err)
{
	return err == EOPNOTSUPP || err == ENOTTY || err == EXDEV || err == EINVAL ||
	       err == ENOSYS || err == EPERM || err == EBADF || err == ETXTBSY;
}

/* copy_file_range over the data extents. Returns 0, 1 (unsupported: try
 * the next method) or a vmc error. */
static int copy_range(int src, int dst, off_t size)
{
	off_t pos = 0, start, end;

	while (next_data(src, pos, size, &start, &end)) {
		loff_t in = start, out = start;

		while (in < end) {
			ssize_t n = copy_file_range(src, &in, dst, &out, (size_t)(end - in), 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && try_next(errno))
				return 1;
			if (n < 0)
				return vmc_error_set_errno(VMC_EIO, errno, "copy_file_range");
			if (n == 0)
				return vmc_error_set(VMC_EIO, "base shrank during the copy");
		}
		pos = end;
	}
	return 0;
}

static int all_zero(const unsigned char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* pread/pwrite over the data extents, all-zero chunks left as holes. */
static int copy_plain(int src, int dst, off_t size)
{
	unsigned char *buf = malloc(COPY_CHUNK);
	off_t pos = 0, start, end;
	int rc = 0;

	if (!buf)
		return vmc_error_oom();
	while (rc == 0 && next_data(src, pos, size, &start, &end)) {
		off_t off = start;

		while (off < end) {
			size_t want = (size_t)(end - off) < COPY_CHUNK ? (size_t)(end - off) : COPY_CHUNK;
			ssize_t n = pread(src, buf, want, off), w = 0;

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				rc = vmc_error_set_errno(VMC_EIO, errno, "read");
				break;
			}
			if (n == 0) {
				rc = vmc_error_set(VMC_EIO, "base shrank during the copy");
				break;
			}
			while (!all_zero(buf, (size_t)n) && w < n) {
				ssize_t k = pwrite(dst, buf + w, (size_t)(n - w), off + w);

				if (k < 0 && errno == EINTR)
					continue;
				if (k < 0) {
					rc = vmc_error_set_errno(VMC_EIO, errno, "write");
					break;
				}
				w += k;
			}
			off += n;
		}
		pos = end;
	}
	free(buf);
	return rc;
}

/* Copies src into the empty dst with the first method that works. */
static int clone_data(int src, int dst, off_t size, vmc_clone_method first,
		      vmc_clone_method *used)
{
	int rc;

	if (first == VMC_CLONE_REFLINK && ioctl(dst, FICLONE, src) == 0) {
		*used = VMC_CLONE_REFLINK;
		return 0;
	}
	if (ftruncate(dst, size) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot set the size");
	if (first != VMC_CLONE_COPY) {
		rc = copy_range(src, dst, size);
		if (rc <= 0) {
			*used = VMC_CLONE_COPY_RANGE;
			return rc;
		}
		/* start over: drop whatever the failed method wrote */
		if (ftruncate(dst, 0) < 0 || ftruncate(dst, size) < 0)
			return vmc_error_set_errno(VMC_EIO, errno, "cannot reset the copy");
	}
	*used = VMC_CLONE_COPY;
	return copy_plain(src, dst, size);
}

/* The directory part of path ("." when none), in buf. */
static int dir_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (!slash) {
		snprintf(buf, size, ".");
		return 0;
	}
	len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= size)
		return -1;
	memcpy(buf, path, len);
	buf[len] = '\0';
	return 0;
}

/* Gives the finished temporary its name without replacing anything. */
static int publish(int fd, const char *tmp, const char *path)
{
	char proc[64];

	if (!tmp) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno == ENOENT && linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0)
			return 0; /* no /proc: needs CAP_DAC_READ_SEARCH */
		return -1;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(tmp, path) < 0)
		return -1;
	unlink(tmp);
	return 0;
}

int disk_clone_from(const char *base, const char *path, vmc_clone_method first,
		    vmc_clone_method *method_out)
{
	vmc_clone_method used = VMC_CLONE_COPY;
	char dir[PATH_MAX], *tmp = NULL;
	struct stat st, pst;
	mode_t mode;
	int src = -1, dst = -1, rc = 0;

	if (!base || !path || !base[0] || !path[0])
		return vmc_error_set(VMC_EINVAL, "disk clone: empty path");
	if (dir_of(path, dir, sizeof(dir)) < 0)
		return vmc_error_set(VMC_EINVAL, "cannot clone to '%s': path too long", path);
	src = open(base, O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return vmc_error_set_errno(disk_errno_code(errno), errno, "cannot open base disk '%s'", base);
	if (fstat(src, &st) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot stat base disk '%s'", base);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = vmc_error_set(VMC_EINVAL, "base disk '%s' is not a regular file", base);
		goto out;
	}
	if (lstat(path, &pst) == 0) {
		rc = vmc_error_set(VMC_EEXISTS, "cannot clone to '%s': it already exists", path);
		goto out;
	}
	mode = (st.st_mode & 0777) | S_IRUSR | S_IWUSR;
	dst = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
	if (dst < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		size_t plen = strlen(path);

		tmp = malloc(plen + sizeof(".tmp.XXXXXX"));
		if (!tmp) {
			rc = vmc_error_oom();
			goto out;
		}
		memcpy(tmp, path, plen);
		memcpy(tmp + plen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
		dst = mkostemp(tmp, O_CLOEXEC);
		if (dst >= 0 && fchmod(dst, mode) < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot chmod '%s'", tmp);
			goto out;
		}
	}
	if (dst < 0) {
		rc = vmc_error_set_errno(disk_errno_code(errno), errno,
					 "cannot create a file in '%s'", dir);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	rc = clone_data(src, dst, st.st_size, first, &used);
	if (rc < 0) {
		rc = vmc_error_prefix(rc, "cloning '%s' to '%s' (%s)", base, path,
				      vmc_clone_method_name(used));
		goto out;
	}
	if (fsync(dst) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot sync the clone of '%s'", base);
		goto out;
	}
	if (publish(dst, tmp, path) < 0) {
		rc = vmc_error_set_errno(disk_errno_code(errno), errno, "cannot link the clone to '%s'",
					 path);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	{
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	if (method_out)
		*method_out = used;
out:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (dst >= 0)
		close(dst);
	if (src >= 0)
		close(src);
	return rc;
}

int vmc_disk_clone(const char *base, const char *path, vmc_clone_method *method_out)
{
	return disk_clone_from(base, path, VMC_CLONE_REFLINK, method_out);
}
