/*
 * oci_manifest_fuzzer.c - fuzzes the manifest / index parser with hostile
 * registry bytes. The first byte picks the Content-Type the "registry"
 * claims (none, each of the four known ones, a bogus one). A document that
 * parses must keep the parser's promises: a known kind, bounded counts,
 * valid digests and sizes everywhere, NUL-terminated bounded strings; an
 * index must answer platform selection with a borrowed entry or a clean
 * VMC_ENOTFOUND.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "image/digest.h"
#include "image/oci_manifest.h"
#include "vmc.h"

static void check_desc(const struct oci_descriptor *d)
{
	if (oci_digest_validate(d->digest) != 0 || d->size < 0)
		abort();
	if (strnlen(d->media_type, sizeof(d->media_type)) >= sizeof(d->media_type))
		abort();
	if (d->has_platform &&
	    (strnlen(d->platform.os, sizeof(d->platform.os)) >= sizeof(d->platform.os) ||
	     strnlen(d->platform.architecture, sizeof(d->platform.architecture)) >=
		     sizeof(d->platform.architecture) ||
	     strnlen(d->platform.variant, sizeof(d->platform.variant)) >=
		     sizeof(d->platform.variant)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { NULL, OCI_MT_MANIFEST, OCI_MT_INDEX,
					     OCI_MT_DOCKER_MANIFEST, OCI_MT_DOCKER_LIST, "text/plain" };
	struct oci_manifest *m = NULL;
	struct oci_platform want;
	const struct oci_descriptor *d = NULL;
	size_t i;
	int rc;

	if (size == 0)
		return 0;
	rc = oci_manifest_parse(&m, (const char *)data + 1, size - 1,
				types[data[0] % (sizeof(types) / sizeof(types[0]))]);
	if (rc != 0) {
		if (rc != VMC_EPROTO && rc != VMC_EUNSUPPORTED && rc != VMC_EINVAL && rc != VMC_ENOMEM)
			abort();
		return 0;
	}
	if (m->kind == OCI_KIND_MANIFEST) {
		if (m->n_manifests != 0 || m->n_layers > OCI_MANIFEST_ENTRIES_MAX)
			abort();
		check_desc(&m->config);
		for (i = 0; i < m->n_layers; i++)
			check_desc(&m->layers[i]);
	} else if (m->kind == OCI_KIND_INDEX) {
		if (m->n_layers != 0 || m->n_manifests > OCI_MANIFEST_ENTRIES_MAX)
			abort();
		for (i = 0; i < m->n_manifests; i++)
			check_desc(&m->manifests[i]);
		oci_platform_host(&want);
		rc = oci_index_select(m, &want, &d);
		if (rc == 0 && (d < m->manifests || d >= m->manifests + m->n_manifests))
			abort();
		if (rc != 0 && rc != VMC_ENOTFOUND)
			abort();
	} else {
		abort();
	}
	oci_manifest_free(m);
	return 0;
}
