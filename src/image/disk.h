/*
 * disk.h - internals of raw disk creation (disk.c) and cloning
 * (disk_clone_linux.c, disk_clone_darwin.c), shared by them and exposed
 * for the tests: the clone can be forced to start at a given method, so
 * every fallback path runs on any filesystem. Internal to src/image.
 */
#ifndef VMC_IMAGE_DISK_H
#define VMC_IMAGE_DISK_H

#include "vmc.h"

/* vmc_disk_clone(), trying methods from `first` on (VMC_CLONE_REFLINK
 * tries all three). */
int disk_clone_from(const char *base, const char *path, vmc_clone_method first,
		    vmc_clone_method *method_out);

/* The vmc error code for a failed open/create/link's errno. */
int disk_errno_code(int err);
/* fsync(), or F_FULLFSYNC where it exists (macOS). */
int disk_full_fsync(int fd);

#endif
