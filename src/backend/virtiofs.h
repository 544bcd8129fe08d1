/*
 * virtiofs.h - host side of virtio-fs shares on Linux: finding QEMU's C
 * virtiofsd, the vhost-user socket the shim binds for each share (passed to
 * virtiofsd as --fd, so the hypervisor never races its creation), and the
 * daemon's argv. Read-only shares are enforced on the host: virtiofsd runs
 * in its own mount namespace on a read-only bind mount of the directory
 * (QEMU 7.2's virtiofsd has no read-only option of its own).
 */
#ifndef VMC_BACKEND_VIRTIOFS_H
#define VMC_BACKEND_VIRTIOFS_H

#include "backend/backend.h"
#include "core/config.h"

#define VIRTIOFS_GUEST_ROOT "/mnt"   /* share TAG appears at /mnt/TAG */

struct virtiofs_daemon {
	char *socket_path;
	int listen_fd;
	char **argv;
};

/* The virtiofsd binary, or NULL. */
const char *virtiofs_find_daemon(void);
/* Checks what shares need: root (virtiofsd's sandbox), the daemon, an
 * existing directory per share. VMC_EUNSUPPORTED / VMC_ENOTFOUND. */
int virtiofs_validate(const struct vmc_config *cfg);
/* Binds <vm_dir>/virtiofs-<index>.sock and builds virtiofsd's argv. */
int virtiofs_prepare(struct virtiofs_daemon *d, const char *vm_dir, size_t index,
		     const struct vmc_share *share);
/* virtiofs_prepare() for each of cfg's shares into vfs[] (*n_vfs counts
 * the prepared ones, for virtiofs_release() on any outcome), each listed
 * in launch->sidecars with its read-only path. */
int virtiofs_prepare_sidecars(struct virtiofs_daemon vfs[VMC_DEVICES_MAX], size_t *n_vfs,
			      const struct vmc_config *cfg, struct backend_launch *launch);
void virtiofs_release(struct virtiofs_daemon *d);
/* For spawn_opts.pre_exec: a private mount namespace in which the path is
 * a read-only bind mount of itself. arg is the path. */
int virtiofs_readonly_pre_exec(void *arg);

#endif
