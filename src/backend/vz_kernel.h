/*
 * vz_kernel.h - the kernel file Virtualization.framework can boot.
 * VZLinuxBootLoader takes an uncompressed arm64 Linux `Image` only, while
 * distributions ship it gzip-compressed (Debian's arm64 vmlinuz). This
 * module recognises the two forms by their headers, and inflates a gzip
 * Image once into a cache file named after the input's SHA-256, written
 * atomically (temporary file, fsync, rename) with a bounded output size.
 * Anything else (x86 bzImage, zstd, EFI zboot, garbage) is refused with a
 * message saying what VZ needs. Portable C (zlib), tested on Linux.
 */
#ifndef VMC_BACKEND_VZ_KERNEL_H
#define VMC_BACKEND_VZ_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* The arm64 Image header (Documentation/arch/arm64/booting.rst): 64
 * bytes, the magic "ARM\x64" at offset 0x38. */
#define VZ_ARM64_HEADER_LEN 64
#define VZ_ARM64_MAGIC_OFFSET 0x38
/* Largest inflated Image accepted (a Debian arm64 Image is ~30 MiB). */
#define VZ_KERNEL_MAX_BYTES (256ULL * 1024 * 1024)

enum vz_kernel_kind {
	VZ_KERNEL_UNKNOWN = 0,
	VZ_KERNEL_ARM64_IMAGE = 1, /* raw Image: used as is */
	VZ_KERNEL_GZIP = 2,        /* gzip stream: inflate, then check for an Image */
};

/* What the first `len` bytes of a kernel file are. Never reads past len. */
enum vz_kernel_kind vz_kernel_detect(const void *head, size_t len);

/* Inflates the gzip stream on in_fd into out_fd (both positioned by the
 * caller), at most max_out bytes, and checks the result starts with an
 * arm64 Image header. VMC_EINVAL for a corrupt or truncated stream (the
 * gzip CRC and length are checked), output beyond max_out, or output that
 * is not an arm64 Image; VMC_EIO for read/write failures. */
int vz_kernel_gunzip_fd(int in_fd, int out_fd, uint64_t max_out);

/* The bootable form of `kernel`: a raw arm64 Image gives a copy of its
 * path; a gzip one gives <cache_dir>/<sha256 of the input>.Image, made
 * (cache_dir created 0700 if missing) unless it already exists. *out is
 * the caller's (free()). VMC_ENOTFOUND (no kernel), VMC_EINVAL (not an
 * arm64 Image, gzip or not, or too large), VMC_EIO, VMC_ENOMEM. */
int vz_kernel_prepare(const char *kernel, const char *cache_dir, uint64_t max_out, char **out);

/* The default cache: $VMC_DATA_DIR/vz-kernels, /var/lib/vmc/vz-kernels
 * for root, else ${XDG_DATA_HOME:-$HOME/.local/share}/vmc/vz-kernels.
 * *out is the caller's. VMC_EINVAL when none can be named. */
int vz_kernel_cache_dir(char **out);

#endif
