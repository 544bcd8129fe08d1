/*
 * oci_manifest.h - OCI image manifests and indexes, and their Docker v2
 * equivalents (schema 2 manifest, manifest list), parsed from untrusted
 * registry bytes with bounded sizes and strict JSON types, and the choice
 * of one manifest from an index by os / architecture / variant. Schema 1
 * manifests and non-image artifacts are VMC_EUNSUPPORTED.
 */
#ifndef VMC_IMAGE_OCI_MANIFEST_H
#define VMC_IMAGE_OCI_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"

#define OCI_MANIFEST_MAX (4 * 1024 * 1024) /* bytes of one manifest or index */
#define OCI_MANIFEST_ENTRIES_MAX 1024      /* layers of a manifest, entries of an index */
#define OCI_MEDIA_TYPE_MAX 127
#define OCI_PLATFORM_FIELD_MAX 31
#define OCI_REF_NAME_ANNOTATION_MAX 255
#define OCI_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"

#define OCI_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define OCI_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

enum oci_manifest_kind {
	OCI_KIND_MANIFEST = 1, /* config + layers */
	OCI_KIND_INDEX = 2,    /* per-platform manifests */
};

enum oci_compression {
	OCI_COMP_NONE = 0,
	OCI_COMP_GZIP = 1,
	OCI_COMP_ZSTD = 2,
};

struct oci_platform {
	char os[OCI_PLATFORM_FIELD_MAX + 1];
	char architecture[OCI_PLATFORM_FIELD_MAX + 1];
	char variant[OCI_PLATFORM_FIELD_MAX + 1]; /* "" when absent */
};

struct oci_descriptor {
	char media_type[OCI_MEDIA_TYPE_MAX + 1];
	char digest[OCI_DIGEST_BUF];
	int64_t size;
	int has_platform;             /* index entries */
	struct oci_platform platform;
	enum oci_compression compression; /* layers */
	char ref_name[OCI_REF_NAME_ANNOTATION_MAX + 1]; /* org.opencontainers.image.ref.name, or "" */
};

struct oci_manifest {
	enum oci_manifest_kind kind;
	char media_type[OCI_MEDIA_TYPE_MAX + 1]; /* as declared, or implied */
	struct oci_descriptor config;            /* OCI_KIND_MANIFEST */
	struct oci_descriptor *layers;           /* OCI_KIND_MANIFEST */
	size_t n_layers;
	struct oci_descriptor *manifests;        /* OCI_KIND_INDEX */
	size_t n_manifests;
};

/* Parses `len` bytes. `content_type` is the registry's Content-Type (or
 * NULL); when the document declares a mediaType too, they must agree.
 * *out is the caller's (oci_manifest_free). Returns 0, VMC_EPROTO for a
 * malformed document, VMC_EUNSUPPORTED for a valid but unsupported kind,
 * VMC_EINVAL when larger than OCI_MANIFEST_MAX. */
int oci_manifest_parse(struct oci_manifest **out, const char *buf, size_t len,
		       const char *content_type);
void oci_manifest_free(struct oci_manifest *m);

/* The platform vmc runs on ("linux", "amd64", ""), from the build target. */
void oci_platform_host(struct oci_platform *out);

/* Picks the manifest for `want` from an index: os and architecture must
 * match; the variant matches exactly, or when one side is empty and the
 * other is the architecture's default (arm64 v8, arm v7); with no variant
 * wanted, the first os/architecture match wins. *out is borrowed from
 * `idx`. VMC_ENOTFOUND names the platforms the index offers. */
int oci_index_select(const struct oci_manifest *idx, const struct oci_platform *want,
		     const struct oci_descriptor **out);

#endif
