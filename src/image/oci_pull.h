/*
 * oci_pull.h - pulling an image from a registry into the content store:
 * the manifest for the reference (verified against its digest), the
 * platform's manifest when that is an index, then config and layers in
 * parallel, and the record last, so the store never lists an image whose
 * blobs are not all there.
 */
#ifndef VMC_IMAGE_OCI_PULL_H
#define VMC_IMAGE_OCI_PULL_H

#include "image/oci_manifest.h"
#include "image/oci_ref.h"
#include "image/oci_registry.h"
#include "image/store.h"

/* Parses "OS/ARCH[/VARIANT]" ("linux/arm64/v8"). Returns 0 or VMC_EINVAL. */
int oci_platform_parse(struct oci_platform *out, const char *s);

/* Pulls `ref` for platform `want` (NULL: the host's) and records it. The
 * chosen image manifest's digest goes to `manifest_digest` (may be NULL).
 * Returns 0, VMC_ENOTFOUND (no such manifest, blob or platform), VMC_EAUTH,
 * VMC_EPROTO (malformed or mismatching bytes), VMC_EUNSUPPORTED, VMC_EIO. */
int oci_pull(struct oci_store *s, const struct oci_ref *ref, const struct oci_platform *want,
	     const struct oci_registry_opts *opts, oci_progress_fn progress, void *payload,
	     char manifest_digest[OCI_DIGEST_BUF]);

#endif
