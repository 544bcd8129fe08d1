/*
 * rootfs.c - a rootfs folder from a stored image (see rootfs.h): the
 * manifest is read and verified, the presence of every layer is checked
 * first, then the layers are applied bottom to top from their blob files,
 * hashed again as they stream so a blob damaged on disk since it was
 * stored is caught.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/compat.h"
#include "core/error.h"
#include "image/oci_manifest.h"
#include "image/rootfs.h"

int oci_rootfs_build(struct oci_store *s, const char *manifest_digest, const char *dir,
		     unsigned int flags, struct unpack_stats *stats)
{
	struct oci_manifest *m = NULL;
	size_t i;
	int root = -1, rc;

	rc = oci_store_load_manifest(s, manifest_digest, &m);
	if (rc < 0)
		return vmc_error_prefix(rc, "image %s", manifest_digest);
	for (i = 0; i < m->n_layers; i++) {
		rc = oci_store_has_blob(s, m->layers[i].digest, m->layers[i].size);
		if (rc == 0)
			rc = vmc_error_set(VMC_ENOTFOUND, "layer %s (%lld bytes) is not in the store",
					   m->layers[i].digest, (long long)m->layers[i].size);
		if (rc < 0)
			goto out;
	}
	root = open(dir, VMC_O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		rc = vmc_error_set_errno(errno == ENOENT ? VMC_ENOTFOUND : VMC_EIO, errno,
					 "cannot open rootfs '%s'", dir);
		goto out;
	}
	for (i = 0; i < m->n_layers; i++) {
		int fd = -1;

		rc = oci_store_blob_open(s, m->layers[i].digest, &fd);
		if (rc < 0)
			goto out;
		rc = unpack_layer_verified(root, fd, m->layers[i].digest, flags, stats);
		close(fd);
		if (rc < 0) {
			rc = vmc_error_prefix(rc, "layer %zu of %zu (%s)", i + 1, m->n_layers,
					      m->layers[i].digest);
			goto out;
		}
	}
	rc = 0;
out:
	if (root >= 0)
		close(root);
	oci_manifest_free(m);
	return rc;
}
