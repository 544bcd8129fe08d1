/*
 * disk.c - raw disk images, the part every platform shares: the clone
 * methods' names, the errno -> vmc error mapping, and creating a sparse
 * disk (O_EXCL + ftruncate, then synced). Cloning is per platform:
 * disk_clone_linux.c (FICLONE, copy_file_range, O_TMPFILE) and
 * disk_clone_darwin.c (clonefile, copyfile).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "core/error.h"
#include "image/disk.h"

int disk_full_fsync(int fd)
{
#ifdef F_FULLFSYNC
	/* macOS: fsync() leaves the data in the drive's cache */
	if (fcntl(fd, F_FULLFSYNC) == 0)
		return 0;
#endif
	return fsync(fd);
}

const char *vmc_clone_method_name(vmc_clone_method m)
{
	switch (m) {
	case VMC_CLONE_REFLINK:
		return "reflink";
	case VMC_CLONE_COPY_RANGE:
		return "copy_range";
	case VMC_CLONE_COPY:
		return "copy";
	}
	return "unknown";
}

int disk_errno_code(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return VMC_ENOTFOUND;
	case EEXIST:
		return VMC_EEXISTS;
	case EFBIG:
	case ENAMETOOLONG:
		return VMC_EINVAL;
	default:
		return VMC_EIO;
	}
}

int vmc_disk_create(const char *path, uint64_t size)
{
	int fd, rc = 0;

	if (!path || !path[0])
		return vmc_error_set(VMC_EINVAL, "disk: empty path");
	if (size == 0 || size % 512 != 0 || size > (uint64_t)INT64_MAX)
		return vmc_error_set(VMC_EINVAL,
				     "disk '%s': size %llu is not a positive multiple of 512",
				     path, (unsigned long long)size);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return vmc_error_set_errno(disk_errno_code(errno), errno, "cannot create disk '%s'", path);
	if (ftruncate(fd, (off_t)size) < 0) {
		rc = vmc_error_set_errno(errno == EFBIG || errno == EINVAL ? VMC_EINVAL : VMC_EIO,
					 errno, "cannot set the size of disk '%s' to %llu", path,
					 (unsigned long long)size);
		goto out;
	}
	if (disk_full_fsync(fd) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot sync disk '%s'", path);
out:
	if (close(fd) < 0 && rc == 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot close disk '%s'", path);
	if (rc < 0)
		unlink(path);
	return rc;
}
