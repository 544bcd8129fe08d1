/*
 * image_disk.c - an image's root filesystem as a cached ext4 disk (see
 * image_disk.h): in a private (0700) build folder next to the cache, the
 * layers are unpacked (rootfs.c), measured, and `mke2fs -d` (e2fsprogs,
 * spawned with an argv) writes the filesystem into a sparse file, which is
 * fsynced and linked to disks/<hex>.ext4 with link(2), so a half-built
 * disk is never visible and a concurrent builder's finished disk is never
 * replaced. The build folder is removed on every path, however deep the
 * image's tree in it (remove_build()).
 *
 * The filesystem has no journal: each VM boots a private clone of this
 * disk that is deleted with the VM, so there is nothing to recover after
 * a crash, and a journal would cost every disk (and every copy_file_range
 * clone) its zeroed blocks. The UUID and directory hash seed are derived
 * from the image digest and root owns "/", so two builds of one image
 * differ only in timestamps mke2fs takes from the clock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "core/spawn.h"
#include "image/image_disk.h"
#include "image/rootfs.h"

#define BLOCK 4096ull
#define WALK_DEPTH_MAX 512
#define MKE2FS_ERR_MAX 2048
#define CLEAN_DEPTH 32          /* directories open at once while removing */
#define CLEAN_PASSES_MAX 4096

static int digest_hex(const char *digest, const char **hex)
{
	size_t i;

	if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 7 + 64)
		return vmc_error_set(VMC_EINVAL, "bad image digest '%.80s'", digest ? digest : "");
	for (i = 7; digest[i]; i++)
		if (!((digest[i] >= '0' && digest[i] <= '9') || (digest[i] >= 'a' && digest[i] <= 'f')))
			return vmc_error_set(VMC_EINVAL, "bad image digest '%.80s'", digest);
	*hex = digest + 7;
	return 0;
}

int image_disk_path(const char *store_dir, const char *manifest_digest, char *out,
		    size_t outlen)
{
	const char *hex;
	int rc, n;

	rc = digest_hex(manifest_digest, &hex);
	if (rc < 0)
		return rc;
	n = snprintf(out, outlen, "%s/" IMAGE_DISK_DIR "/%s.ext4", store_dir, hex);
	if (n < 0 || (size_t)n >= outlen)
		return vmc_error_set(VMC_EINVAL, "image disk path under '%s' too long", store_dir);
	return 0;
}

void image_disk_geometry(uint64_t data_bytes, uint64_t inodes, uint64_t *size_out,
			 uint64_t *inodes_out)
{
	uint64_t n = inodes + inodes / 2 + 4096, size;

	if (n < IMAGE_DISK_INODES_MIN)
		n = IMAGE_DISK_INODES_MIN;
	/* data + 1/8 for extent trees, bitmaps and group descriptors, the
	 * inode tables (256 bytes each), then the free space */
	size = data_bytes + data_bytes / 8 + n * 256 + IMAGE_DISK_HEADROOM;
	size = (size + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
	*size_out = size;
	*inodes_out = n;
}

/* Adds up what the tree under dirfd needs on ext4 (never follows links). */
static int measure(int dirfd, int depth, uint64_t *bytes, uint64_t *inodes)
{
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (depth > WALK_DEPTH_MAX) {
		close(dirfd);
		return vmc_error_set(VMC_EINVAL, "rootfs deeper than %d directories", WALK_DEPTH_MAX);
	}
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return vmc_error_set_errno(VMC_EIO, errno, "cannot read the unpacked rootfs");
	}
	*bytes += BLOCK;
	*inodes += 1;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		struct stat sb;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "stat '%s' in the rootfs", e->d_name);
			break;
		}
		if (S_ISDIR(sb.st_mode)) {
			int sub = openat(dirfd, e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0)
				rc = vmc_error_set_errno(VMC_EIO, errno, "open '%s' in the rootfs",
							 e->d_name);
			else
				rc = measure(sub, depth + 1, bytes, inodes);
			continue;
		}
		*inodes += 1;
		if (S_ISREG(sb.st_mode))
			*bytes += ((uint64_t)sb.st_size + BLOCK - 1) / BLOCK * BLOCK;
		else if (S_ISLNK(sb.st_mode) && sb.st_size >= 60) /* not inline */
			*bytes += BLOCK;
	}
	closedir(d);
	return rc;
}

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" from the first 32 hex digits. */
static void uuid_from_hex(const char *hex, char out[37])
{
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* Runs mke2fs; its stderr becomes the error message. */
static int run_mke2fs(const char *rootfs, const char *image, uint64_t inodes, const char *hex)
{
	char uuid[37], ext[128], nodes[24], msg[MKE2FS_ERR_MAX];
	const char *argv[] = { "mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-I", "256",
			       "-m", "0", "-N", nodes, "-O", "^has_journal", "-U", uuid,
			       "-E", ext, "-d", rootfs, image, NULL };
	struct spawn_opts so;
	int pipefd[2] = { -1, -1 }, status = 0, rc;
	size_t used = 0;
	ssize_t n;
	pid_t pid = -1;

	uuid_from_hex(hex, uuid);
	snprintf(ext, sizeof(ext), "root_owner=0:0,hash_seed=%s", uuid);
	snprintf(nodes, sizeof(nodes), "%llu", (unsigned long long)inodes);
	if (spawn_pipe_cloexec(pipefd, 0) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "pipe");
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = -1;
	so.stdout_fd = pipefd[1];
	so.stderr_fd = pipefd[1];
	rc = spawn_process(&so, &pid);
	close(pipefd[1]);
	if (rc < 0) {
		close(pipefd[0]);
		return vmc_error_prefix(rc, "mke2fs (e2fsprogs) is needed to boot images");
	}
	for (;;) {
		char buf[512];

		n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used < sizeof(msg) - 1) {
			size_t take = (size_t)n < sizeof(msg) - 1 - used ? (size_t)n
									 : sizeof(msg) - 1 - used;

			memcpy(msg + used, buf, take);
			used += take;
		}
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	msg[used] = '\0';
	while (used > 0 && (msg[used - 1] == '\n' || msg[used - 1] == ' '))
		msg[--used] = '\0';
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vmc_error_set(VMC_EIO, "mke2fs failed (%s %d): %s",
				     WIFEXITED(status) ? "exit" : "signal",
				     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				     used ? msg : "no message");
	return 0;
}

/* Empties the directory `fd` (consumed) of the build folder `top`.
 * A directory nested deeper than CLEAN_DEPTH is moved up to `top` (as
 * "deep-N") for a later pass instead of being opened: an image's tree may
 * be thousands of levels deep (entry paths up to PATH_MAX), and one open
 * directory per level would run out of fds. Never follows a symlink. */
static int clear_dir(int top, int fd, int depth, unsigned int *seq, int *moved)
{
	struct dirent *e;
	DIR *d;
	int rc = 0;

	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return vmc_error_set_errno(VMC_EIO, errno, "cannot read the build folder");
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		int sub;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot remove '%s'", e->d_name);
			break;
		}
		if (depth >= CLEAN_DEPTH) {
			char name[32];

			snprintf(name, sizeof(name), "deep-%u", (*seq)++);
			if (renameat(dirfd(d), e->d_name, top, name) < 0)
				rc = vmc_error_set_errno(VMC_EIO, errno, "cannot move '%s' up",
							 e->d_name);
			*moved = 1;
			continue;
		}
		sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot open '%s'", e->d_name);
			break;
		}
		rc = clear_dir(top, sub, depth + 1, seq, moved);
		if (rc == 0 && unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot remove '%s'", e->d_name);
	}
	closedir(d);
	return rc;
}

/* Removes build folder `name` under `parent` (a directory fd or AT_FDCWD)
 * and everything in it, in passes of clear_dir(). */
static int remove_build(int parent, const char *name)
{
	unsigned int seq = 0;
	int top, fd, moved, pass, rc = 0;

	top = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (top < 0)
		return errno == ENOENT ? 0
				       : vmc_error_set_errno(VMC_EIO, errno, "cannot open '%s'", name);
	for (pass = 0; pass < CLEAN_PASSES_MAX; pass++) {
		moved = 0;
		/* a new open file description: a dup would share the offset
		 * the last pass left at the end of the directory */
		fd = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot open '%s'", name);
			break;
		}
		rc = clear_dir(top, fd, 0, &seq, &moved);
		if (rc < 0 || !moved)
			break;
	}
	close(top);
	if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot remove '%s'", name);
	return rc;
}

static int regular_file(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Unpacks into `rootfs` (made here, 0755), measures it and formats
 * `tmp_image`; both live in the caller's private (0700) build folder. */
static int build(struct oci_store *s, const char *digest, const char *hex, const char *rootfs,
		 const char *tmp_image)
{
	uint64_t bytes = 0, files = 0, size, inodes;
	unsigned int flags = geteuid() == 0 ? UNPACK_ALLOW_DEVICES : 0;
	int fd, rc;

	if (mkdir(rootfs, 0755) < 0 || chmod(rootfs, 0755) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot create '%s'", rootfs);
	rc = oci_rootfs_build(s, digest, rootfs, flags, NULL);
	if (rc < 0)
		return rc;
	fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "open '%s'", rootfs);
	rc = measure(fd, 0, &bytes, &files);
	if (rc < 0)
		return rc;
	image_disk_geometry(bytes, files, &size, &inodes);
	fd = open(tmp_image, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "create '%s'", tmp_image);
	if (ftruncate(fd, (off_t)size) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "size '%s'", tmp_image);
		close(fd);
		return rc;
	}
	close(fd);
	rc = run_mke2fs(rootfs, tmp_image, inodes, hex);
	if (rc < 0)
		return rc;
	fd = open(tmp_image, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "fsync '%s'", tmp_image);
	if (fd >= 0)
		close(fd);
	return rc;
}

int image_disk_ensure(struct oci_store *s, const char *store_dir, const char *manifest_digest,
		      char *out, size_t outlen, int *built)
{
	char *dir = NULL, *tmp_dir = NULL, *rootfs = NULL, *tmp_image = NULL;
	const char *hex;
	int rc, lock = -1, dfd;

	if (built)
		*built = 0;
	rc = digest_hex(manifest_digest, &hex);
	if (rc == 0)
		rc = image_disk_path(store_dir, manifest_digest, out, outlen);
	if (rc < 0)
		return rc;
	if (regular_file(out))
		return 0;
	dir = fs_join(store_dir, IMAGE_DISK_DIR);
	if (!dir)
		return vmc_error_oom();
	rc = fs_mkdir_p(dir, 0755);
	if (rc < 0)
		goto out;
	/* the layers must stay while we read them: prune waits for us */
	rc = oci_store_lock(s, OCI_LOCK_BLOBS, 0, &lock);
	if (rc < 0)
		goto out;
	if (asprintf(&tmp_dir, "%s/.build-%.16s-XXXXXX", dir, hex) < 0) {
		tmp_dir = NULL;
		rc = vmc_error_oom();
		goto out;
	}
	if (!mkdtemp(tmp_dir)) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot create a folder in '%s'", dir);
		free(tmp_dir);
		tmp_dir = NULL;
		goto out;
	}
	/* mkdtemp's 0700 keeps other users out while the tree holds the
	 * image's setuid files and (as root) device nodes */
	rootfs = fs_join(tmp_dir, "rootfs");
	tmp_image = fs_join(tmp_dir, "disk.ext4");
	if (!rootfs || !tmp_image) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = build(s, manifest_digest, hex, rootfs, tmp_image);
	if (rc < 0)
		goto out;
	if (link(tmp_image, out) < 0) {
		if (errno != EEXIST) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot link '%s'", out);
			goto out;
		}
		/* a concurrent builder finished first: its disk stays */
	} else if (built) {
		*built = 1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	if (tmp_dir) {
		char why[1024];
		int clean;

		snprintf(why, sizeof(why), "%s", rc < 0 ? vmc_error_last() : "");
		clean = remove_build(AT_FDCWD, tmp_dir);
		if (clean < 0 && rc == 0)
			rc = vmc_error_prefix(clean, "removing the build folder '%s'", tmp_dir);
		else if (clean < 0)
			vmc_error_set(rc, "%s", why); /* the first failure is the one to tell */
	}
	oci_store_unlock(&lock);
	if (rc < 0)
		rc = vmc_error_prefix(rc, "disk of image %.19s", manifest_digest);
	free(tmp_image);
	free(rootfs);
	free(tmp_dir);
	free(dir);
	return rc;
}

/* 1 if `digest` is the manifest of a recorded image. */
static int referenced(const struct oci_store_image *ims, size_t n, const char *hex)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strncmp(ims[i].digest, "sha256:", 7) == 0 && strcmp(ims[i].digest + 7, hex) == 0)
			return 1;
	return 0;
}

int image_disk_prune(struct oci_store *s, size_t *removed, uint64_t *bytes)
{
	struct oci_store_image *ims = NULL;
	struct dirent *e;
	size_t n = 0;
	int lock = -1, dfd = -1, rc;
	DIR *d = NULL;

	*removed = 0;
	*bytes = 0;
	/* exclusive: no builder is running, so every .build-* is stale */
	rc = oci_store_lock(s, OCI_LOCK_BLOBS, 1, &lock);
	if (rc == 0)
		rc = oci_store_list(s, &ims, &n);
	if (rc < 0)
		goto out;
	dfd = openat(oci_store_root_fd(s), IMAGE_DISK_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (dfd < 0) {
		if (errno != ENOENT)
			rc = vmc_error_set_errno(VMC_EIO, errno, "image disks");
		goto out;
	}
	d = fdopendir(dfd);
	if (!d) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "image disks");
		close(dfd);
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		struct stat sb;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (strncmp(e->d_name, ".build-", 7) == 0) {
			if (S_ISDIR(sb.st_mode)) {
				if (remove_build(dirfd(d), e->d_name) < 0)
					vmc_error_clear(); /* the next prune tries again */
			} else {
				unlinkat(dirfd(d), e->d_name, 0);
			}
			continue;
		}
		/* <64 hex>.ext4 of an image no record points to */
		if (len != 64 + 5 || strcmp(e->d_name + 64, ".ext4") != 0 || !S_ISREG(sb.st_mode))
			continue;
		e->d_name[64] = '\0';
		if (referenced(ims, n, e->d_name))
			continue;
		e->d_name[64] = '.';
		if (unlinkat(dirfd(d), e->d_name, 0) == 0) {
			(*removed)++;
			*bytes += (uint64_t)sb.st_blocks * 512;
		}
	}
out:
	if (d)
		closedir(d);
	free(ims);
	oci_store_unlock(&lock);
	return rc;
}
