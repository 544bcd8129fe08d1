/*
 * disk_clone_darwin.c - cloning a raw disk image on macOS (disk.c creates
 * them; disk_clone_linux.c is the Linux clone: FICLONE, copy_file_range,
 * O_TMPFILE, renameat2). A clone is clonefile(2): APFS's
 * copy-on-write clone, made under its final name in one step that fails
 * with EEXIST instead of replacing anything, and never visible
 * half-made. Where the filesystem cannot clone (HFS+, exFAT, a network
 * share: ENOTSUP, or EXDEV across volumes) the base is copied into a
 * named temporary in the target's directory with copyfile(3) (which keeps
 * holes), fsynced, and renamed into place with renamex_np(RENAME_EXCL),
 * which also refuses to replace.
 */
#include <copyfile.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/clonefile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "image/disk.h"

/* The copy fallback: base into a temporary beside path, then renamed to
 * path without replacing. */
static int copy_into_place(const char *base, const char *path, mode_t mode)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof(".tmp.XXXXXX"));
	int fd = -1, rc = 0;

	if (!tmp)
		return vmc_error_oom();
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	fd = mkstemp(tmp);
	if (fd < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		rc = vmc_error_set_errno(disk_errno_code(errno), errno, "cannot create a file beside '%s'",
					 path);
		if (fd < 0) {
			free(tmp);
			return rc;
		}
		goto out;
	}
	/* COPYFILE_DATA copies the bytes only (holes stay holes); the
	 * temporary gets its mode below */
	{
		int src = open(base, O_RDONLY | O_CLOEXEC);

		if (src < 0) {
			rc = vmc_error_set_errno(disk_errno_code(errno), errno, "cannot open base disk '%s'",
						 base);
			goto out;
		}
		if (fcopyfile(src, fd, NULL, COPYFILE_DATA) < 0)
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot copy '%s'", base);
		close(src);
	}
	if (rc == 0 && fchmod(fd, mode) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot chmod '%s'", tmp);
	if (rc == 0 && disk_full_fsync(fd) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot sync the copy of '%s'", base);
	if (rc == 0 && renamex_np(tmp, path, RENAME_EXCL) < 0)
		rc = vmc_error_set_errno(disk_errno_code(errno), errno, "cannot link the clone to '%s'",
					 path);
out:
	close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int disk_clone_from(const char *base, const char *path, vmc_clone_method first,
		    vmc_clone_method *method_out)
{
	struct stat st;
	mode_t mode;
	int rc;

	if (!base || !path || !base[0] || !path[0])
		return vmc_error_set(VMC_EINVAL, "disk clone: empty path");
	if (stat(base, &st) < 0)
		return vmc_error_set_errno(disk_errno_code(errno), errno, "cannot open base disk '%s'", base);
	if (!S_ISREG(st.st_mode))
		return vmc_error_set(VMC_EINVAL, "base disk '%s' is not a regular file", base);
	mode = (st.st_mode & 0777) | S_IRUSR | S_IWUSR;
	if (first == VMC_CLONE_REFLINK) {
		/* fails with EEXIST rather than replace path */
		if (clonefile(base, path, CLONE_NOFOLLOW | CLONE_NOOWNERCOPY) == 0) {
			if (chmod(path, mode) < 0) {
				rc = vmc_error_set_errno(VMC_EIO, errno, "cannot chmod '%s'", path);
				unlink(path);
				return rc;
			}
			if (method_out)
				*method_out = VMC_CLONE_REFLINK;
			return 0;
		}
		if (errno != ENOTSUP && errno != EXDEV)
			return vmc_error_set_errno(disk_errno_code(errno), errno,
						   "cannot clone '%s' to '%s'", base, path);
	}
	if (access(path, F_OK) == 0)
		return vmc_error_set(VMC_EEXISTS, "cannot clone to '%s': it already exists", path);
	rc = copy_into_place(base, path, mode);
	if (rc < 0)
		return vmc_error_prefix(rc, "cloning '%s' to '%s' (copy)", base, path);
	if (method_out)
		*method_out = VMC_CLONE_COPY;
	return 0;
}

int vmc_disk_clone(const char *base, const char *path, vmc_clone_method *method_out)
{
	return disk_clone_from(base, path, VMC_CLONE_REFLINK, method_out);
}
