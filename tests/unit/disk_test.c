/*
 * disk_test.c - raw disks: sparse creation with O_EXCL, and cloning with
 * each method. On the test's own temporary directory (ext4 on the CI
 * machines) the clone must report copy_range or copy, keep the data and
 * the holes, never overwrite and leave no temporary behind. The reflink
 * test makes a 300 MiB XFS image (mkfs.xfs -m reflink=1), attaches it with
 * losetup, mounts it, clones a 1 GiB sparse disk with data in three
 * places and checks that the clone was a reflink, took milliseconds and
 * shares its extents (FIEMAP_EXTENT_SHARED); the teardown unmounts and
 * detaches whatever the test got to, pass or fail. Without root, a loop
 * device or XFS it is skipped with the reason printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "core/spawn.h"
#include "image/disk.h"

#define MIB (1024ULL * 1024ULL)
#define GIB (1024ULL * MIB)

/* Runs argv, stdout captured into out (may be NULL); returns the exit
 * status or -1 when it could not be started. */
static int run_tool(const char *const *argv, char *out, size_t size)
{
	struct spawn_opts o = { .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = 2 };
	size_t len = 0;
	int p[2], status = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	o.stdout_fd = p[1];
	if (spawn_process(&o, &pid) < 0) {
		printf("# cannot run %s: %s\n", argv[0], vmc_error_last());
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	for (;;) {
		char sink[256];
		ssize_t n = out && len + 1 < size ? read(p[0], out + len, size - len - 1)
						  : read(p[0], sink, sizeof(sink));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out && len + 1 < size)
			len += (size_t)n;
	}
	close(p[0]);
	if (out && size)
		out[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void make_tmpdir(char *buf, size_t size, const char *base)
{
	snprintf(buf, size, "%s/vmc-disk-test-XXXXXX", base);
	assert_non_null(mkdtemp(buf));
}

static char *join(const char *a, const char *b)
{
	char *p = fs_join(a, b);

	assert_non_null(p);
	return p;
}

static int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Writes `len` bytes of a pattern derived from `tag` at `off`. */
static void write_pattern(const char *path, uint64_t off, size_t len, unsigned int tag)
{
	unsigned char *buf = malloc(len);
	size_t i;
	int fd;

	assert_non_null(buf);
	for (i = 0; i < len; i++)
		buf[i] = tag ? (unsigned char)((i * 31 + tag) ^ (i >> 9)) : 0;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, buf, len, (off_t)off), (ssize_t)len);
	assert_int_equal(fsync(fd), 0);
	close(fd);
	free(buf);
}

static void expect_same_content(const char *a, const char *b)
{
	unsigned char *ba = malloc(MIB), *bb = malloc(MIB);
	struct stat sa, sb;
	int fa, fb;
	off_t off;

	assert_non_null(ba);
	assert_non_null(bb);
	fa = open(a, O_RDONLY | O_CLOEXEC);
	fb = open(b, O_RDONLY | O_CLOEXEC);
	assert_true(fa >= 0 && fb >= 0);
	assert_int_equal(fstat(fa, &sa), 0);
	assert_int_equal(fstat(fb, &sb), 0);
	assert_int_equal(sa.st_size, sb.st_size);
	for (off = 0; off < sa.st_size; off += (off_t)MIB) {
		ssize_t na = pread(fa, ba, MIB, off), nb = pread(fb, bb, MIB, off);

		assert_int_equal(na, nb);
		if (memcmp(ba, bb, (size_t)na) != 0)
			fail_msg("contents differ in the MiB at %lld", (long long)off);
	}
	close(fa);
	close(fb);
	free(ba);
	free(bb);
}

static long long blocks_kib(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (long long)st.st_blocks / 2;
}

static void disk__create_sparse(void **state)
{
	char dir[64], *p, *missing;
	struct stat st;

	(void)state;
	make_tmpdir(dir, sizeof(dir), "/tmp");
	p = join(dir, "a.img");
	missing = join(dir, "no/such/a.img");
	assert_int_equal(vmc_disk_create(p, GIB), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, (off_t)GIB);
	assert_true(st.st_blocks <= 8); /* nothing allocated */
	/* never replaced, and the existing file is left alone */
	assert_int_equal(vmc_disk_create(p, 2 * GIB), VMC_EEXISTS);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, (off_t)GIB);
	assert_int_equal(vmc_disk_create(p, 0), VMC_EINVAL);
	assert_int_equal(vmc_disk_create(missing, MIB), VMC_ENOTFOUND);
	assert_int_equal(vmc_disk_create(NULL, MIB), VMC_EINVAL);
	free(p);
	p = join(dir, "b.img");
	assert_int_equal(vmc_disk_create(p, 1000), VMC_EINVAL);
	assert_int_equal(vmc_disk_create(p, UINT64_MAX - 511), VMC_EINVAL);
	assert_int_equal(dir_entries(dir), 1);
	free(p);
	free(missing);
	fs_remove_tree(dir);
}

/* A 64 MiB base: data at 0 and 40 MiB, a written all-zero MiB at 20 MiB,
 * holes elsewhere. */
static char *make_base(const char *dir)
{
	char *base = join(dir, "base.img");

	assert_int_equal(vmc_disk_create(base, 64 * MIB), 0);
	write_pattern(base, 0, MIB, 7);
	write_pattern(base, 20 * MIB, MIB, 0);
	write_pattern(base, 40 * MIB + 4096, 3 * MIB, 11);
	return base;
}

static void disk__clone_falls_back_on_this_filesystem(void **state)
{
	char dir[64], *base, *clone, *other;
	vmc_clone_method m = (vmc_clone_method)-1;
	struct statfs sfs;
	struct stat st;

	(void)state;
	make_tmpdir(dir, sizeof(dir), "/tmp");
	base = make_base(dir);
	clone = join(dir, "clone.img");
	other = join(dir, "other.img");
	assert_int_equal(statfs(dir, &sfs), 0);
	assert_int_equal(vmc_disk_clone(base, clone, &m), 0);
	printf("# clone on fs magic 0x%lx: %s\n", (unsigned long)sfs.f_type,
	       vmc_clone_method_name(m));
	if ((unsigned long)sfs.f_type == 0xef53UL) /* ext4 has no reflink */
		assert_true(m == VMC_CLONE_COPY_RANGE || m == VMC_CLONE_COPY);
	expect_same_content(base, clone);
	/* holes stay holes: 4 MiB of data, not 64 */
	assert_true(blocks_kib(clone) <= blocks_kib(base) + 64);
	assert_true(blocks_kib(clone) < 8 * 1024);
	assert_int_equal(stat(clone, &st), 0);
	assert_int_equal(st.st_mode & 0600, 0600);

	/* an existing target is never overwritten */
	assert_int_equal(fs_write_atomic(other, "x", 1, 0600, 0), 0);
	assert_int_equal(vmc_disk_clone(base, clone, NULL), VMC_EEXISTS);
	assert_int_equal(vmc_disk_clone(base, base, NULL), VMC_EEXISTS);
	expect_same_content(base, clone);
	/* no temporary left behind, whatever happened */
	assert_int_equal(dir_entries(dir), 3);
	assert_int_equal(unlink(other), 0);

	assert_int_equal(vmc_disk_clone("/nonexistent/base.img", other, NULL), VMC_ENOTFOUND);
	assert_int_equal(vmc_disk_clone(dir, other, NULL), VMC_EINVAL);
	free(clone);
	clone = join(dir, "no/such/dir/c.img");
	assert_int_equal(vmc_disk_clone(base, clone, NULL), VMC_ENOTFOUND);
	assert_int_equal(dir_entries(dir), 2);
	free(base);
	free(clone);
	free(other);
	fs_remove_tree(dir);
}

static void disk__clone_each_fallback_method(void **state)
{
	char dir[64], *base, *c1, *c2;
	vmc_clone_method m1, m2;

	(void)state;
	make_tmpdir(dir, sizeof(dir), "/tmp");
	base = make_base(dir);
	c1 = join(dir, "range.img");
	c2 = join(dir, "copy.img");
	assert_int_equal(disk_clone_from(base, c1, VMC_CLONE_COPY_RANGE, &m1), 0);
	assert_true(m1 == VMC_CLONE_COPY_RANGE || m1 == VMC_CLONE_COPY);
	assert_int_equal(disk_clone_from(base, c2, VMC_CLONE_COPY, &m2), 0);
	assert_int_equal(m2, VMC_CLONE_COPY);
	printf("# forced: %s, %s; KiB allocated: base %lld, range %lld, copy %lld\n",
	       vmc_clone_method_name(m1), vmc_clone_method_name(m2), blocks_kib(base),
	       blocks_kib(c1), blocks_kib(c2));
	expect_same_content(base, c1);
	expect_same_content(base, c2);
	/* the plain copy also leaves the written zero MiB unallocated */
	assert_true(blocks_kib(c2) + 1024 <= blocks_kib(base));
	assert_int_equal(dir_entries(dir), 3);
	assert_string_equal(vmc_clone_method_name((vmc_clone_method)9), "unknown");
	free(base);
	free(c1);
	free(c2);
	fs_remove_tree(dir);
}

/* ---- reflink on a loop-mounted XFS ---- */

struct xfs_env {
	char dir[64];
	char img[96];
	char mnt[96];
	char loopdev[128];
	int mounted;
};

static int xfs_setup(void **state)
{
	struct xfs_env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	*state = e;
	return 0;
}

/* Runs in every case, pass, fail or skip: unmount, detach, remove. */
static int xfs_teardown(void **state)
{
	struct xfs_env *e = *state;
	int rc = 0;

	if (e->mounted && umount2(e->mnt, 0) < 0) {
		printf("# umount %s: %s\n", e->mnt, strerror(errno));
		rc = -1;
	}
	if (e->loopdev[0]) {
		const char *argv[] = { "losetup", "-d", e->loopdev, NULL };

		if (run_tool(argv, NULL, 0) != 0) {
			printf("# losetup -d %s failed\n", e->loopdev);
			rc = -1;
		}
	}
	if (e->dir[0])
		fs_remove_tree(e->dir);
	free(e);
	return rc;
}

/* Fails unless every extent of `path` (and at least one) is shared. */
static int shared_extents(const char *path, int *total)
{
	size_t size = sizeof(struct fiemap) + 64 * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, size);
	unsigned int i;
	int fd, shared = 0;

	assert_non_null(fm);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	fm->fm_start = 0;
	fm->fm_length = FIEMAP_MAX_OFFSET;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = 64;
	if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0)
		fail_msg("FIEMAP %s: %s", path, strerror(errno));
	for (i = 0; i < fm->fm_mapped_extents; i++)
		if (fm->fm_extents[i].fe_flags & FIEMAP_EXTENT_SHARED)
			shared++;
	*total = (int)fm->fm_mapped_extents;
	close(fd);
	free(fm);
	return shared;
}

static void disk__clone_reflink_xfs(void **state)
{
	struct xfs_env *e = *state;
	char out[128], *base, *clone;
	vmc_clone_method m = (vmc_clone_method)-1;
	struct timespec t0, t1;
	double ms;
	int total = 0, shared, fd;

	if (geteuid() != 0) {
		printf("# skipped: reflink test needs root (losetup, mount)\n");
		skip();
	}
	if (access("/dev/loop-control", W_OK) != 0) {
		printf("# skipped: no /dev/loop-control\n");
		skip();
	}
	make_tmpdir(e->dir, sizeof(e->dir), "/tmp");
	snprintf(e->img, sizeof(e->img), "%s/xfs.img", e->dir);
	snprintf(e->mnt, sizeof(e->mnt), "%s/mnt", e->dir);
	assert_int_equal(mkdir(e->mnt, 0700), 0);
	fd = open(e->img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 300 * (off_t)MIB), 0);
	close(fd);
	{
		const char *argv[] = { "mkfs.xfs", "-q", "-m", "reflink=1", e->img, NULL };

		if (run_tool(argv, NULL, 0) != 0) {
			printf("# skipped: mkfs.xfs -m reflink=1 failed (xfsprogs missing?)\n");
			skip();
		}
	}
	{
		const char *argv[] = { "losetup", "-f", "--show", e->img, NULL };

		if (run_tool(argv, out, sizeof(out)) != 0 || strncmp(out, "/dev/loop", 9) != 0) {
			printf("# skipped: losetup -f --show failed (no free loop device?)\n");
			skip();
		}
		out[strcspn(out, "\n")] = '\0';
		snprintf(e->loopdev, sizeof(e->loopdev), "%s", out);
	}
	if (mount(e->loopdev, e->mnt, "xfs", 0, NULL) < 0) {
		printf("# skipped: mount %s as xfs: %s\n", e->loopdev, strerror(errno));
		skip();
	}
	e->mounted = 1;

	base = join(e->mnt, "base.img");
	clone = join(e->mnt, "clone.img");
	assert_int_equal(vmc_disk_create(base, GIB), 0);
	write_pattern(base, 0, 2 * MIB, 3);
	write_pattern(base, 100 * MIB, 4 * MIB, 5);
	write_pattern(base, GIB - 8 * MIB, 8 * MIB, 9);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(vmc_disk_clone(base, clone, &m), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("# reflink clone of a 1 GiB disk (14 MiB of data) on XFS: %s in %.2f ms\n",
	       vmc_clone_method_name(m), ms);
	assert_int_equal(m, VMC_CLONE_REFLINK);
	assert_true(ms < 1000.0);

	shared = shared_extents(clone, &total);
	printf("# FIEMAP: %d of %d extents of the clone are shared\n", shared, total);
	assert_true(total >= 3);
	assert_int_equal(shared, total);
	shared = shared_extents(base, &total);
	assert_int_equal(shared, total);
	expect_same_content(base, clone);

	/* writing to the clone unshares only what it writes */
	write_pattern(clone, 0, MIB, 77);
	assert_int_equal(vmc_disk_clone(base, clone, NULL), VMC_EEXISTS);
	free(base);
	free(clone);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(disk__create_sparse),
		cmocka_unit_test(disk__clone_falls_back_on_this_filesystem),
		cmocka_unit_test(disk__clone_each_fallback_method),
		cmocka_unit_test_setup_teardown(disk__clone_reflink_xfs, xfs_setup, xfs_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
