/*
 * unpack.h - applies OCI image layers (tar, plain or gzip or zstd
 * compressed) onto a rootfs directory, with whiteouts and opaque
 * whiteouts per the OCI image spec. Every entry is confined beneath the
 * rootfs (see beneath.h): absolute names, ".." components, paths through
 * symlinks, hard links to targets outside, and whiteouts of ".." are
 * refused with VMC_EINVAL before anything is written or deleted. A failed
 * layer leaves the rootfs partly applied: throw it away.
 */
#ifndef VMC_IMAGE_UNPACK_H
#define VMC_IMAGE_UNPACK_H

#include <stdint.h>

/* Create character and block device entries (mknod; needs root). Without
 * it they are skipped and counted. FIFOs are always created. */
#define UNPACK_ALLOW_DEVICES 0x1u
/* Resolve with the openat(O_NOFOLLOW) walk even where openat2 exists (so
 * tests cover the fallback used before Linux 5.6). */
#define UNPACK_NO_OPENAT2 0x2u

struct unpack_stats {
	uint64_t entries;         /* archive entries applied */
	uint64_t whiteouts;       /* whiteouts and opaque markers applied */
	uint64_t skipped_devices; /* device nodes left out (no UNPACK_ALLOW_DEVICES) */
	uint64_t skipped_xattrs;  /* xattrs the filesystem refused (ENOTSUP/EPERM) */
};

/* Applies the layer read from `layer_fd` (any position; read to the end)
 * on top of the directory `root_fd` (opened with O_PATH or O_RDONLY and
 * O_DIRECTORY). Ownership is applied only when running as root; without
 * root, directories also keep owner rwx (a 0555 directory becomes 0755)
 * so later entries and layers can be written into them. `stats`
 * may be NULL; it is added to, not reset. Returns 0, VMC_EINVAL for a
 * refused entry (the message names it), VMC_EPROTO for a corrupt archive,
 * VMC_EIO for a system failure. */
int unpack_layer_fd(int root_fd, int layer_fd, unsigned int flags, struct unpack_stats *stats);

/* Same, and hashes the layer's bytes as they are read (including any
 * padding after the tar end marker): when they do not match `digest`
 * (a valid "sha256:<hex>") the result is VMC_EPROTO, after the layer has
 * been applied, since the check can only finish at the end of the stream;
 * the rootfs must then be thrown away. */
int unpack_layer_verified(int root_fd, int layer_fd, const char *digest, unsigned int flags,
			  struct unpack_stats *stats);

/* Same with paths; the rootfs directory must exist. */
int unpack_layer(const char *rootfs, const char *layer_path, unsigned int flags,
		 struct unpack_stats *stats);

#endif
