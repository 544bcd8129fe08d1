/*
 * seed_attach.h - the seed ISO of one VM: what the manager writes into the
 * VM's directory at start when its config has a cloud_init seed. The QEMU
 * backend attaches the same file (SEED_ATTACH_FILE) as a read-only disk.
 */
#ifndef VMC_IMAGE_SEED_ATTACH_H
#define VMC_IMAGE_SEED_ATTACH_H

#include "core/config.h"

#define SEED_ATTACH_FILE "seed.iso"

/* Builds the VM's seed from cfg->cloud_init (a fresh instance-id; a
 * network-config entry for each config NIC the seed does not name; the VM
 * name as host name when the seed has none) and writes it to
 * <vm_dir>/seed.iso. Returns 0 (also when cfg has no seed: nothing is
 * written), VMC_EIO or VMC_ENOMEM. */
int seed_attach_write(const char *vm_dir, const struct vmc_config *cfg);

#endif
