/*
 * oci_manifest.c - strict parsing of image manifests and indexes (see
 * oci_manifest.h). Every field read is type-checked (a string where a
 * string is due, an integer size >= 0, a valid sha256 digest), strings are
 * bounded, arrays are capped, duplicate keys are refused, and unknown
 * fields are ignored as the OCI spec requires. The kind comes from the
 * declared mediaType, else the registry's Content-Type, else the shape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/error.h"
#include "image/oci_manifest.h"

static const char *const layer_types[][2] = {
	{ "application/vnd.oci.image.layer.v1.tar", "" },
	{ "application/vnd.oci.image.layer.v1.tar+gzip", "gzip" },
	{ "application/vnd.oci.image.layer.v1.tar+zstd", "zstd" },
	{ "application/vnd.docker.image.rootfs.diff.tar.gzip", "gzip" },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar", "" },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", "gzip" },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", "zstd" },
};

static const char *const config_types[] = {
	"application/vnd.oci.image.config.v1+json",
	"application/vnd.docker.container.image.v1+json",
};

static int kind_of(const char *mt)
{
	if (strcmp(mt, OCI_MT_MANIFEST) == 0 || strcmp(mt, OCI_MT_DOCKER_MANIFEST) == 0)
		return OCI_KIND_MANIFEST;
	if (strcmp(mt, OCI_MT_INDEX) == 0 || strcmp(mt, OCI_MT_DOCKER_LIST) == 0)
		return OCI_KIND_INDEX;
	return 0;
}

/* Copies string member `key` of `obj` into buf. Missing: "" when
 * optional, else an error. */
static int get_str(json_t *obj, const char *key, char *buf, size_t cap, int required,
		   const char *where)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n, i;

	buf[0] = '\0';
	if (!v) {
		if (required)
			return vmc_error_set(VMC_EPROTO, "%s: missing '%s'", where, key);
		return 0;
	}
	if (!json_is_string(v))
		return vmc_error_set(VMC_EPROTO, "%s: '%s' is not a string", where, key);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n >= cap)
		return vmc_error_set(VMC_EPROTO, "%s: '%s' longer than %zu bytes", where, key, cap - 1);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return vmc_error_set(VMC_EPROTO, "%s: '%s' is not printable ASCII", where, key);
	memcpy(buf, s, n + 1);
	return 0;
}

static int parse_platform(json_t *p, struct oci_platform *out, const char *where)
{
	int rc;

	if (!json_is_object(p))
		return vmc_error_set(VMC_EPROTO, "%s: 'platform' is not an object", where);
	rc = get_str(p, "os", out->os, sizeof(out->os), 1, where);
	if (rc == 0)
		rc = get_str(p, "architecture", out->architecture, sizeof(out->architecture), 1,
			     where);
	if (rc == 0)
		rc = get_str(p, "variant", out->variant, sizeof(out->variant), 0, where);
	return rc;
}

static int parse_descriptor(json_t *d, struct oci_descriptor *out, const char *where)
{
	json_t *size, *platform, *annotations;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(d))
		return vmc_error_set(VMC_EPROTO, "%s: not an object", where);
	rc = get_str(d, "mediaType", out->media_type, sizeof(out->media_type), 1, where);
	if (rc < 0)
		return rc;
	rc = get_str(d, "digest", out->digest, sizeof(out->digest), 1, where);
	if (rc < 0)
		return rc;
	rc = oci_digest_validate(out->digest);
	if (rc < 0)
		return vmc_error_prefix(VMC_EPROTO, "%s", where);
	size = json_object_get(d, "size");
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return vmc_error_set(VMC_EPROTO, "%s: 'size' is not an integer >= 0", where);
	out->size = (int64_t)json_integer_value(size);
	if (json_object_get(d, "urls"))
		return vmc_error_set(VMC_EUNSUPPORTED, "%s: foreign layers (urls) are not supported",
				     where);
	platform = json_object_get(d, "platform");
	if (platform) {
		rc = parse_platform(platform, &out->platform, where);
		if (rc < 0)
			return rc;
		out->has_platform = 1;
	}
	annotations = json_object_get(d, "annotations");
	if (annotations) {
		if (!json_is_object(annotations))
			return vmc_error_set(VMC_EPROTO, "%s: 'annotations' is not an object", where);
		rc = get_str(annotations, OCI_ANNOTATION_REF_NAME, out->ref_name,
			     sizeof(out->ref_name), 0, where);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_array(json_t *arr, const char *key, struct oci_descriptor **out, size_t *n)
{
	char where[64];
	size_t i, count;
	int rc;

	if (!json_is_array(arr))
		return vmc_error_set(VMC_EPROTO, "manifest: '%s' is not an array", key);
	count = json_array_size(arr);
	if (count > OCI_MANIFEST_ENTRIES_MAX)
		return vmc_error_set(VMC_EPROTO, "manifest: more than %d %s", OCI_MANIFEST_ENTRIES_MAX,
				     key);
	*out = calloc(count ? count : 1, sizeof(**out));
	if (!*out)
		return vmc_error_oom();
	*n = count;
	for (i = 0; i < count; i++) {
		snprintf(where, sizeof(where), "manifest: %s[%zu]", key, i);
		rc = parse_descriptor(json_array_get(arr, i), &(*out)[i], where);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int check_image_manifest(struct oci_manifest *m)
{
	size_t i, j;

	for (i = 0; i < sizeof(config_types) / sizeof(config_types[0]); i++)
		if (strcmp(m->config.media_type, config_types[i]) == 0)
			break;
	if (i == sizeof(config_types) / sizeof(config_types[0]))
		return vmc_error_set(VMC_EUNSUPPORTED, "not a container image: config media type '%s'",
				     m->config.media_type);
	for (i = 0; i < m->n_layers; i++) {
		struct oci_descriptor *l = &m->layers[i];

		for (j = 0; j < sizeof(layer_types) / sizeof(layer_types[0]); j++)
			if (strcmp(l->media_type, layer_types[j][0]) == 0)
				break;
		if (j == sizeof(layer_types) / sizeof(layer_types[0]))
			return vmc_error_set(VMC_EUNSUPPORTED, "layers[%zu]: unsupported media type '%s'",
					     i, l->media_type);
		l->compression = !strcmp(layer_types[j][1], "gzip")   ? OCI_COMP_GZIP
				 : !strcmp(layer_types[j][1], "zstd") ? OCI_COMP_ZSTD
								      : OCI_COMP_NONE;
	}
	return 0;
}

static int parse_doc(struct oci_manifest *m, json_t *root, const char *content_type)
{
	json_t *sv, *layers, *manifests;
	int declared = 0, served = 0, rc;

	if (!json_is_object(root))
		return vmc_error_set(VMC_EPROTO, "manifest: not a JSON object");
	sv = json_object_get(root, "schemaVersion");
	if (!json_is_integer(sv))
		return vmc_error_set(VMC_EPROTO, "manifest: 'schemaVersion' missing or not an integer");
	if (json_integer_value(sv) != 2)
		return vmc_error_set(VMC_EUNSUPPORTED, "manifest: schemaVersion %lld (only 2)",
				     (long long)json_integer_value(sv));
	rc = get_str(root, "mediaType", m->media_type, sizeof(m->media_type), 0, "manifest");
	if (rc < 0)
		return rc;
	if (m->media_type[0]) {
		declared = kind_of(m->media_type);
		if (!declared)
			return vmc_error_set(VMC_EUNSUPPORTED, "manifest: unsupported media type '%s'",
					     m->media_type);
	}
	if (content_type && *content_type) {
		served = kind_of(content_type);
		if (!served)
			return vmc_error_set(VMC_EUNSUPPORTED, "manifest: unsupported content type '%.*s'",
					     OCI_MEDIA_TYPE_MAX, content_type);
		if (m->media_type[0] && strcmp(m->media_type, content_type) != 0)
			return vmc_error_set(VMC_EPROTO,
					     "manifest: declares '%s' but was served as '%.*s'",
					     m->media_type, OCI_MEDIA_TYPE_MAX, content_type);
	}
	layers = json_object_get(root, "layers");
	manifests = json_object_get(root, "manifests");
	m->kind = declared ? declared : served;
	if (!m->kind) {
		if (layers && manifests)
			return vmc_error_set(VMC_EPROTO, "manifest: both 'layers' and 'manifests'");
		m->kind = manifests ? OCI_KIND_INDEX : OCI_KIND_MANIFEST;
		snprintf(m->media_type, sizeof(m->media_type), "%s",
			 m->kind == OCI_KIND_INDEX ? OCI_MT_INDEX : OCI_MT_MANIFEST);
	}
	if (m->kind == OCI_KIND_INDEX) {
		if (layers)
			return vmc_error_set(VMC_EPROTO, "index: has 'layers'");
		if (!manifests)
			return vmc_error_set(VMC_EPROTO, "index: missing 'manifests'");
		return parse_array(manifests, "manifests", &m->manifests, &m->n_manifests);
	}
	if (manifests)
		return vmc_error_set(VMC_EPROTO, "manifest: has 'manifests'");
	if (!layers)
		return vmc_error_set(VMC_EPROTO, "manifest: missing 'layers'");
	if (!json_object_get(root, "config"))
		return vmc_error_set(VMC_EPROTO, "manifest: missing 'config'");
	rc = parse_descriptor(json_object_get(root, "config"), &m->config, "manifest: config");
	if (rc < 0)
		return rc;
	rc = parse_array(layers, "layers", &m->layers, &m->n_layers);
	if (rc < 0)
		return rc;
	return check_image_manifest(m);
}

int oci_manifest_parse(struct oci_manifest **out, const char *buf, size_t len,
		       const char *content_type)
{
	struct oci_manifest *m = NULL;
	json_error_t jerr;
	json_t *root = NULL;
	int rc;

	if (len > OCI_MANIFEST_MAX)
		return vmc_error_set(VMC_EINVAL, "manifest larger than %d bytes", OCI_MANIFEST_MAX);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return vmc_error_set(VMC_EPROTO, "manifest: invalid JSON at line %d: %s", jerr.line,
				     jerr.text);
	m = calloc(1, sizeof(*m));
	if (!m) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = parse_doc(m, root, content_type);
	if (rc < 0)
		goto out;
	*out = m;
	m = NULL;
out:
	oci_manifest_free(m);
	json_decref(root);
	return rc;
}

void oci_manifest_free(struct oci_manifest *m)
{
	if (!m)
		return;
	free(m->layers);
	free(m->manifests);
	free(m);
}

void oci_platform_host(struct oci_platform *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->os, "linux", sizeof("linux"));
#if defined(__x86_64__)
	memcpy(out->architecture, "amd64", sizeof("amd64"));
#elif defined(__aarch64__)
	memcpy(out->architecture, "arm64", sizeof("arm64"));
#elif defined(__arm__)
	memcpy(out->architecture, "arm", sizeof("arm"));
	memcpy(out->variant, "v7", sizeof("v7"));
#elif defined(__i386__)
	memcpy(out->architecture, "386", sizeof("386"));
#elif defined(__riscv) && __riscv_xlen == 64
	memcpy(out->architecture, "riscv64", sizeof("riscv64"));
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(out->architecture, "ppc64le", sizeof("ppc64le"));
#elif defined(__s390x__)
	memcpy(out->architecture, "s390x", sizeof("s390x"));
#else
	memcpy(out->architecture, "unknown", sizeof("unknown"));
#endif
}

static const char *default_variant(const char *arch)
{
	if (strcmp(arch, "arm64") == 0)
		return "v8";
	if (strcmp(arch, "arm") == 0)
		return "v7";
	return "";
}

static int variant_matches(const struct oci_platform *have, const struct oci_platform *want)
{
	const char *def = default_variant(want->architecture);

	if (!want->variant[0])
		return 1;
	if (strcmp(have->variant, want->variant) == 0)
		return 1;
	if (!have->variant[0] && strcmp(want->variant, def) == 0)
		return 1;
	return 0;
}

int oci_index_select(const struct oci_manifest *idx, const struct oci_platform *want,
		     const struct oci_descriptor **out)
{
	char offered[256] = "";
	size_t i, used = 0;

	if (idx->kind != OCI_KIND_INDEX)
		return vmc_error_set(VMC_EINVAL, "not an index");
	for (i = 0; i < idx->n_manifests; i++) {
		const struct oci_descriptor *d = &idx->manifests[i];

		if (!d->has_platform || kind_of(d->media_type) != OCI_KIND_MANIFEST)
			continue;
		if (strcmp(d->platform.os, want->os) == 0 &&
		    strcmp(d->platform.architecture, want->architecture) == 0 &&
		    variant_matches(&d->platform, want)) {
			*out = d;
			return 0;
		}
	}
	for (i = 0; i < idx->n_manifests && used < sizeof(offered) - 1; i++) {
		const struct oci_descriptor *d = &idx->manifests[i];
		int n;

		if (!d->has_platform)
			continue;
		n = snprintf(offered + used, sizeof(offered) - used, "%s%s/%s%s%s", used ? ", " : "",
			     d->platform.os, d->platform.architecture, d->platform.variant[0] ? "/" : "",
			     d->platform.variant);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used >= sizeof(offered))
		used = sizeof(offered) - 1;
	offered[used] = '\0';
	return vmc_error_set(VMC_ENOTFOUND, "no manifest for %s/%s%s%s in the index (it has: %s)",
			     want->os, want->architecture, want->variant[0] ? "/" : "", want->variant,
			     used ? offered : "no platforms");
}
