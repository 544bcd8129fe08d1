/*
 * image_api.c - the public image functions of vmc.h: reference
 * normalisation over oci_ref.c, and vmc_image_store over the internal
 * content store (store.c, store_index.c), including where the store lives
 * by default. Everything else of the image modules stays internal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "image/image_disk.h"
#include "image/oci_layout.h"
#include "image/oci_pull.h"
#include "image/oci_ref.h"
#include "image/store.h"

struct vmc_image_store {
	struct oci_store *st;
};

int vmc_image_ref_normalize(char **out, const char *ref)
{
	struct oci_ref r;
	char buf[VMC_IMAGE_REF_MAX + 1];
	int rc;

	if (!out)
		return vmc_error_set(VMC_EINVAL, "missing output pointer");
	rc = oci_ref_parse(&r, ref);
	if (rc < 0)
		return rc;
	rc = oci_ref_format(&r, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	*out = strdup(buf);
	if (!*out)
		return vmc_error_oom();
	return 0;
}

/* $VMC_DATA_DIR/images, /var/lib/vmc/images (root),
 * ${XDG_DATA_HOME:-$HOME/.local/share}/vmc/images. */
int image_store_default_dir(char *buf, size_t size)
{
	const char *v;
	int n;

	v = getenv("VMC_DATA_DIR");
	if (v && v[0])
		n = snprintf(buf, size, "%s/images", v);
	else if (geteuid() == 0)
		n = snprintf(buf, size, "/var/lib/vmc/images");
	else if ((v = getenv("XDG_DATA_HOME")) != NULL && v[0])
		n = snprintf(buf, size, "%s/vmc/images", v);
	else if ((v = getenv("HOME")) != NULL && v[0])
		n = snprintf(buf, size, "%s/.local/share/vmc/images", v);
	else
		return vmc_error_set(VMC_EINVAL, "no image store directory: set VMC_DATA_DIR or HOME");
	if (n < 0 || (size_t)n >= size)
		return vmc_error_set(VMC_EINVAL, "image store directory path too long");
	return 0;
}

int vmc_image_store_open(vmc_image_store **out, const char *dir)
{
	char def[4096];
	vmc_image_store *s;
	int rc;

	if (!out)
		return vmc_error_set(VMC_EINVAL, "missing output pointer");
	if (!dir) {
		rc = image_store_default_dir(def, sizeof(def));
		if (rc < 0)
			return rc;
		dir = def;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return vmc_error_oom();
	rc = oci_store_open(&s->st, dir);
	if (rc < 0) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void vmc_image_store_free(vmc_image_store *store)
{
	if (!store)
		return;
	oci_store_free(store->st);
	free(store);
}

int vmc_image_store_list(vmc_image_store *store, vmc_image_info **out, size_t *count)
{
	struct oci_store_image *ims = NULL;
	vmc_image_info *infos;
	size_t n = 0, i;
	int rc;

	if (!store || !out || !count)
		return vmc_error_set(VMC_EINVAL, "missing argument");
	rc = oci_store_list(store->st, &ims, &n);
	if (rc < 0)
		return rc;
	infos = calloc(n ? n : 1, sizeof(*infos));
	if (!infos) {
		free(ims);
		return vmc_error_oom();
	}
	for (i = 0; i < n; i++) {
		rc = oci_ref_format(&ims[i].ref, infos[i].ref, sizeof(infos[i].ref));
		if (rc < 0)
			break;
		memcpy(infos[i].digest, ims[i].digest, sizeof(infos[i].digest));
		infos[i].size = ims[i].size;
	}
	free(ims);
	if (rc < 0) {
		free(infos);
		return rc;
	}
	*out = infos;
	*count = n;
	return 0;
}

int vmc_image_store_remove(vmc_image_store *store, const char *ref)
{
	struct oci_ref r;
	int rc;

	if (!store)
		return vmc_error_set(VMC_EINVAL, "missing image store");
	rc = oci_ref_parse(&r, ref);
	if (rc < 0)
		return rc;
	return oci_store_remove(store->st, &r);
}

int vmc_image_store_prune(vmc_image_store *store, size_t *blobs_removed, uint64_t *bytes_freed)
{
	size_t disks = 0;
	uint64_t disk_bytes = 0;
	int rc;

	if (!store)
		return vmc_error_set(VMC_EINVAL, "missing image store");
	rc = oci_store_prune(store->st, blobs_removed, bytes_freed);
	if (rc == 0)
		rc = image_disk_prune(store->st, &disks, &disk_bytes);
	if (rc == 0 && bytes_freed)
		*bytes_freed += disk_bytes;
	return rc;
}

int vmc_image_store_import_layout(vmc_image_store *store, const char *dir, const char *name,
				  const char *ref)
{
	struct oci_ref r;
	int rc;

	if (!store || !dir)
		return vmc_error_set(VMC_EINVAL, "missing image store or layout directory");
	rc = oci_ref_parse(&r, ref);
	if (rc < 0)
		return rc;
	return oci_layout_import(store->st, dir, name, NULL, &r, NULL);
}

void vmc_image_pull_opts_init(vmc_image_pull_opts *opts)
{
	static const vmc_image_pull_opts init = VMC_IMAGE_PULL_OPTS_INIT;

	if (opts)
		*opts = init;
}

int vmc_image_pull(char **out, vmc_image_store *store, const char *ref,
		   const vmc_image_pull_opts *opts, vmc_image_progress_fn progress, void *payload)
{
	struct oci_registry_opts ro;
	struct oci_platform plat;
	char digest[OCI_DIGEST_BUF];
	struct oci_ref r;
	const char *ca;
	int rc;

	if (out)
		*out = NULL;
	if (!store)
		return vmc_error_set(VMC_EINVAL, "missing image store");
	if (opts && (opts->version == 0 || opts->version > VMC_IMAGE_PULL_OPTS_VERSION))
		return vmc_error_set(VMC_EINVAL, "vmc_image_pull_opts version %u not supported",
				     opts->version);
	rc = oci_ref_parse(&r, ref);
	if (rc < 0)
		return rc;
	if (opts && opts->platform) {
		rc = oci_platform_parse(&plat, opts->platform);
		if (rc < 0)
			return rc;
	}
	memset(&ro, 0, sizeof(ro));
	ca = opts ? opts->ca_file : NULL;
	if (!ca) {
		ca = getenv("VMC_CA_FILE");
		if (ca && !ca[0])
			ca = NULL;
	}
	ro.ca_file = ca;
	if (opts) {
		ro.insecure = opts->insecure_registries;
		ro.n_insecure = opts->insecure_registries ? opts->n_insecure_registries : 0;
		ro.max_parallel = opts->max_parallel > 64 ? 64 : (int)opts->max_parallel;
	}
	rc = oci_pull(store->st, &r, opts && opts->platform ? &plat : NULL, &ro, progress, payload,
		      digest);
	if (rc < 0)
		return rc;
	if (out) {
		*out = strdup(digest);
		if (!*out)
			return vmc_error_oom();
	}
	return 0;
}
