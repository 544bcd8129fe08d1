/*
 * image_run.c - vmc_config_set_image(): what booting an image needs,
 * gathered on the host before the VM starts. The reference is resolved in
 * the content store, the image's config blob read for its workload
 * (Entrypoint + Cmd, Env, WorkingDir, User; oci_config.c), and its ext4
 * disk built or reused (image_disk.c). The result goes into the config
 * (core/config_image.h); the per-VM clone is the manager's job at start.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/config_image.h"
#include "core/error.h"
#include "image/image_disk.h"
#include "image/oci_config.h"
#include "image/oci_manifest.h"
#include "image/oci_ref.h"
#include "image/store.h"

static int strv_copy(char ***out, char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	*out = calloc(na + nb + 1, sizeof(char *));
	if (!*out)
		return vmc_error_oom();
	for (i = 0; i < na + nb; i++) {
		(*out)[i] = strdup(i < na ? a[i] : b[i - na]);
		if (!(*out)[i])
			return vmc_error_oom();
	}
	return 0;
}

/* The workload fields of `im` from the image config blob. */
static int read_workload(struct oci_store *st, const struct oci_manifest *m,
			 struct config_image *im)
{
	struct oci_config *oc = NULL;
	char *blob = NULL;
	size_t len = 0;
	int rc;

	rc = oci_store_read_blob(st, m->config.digest, OCI_CONFIG_MAX, &blob, &len);
	if (rc == 0)
		rc = oci_config_parse(&oc, blob, len);
	if (rc < 0) {
		rc = vmc_error_prefix(rc, "image config %s", m->config.digest);
		goto out;
	}
	if (oc->n_entrypoint + oc->n_cmd > CONFIG_IMAGE_ARGS_MAX) {
		rc = vmc_error_set(VMC_EINVAL, "Entrypoint + Cmd has more than %d arguments",
				   CONFIG_IMAGE_ARGS_MAX);
		goto out;
	}
	if (oc->n_env > CONFIG_IMAGE_ENV_MAX) {
		rc = vmc_error_set(VMC_EINVAL, "more than %d Env entries", CONFIG_IMAGE_ENV_MAX);
		goto out;
	}
	rc = strv_copy(&im->argv, oc->entrypoint, oc->n_entrypoint, oc->cmd, oc->n_cmd);
	if (rc == 0)
		rc = strv_copy(&im->env, oc->env, oc->n_env, NULL, 0);
	if (rc < 0)
		goto out;
	im->argc = oc->n_entrypoint + oc->n_cmd;
	im->n_env = oc->n_env;
	if (oc->working_dir && oc->working_dir[0]) {
		im->workdir = strdup(oc->working_dir);
		if (!im->workdir)
			rc = vmc_error_oom();
	}
	if (rc == 0 && oc->user && oc->user[0]) {
		im->user = strdup(oc->user);
		if (!im->user)
			rc = vmc_error_oom();
	}
out:
	oci_config_free(oc);
	free(blob);
	return rc;
}

int vmc_config_set_image(vmc_config *cfg, const char *store_dir, const char *ref)
{
	char def[PATH_MAX], abs[PATH_MAX], disk[PATH_MAX], digest[OCI_DIGEST_BUF];
	char canon[VMC_IMAGE_REF_MAX + 1];
	struct config_image *im = NULL;
	struct oci_manifest *m = NULL;
	struct oci_store *st = NULL;
	struct oci_ref r;
	int rc;

	if (!cfg || !ref)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config or reference");
	rc = oci_ref_parse(&r, ref);
	if (rc == 0)
		rc = oci_ref_format(&r, canon, sizeof(canon));
	if (rc < 0)
		return vmc_error_prefix(rc, "image '%.80s'", ref);
	if (!store_dir) {
		rc = image_store_default_dir(def, sizeof(def));
		if (rc < 0)
			return rc;
		store_dir = def;
	}
	rc = oci_store_open(&st, store_dir);
	if (rc < 0)
		return rc;
	/* VMs use the disk path long after this call, from other directories */
	if (!realpath(store_dir, abs)) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "image store '%s'", store_dir);
		goto out;
	}
	rc = oci_store_resolve(st, &r, digest);
	if (rc == VMC_ENOTFOUND) {
		rc = vmc_error_set(VMC_ENOTFOUND, "not in the image store '%s': get it with "
				   "`vmc pull %s` (or `vmc image load`)", abs, ref);
		goto out;
	}
	if (rc == 0)
		rc = oci_store_load_manifest(st, digest, &m);
	if (rc < 0)
		goto out;
	im = calloc(1, sizeof(*im));
	if (!im) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = read_workload(st, m, im);
	if (rc < 0)
		goto out;
	rc = image_disk_ensure(st, abs, digest, disk, sizeof(disk), NULL);
	if (rc < 0)
		goto out;
	im->ref = strdup(canon);
	im->digest = strdup(digest);
	im->disk = strdup(disk);
	if (!im->ref || !im->digest || !im->disk) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = config_image_check(im);
	if (rc < 0)
		goto out;
	config_image_free(cfg->image);
	cfg->image = im;
	im = NULL;
out:
	if (rc < 0)
		rc = vmc_error_prefix(rc, "image '%.80s'", ref);
	config_image_free(im);
	oci_manifest_free(m);
	oci_store_free(st);
	return rc;
}
