/*
 * vz_kernel.c - turns the kernel a config names into the raw arm64 Image
 * Virtualization.framework boots (vz_kernel.h): header detection, a
 * bounded zlib inflate with the gzip CRC checked, and the cache of
 * inflated Images keyed by the input's SHA-256. The cache entry is written
 * under a unique temporary name, fsynced and renamed into place, so a
 * reader sees either no entry or a complete one, and two shims inflating
 * the same kernel at once both succeed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "backend/vz_kernel.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "image/digest.h"

#define VZ_KERNEL_CHUNK 65536

static const unsigned char arm64_magic[4] = { 'A', 'R', 'M', 0x64 };

enum vz_kernel_kind vz_kernel_detect(const void *head, size_t len)
{
	const unsigned char *p = head;

	if (len >= VZ_ARM64_HEADER_LEN &&
	    memcmp(p + VZ_ARM64_MAGIC_OFFSET, arm64_magic, sizeof(arm64_magic)) == 0)
		return VZ_KERNEL_ARM64_IMAGE;
	/* gzip member: ID1 ID2, CM = 8 (deflate) */
	if (len >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
		return VZ_KERNEL_GZIP;
	return VZ_KERNEL_UNKNOWN;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return vmc_error_set_errno(VMC_EIO, w < 0 ? errno : EIO, "writing the kernel");
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int vz_kernel_gunzip_fd(int in_fd, int out_fd, uint64_t max_out)
{
	unsigned char *in = NULL, *out = NULL, head[VZ_ARM64_HEADER_LEN];
	size_t head_len = 0;
	uint64_t total = 0;
	z_stream z;
	int zrc = Z_OK, rc = 0, inited = 0;

	memset(&z, 0, sizeof(z));
	in = malloc(VZ_KERNEL_CHUNK);
	out = malloc(VZ_KERNEL_CHUNK);
	if (!in || !out) {
		rc = vmc_error_oom();
		goto out;
	}
	/* 16 + MAX_WBITS: a gzip wrapper only (its CRC32 and ISIZE checked) */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		rc = vmc_error_set(VMC_ENOMEM, "zlib: inflateInit2 failed");
		goto out;
	}
	inited = 1;
	while (zrc != Z_STREAM_END) {
		ssize_t n = read(in_fd, in, VZ_KERNEL_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "reading the kernel");
			goto out;
		}
		if (n == 0) {
			rc = vmc_error_set(VMC_EINVAL, "gzip kernel is truncated or corrupt: "
					   "the stream ends before its end marker");
			goto out;
		}
		z.next_in = in;
		z.avail_in = (uInt)n;
		/* until the input is used up and no output is pending */
		do {
			size_t got;

			z.next_out = out;
			z.avail_out = VZ_KERNEL_CHUNK;
			zrc = inflate(&z, Z_NO_FLUSH);
			if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
				rc = vmc_error_set(VMC_EINVAL, "gzip kernel is corrupt: %s",
						   z.msg ? z.msg : "inflate failed");
				goto out;
			}
			got = VZ_KERNEL_CHUNK - z.avail_out;
			if (got > max_out - total) {
				rc = vmc_error_set(VMC_EINVAL, "gzip kernel inflates to more than "
						   "%llu bytes", (unsigned long long)max_out);
				goto out;
			}
			total += got;
			if (head_len < sizeof(head)) {
				size_t take = sizeof(head) - head_len < got ? sizeof(head) - head_len : got;
				memcpy(head + head_len, out, take);
				head_len += take;
			}
			rc = write_all(out_fd, out, got);
			if (rc < 0)
				goto out;
			if (zrc == Z_BUF_ERROR && got == 0)
				break; /* needs more input */
		} while ((z.avail_in > 0 || z.avail_out == 0) && zrc != Z_STREAM_END);
	}
	/* Bytes after the gzip member (padding) are ignored, as the kernel's
	 * own decompressors do. */
	if (vz_kernel_detect(head, head_len) != VZ_KERNEL_ARM64_IMAGE)
		rc = vmc_error_set(VMC_EINVAL, "the gzip kernel does not hold an arm64 Image "
				   "(no \"ARM\\x64\" magic at offset 0x38)");
out:
	if (inited)
		inflateEnd(&z);
	free(in);
	free(out);
	return rc;
}

int vz_kernel_cache_dir(char **out)
{
	const char *v = getenv("VMC_DATA_DIR");
	int n;

	*out = NULL;
	if (v && v[0])
		n = asprintf(out, "%s/vz-kernels", v);
	else if (geteuid() == 0)
		n = asprintf(out, "/var/lib/vmc/vz-kernels");
	else if ((v = getenv("XDG_DATA_HOME")) != NULL && v[0])
		n = asprintf(out, "%s/vmc/vz-kernels", v);
	else if ((v = getenv("HOME")) != NULL && v[0])
		n = asprintf(out, "%s/.local/share/vmc/vz-kernels", v);
	else
		return vmc_error_set(VMC_EINVAL, "no kernel cache directory: set VMC_DATA_DIR or HOME");
	if (n < 0) {
		*out = NULL;
		return vmc_error_oom();
	}
	return 0;
}

/* "sha256:<hex>" of the whole file on fd (from offset 0). */
static int hash_fd(int fd, char digest[OCI_DIGEST_BUF])
{
	struct oci_verifier v;
	unsigned char *buf = malloc(VZ_KERNEL_CHUNK);
	int rc;

	if (!buf)
		return vmc_error_oom();
	rc = oci_verifier_init(&v);
	while (rc == 0) {
		ssize_t n = pread(fd, buf, VZ_KERNEL_CHUNK, (off_t)v.size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = vmc_error_set_errno(VMC_EIO, errno, "reading the kernel");
		else if (n == 0)
			break;
		else
			rc = oci_verifier_update(&v, buf, (size_t)n);
	}
	if (rc == 0)
		rc = oci_verifier_finish(&v, digest);
	oci_verifier_free(&v);
	free(buf);
	return rc;
}

/* Inflates in_fd into <dir>/<hex>.Image through a temporary file. */
static int inflate_to_cache(int in_fd, const char *dir, const char *hex, uint64_t max_out,
			    char **out)
{
	char *final = NULL, *tmp = NULL;
	int fd = -1, rc;

	if (asprintf(&final, "%s/%s.Image", dir, hex) < 0) {
		final = NULL;
		return vmc_error_oom();
	}
	if (fs_is_readable_file(final)) {
		*out = final; /* complete: only ever renamed into place */
		return 0;
	}
	if (asprintf(&tmp, "%s/.%s.Image.XXXXXX", dir, hex) < 0) {
		tmp = NULL;
		rc = vmc_error_oom();
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot create a file in '%s'", dir);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (lseek(in_fd, 0, SEEK_SET) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "lseek");
		goto out;
	}
	rc = vz_kernel_gunzip_fd(in_fd, fd, max_out);
	if (rc == 0 && fchmod(fd, 0644) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "chmod '%s'", tmp);
	if (rc == 0 && fsync(fd) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "fsync '%s'", tmp);
	if (rc == 0 && rename(tmp, final) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "rename to '%s'", final);
	if (rc == 0) {
		free(tmp);
		tmp = NULL;
		*out = final;
		final = NULL;
	}
out:
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(final);
	return rc;
}

int vz_kernel_prepare(const char *kernel, const char *cache_dir, uint64_t max_out, char **out)
{
	unsigned char head[VZ_ARM64_HEADER_LEN];
	char digest[OCI_DIGEST_BUF];
	struct stat st;
	ssize_t n;
	int fd = -1, rc = 0;

	*out = NULL;
	fd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vmc_error_set_errno(errno == ENOENT ? VMC_ENOTFOUND : VMC_EIO, errno,
					   "kernel '%s'", kernel);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = vmc_error_set(VMC_EINVAL, "kernel '%s' is not a regular file", kernel);
		goto out;
	}
	if ((uint64_t)st.st_size > max_out) {
		rc = vmc_error_set(VMC_EINVAL, "kernel '%s' is larger than %llu bytes", kernel,
				   (unsigned long long)max_out);
		goto out;
	}
	do
		n = pread(fd, head, sizeof(head), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "reading kernel '%s'", kernel);
		goto out;
	}
	switch (vz_kernel_detect(head, (size_t)n)) {
	case VZ_KERNEL_ARM64_IMAGE:
		*out = strdup(kernel);
		rc = *out ? 0 : vmc_error_oom();
		break;
	case VZ_KERNEL_GZIP:
		rc = hash_fd(fd, digest);
		if (rc == 0)
			rc = fs_mkdir_p(cache_dir, 0700);
		if (rc == 0)
			rc = inflate_to_cache(fd, cache_dir, oci_digest_hex(digest), max_out, out);
		if (rc < 0)
			rc = vmc_error_prefix(rc, "kernel '%s'", kernel);
		break;
	default:
		rc = vmc_error_set(VMC_EINVAL, "kernel '%s' is not an arm64 Linux Image: "
				   "Virtualization.framework boots an uncompressed arm64 Image "
				   "(a gzip-compressed one is inflated by vmc; bzImage, zstd and "
				   "EFI zboot kernels are not supported)", kernel);
		break;
	}
out:
	close(fd);
	return rc;
}
