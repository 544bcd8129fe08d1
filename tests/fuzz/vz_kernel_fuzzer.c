/*
 * vz_kernel_fuzzer.c - fuzzes the detection of arm64 Image and gzip kernel
 * headers and the bounded inflate behind it (vz_kernel.h) with hostile
 * kernel files. Promises checked: detection never reads past the length
 * it is given (the header is copied to an exactly sized heap buffer, so
 * ASan sees an over-read), it is consistent with the magic bytes, the
 * inflate of a gzip input never writes more than its bound and succeeds
 * only when the output starts with an arm64 Image header.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif
#include <unistd.h>

#include "backend/vz_kernel.h"
#include "core/error.h"
#include "fuzz.h"

#define FUZZ_OUT_MAX (1024 * 1024)

/* An anonymous file: a memfd on Linux, an unlinked temporary on macOS
 * (no memfd there). */
static int anon_fd(const char *name)
{
#ifdef __linux__
	return memfd_create(name, MFD_CLOEXEC);
#else
	char path[] = "/tmp/vmc-fuzz-XXXXXX";
	int fd = mkstemp(path);

	(void)name;
	if (fd >= 0) {
		unlink(path);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	return fd;
#endif
}

static int fd_with(const uint8_t *data, size_t size)
{
	int fd = anon_fd("vz_kernel_fuzz");

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t hlen = size < VZ_ARM64_HEADER_LEN ? size : VZ_ARM64_HEADER_LEN;
	unsigned char *head = malloc(hlen ? hlen : 1), out_head[VZ_ARM64_HEADER_LEN];
	enum vz_kernel_kind kind;
	int in, out, rc;
	off_t out_len;

	if (!head)
		abort();
	memcpy(head, data, hlen);
	kind = vz_kernel_detect(head, hlen);
	free(head);
	if (kind == VZ_KERNEL_ARM64_IMAGE && memcmp(data + 0x38, "ARM\x64", 4) != 0)
		abort();
	if (kind == VZ_KERNEL_GZIP && (data[0] != 0x1f || data[1] != 0x8b))
		abort();
	if (kind != VZ_KERNEL_GZIP)
		return 0;

	in = fd_with(data, size);
	out = anon_fd("vz_kernel_fuzz_out");
	if (out < 0)
		abort();
	rc = vz_kernel_gunzip_fd(in, out, FUZZ_OUT_MAX);
	out_len = lseek(out, 0, SEEK_END);
	if (out_len < 0 || out_len > FUZZ_OUT_MAX)
		abort();
	if (rc == 0) {
		if (pread(out, out_head, sizeof(out_head), 0) != (ssize_t)sizeof(out_head))
			abort();
		if (vz_kernel_detect(out_head, sizeof(out_head)) != VZ_KERNEL_ARM64_IMAGE)
			abort();
	} else if (rc != VMC_EINVAL) {
		abort();
	}
	vmc_error_clear();
	close(in);
	close(out);
	return 0;
}
