/*
 * oci_layout.h - imports an image from an OCI image layout directory
 * (oci-layout, index.json, blobs/sha256/<hex>; what `skopeo copy ...
 * oci:DIR:NAME` writes) into the content store, without a network. Every
 * blob is copied through the store's verified writer, so a layout whose
 * bytes do not match its digests is refused like a lying registry.
 */
#ifndef VMC_IMAGE_OCI_LAYOUT_H
#define VMC_IMAGE_OCI_LAYOUT_H

#include "image/oci_manifest.h"
#include "image/oci_ref.h"
#include "image/store.h"

/* Imports from layout `dir` the image whose index.json entry is annotated
 * org.opencontainers.image.ref.name = `name` (NULL: the only entry), for
 * platform `want` when that entry is an index (NULL: the host's), and
 * records it as `ref`. The chosen manifest digest is written to
 * `manifest_digest` (may be NULL). Returns 0, VMC_ENOTFOUND (no such
 * name, platform or blob), VMC_EPROTO (malformed layout or a digest
 * mismatch), VMC_EUNSUPPORTED, VMC_EIO. Nothing is recorded on failure. */
int oci_layout_import(struct oci_store *s, const char *dir, const char *name,
		      const struct oci_platform *want, const struct oci_ref *ref,
		      char manifest_digest[OCI_DIGEST_BUF]);

#endif
