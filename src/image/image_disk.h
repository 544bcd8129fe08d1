/*
 * image_disk.h - the ext4 disk of an image's root filesystem, built once
 * per image manifest and cached in the image store (image_disk.c). VMs
 * never use it directly: each gets a copy-on-write clone (disk.c).
 * Internal to src/image.
 */
#ifndef VMC_IMAGE_IMAGE_DISK_H
#define VMC_IMAGE_IMAGE_DISK_H

#include <stddef.h>
#include <stdint.h>

#include "image/store.h"

#define IMAGE_DISK_DIR "disks"
#define IMAGE_DISK_HEADROOM (256ull << 20)  /* free space for the workload */
#define IMAGE_DISK_INODES_MIN 8192u

/* "<store_dir>/disks/<hex>.ext4" for image manifest `manifest_digest`
 * (validated: sha256 and 64 lowercase hex digits, nothing else reaches the
 * path). 0, or VMC_EINVAL (bad digest, path longer than outlen). */
int image_disk_path(const char *store_dir, const char *manifest_digest, char *out,
		    size_t outlen);

/* The size and inode count of an ext4 filesystem that holds a tree of
 * `data_bytes` (file contents rounded to 4 KiB blocks, directories and
 * long symlinks) in `inodes` files, plus IMAGE_DISK_HEADROOM: a multiple
 * of 1 MiB. Sparse, so the headroom costs no host disk. */
void image_disk_geometry(uint64_t data_bytes, uint64_t inodes, uint64_t *size_out,
			 uint64_t *inodes_out);

/* Makes sure the disk of stored image `manifest_digest` exists in the
 * absolute `store_dir` (the directory `s` was opened on): reused when
 * present, else its layers are unpacked into a temporary folder, which
 * `mke2fs -d` turns into a temporary image that is linked to its name
 * only when complete (a concurrent builder's finished disk wins; ours is
 * dropped), and the folder is removed. *built (may be NULL) is 1 if this
 * call built it. Returns 0, VMC_ENOTFOUND (layers missing), VMC_EINVAL,
 * VMC_EPROTO (a bad layer) or VMC_EIO (mke2fs failed; its message shown). */
int image_disk_ensure(struct oci_store *s, const char *store_dir, const char *manifest_digest,
		      char *out, size_t outlen, int *built);

/* Removes the disks of images no longer recorded in the store (a VM's
 * clone is its own file: running VMs keep theirs) and the folders and
 * files of builds that were interrupted. *removed counts disks, *bytes
 * their allocated size. Takes the store's blob lock exclusively, so it
 * waits for builds in progress. 0, VMC_EIO or VMC_EPROTO. */
int image_disk_prune(struct oci_store *s, size_t *removed, uint64_t *bytes);

/* The default image store directory (image_api.c): $VMC_DATA_DIR/images,
 * /var/lib/vmc/images for root, else under XDG_DATA_HOME or HOME. */
int image_store_default_dir(char *buf, size_t size);

#endif
