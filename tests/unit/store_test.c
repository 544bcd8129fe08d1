/*
 * store_test.c - the content store and the manifest parser: digests that
 * try to become paths, blobs and manifests whose bytes do not match their
 * digest (refused, nothing left behind, nothing outside the store
 * touched), records only after every blob is present, concurrent writers
 * of one blob, list / remove / prune, strict manifest and index parsing
 * and platform selection, and a whole image stored then unpacked.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "image/digest.h"
#include "image/oci_config.h"
#include "image/oci_layout.h"
#include "image/oci_manifest.h"
#include "image/oci_ref.h"
#include "image/store.h"
#include "image/rootfs.h"
#include "image/unpack.h"

#define Z64 "0000000000000000000000000000000000000000000000000000000000000000"

struct fixture {
	char base[64];
	char root[128];
	struct oci_store *s;
	struct stat sentinel; /* base/x as created */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char p[160];
	int fd;

	assert_non_null(f);
	snprintf(f->base, sizeof(f->base), "/tmp/vmc-store-XXXXXX");
	assert_non_null(mkdtemp(f->base));
	snprintf(f->root, sizeof(f->root), "%s/store", f->base);
	snprintf(p, sizeof(p), "%s/x", f->base);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "sentinel", 8), 8);
	close(fd);
	assert_int_equal(lstat(p, &f->sentinel), 0);
	assert_int_equal(oci_store_open(&f->s, f->root), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	oci_store_free(f->s);
	assert_int_equal(fs_remove_tree(f->base), 0);
	free(f);
	return 0;
}

static size_t count_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static size_t count_sub(struct fixture *f, const char *sub)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", f->root, sub);
	return count_dir(p);
}

/* Nothing next to the store changed: only "store" and the sentinel "x",
 * with its bytes, size, mode and mtime. */
static void check_outside(struct fixture *f)
{
	char p[160], buf[16] = "";
	struct stat st;
	int fd;

	assert_int_equal(count_dir(f->base), 2);
	snprintf(p, sizeof(p), "%s/x", f->base);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_size, f->sentinel.st_size);
	assert_int_equal(st.st_mode, f->sentinel.st_mode);
	assert_int_equal(st.st_mtim.tv_sec, f->sentinel.st_mtim.tv_sec);
	assert_int_equal(st.st_mtim.tv_nsec, f->sentinel.st_mtim.tv_nsec);
	assert_int_equal(st.st_ino, f->sentinel.st_ino);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 8);
	close(fd);
	assert_string_equal(buf, "sentinel");
}

static void digest_of(const char *data, size_t len, char out[OCI_DIGEST_BUF])
{
	assert_int_equal(oci_digest_buf(data, len, out), 0);
}

static void store__digest_paths_refused(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"sha256:../../x",
		"sha256:../../../../../../../../../../../../../../../../../../../../../x",
		"sha256:" Z64 "/../../x",
		"../x",
		"/etc/passwd",
		"sha256:" "000000000000000000000000000000000000000000000000000000000000000A",
		"sha512:" Z64 Z64,
		"sha256:",
		"",
	};
	struct oci_blob_writer *w = NULL;
	size_t i;
	int fd = -1;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(oci_store_blob_begin(f->s, bad[i], 1, &w), VMC_EINVAL);
		assert_int_equal(oci_store_put_blob(f->s, bad[i], "x", 1), VMC_EINVAL);
		assert_int_equal(oci_store_has_blob(f->s, bad[i], -1), VMC_EINVAL);
		assert_int_equal(oci_store_blob_open(f->s, bad[i], &fd), VMC_EINVAL);
		assert_non_null(strstr(vmc_error_last(), "digest"));
	}
	assert_int_equal(count_sub(f, "blobs/sha256"), 0);
	assert_int_equal(count_sub(f, "tmp"), 0);
	check_outside(f);
}

static void store__blob_mismatch_refused(void **state)
{
	struct fixture *f = *state;
	struct oci_blob_writer *w = NULL;
	char good[OCI_DIGEST_BUF], other[OCI_DIGEST_BUF], p[160];
	int fd;

	digest_of("hello", 5, good);
	digest_of("hellO", 5, other);
	assert_int_equal(oci_store_put_blob(f->s, other, "hello", 5), VMC_EPROTO);
	assert_non_null(strstr(vmc_error_last(), "digest mismatch"));
	assert_int_equal(oci_store_has_blob(f->s, other, -1), 0);
	/* larger than announced: refused at the write that overflows */
	assert_int_equal(oci_store_blob_begin(f->s, good, 4, &w), 0);
	assert_int_equal(oci_blob_write(w, "hello", 5), VMC_EPROTO);
	oci_blob_abort(w);
	/* shorter than announced */
	assert_int_equal(oci_store_blob_begin(f->s, good, 6, &w), 0);
	assert_int_equal(oci_blob_write(w, "hello", 5), 0);
	assert_int_equal(oci_blob_commit(w), VMC_EPROTO);
	/* streamed from a file with the wrong bytes */
	snprintf(p, sizeof(p), "%s/x", f->base);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(oci_store_put_blob_fd(f->s, good, -1, fd), VMC_EPROTO);
	close(fd);
	assert_int_equal(count_sub(f, "blobs/sha256"), 0);
	assert_int_equal(count_sub(f, "tmp"), 0);
	/* and the right bytes go in */
	assert_int_equal(oci_store_put_blob(f->s, good, "hello", 5), 0);
	assert_int_equal(oci_store_has_blob(f->s, good, 5), 1);
	assert_int_equal(oci_store_has_blob(f->s, good, 6), 0);
	assert_int_equal(count_sub(f, "tmp"), 0);
	check_outside(f);
}

/* A tar layer in memory (gzip or zstd or plain) with one file. */
static size_t make_layer(char *buf, size_t cap, int filter, const char *name, const char *data)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t used = 0;

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (filter == 1)
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	if (filter == 2)
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)strlen(data));
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, data, strlen(data)), (la_ssize_t)strlen(data));
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
	return used;
}

struct image {
	char config[OCI_DIGEST_BUF], layer[2][OCI_DIGEST_BUF], manifest[OCI_DIGEST_BUF];
	char cfg_json[64], layer_buf[2][4096], man_json[1024];
	size_t layer_len[2];
};

static void make_image_f(struct image *im, const char *tagline, int second_filter)
{
	int n;

	snprintf(im->cfg_json, sizeof(im->cfg_json), "{\"architecture\":\"amd64\",\"x\":\"%s\"}",
		 tagline);
	digest_of(im->cfg_json, strlen(im->cfg_json), im->config);
	im->layer_len[0] = make_layer(im->layer_buf[0], sizeof(im->layer_buf[0]), 1, "etc/hello",
				      "hello from the gzip layer\n");
	im->layer_len[1] = make_layer(im->layer_buf[1], sizeof(im->layer_buf[1]), second_filter,
				      "etc/tag", tagline);
	digest_of(im->layer_buf[0], im->layer_len[0], im->layer[0]);
	digest_of(im->layer_buf[1], im->layer_len[1], im->layer[1]);
	n = snprintf(im->man_json, sizeof(im->man_json),
		     "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\","
		     "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		     "\"digest\":\"%s\",\"size\":%zu},"
		     "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
		     "\"digest\":\"%s\",\"size\":%zu},"
		     "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar%s\","
		     "\"digest\":\"%s\",\"size\":%zu}]}",
		     im->config, strlen(im->cfg_json), im->layer[0], im->layer_len[0],
		     second_filter == 2 ? "+zstd" : "", im->layer[1], im->layer_len[1]);
	assert_true(n > 0 && (size_t)n < sizeof(im->man_json));
	digest_of(im->man_json, strlen(im->man_json), im->manifest);
}

static void make_image(struct image *im, const char *tagline)
{
	make_image_f(im, tagline, 2);
}

static void put_image(struct fixture *f, const struct image *im)
{
	assert_int_equal(oci_store_put_blob(f->s, im->manifest, im->man_json, strlen(im->man_json)), 0);
	assert_int_equal(oci_store_put_blob(f->s, im->config, im->cfg_json, strlen(im->cfg_json)), 0);
	assert_int_equal(oci_store_put_blob(f->s, im->layer[0], im->layer_buf[0], im->layer_len[0]), 0);
	assert_int_equal(oci_store_put_blob(f->s, im->layer[1], im->layer_buf[1], im->layer_len[1]), 0);
}

static void store__manifest_mismatch_and_missing_blobs(void **state)
{
	struct fixture *f = *state;
	struct oci_store_image *list = NULL;
	struct image im;
	struct oci_ref ref;
	char d[OCI_DIGEST_BUF];
	size_t n = 99;

	make_image(&im, "v1");
	assert_int_equal(oci_ref_parse(&ref, "localhost:5000/test:1"), 0);
	/* manifest bytes that are not what its digest says */
	im.man_json[strlen(im.man_json) - 1] = ' ';
	assert_int_equal(oci_store_put_blob(f->s, im.manifest, im.man_json, strlen(im.man_json)),
			 VMC_EPROTO);
	assert_int_equal(oci_store_record(f->s, &ref, im.manifest, NULL), VMC_ENOTFOUND);
	make_image(&im, "v1");
	/* manifest present, layers not: not recorded */
	assert_int_equal(oci_store_put_blob(f->s, im.manifest, im.man_json, strlen(im.man_json)), 0);
	assert_int_equal(oci_store_put_blob(f->s, im.config, im.cfg_json, strlen(im.cfg_json)), 0);
	assert_int_equal(oci_store_put_blob(f->s, im.layer[0], im.layer_buf[0], im.layer_len[0]), 0);
	assert_int_equal(oci_store_record(f->s, &ref, im.manifest, NULL), VMC_ENOTFOUND);
	assert_non_null(strstr(vmc_error_last(), im.layer[1]));
	assert_int_equal(oci_store_list(f->s, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(oci_store_resolve(f->s, &ref, d), VMC_ENOTFOUND);
	/* a blob on disk corrupted after the fact is caught on read */
	{
		char p[256];
		int fd;

		snprintf(p, sizeof(p), "%s/blobs/sha256/%s", f->root, oci_digest_hex(im.manifest));
		fd = open(p, O_WRONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(pwrite(fd, "[", 1, 0), 1);
		close(fd);
		assert_int_equal(oci_store_put_blob(f->s, im.layer[1], im.layer_buf[1], im.layer_len[1]), 0);
		assert_int_equal(oci_store_record(f->s, &ref, im.manifest, NULL), VMC_EPROTO);
		assert_non_null(strstr(vmc_error_last(), "digest mismatch"));
	}
	check_outside(f);
}

static void store__record_list_remove_prune(void **state)
{
	struct fixture *f = *state;
	struct oci_store_image *list = NULL;
	struct image a, b;
	struct oci_ref ra, rb, rc_;
	char d[OCI_DIGEST_BUF], p[256];
	size_t n = 0, removed = 0;
	uint64_t freed = 0;
	int fd;

	make_image(&a, "aaa");
	make_image(&b, "bbb"); /* shares the gzip layer with a */
	put_image(f, &a);
	put_image(f, &b);
	assert_int_equal(oci_ref_parse(&ra, "localhost:5000/test:1"), 0);
	assert_int_equal(oci_ref_parse(&rb, "alpine"), 0);
	assert_int_equal(oci_ref_parse(&rc_, "ghcr.io/o/r@sha256:" Z64), 0);
	/* recording does not wait for another pull's download in progress */
	{
		struct oci_blob_writer *w = NULL;

		digest_of("in flight", 9, d);
		assert_int_equal(oci_store_blob_begin(f->s, d, 9, &w), 0);
		assert_int_equal(oci_store_record(f->s, &ra, a.manifest, NULL), 0);
		oci_blob_abort(w);
	}
	assert_int_equal(oci_store_record(f->s, &rb, b.manifest, NULL), 0);
	assert_int_equal(oci_store_record(f->s, &rb, b.manifest, NULL), 0); /* idempotent */
	assert_int_equal(oci_store_record(f->s, &rc_, b.manifest, NULL), 0);
	assert_int_equal(oci_store_list(f->s, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].ref.registry, "docker.io");
	assert_string_equal(list[1].ref.registry, "ghcr.io");
	assert_string_equal(list[2].ref.repository, "test");
	assert_string_equal(list[2].digest, a.manifest);
	assert_int_equal(list[2].size, strlen(a.cfg_json) + a.layer_len[0] + a.layer_len[1]);
	free(list);
	assert_int_equal(oci_store_resolve(f->s, &ra, d), 0);
	assert_string_equal(d, a.manifest);
	/* a stale temporary file from a killed writer */
	snprintf(p, sizeof(p), "%s/tmp/stale", f->root);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	/* nothing unreferenced yet, but the stale temp goes */
	assert_int_equal(oci_store_prune(f->s, &removed, &freed), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(count_sub(f, "tmp"), 0);
	assert_int_equal(count_sub(f, "blobs/sha256"), 7);
	/* drop a: its manifest, config and zstd layer go, the shared layer stays */
	assert_int_equal(oci_store_remove(f->s, &ra), 0);
	assert_int_equal(oci_store_remove(f->s, &ra), VMC_ENOTFOUND);
	assert_int_equal(oci_store_prune(f->s, &removed, &freed), 0);
	assert_int_equal(removed, 3);
	assert_int_equal(freed, strlen(a.man_json) + strlen(a.cfg_json) + a.layer_len[1]);
	assert_int_equal(oci_store_has_blob(f->s, a.layer[0], -1), 1);
	assert_int_equal(oci_store_has_blob(f->s, b.layer[1], -1), 1);
	assert_int_equal(oci_store_remove(f->s, &rb), 0);
	assert_int_equal(oci_store_remove(f->s, &rc_), 0);
	assert_int_equal(oci_store_prune(f->s, &removed, NULL), 0);
	assert_int_equal(removed, 4);
	assert_int_equal(count_sub(f, "blobs/sha256"), 0);
	check_outside(f);
}

static void store__concurrent_writers(void **state)
{
	struct fixture *f = *state;
	struct oci_blob_writer *w1 = NULL, *w2 = NULL;
	char d[OCI_DIGEST_BUF];
	size_t len = 1 << 20, i;
	char *big = malloc(len);
	pid_t pids[6];

	assert_non_null(big);
	for (i = 0; i < len; i++)
		big[i] = (char)(i * 7 + 3);
	digest_of(big, len, d);
	/* interleaved in one process */
	assert_int_equal(oci_store_blob_begin(f->s, d, (int64_t)len, &w1), 0);
	assert_int_equal(oci_store_blob_begin(f->s, d, (int64_t)len, &w2), 0);
	assert_int_equal(count_sub(f, "tmp"), 2);
	assert_int_equal(oci_blob_write(w1, big, len / 2), 0);
	assert_int_equal(oci_blob_write(w2, big, len), 0);
	assert_int_equal(oci_blob_write(w1, big + len / 2, len - len / 2), 0);
	assert_int_equal(oci_blob_commit(w2), 0);
	assert_int_equal(oci_blob_commit(w1), 0);
	/* and in several processes at once */
	for (i = 0; i < 6; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct oci_store *s = NULL;
			int rc = oci_store_open(&s, f->root);

			if (rc == 0)
				rc = oci_store_put_blob(s, d, big, len);
			oci_store_free(s);
			_exit(rc == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < 6; i++) {
		int st = 0;

		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(oci_store_has_blob(f->s, d, (int64_t)len), 1);
	assert_int_equal(count_sub(f, "blobs/sha256"), 1);
	assert_int_equal(count_sub(f, "tmp"), 0);
	free(big);
}

static void store__index_file_strict(void **state)
{
	struct fixture *f = *state;
	struct oci_store_image *list = NULL;
	static const char *const bad[] = {
		"not json",
		"{\"images\": 3}",
		"{\"images\": [{\"registry\":\"docker.io\",\"repository\":\"../x\",\"tag\":\"a\","
		"\"digest\":\"sha256:" Z64 "\"}]}",
		"{\"images\": [{\"registry\":\"docker.io\",\"repository\":\"x\",\"tag\":\"a\","
		"\"digest\":\"sha256:../../x\"}]}",
		"{\"images\": [{\"registry\":\"docker.io\",\"repository\":\"x\",\"tag\":\"a\"}]}",
	};
	char p[256];
	size_t n, i;

	snprintf(p, sizeof(p), "%s/index.json", f->root);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fs_write_atomic(p, bad[i], strlen(bad[i]), 0644, 0), 0);
		assert_int_equal(oci_store_list(f->s, &list, &n), VMC_EPROTO);
	}
}

/* The whole path: layers stored by digest, then a rootfs built from them;
 * a layer damaged on disk after it was stored is caught while it streams. */
static void store__rootfs_from_store(void **state)
{
	struct fixture *f = *state;
	struct unpack_stats st;
	struct image im;
	char rootfs[160], p[256], got[64] = "";
	int fd;

	memset(&st, 0, sizeof(st));
	make_image(&im, "tagged");
	put_image(f, &im);
	snprintf(rootfs, sizeof(rootfs), "%s/store/rootfs", f->base);
	assert_int_equal(mkdir(rootfs, 0755), 0);
	assert_int_equal(oci_rootfs_build(f->s, im.manifest, rootfs, 0, &st), 0);
	assert_int_equal(st.entries, 2);
	snprintf(p, sizeof(p), "%s/etc/tag", rootfs);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, got, sizeof(got)), 6);
	close(fd);
	assert_string_equal(got, "tagged");
	/* a blob that is not a manifest, or a missing layer: nothing is written */
	assert_int_equal(oci_rootfs_build(f->s, im.config, rootfs, 0, NULL), VMC_EPROTO);
	assert_int_equal(fs_remove_tree(rootfs), 0);
	assert_int_equal(mkdir(rootfs, 0755), 0);
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", f->root, oci_digest_hex(im.layer[1]));
	assert_int_equal(unlink(p), 0);
	assert_int_equal(oci_rootfs_build(f->s, im.manifest, rootfs, 0, NULL), VMC_ENOTFOUND);
	assert_int_equal(count_dir(rootfs), 0);

	/* a plain layer whose file bytes were changed on disk: the tar still
	 * parses, the digest does not match */
	make_image_f(&im, "plain!", 0);
	put_image(f, &im);
	{
		char *hit = memmem(im.layer_buf[1], im.layer_len[1], "plain!", 6);

		assert_non_null(hit);
		snprintf(p, sizeof(p), "%s/blobs/sha256/%s", f->root, oci_digest_hex(im.layer[1]));
		fd = open(p, O_WRONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(pwrite(fd, "P", 1, hit - im.layer_buf[1]), 1);
		close(fd);
	}
	assert_int_equal(oci_rootfs_build(f->s, im.manifest, rootfs, 0, NULL), VMC_EPROTO);
	assert_non_null(strstr(vmc_error_last(), "digest mismatch"));
	assert_non_null(strstr(vmc_error_last(), "layer 2 of 2"));
	check_outside(f);
}

static void put_file(const char *dir, const char *name, const void *data, size_t len)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* An OCI layout holding image `im`, listed in index.json as `index`. */
static void write_layout(const char *dir, const struct image *im, const char *index)
{
	char blobs[256];

	assert_int_equal(fs_remove_tree(dir), 0);
	snprintf(blobs, sizeof(blobs), "%s/blobs/sha256", dir);
	assert_int_equal(fs_mkdir_p(blobs, 0755), 0);
	put_file(dir, "oci-layout", "{\"imageLayoutVersion\": \"1.0.0\"}", 31);
	put_file(dir, "index.json", index, strlen(index));
	put_file(blobs, oci_digest_hex(im->manifest), im->man_json, strlen(im->man_json));
	put_file(blobs, oci_digest_hex(im->config), im->cfg_json, strlen(im->cfg_json));
	put_file(blobs, oci_digest_hex(im->layer[0]), im->layer_buf[0], im->layer_len[0]);
	put_file(blobs, oci_digest_hex(im->layer[1]), im->layer_buf[1], im->layer_len[1]);
}

static void store__layout_import(void **state)
{
	struct fixture *f = *state;
	struct oci_store_image *list = NULL;
	struct oci_platform amd64 = { "linux", "amd64", "" };
	char dir[64], index[2048], multi[1024], multi_d[OCI_DIGEST_BUF], got[OCI_DIGEST_BUF];
	char blobs[256], p[512];
	struct image im;
	struct oci_ref ref;
	size_t n = 0;

	snprintf(dir, sizeof(dir), "/tmp/vmc-layout-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(blobs, sizeof(blobs), "%s/blobs/sha256", dir);
	make_image(&im, "layout");
	assert_int_equal(oci_ref_parse(&ref, "localhost:5000/test:1"), 0);
	snprintf(index, sizeof(index),
		 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_MT_MANIFEST "\","
		 "\"digest\":\"%s\",\"size\":%zu,\"annotations\":{\"" OCI_ANNOTATION_REF_NAME
		 "\":\"test:1\"}}]}", im.manifest, strlen(im.man_json));

	/* refused: a blob whose bytes do not match, a symlinked blobs dir,
	 * a traversal digest, an unknown name; nothing recorded, no temp left */
	write_layout(dir, &im, index);
	snprintf(p, sizeof(p), "%s/%s", blobs, oci_digest_hex(im.layer[0]));
	assert_int_equal(truncate(p, 10), 0);
	assert_int_equal(oci_layout_import(f->s, dir, NULL, NULL, &ref, NULL), VMC_EPROTO);
	write_layout(dir, &im, index);
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", dir, oci_digest_hex(im.layer[1]));
	put_file(blobs, oci_digest_hex(im.layer[1]), im.layer_buf[0], im.layer_len[1]);
	assert_int_equal(oci_layout_import(f->s, dir, "test:1", NULL, &ref, NULL), VMC_EPROTO);
	assert_non_null(strstr(vmc_error_last(), "digest mismatch"));
	write_layout(dir, &im, index);
	snprintf(p, sizeof(p), "%s/blobs", dir);
	assert_int_equal(fs_remove_tree(p), 0);
	assert_int_equal(symlink(f->base, p), 0);
	assert_int_equal(oci_layout_import(f->s, dir, NULL, NULL, &ref, NULL), VMC_EPROTO);
	assert_non_null(strstr(vmc_error_last(), "symbolic link"));
	write_layout(dir, &im, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_MT_MANIFEST
			       "\",\"digest\":\"sha256:../../x\",\"size\":1}]}");
	assert_int_equal(oci_layout_import(f->s, dir, NULL, NULL, &ref, NULL), VMC_EPROTO);
	write_layout(dir, &im, index);
	assert_int_equal(oci_layout_import(f->s, dir, "other", NULL, &ref, NULL), VMC_ENOTFOUND);
	assert_int_equal(oci_store_list(f->s, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(count_sub(f, "tmp"), 0);

	/* accepted: by name, then through a multi-platform index */
	assert_int_equal(oci_layout_import(f->s, dir, "test:1", NULL, &ref, got), 0);
	assert_string_equal(got, im.manifest);
	snprintf(multi, sizeof(multi),
		 "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\",\"manifests\":["
		 "{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"sha256:" Z64 "\",\"size\":9,"
		 "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
		 "{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"%s\",\"size\":%zu,"
		 "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}",
		 im.manifest, strlen(im.man_json));
	digest_of(multi, strlen(multi), multi_d);
	snprintf(index, sizeof(index),
		 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_MT_INDEX "\","
		 "\"digest\":\"%s\",\"size\":%zu}]}", multi_d, strlen(multi));
	write_layout(dir, &im, index);
	put_file(blobs, oci_digest_hex(multi_d), multi, strlen(multi));
	assert_int_equal(oci_ref_parse(&ref, "multi"), 0);
	assert_int_equal(oci_layout_import(f->s, dir, NULL, &amd64, &ref, got), 0);
	assert_string_equal(got, im.manifest);
	assert_int_equal(oci_store_list(f->s, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].ref.repository, "library/multi");
	assert_string_equal(list[0].index, multi_d);
	free(list);
	assert_int_equal(count_sub(f, "blobs/sha256"), 5);
	assert_int_equal(fs_remove_tree(dir), 0);
	check_outside(f);
}

/* The vmc.h surface over the same store. */
static void store__public_api(void **state)
{
	struct fixture *f = *state;
	vmc_image_store *st = NULL;
	vmc_image_info *ims = NULL;
	struct oci_ref ref;
	struct image im;
	char *canon = NULL;
	size_t n = 0, removed = 0;

	assert_int_equal(vmc_image_ref_normalize(&canon, "alpine"), 0);
	assert_string_equal(canon, "docker.io/library/alpine:latest");
	vmc_free(canon);
	assert_int_equal(vmc_image_ref_normalize(&canon, "[::1]:5000/x@sha256:" Z64), 0);
	assert_string_equal(canon, "[::1]:5000/x@sha256:" Z64);
	vmc_free(canon);
	canon = NULL;
	assert_int_equal(vmc_image_ref_normalize(&canon, "Alpine"), VMC_EINVAL);
	assert_null(canon);
	assert_int_equal(vmc_image_ref_normalize(NULL, "alpine"), VMC_EINVAL);

	make_image(&im, "pub");
	put_image(f, &im);
	assert_int_equal(oci_ref_parse(&ref, "busybox:1.36"), 0);
	assert_int_equal(oci_store_record(f->s, &ref, im.manifest, NULL), 0);
	assert_int_equal(vmc_image_store_open(&st, f->root), 0);
	assert_int_equal(vmc_image_store_list(st, &ims, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ims[0].ref, "docker.io/library/busybox:1.36");
	assert_string_equal(ims[0].digest, im.manifest);
	assert_int_equal(ims[0].size, strlen(im.cfg_json) + im.layer_len[0] + im.layer_len[1]);
	vmc_free(ims);
	assert_int_equal(vmc_image_store_remove(st, "busybox"), VMC_ENOTFOUND);
	assert_int_equal(vmc_image_store_remove(st, "Busybox:1.36"), VMC_EINVAL);
	assert_int_equal(vmc_image_store_remove(st, "docker.io/library/busybox:1.36"), 0);
	assert_int_equal(vmc_image_store_prune(st, &removed, NULL), 0);
	assert_int_equal(removed, 4);
	assert_int_equal(vmc_image_store_list(st, &ims, &n), 0);
	assert_int_equal(n, 0);
	vmc_free(ims);
	vmc_image_store_free(st);
	vmc_image_store_free(NULL);
	check_outside(f);
}

#include "store_manifest_cases.h"

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(store__digest_paths_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(store__blob_mismatch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(store__manifest_mismatch_and_missing_blobs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(store__record_list_remove_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(store__concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(store__index_file_strict, setup, teardown),
		cmocka_unit_test_setup_teardown(store__rootfs_from_store, setup, teardown),
		cmocka_unit_test_setup_teardown(store__layout_import, setup, teardown),
		cmocka_unit_test_setup_teardown(store__public_api, setup, teardown),
		cmocka_unit_test(store__manifest_parse),
		cmocka_unit_test(store__manifest_rejects),
		cmocka_unit_test(store__index_select),
		cmocka_unit_test(store__config_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
