/*
 * oci_pull.c - one pull, start to end (see oci_pull.h). Manifests are
 * small: fetched whole (bounded), verified, stored, then parsed from the
 * verified bytes. Blobs stream through oci_registry_fetch_blobs().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "image/oci_pull.h"

static int platform_field(char *dst, const char *s, size_t n, const char *what)
{
	size_t i;

	if (n == 0 || n > OCI_PLATFORM_FIELD_MAX)
		return vmc_error_set(VMC_EINVAL, "platform %s must be 1 to %d characters", what,
				     OCI_PLATFORM_FIELD_MAX);
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-' || s[i] == '.'))
			return vmc_error_set(VMC_EINVAL, "platform %s '%.*s': only [a-z0-9._-]", what,
					     (int)n, s);
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

int oci_platform_parse(struct oci_platform *out, const char *s)
{
	const char *a, *v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return vmc_error_set(VMC_EINVAL, "missing platform");
	a = strchr(s, '/');
	if (!a)
		return vmc_error_set(VMC_EINVAL, "platform '%.64s' is not OS/ARCH[/VARIANT]", s);
	v = strchr(a + 1, '/');
	rc = platform_field(out->os, s, (size_t)(a - s), "OS");
	if (rc == 0)
		rc = platform_field(out->architecture, a + 1,
				    v ? (size_t)(v - a - 1) : strlen(a + 1), "architecture");
	if (rc == 0 && v)
		rc = platform_field(out->variant, v + 1, strlen(v + 1), "variant");
	return rc;
}

/* Fetches manifest `reference`, stores its verified bytes, parses them. */
static int fetch_manifest(struct oci_registry *r, struct oci_store *s, const char *reference,
			  struct oci_manifest **m, char digest[OCI_DIGEST_BUF])
{
	char ct[OCI_MEDIA_TYPE_MAX + 1];
	char *body = NULL;
	size_t len = 0;
	int rc;

	rc = oci_registry_get_manifest(r, reference, &body, &len, ct, digest);
	if (rc < 0)
		return rc;
	rc = oci_manifest_parse(m, body, len, ct[0] ? ct : NULL);
	if (rc < 0)
		rc = vmc_error_prefix(rc, "manifest %s", digest);
	if (rc == 0) {
		rc = oci_store_put_blob(s, digest, body, len);
		if (rc < 0) {
			oci_manifest_free(*m);
			*m = NULL;
		}
	}
	free(body);
	return rc;
}

int oci_pull(struct oci_store *s, const struct oci_ref *ref, const struct oci_platform *want,
	     const struct oci_registry_opts *opts, oci_progress_fn progress, void *payload,
	     char manifest_digest[OCI_DIGEST_BUF])
{
	struct oci_registry *r = NULL;
	struct oci_manifest *top = NULL, *img = NULL, *man;
	const struct oci_descriptor *chosen = NULL;
	const struct oci_descriptor **blobs = NULL;
	char top_digest[OCI_DIGEST_BUF], img_digest[OCI_DIGEST_BUF];
	struct oci_platform host;
	char name[2 * OCI_REF_NAME_MAX + OCI_REF_TAG_MAX + OCI_DIGEST_BUF + 8];
	size_t i;
	int rc;

	rc = oci_registry_open(&r, ref, opts);
	if (rc < 0)
		goto out;
	rc = fetch_manifest(r, s, ref->digest[0] ? ref->digest : ref->tag, &top, top_digest);
	if (rc < 0)
		goto out;
	man = top;
	memcpy(img_digest, top_digest, OCI_DIGEST_BUF);
	if (top->kind == OCI_KIND_INDEX) {
		if (!want) {
			oci_platform_host(&host);
			want = &host;
		}
		rc = oci_index_select(top, want, &chosen);
		if (rc == 0)
			rc = fetch_manifest(r, s, chosen->digest, &img, img_digest);
		if (rc < 0)
			goto out;
		if (img->kind != OCI_KIND_MANIFEST) {
			rc = vmc_error_set(VMC_EUNSUPPORTED, "an index inside an index");
			goto out;
		}
		man = img;
	}
	blobs = calloc(man->n_layers + 1, sizeof(*blobs));
	if (!blobs) {
		rc = vmc_error_oom();
		goto out;
	}
	blobs[0] = &man->config;
	for (i = 0; i < man->n_layers; i++)
		blobs[i + 1] = &man->layers[i];
	rc = oci_registry_fetch_blobs(r, s, blobs, man->n_layers + 1, progress, payload);
	if (rc == 0)
		rc = oci_store_record(s, ref, img_digest, man == top ? NULL : top_digest);
	if (rc == 0 && manifest_digest)
		memcpy(manifest_digest, img_digest, OCI_DIGEST_BUF);
out:
	free(blobs);
	oci_manifest_free(img);
	oci_manifest_free(top);
	oci_registry_free(r);
	if (rc < 0) {
		snprintf(name, sizeof(name), "%s/%s%s%s%s%s", ref->registry, ref->repository,
			 ref->tag[0] ? ":" : "", ref->tag, ref->digest[0] ? "@" : "", ref->digest);
		return vmc_error_prefix(rc, "pulling '%s'", name);
	}
	return 0;
}
