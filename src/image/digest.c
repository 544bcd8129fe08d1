/*
 * digest.c - validation of "sha256:<64 hex>" digests and the incremental
 * SHA-256 verifier (see digest.h). Hashing is OpenSSL's EVP interface; the
 * comparison is over the whole digest string, after both sides have been
 * validated, so a malformed expectation can never match by accident.
 */
#include <string.h>

#include <openssl/evp.h>

#include "core/error.h"
#include "image/digest.h"

static int is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int oci_digest_validate_n(const char *s, size_t len)
{
	size_t i;

	if (!s)
		return vmc_error_set(VMC_EINVAL, "missing digest");
	if (len < OCI_DIGEST_PREFIX_LEN || memcmp(s, OCI_DIGEST_PREFIX, OCI_DIGEST_PREFIX_LEN) != 0) {
		const char *colon = memchr(s, ':', len);

		if (colon && colon != s)
			return vmc_error_set(VMC_EINVAL, "unsupported digest algorithm '%.*s' (only sha256)",
					     (int)(colon - s > 32 ? 32 : colon - s), s);
		return vmc_error_set(VMC_EINVAL, "invalid digest: want sha256:<64 hex digits>");
	}
	if (len != OCI_DIGEST_LEN)
		return vmc_error_set(VMC_EINVAL, "invalid digest: sha256 needs exactly 64 hex digits, got %zu",
				     len - OCI_DIGEST_PREFIX_LEN);
	for (i = OCI_DIGEST_PREFIX_LEN; i < len; i++)
		if (!is_lower_hex(s[i]))
			return vmc_error_set(VMC_EINVAL,
					     "invalid digest: character %zu is not a lowercase hex digit", i);
	return 0;
}

int oci_digest_validate(const char *s)
{
	if (!s)
		return vmc_error_set(VMC_EINVAL, "missing digest");
	return oci_digest_validate_n(s, strnlen(s, OCI_DIGEST_LEN + 1));
}

const char *oci_digest_hex(const char *digest)
{
	return digest + OCI_DIGEST_PREFIX_LEN;
}

int oci_verifier_init(struct oci_verifier *v)
{
	EVP_MD_CTX *ctx;

	v->ctx = NULL;
	v->size = 0;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return vmc_error_oom();
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return vmc_error_set(VMC_ERROR, "sha256: cannot initialise the digest");
	}
	v->ctx = ctx;
	return 0;
}

int oci_verifier_update(struct oci_verifier *v, const void *buf, size_t len)
{
	if (!v->ctx)
		return vmc_error_set(VMC_EINVAL, "sha256: verifier not initialised");
	if (len == 0)
		return 0;
	if (EVP_DigestUpdate(v->ctx, buf, len) != 1)
		return vmc_error_set(VMC_ERROR, "sha256: update failed");
	v->size += len;
	return 0;
}

int oci_verifier_finish(struct oci_verifier *v, char out[OCI_DIGEST_BUF])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (!v->ctx)
		return vmc_error_set(VMC_EINVAL, "sha256: verifier not initialised");
	if (EVP_DigestFinal_ex(v->ctx, md, &n) != 1 || n != OCI_DIGEST_HEX_LEN / 2) {
		EVP_MD_CTX_free(v->ctx);
		v->ctx = NULL;
		return vmc_error_set(VMC_ERROR, "sha256: final failed");
	}
	EVP_MD_CTX_free(v->ctx);
	v->ctx = NULL;
	memcpy(out, OCI_DIGEST_PREFIX, OCI_DIGEST_PREFIX_LEN);
	for (i = 0; i < n; i++) {
		out[OCI_DIGEST_PREFIX_LEN + 2 * i] = hex[md[i] >> 4];
		out[OCI_DIGEST_PREFIX_LEN + 2 * i + 1] = hex[md[i] & 0xf];
	}
	out[OCI_DIGEST_LEN] = '\0';
	return 0;
}

int oci_verifier_check(struct oci_verifier *v, const char *expected)
{
	char got[OCI_DIGEST_BUF];
	int rc;

	rc = oci_digest_validate(expected);
	if (rc < 0)
		return rc;
	rc = oci_verifier_finish(v, got);
	if (rc < 0)
		return rc;
	if (memcmp(got, expected, OCI_DIGEST_LEN) != 0)
		return vmc_error_set(VMC_EPROTO, "digest mismatch: expected %s, got %s", expected, got);
	return 0;
}

void oci_verifier_free(struct oci_verifier *v)
{
	if (!v)
		return;
	EVP_MD_CTX_free(v->ctx);
	v->ctx = NULL;
}

int oci_digest_buf(const void *buf, size_t len, char out[OCI_DIGEST_BUF])
{
	struct oci_verifier v;
	int rc;

	rc = oci_verifier_init(&v);
	if (rc == 0)
		rc = oci_verifier_update(&v, buf, len);
	if (rc == 0)
		rc = oci_verifier_finish(&v, out);
	oci_verifier_free(&v);
	return rc;
}
