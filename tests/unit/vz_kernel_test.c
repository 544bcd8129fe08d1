/*
 * vz_kernel_test.c - the kernel Virtualization.framework boots: header
 * detection, a synthetic gzip arm64 Image inflated into the cache (named
 * by the input's SHA-256, reused, no temporary left), truncated and
 * corrupt streams, output over the bound, gzip of something that is not
 * an Image, and other formats refused. With the argument `real` it
 * instead runs the real arm64 kernels of the arm64 guest kit
 * ($VMC_GUEST_ARM64_DIR, default /var/lib/vmc/guest-arm64): vmlinuz as
 * Debian ships it (raw in Debian 12) and the kit's Image.gz (gzip -9 of
 * the real Image), each compared with the kit's raw Image; without the
 * kit it says why and exits 77 (skipped).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "backend/vz_kernel.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "image/digest.h"

static char dir[64], cache[128];

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* A synthetic arm64 Image of `len` bytes (>= 64), patterned. */
static unsigned char *make_image(size_t len)
{
	unsigned char *img = malloc(len);

	assert_non_null(img);
	for (size_t i = 0; i < len; i++)
		img[i] = (unsigned char)(i * 7 + (i >> 9));
	memset(img, 0, VZ_ARM64_HEADER_LEN);
	memcpy(img + VZ_ARM64_MAGIC_OFFSET, "ARM\x64", 4);
	return img;
}

/* gzip (with header and CRC trailer) of buf; *out_len set. */
static unsigned char *gzip(const void *buf, size_t len, size_t *out_len)
{
	z_stream z;
	size_t cap = len + len / 100 + 1024;
	unsigned char *out = malloc(cap);

	assert_non_null(out);
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	z.next_in = (unsigned char *)buf;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static int count_entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	if (!dp)
		return 0;
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(dp);
	return n;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vzkernel.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fs_remove_tree(dir);
	return 0;
}

static void vz_kernel__detect(void **state)
{
	unsigned char head[64] = { 0 };

	(void)state;
	assert_int_equal(vz_kernel_detect(head, sizeof(head)), VZ_KERNEL_UNKNOWN);
	memcpy(head + 0x38, "ARM\x64", 4);
	assert_int_equal(vz_kernel_detect(head, sizeof(head)), VZ_KERNEL_ARM64_IMAGE);
	assert_int_equal(vz_kernel_detect(head, 63), VZ_KERNEL_UNKNOWN); /* short */
	memcpy(head, "\x1f\x8b\x08", 3);
	memset(head + 0x38, 0, 4);
	assert_int_equal(vz_kernel_detect(head, 3), VZ_KERNEL_GZIP);
	assert_int_equal(vz_kernel_detect(head, 2), VZ_KERNEL_UNKNOWN);
	head[2] = 7; /* not deflate */
	assert_int_equal(vz_kernel_detect(head, sizeof(head)), VZ_KERNEL_UNKNOWN);
	assert_int_equal(vz_kernel_detect(head, 0), VZ_KERNEL_UNKNOWN);
}

static void vz_kernel__raw_image_used_as_is(void **state)
{
	unsigned char *img = make_image(8192);
	char path[128], *out = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/Image", dir);
	write_file(path, img, 8192);
	assert_int_equal(vz_kernel_prepare(path, cache, VZ_KERNEL_MAX_BYTES, &out), 0);
	assert_string_equal(out, path);
	assert_int_equal(count_entries(cache), 0); /* no cache for a raw Image */
	free(out);
	free(img);
}

static void vz_kernel__gzip_image_inflated_once_into_the_cache(void **state)
{
	size_t len = 3 * 1024 * 1024 + 123, glen;
	unsigned char *img = make_image(len), *gz = gzip(img, len, &glen);
	char path[128], want[256], digest[OCI_DIGEST_BUF], *out = NULL, *data = NULL;
	struct stat st1, st2;
	size_t got = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/vmlinuz", dir);
	write_file(path, gz, glen);
	assert_int_equal(oci_digest_buf(gz, glen, digest), 0);
	snprintf(want, sizeof(want), "%s/%s.Image", cache, oci_digest_hex(digest));
	assert_int_equal(vz_kernel_prepare(path, cache, VZ_KERNEL_MAX_BYTES, &out), 0);
	assert_string_equal(out, want);
	assert_int_equal(fs_read_file(out, len + 1, &data, &got), 0);
	assert_int_equal(got, len);
	assert_memory_equal(data, img, len);
	assert_int_equal(stat(out, &st1), 0);
	assert_int_equal(st1.st_mode & 0777, 0644);
	assert_int_equal(count_entries(cache), 1); /* no temporary left */
	free(out);
	/* again: the cache entry is reused, not rewritten */
	assert_int_equal(vz_kernel_prepare(path, cache, VZ_KERNEL_MAX_BYTES, &out), 0);
	assert_string_equal(out, want);
	assert_int_equal(stat(out, &st2), 0);
	assert_true(st1.st_ino == st2.st_ino);
	free(out);
	free(data);
	free(gz);
	free(img);
}

static void expect_refused(const char *path, uint64_t max, int code, const char *needle)
{
	char *out = (char *)"unset";
	int rc = vz_kernel_prepare(path, cache, max, &out);

	if (rc != code || !strstr(vmc_error_last(), needle))
		fail_msg("expected %d with '%s', got %d: %s", code, needle, rc, vmc_error_last());
	assert_null(out);
	assert_int_equal(count_entries(cache), 0); /* nothing half-written left */
}

static void vz_kernel__bad_streams_refused(void **state)
{
	size_t len = 256 * 1024, glen;
	unsigned char *img = make_image(len), *gz = gzip(img, len, &glen);
	unsigned char *notimg = calloc(1, 4096), *gz2;
	char path[128];
	size_t g2;

	(void)state;
	snprintf(path, sizeof(path), "%s/vmlinuz", dir);
	/* truncated: cut in the middle of the deflate data */
	write_file(path, gz, glen / 2);
	expect_refused(path, VZ_KERNEL_MAX_BYTES, VMC_EINVAL, "truncated");
	/* truncated inside the CRC trailer */
	write_file(path, gz, glen - 3);
	expect_refused(path, VZ_KERNEL_MAX_BYTES, VMC_EINVAL, "truncated");
	/* corrupt: a flipped byte in the data (caught by inflate or the CRC) */
	gz[glen / 2] ^= 0x55;
	write_file(path, gz, glen);
	expect_refused(path, VZ_KERNEL_MAX_BYTES, VMC_EINVAL, "corrupt");
	gz[glen / 2] ^= 0x55;
	/* corrupt CRC alone */
	gz[glen - 6] ^= 0xff;
	write_file(path, gz, glen);
	expect_refused(path, VZ_KERNEL_MAX_BYTES, VMC_EINVAL, "corrupt");
	gz[glen - 6] ^= 0xff;
	/* over the output bound */
	write_file(path, gz, glen);
	expect_refused(path, 100 * 1024, VMC_EINVAL, "inflates to more than 102400 bytes");
	/* valid gzip, but not of an arm64 Image */
	gz2 = gzip(notimg, 4096, &g2);
	write_file(path, gz2, g2);
	expect_refused(path, VZ_KERNEL_MAX_BYTES, VMC_EINVAL, "does not hold an arm64 Image");
	/* neither Image nor gzip (zstd magic), and an empty file */
	write_file(path, "\x28\xb5\x2f\xfd\0\0\0\0", 8);
	expect_refused(path, VZ_KERNEL_MAX_BYTES, VMC_EINVAL, "not an arm64 Linux Image");
	write_file(path, "", 0);
	expect_refused(path, VZ_KERNEL_MAX_BYTES, VMC_EINVAL, "not an arm64 Linux Image");
	/* input larger than the bound, and missing */
	write_file(path, gz, glen);
	expect_refused(path, 1000, VMC_EINVAL, "larger than 1000 bytes");
	snprintf(path, sizeof(path), "%s/missing", dir);
	expect_refused(path, VZ_KERNEL_MAX_BYTES, VMC_ENOTFOUND, "missing");
	free(gz2);
	free(notimg);
	free(gz);
	free(img);
}

static void vz_kernel__cache_dir(void **state)
{
	char *d = NULL;

	(void)state;
	setenv("VMC_DATA_DIR", "/data", 1);
	assert_int_equal(vz_kernel_cache_dir(&d), 0);
	assert_string_equal(d, "/data/vz-kernels");
	free(d);
	unsetenv("VMC_DATA_DIR");
}

/* Inflates (or passes through) `kernel` into `tmp` and compares the
 * result with the kit's raw `image`. 0 when identical. */
static int real_one(const char *kernel, const char *image, const char *tmp)
{
	char *out = NULL, *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	unsigned char head[VZ_ARM64_HEADER_LEN] = { 0 };
	int fd, rc, kind;

	fd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, head, sizeof(head)) != (ssize_t)sizeof(head)) {
		printf("FAIL: cannot read %s\n", kernel);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	kind = vz_kernel_detect(head, sizeof(head));
	rc = vz_kernel_prepare(kernel, tmp, VZ_KERNEL_MAX_BYTES, &out);
	if (rc == 0)
		rc = fs_read_file(out, VZ_KERNEL_MAX_BYTES, &a, &alen);
	if (rc == 0)
		rc = fs_read_file(image, VZ_KERNEL_MAX_BYTES, &b, &blen);
	if (rc < 0) {
		printf("FAIL: %s: %s\n", kernel, vmc_error_last());
		rc = 1;
	} else if (alen != blen || memcmp(a, b, alen) != 0) {
		printf("FAIL: %s gave %s (%zu bytes), which differs from %s (%zu bytes)\n", kernel,
		       out, alen, image, blen);
		rc = 1;
	} else {
		printf("ok: %s (%s) -> %s: %zu bytes, identical to %s\n", kernel,
		       kind == VZ_KERNEL_GZIP ? "gzip, inflated" : "raw Image, used as is", out,
		       alen, image);
	}
	free(a);
	free(b);
	free(out);
	return rc;
}

/* `real`: the arm64 guest kit's kernels against its raw Image: vmlinuz
 * as Debian ships it (raw in Debian 12, gzip in other releases) and
 * Image.gz, the kit's gzip -9 of the real Image. */
static int real_kernel(void)
{
	const char *kit = getenv("VMC_GUEST_ARM64_DIR");
	char vmlinuz[512], image[512], image_gz[512], tmp[] = "/tmp/vzkernel-real.XXXXXX";
	int rc = 0, gzip_seen = 0;

	if (!kit || !*kit)
		kit = "/var/lib/vmc/guest-arm64";
	snprintf(vmlinuz, sizeof(vmlinuz), "%s/vmlinuz", kit);
	snprintf(image, sizeof(image), "%s/Image", kit);
	snprintf(image_gz, sizeof(image_gz), "%s/Image.gz", kit);
	if (!fs_is_readable_file(vmlinuz) || !fs_is_readable_file(image)) {
		printf("skip: no arm64 guest kit at %s (vmlinuz and Image; built by "
		       "guest/build --arch arm64)\n", kit);
		return 77;
	}
	if (!mkdtemp(tmp))
		return 1;
	rc |= real_one(vmlinuz, image, tmp);
	if (fs_is_readable_file(image_gz)) {
		rc |= real_one(image_gz, image, tmp);
		gzip_seen = 1;
	}
	fs_remove_tree(tmp);
	if (rc == 0 && !gzip_seen) {
		printf("FAIL: the kit has no Image.gz, so no real gzip kernel was inflated\n");
		rc = 1;
	}
	return rc ? 1 : 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(vz_kernel__detect),
		T(vz_kernel__raw_image_used_as_is),
		T(vz_kernel__gzip_image_inflated_once_into_the_cache),
		T(vz_kernel__bad_streams_refused),
		T(vz_kernel__cache_dir),
	};

	if (argc > 1 && !strcmp(argv[1], "real"))
		return real_kernel();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
