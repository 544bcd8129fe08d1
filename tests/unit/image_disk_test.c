/*
 * image_disk_test.c - the cached ext4 disk of an image (src/image/
 * image_disk.c) and vmc_config_set_image() (image_run.c) against a real
 * content store and a real mke2fs: the cache name comes only from a valid
 * digest; the geometry leaves room; the disk is built once (same inode on
 * reuse), holds the layer's files (read back with debugfs), leaves no
 * temporary folder or file behind, also when a layer is missing or when
 * three processes build it at once, or when the image's tree nests deeper
 * than a recursive removal goes (100 and 700 levels); a VM's clone of it is identical
 * (vmc_disk_clone: the method used is printed), and a reflink when the
 * store is on a loop-mounted XFS (root; skipped, saying why, without a
 * loop device or xfsprogs); the image config's
 * workload lands in the vmc_config and survives its JSON round trip; an
 * image not in the store is VMC_ENOTFOUND with a message that says to
 * pull it; prune removes the disks of forgotten images and what
 * interrupted builds left, and keeps the rest. Without mke2fs the disk tests skip, saying why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/config.h"
#include "core/config_image.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/spawn.h"
#include "image/digest.h"
#include "image/image_disk.h"
#include "image/oci_ref.h"
#include "image/store.h"
#include "vmc.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define CONFIG_JSON                                                                    \
	"{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"app:staff\"," \
	"\"WorkingDir\":\"/srv\",\"Env\":[\"PATH=/bin\",\"A=b=c\"],"                       \
	"\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo hi\"]}}"

struct fixture {
	char base[64];
	char store_dir[128];
	struct oci_store *s;
	char manifest[OCI_DIGEST_BUF], config[OCI_DIGEST_BUF], layer[OCI_DIGEST_BUF];
	char man_json[1024];
	char layer_buf[16384];
	size_t layer_len;
};

static int have_mke2fs;

static int run_argv(const char *const *argv, char *out, size_t out_len)
{
	struct spawn_opts o = { .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
	int pipefd[2] = { -1, -1 }, status;
	size_t got = 0;
	pid_t pid;

	if (out) {
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return -1;
		o.stdout_fd = pipefd[1];
	}
	if (spawn_process(&o, &pid) < 0) {
		if (out) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return -1;
	}
	if (out) {
		ssize_t r;

		close(pipefd[1]);
		while (got + 1 < out_len && (r = read(pipefd[0], out + got, out_len - 1 - got)) > 0)
			got += (size_t)r;
		out[got] = '\0';
		close(pipefd[0]);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* When set, the layer also holds this file (parents made by the unpack). */
static const char *extra_file;

static size_t make_layer(char *buf, size_t cap)
{
	struct archive *a = archive_write_new();
	size_t used = 0;
	const char *names[] = { "etc/", "etc/hello", "bin/", extra_file, NULL };

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (int i = 0; names[i]; i++) {
		struct archive_entry *e = archive_entry_new();
		int dir = names[i][strlen(names[i]) - 1] == '/';

		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(e, dir ? 0755 : 0644);
		archive_entry_set_size(e, dir ? 0 : 6);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (!dir)
			assert_int_equal(archive_write_data(a, "hello\n", 6), 6);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return used;
}

/* A store with image test:1 (the layer left out when `without_layer`). */
static void put_image(struct fixture *f, int without_layer)
{
	struct oci_ref ref;

	f->layer_len = make_layer(f->layer_buf, sizeof(f->layer_buf));
	assert_int_equal(oci_digest_buf(f->layer_buf, f->layer_len, f->layer), 0);
	assert_int_equal(oci_digest_buf(CONFIG_JSON, strlen(CONFIG_JSON), f->config), 0);
	snprintf(f->man_json, sizeof(f->man_json),
		 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		 "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		 "\"digest\":\"%s\",\"size\":%zu},"
		 "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		 "\"digest\":\"%s\",\"size\":%zu}]}",
		 f->config, strlen(CONFIG_JSON), f->layer, f->layer_len);
	assert_int_equal(oci_digest_buf(f->man_json, strlen(f->man_json), f->manifest), 0);
	assert_int_equal(oci_store_put_blob(f->s, f->manifest, f->man_json, strlen(f->man_json)), 0);
	assert_int_equal(oci_store_put_blob(f->s, f->config, CONFIG_JSON, strlen(CONFIG_JSON)), 0);
	if (without_layer)
		return;
	assert_int_equal(oci_store_put_blob(f->s, f->layer, f->layer_buf, f->layer_len), 0);
	assert_int_equal(oci_ref_parse(&ref, "test:1"), 0);
	assert_int_equal(oci_store_record(f->s, &ref, f->manifest, NULL), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->base, sizeof(f->base), "/tmp/vmc-image-disk-XXXXXX");
	if (!mkdtemp(f->base))
		return -1;
	snprintf(f->store_dir, sizeof(f->store_dir), "%s/images", f->base);
	if (oci_store_open(&f->s, f->store_dir) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	oci_store_free(f->s);
	fs_remove_tree(f->base);
	free(f);
	return 0;
}

/* Names in <store>/disks, one per line, sorted by readdir order. */
static int count_disk_entries(const struct fixture *f, char *names, size_t len)
{
	char dir[256];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/disks", f->store_dir);
	names[0] = '\0';
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0))
			continue;
		n++;
		strncat(names, e->d_name, len - strlen(names) - 2);
		strncat(names, "\n", len - strlen(names) - 1);
	}
	closedir(d);
	return n;
}

#define NEED_MKE2FS()                                                             \
	do {                                                                      \
		if (!have_mke2fs) {                                               \
			print_message("skipped: no mke2fs (e2fsprogs) on PATH\n"); \
			skip();                                                   \
		}                                                                 \
	} while (0)

static void image_disk__path_naming(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(image_disk_path("/s", "sha256:" HEX64, out, sizeof(out)), 0);
	assert_string_equal(out, "/s/disks/" HEX64 ".ext4");
	/* only a sha256 digest of 64 lowercase hex digits reaches the path */
	assert_int_equal(image_disk_path("/s", "sha256:../../../../etc/passwd", out, sizeof(out)),
			 VMC_EINVAL);
	assert_int_equal(image_disk_path("/s", "sha256:" HEX64 "/x", out, sizeof(out)), VMC_EINVAL);
	assert_int_equal(image_disk_path("/s", "sha256:0123456789ABCDEF0123456789abcdef0123456789"
					       "abcdef0123456789abcdef", out, sizeof(out)),
			 VMC_EINVAL);
	assert_int_equal(image_disk_path("/s", "sha512:" HEX64, out, sizeof(out)), VMC_EINVAL);
	assert_int_equal(image_disk_path("/s", "sha256:abc", out, sizeof(out)), VMC_EINVAL);
	assert_int_equal(image_disk_path("/s", NULL, out, sizeof(out)), VMC_EINVAL);
	/* a path that does not fit is refused, not cut */
	assert_int_equal(image_disk_path("/s", "sha256:" HEX64, out, 40), VMC_EINVAL);
}

static void image_disk__geometry(void **state)
{
	uint64_t size, inodes, size2, inodes2;

	(void)state;
	image_disk_geometry(0, 1, &size, &inodes);
	assert_int_equal(size % (1u << 20), 0);
	assert_true(size >= IMAGE_DISK_HEADROOM);
	assert_int_equal(inodes, IMAGE_DISK_INODES_MIN);
	image_disk_geometry(1ull << 30, 100000, &size2, &inodes2);
	assert_int_equal(size2 % (1u << 20), 0);
	assert_true(size2 >= (1ull << 30) + (1ull << 30) / 8 + IMAGE_DISK_HEADROOM);
	assert_true(inodes2 >= 150000);
}

static void image_disk__built_once_reused(void **state)
{
	struct fixture *f = *state;
	char path[512], again[512], names[1024], out[256];
	struct stat a, b;
	int built = -1;

	NEED_MKE2FS();
	put_image(f, 0);
	assert_int_equal(image_disk_ensure(f->s, f->store_dir, f->manifest, path, sizeof(path),
					   &built), 0);
	assert_int_equal(built, 1);
	assert_int_equal(stat(path, &a), 0);
	print_message("disk: %lld bytes, %lld allocated\n", (long long)a.st_size,
		      (long long)a.st_blocks * 512);
	assert_true(a.st_blocks * 512 < a.st_size / 4); /* sparse */
	{
		const char *argv[] = { "debugfs", "-R", "cat /etc/hello", path, NULL };

		if (run_argv(argv, out, sizeof(out)) == 0)
			assert_string_equal(out, "hello\n");
		else
			print_message("debugfs missing: contents not checked\n");
	}
	assert_int_equal(image_disk_ensure(f->s, f->store_dir, f->manifest, again, sizeof(again),
					   &built), 0);
	assert_int_equal(built, 0);
	assert_string_equal(again, path);
	assert_int_equal(stat(path, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
	/* nothing but the disk is left */
	assert_int_equal(count_disk_entries(f, names, sizeof(names)), 1);
}

static void image_disk__clone_is_identical(void **state)
{
	struct fixture *f = *state;
	char path[512], clone[512];
	vmc_clone_method how;

	NEED_MKE2FS();
	put_image(f, 0);
	assert_int_equal(image_disk_ensure(f->s, f->store_dir, f->manifest, path, sizeof(path), NULL),
			 0);
	snprintf(clone, sizeof(clone), "%s/rootfs.ext4", f->base);
	assert_int_equal(vmc_disk_clone(path, clone, &how), 0);
	print_message("clone of the image disk here: %s\n", vmc_clone_method_name(how));
	{
		const char *argv[] = { "cmp", "-s", path, clone, NULL };

		assert_int_equal(run_argv(argv, NULL, 0), 0);
	}
	/* a second clone to the same name never replaces the first */
	assert_int_equal(vmc_disk_clone(path, clone, NULL), VMC_EEXISTS);
}

static void image_disk__missing_layer_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	char path[512], names[1024];

	NEED_MKE2FS();
	put_image(f, 1);
	assert_int_equal(image_disk_ensure(f->s, f->store_dir, f->manifest, path, sizeof(path), NULL),
			 VMC_ENOTFOUND);
	assert_non_null(strstr(vmc_error_last(), "is not in the store"));
	assert_int_equal(count_disk_entries(f, names, sizeof(names)), 0);
}

/* "deep/d/d/.../d/f", `depth` directories below deep/ (caller frees). */
static char *deep_path(int depth)
{
	size_t len = 5 + 2 * (size_t)depth + 1;
	char *p = malloc(len + 1);

	if (!p)
		fail();
	memcpy(p, "deep/", 5);
	for (size_t i = 0; i < (size_t)depth; i++)
		memcpy(p + 5 + 2 * i, "d/", 2);
	p[len - 1] = 'f';
	p[len] = '\0';
	return p;
}

/* The build folder holds the image's tree, which may nest deeper than a
 * recursive removal opens directories for: it is still removed, whether
 * the build succeeds (100 levels) or is refused (700 > 512 levels). */
static void image_disk__deep_tree_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	char path[512], names[1024];
	char *deep = deep_path(100);
	int rc;

	NEED_MKE2FS();
	extra_file = deep;
	put_image(f, 0);
	extra_file = NULL;
	rc = image_disk_ensure(f->s, f->store_dir, f->manifest, path, sizeof(path), NULL);
	if (rc < 0)
		print_message("%s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	assert_int_equal(count_disk_entries(f, names, sizeof(names)), 1);
	free(deep);
}

static void image_disk__too_deep_tree_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	char path[512], names[1024];
	char *deep = deep_path(700);

	NEED_MKE2FS();
	extra_file = deep;
	put_image(f, 0);
	extra_file = NULL;
	assert_int_equal(image_disk_ensure(f->s, f->store_dir, f->manifest, path, sizeof(path), NULL),
			 VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "deeper than"));
	assert_int_equal(count_disk_entries(f, names, sizeof(names)), 0);
	free(deep);
}

static void image_disk__concurrent_builders(void **state)
{
	struct fixture *f = *state;
	char path[512], names[1024];
	pid_t pids[3];
	int i, status, built_total = 0;

	NEED_MKE2FS();
	put_image(f, 0);
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct oci_store *s = NULL;
			int built = 0, rc;

			rc = oci_store_open(&s, f->store_dir);
			if (rc == 0)
				rc = image_disk_ensure(s, f->store_dir, f->manifest, path, sizeof(path),
						       &built);
			oci_store_free(s);
			_exit(rc < 0 ? 100 : built);
		}
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_true(WEXITSTATUS(status) <= 1);
		built_total += WEXITSTATUS(status);
	}
	/* one or more built, exactly one disk, no leftovers */
	assert_true(built_total >= 1);
	assert_int_equal(count_disk_entries(f, names, sizeof(names)), 1);
}

static void image_disk__config_set_image(void **state)
{
	struct fixture *f = *state;
	vmc_config *cfg = NULL, *back = NULL;
	char *json = NULL, *json2 = NULL;

	NEED_MKE2FS();
	put_image(f, 0);
	assert_int_equal(vmc_config_new(&cfg, "img"), 0);
	assert_int_equal(vmc_config_set_image(cfg, f->store_dir, "test:1"), 0);
	assert_non_null(cfg->image);
	assert_string_equal(cfg->image->ref, "docker.io/library/test:1");
	assert_string_equal(cfg->image->digest, f->manifest);
	assert_int_equal(cfg->image->argc, 3);
	assert_string_equal(cfg->image->argv[0], "/bin/sh");
	assert_string_equal(cfg->image->argv[2], "echo hi");
	assert_int_equal(cfg->image->n_env, 2);
	assert_string_equal(cfg->image->env[1], "A=b=c");
	assert_string_equal(cfg->image->workdir, "/srv");
	assert_string_equal(cfg->image->user, "app:staff");
	assert_true(cfg->image->disk[0] == '/');
	assert_int_equal(access(cfg->image->disk, R_OK), 0);
	/* the JSON round trip keeps it */
	assert_int_equal(vmc_config_to_json(cfg, &json), 0);
	assert_int_equal(vmc_config_from_json(&back, json), 0);
	assert_int_equal(vmc_config_to_json(back, &json2), 0);
	assert_string_equal(json, json2);
	vmc_free(json);
	vmc_free(json2);
	vmc_config_free(back);

	assert_int_equal(vmc_config_set_image(cfg, f->store_dir, "absent:2"), VMC_ENOTFOUND);
	assert_non_null(strstr(vmc_error_last(), "vmc pull absent:2"));
	assert_int_equal(vmc_config_set_image(cfg, f->store_dir, "Bad Ref"), VMC_EINVAL);
	vmc_config_free(cfg);
}

static void image_disk__config_json_image_strict(void **state)
{
	static const char *const bad[] = {
		/* a digest that is not one, a relative disk, an env entry without KEY= */
		"{\"ref\":\"r\",\"digest\":\"sha256:../x\",\"disk\":\"/d\",\"argv\":[],\"env\":[]}",
		"{\"ref\":\"r\",\"digest\":\"sha256:" HEX64 "\",\"disk\":\"d\",\"argv\":[],\"env\":[]}",
		"{\"ref\":\"r\",\"digest\":\"sha256:" HEX64 "\",\"disk\":\"/d\",\"argv\":[],"
		"\"env\":[\"=x\"]}",
		"{\"ref\":\"r\",\"digest\":\"sha256:" HEX64 "\",\"disk\":\"/d\",\"argv\":[],"
		"\"env\":[],\"workdir\":\"rel\"}",
		"{\"ref\":\"r\",\"digest\":\"sha256:" HEX64 "\",\"disk\":\"/d\",\"argv\":[1],\"env\":[]}",
		"{\"ref\":\"r\",\"digest\":\"sha256:" HEX64 "\",\"disk\":\"/d\",\"argv\":[],\"env\":[],"
		"\"extra\":1}",
		NULL,
	};
	char json[1024];
	vmc_config *cfg = NULL;

	(void)state;
	for (int i = 0; bad[i]; i++) {
		snprintf(json, sizeof(json), "{\"version\":1,\"name\":\"x\",\"image\":%s}", bad[i]);
		assert_int_equal(vmc_config_from_json(&cfg, json), VMC_EINVAL);
		assert_null(cfg);
	}
	snprintf(json, sizeof(json), "{\"version\":1,\"name\":\"x\",\"image\":{\"ref\":\"r\","
		 "\"digest\":\"sha256:" HEX64 "\",\"disk\":\"/d\",\"argv\":[\"/bin/true\"],"
		 "\"env\":[\"A=\"]}}");
	assert_int_equal(vmc_config_from_json(&cfg, json), 0);
	vmc_config_free(cfg);
}

static void image_disk__prune(void **state)
{
	struct fixture *f = *state;
	char path[512], junk[512], names[1024];
	struct oci_ref ref;
	size_t removed = 9;
	uint64_t bytes = 9;

	NEED_MKE2FS();
	put_image(f, 0);
	assert_int_equal(image_disk_ensure(f->s, f->store_dir, f->manifest, path, sizeof(path), NULL),
			 0);
	/* what an interrupted build leaves */
	snprintf(junk, sizeof(junk), "%s/disks/.build-0123456789abcdef-AAAAAA/etc", f->store_dir);
	assert_int_equal(fs_mkdir_p(junk, 0755), 0);
	snprintf(junk, sizeof(junk), "%s/disks/.build-0123456789abcdef-AAAAAA.ext4", f->store_dir);
	assert_int_equal(fs_write_atomic(junk, "x", 1, 0644, 0), 0);
	assert_int_equal(count_disk_entries(f, names, sizeof(names)), 3);
	/* the image is still recorded: its disk stays */
	assert_int_equal(image_disk_prune(f->s, &removed, &bytes), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(count_disk_entries(f, names, sizeof(names)), 1);
	assert_int_equal(access(path, F_OK), 0);
	/* forgotten: its disk goes */
	assert_int_equal(oci_ref_parse(&ref, "test:1"), 0);
	assert_int_equal(oci_store_remove(f->s, &ref), 0);
	assert_int_equal(image_disk_prune(f->s, &removed, &bytes), 0);
	assert_int_equal(removed, 1);
	assert_true(bytes > 0);
	assert_int_equal(count_disk_entries(f, names, sizeof(names)), 0);
}

/* ---- the same clone on a loop-mounted XFS with reflink ---- */

struct xfs_env {
	char dir[64], img[96], mnt[96], loopdev[128];
	int mounted;
};

static int xfs_teardown(void **state)
{
	struct xfs_env *e = *state;
	int rc = 0;

	if (e->mounted && umount2(e->mnt, 0) < 0) {
		print_error("umount %s: %s\n", e->mnt, strerror(errno));
		rc = -1;
	}
	if (e->loopdev[0]) {
		const char *argv[] = { "losetup", "-d", e->loopdev, NULL };

		if (run_argv(argv, NULL, 0) != 0) {
			print_error("losetup -d %s failed\n", e->loopdev);
			rc = -1;
		}
	}
	if (e->dir[0])
		fs_remove_tree(e->dir);
	free(e);
	return rc;
}

static int xfs_setup(void **state)
{
	*state = calloc(1, sizeof(struct xfs_env));
	return *state ? 0 : -1;
}

/* The store on XFS: the image disk is built there and a VM's clone of it
 * is a reflink (what `vmc run --image` gets on XFS or btrfs). */
static void image_disk__clone_reflink_on_xfs(void **state)
{
	struct xfs_env *e = *state;
	struct fixture f;
	char out[128], path[512], clone[512];
	vmc_clone_method how = VMC_CLONE_COPY;
	int fd;

	NEED_MKE2FS();
	if (geteuid() != 0 || access("/dev/loop-control", W_OK) != 0) {
		print_message("skipped: the reflink clone needs root and /dev/loop-control "
			      "(the copy_file_range clone is tested above)\n");
		skip();
	}
	snprintf(e->dir, sizeof(e->dir), "/tmp/vmc-image-xfs-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->img, sizeof(e->img), "%s/xfs.img", e->dir);
	snprintf(e->mnt, sizeof(e->mnt), "%s/mnt", e->dir);
	assert_int_equal(mkdir(e->mnt, 0700), 0);
	fd = open(e->img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 600 << 20), 0);
	close(fd);
	{
		const char *argv[] = { "mkfs.xfs", "-q", "-m", "reflink=1", e->img, NULL };

		if (run_argv(argv, NULL, 0) != 0) {
			print_message("skipped: mkfs.xfs -m reflink=1 failed (xfsprogs missing?)\n");
			skip();
		}
	}
	{
		const char *argv[] = { "losetup", "-f", "--show", e->img, NULL };

		if (run_argv(argv, out, sizeof(out)) != 0 || strncmp(out, "/dev/loop", 9) != 0) {
			print_message("skipped: losetup -f --show failed (no free loop device?)\n");
			skip();
		}
		out[strcspn(out, "\n")] = '\0';
		snprintf(e->loopdev, sizeof(e->loopdev), "%s", out);
	}
	if (mount(e->loopdev, e->mnt, "xfs", 0, NULL) < 0) {
		print_message("skipped: mount %s as xfs: %s\n", e->loopdev, strerror(errno));
		skip();
	}
	e->mounted = 1;

	memset(&f, 0, sizeof(f));
	snprintf(f.store_dir, sizeof(f.store_dir), "%s/images", e->mnt);
	assert_int_equal(oci_store_open(&f.s, f.store_dir), 0);
	put_image(&f, 0);
	assert_int_equal(image_disk_ensure(f.s, f.store_dir, f.manifest, path, sizeof(path), NULL),
			 0);
	oci_store_free(f.s);
	snprintf(clone, sizeof(clone), "%s/rootfs.ext4", e->mnt);
	assert_int_equal(vmc_disk_clone(path, clone, &how), 0);
	print_message("clone of the image disk on xfs: %s\n", vmc_clone_method_name(how));
	assert_int_equal(how, VMC_CLONE_REFLINK);
	{
		const char *argv[] = { "cmp", "-s", path, clone, NULL };

		assert_int_equal(run_argv(argv, NULL, 0), 0);
	}
}

int main(void)
{
	const char *argv[] = { "sh", "-c", "command -v mke2fs >/dev/null", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(image_disk__path_naming),
		cmocka_unit_test(image_disk__geometry),
		cmocka_unit_test_setup_teardown(image_disk__built_once_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(image_disk__clone_is_identical, setup, teardown),
		cmocka_unit_test_setup_teardown(image_disk__missing_layer_leaves_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(image_disk__deep_tree_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(image_disk__too_deep_tree_leaves_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(image_disk__concurrent_builders, setup, teardown),
		cmocka_unit_test_setup_teardown(image_disk__config_set_image, setup, teardown),
		cmocka_unit_test(image_disk__config_json_image_strict),
		cmocka_unit_test_setup_teardown(image_disk__prune, setup, teardown),
		cmocka_unit_test_setup_teardown(image_disk__clone_reflink_on_xfs, xfs_setup,
						xfs_teardown),
	};

	have_mke2fs = run_argv(argv, NULL, 0) == 0;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
