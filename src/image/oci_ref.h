/*
 * oci_ref.h - image references ("alpine", "ghcr.io/o/r:tag",
 * "localhost:5000/x@sha256:...") parsed and validated per the distribution
 * reference grammar and normalised the way Docker does: a name without a
 * registry is on docker.io, a one-component docker.io name is under
 * "library/", and the tag is "latest" when neither tag nor digest is given.
 *
 * Decisions: the registry may be a DNS name, "localhost", an IPv4 address
 * or a bracketed IPv6 literal ("[::1]:5000/x"), each with an optional port
 * 1-65535; "index.docker.io" is folded into "docker.io", whose API host is
 * registry-1.docker.io. Only sha256 digests are accepted. The registry part
 * keeps its case (host names are case-insensitive; the repository is not
 * and must be lowercase). The 255-character name limit applies to the
 * normalised "registry/repository", so every canonical form parses again.
 */
#ifndef VMC_IMAGE_OCI_REF_H
#define VMC_IMAGE_OCI_REF_H

#include <stddef.h>

#include "image/digest.h"

#define OCI_REF_INPUT_MAX 512 /* a whole reference as typed */
#define OCI_REF_NAME_MAX 255  /* registry + '/' + repository (distribution's limit) */
#define OCI_REF_TAG_MAX 128

#define OCI_REF_DOCKER_HUB "docker.io"
#define OCI_REF_DOCKER_HUB_API "registry-1.docker.io"

struct oci_ref {
	char registry[OCI_REF_NAME_MAX + 1];   /* "docker.io", "localhost:5000" */
	char repository[OCI_REF_NAME_MAX + 1]; /* "library/alpine" */
	char tag[OCI_REF_TAG_MAX + 1];         /* "" when only a digest was given */
	char digest[OCI_DIGEST_BUF];           /* "" or "sha256:<hex>" */
};

/* Parses `s` into *out. Returns 0 or VMC_EINVAL with a message naming the
 * part that is wrong. */
int oci_ref_parse(struct oci_ref *out, const char *s);
/* The host[:port] to talk to for this reference's registry. Borrowed from
 * `ref` (or static). */
const char *oci_ref_api_host(const struct oci_ref *ref);
/* 1 when the registry is a loopback host (localhost, 127.0.0.0/8, [::1]),
 * where plain HTTP may be used. */
int oci_ref_is_loopback(const struct oci_ref *ref);
/* The canonical form "registry/repository[:tag][@digest]" into buf.
 * Returns 0 or VMC_EINVAL when it does not fit. */
int oci_ref_format(const struct oci_ref *ref, char *buf, size_t len);

/* Validators shared with the store (each 0 or VMC_EINVAL). */
int oci_ref_check_registry(const char *s, size_t len);
int oci_ref_check_repository(const char *s, size_t len);
int oci_ref_check_tag(const char *s, size_t len);

#endif
