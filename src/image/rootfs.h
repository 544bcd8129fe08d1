/*
 * rootfs.h - turns an image from the content store into a rootfs folder:
 * its layers applied in order by unpack.c, each verified against its
 * digest as it streams. Making a disk image of the folder is left to the
 * caller.
 */
#ifndef VMC_IMAGE_ROOTFS_H
#define VMC_IMAGE_ROOTFS_H

#include "image/store.h"
#include "image/unpack.h"

/* Applies every layer of stored image manifest `manifest_digest` onto the
 * existing directory `dir` (normally empty). Every layer must be in the
 * store with its descriptor's size before anything is written
 * (VMC_ENOTFOUND). Other failures are those of unpack_layer_verified();
 * after one, `dir` is partly built: throw it away. `stats` may be NULL. */
int oci_rootfs_build(struct oci_store *s, const char *manifest_digest, const char *dir,
		     unsigned int flags, struct unpack_stats *stats);

#endif
