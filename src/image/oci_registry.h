/*
 * oci_registry.h - the HTTP side of a pull (libcurl): one repository on
 * one registry, the distribution API's ping, the token flow (Bearer realm
 * -> token, anonymous or with Basic credentials) and Basic auth, manifest
 * GETs with bounded bodies, and blob GETs run in parallel on a curl multi
 * handle, each streamed into the store's resumable writer (incremental
 * SHA-256, never the whole blob in memory), with retries and backoff on
 * transient failures and HTTP Range resume of partial files.
 *
 * Transport rule: HTTPS always. Plain HTTP only for loopback registries
 * (localhost, 127.0.0.0/8, [::1]) and those listed as insecure, which are
 * tried over HTTPS first and fall back to HTTP when the TLS handshake
 * fails. A token realm obeys the same rule for its own host.
 * Credentials go only to the registry (libcurl drops them on a redirect
 * to another host, port or scheme) and to the token realm of a 401 the
 * registry itself sent: a 401 from where a redirect led is VMC_EAUTH.
 */
#ifndef VMC_IMAGE_OCI_REGISTRY_H
#define VMC_IMAGE_OCI_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "image/oci_manifest.h"
#include "image/oci_ref.h"
#include "image/store.h"

#define OCI_REGISTRY_PARALLEL 4     /* blob transfers at once, by default */
#define OCI_REGISTRY_ATTEMPTS 5     /* tries of one request on transient errors */

struct oci_registry_opts {
	const char *ca_file;          /* PEM bundle to trust instead of the system's, or NULL */
	const char *const *insecure;  /* registries ("host[:port]") where plain HTTP is allowed */
	size_t n_insecure;
	int max_parallel;             /* 0: OCI_REGISTRY_PARALLEL */
};

/* Progress of one blob: `done` of `total` bytes (total is the
 * descriptor's size). Called when a blob is queued (done: what a partial
 * file from an earlier run holds, or total when the store has the blob),
 * as bytes arrive, and with done == total when it is stored. */
typedef void (*oci_progress_fn)(const char *digest, uint64_t done, uint64_t total,
				void *payload);

struct oci_registry;

/* 1 when plain HTTP may be used with `registry` ("host[:port]"): a
 * loopback host, or one listed in `insecure` (exactly, or by host alone
 * when the entry has no port). */
int oci_registry_http_allowed(const char *registry, const char *const *insecure,
			      size_t n_insecure);

/* Connects to the registry of `ref` (ping /v2/, picks the scheme) and
 * authenticates for pulling its repository. *out is the caller's. Returns
 * 0, VMC_EAUTH, VMC_EIO (network, TLS, plain HTTP refused), VMC_EPROTO. */
int oci_registry_open(struct oci_registry **out, const struct oci_ref *ref,
		      const struct oci_registry_opts *opts);
void oci_registry_free(struct oci_registry *r);

/* GETs manifest `reference` (a tag or a digest) into *body (caller frees,
 * at most OCI_MANIFEST_MAX bytes), its Content-Type into content_type,
 * and its digest into `digest`: the computed one, which must equal
 * `reference` when that is a digest and the Docker-Content-Digest header
 * when the registry sends one. Returns 0, VMC_ENOTFOUND (no such
 * manifest), VMC_EPROTO (too large, digest mismatch), VMC_EAUTH, VMC_EIO. */
int oci_registry_get_manifest(struct oci_registry *r, const char *reference, char **body,
			      size_t *len, char content_type[OCI_MEDIA_TYPE_MAX + 1],
			      char digest[OCI_DIGEST_BUF]);

/* Downloads blobs descs[0..n) into the store, in parallel, each verified
 * against its digest and size (blobs already present are skipped).
 * Partial files of a failed run stay for the next one. Returns 0,
 * VMC_ENOTFOUND, VMC_EPROTO (size or digest mismatch), VMC_EAUTH, VMC_EIO. */
int oci_registry_fetch_blobs(struct oci_registry *r, struct oci_store *s,
			     const struct oci_descriptor *const *descs, size_t n,
			     oci_progress_fn progress, void *payload);

#endif
