/*
 * digest.h - content digests of OCI blobs. The only digest vmc accepts is
 * "sha256:" followed by exactly 64 lowercase hex digits; anything else is
 * VMC_EINVAL, so a validated digest is safe to use as a file name. The
 * verifier hashes a blob incrementally (OpenSSL EVP), chunk by chunk as it
 * streams, and compares the result with the digest it was promised.
 */
#ifndef VMC_IMAGE_DIGEST_H
#define VMC_IMAGE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define OCI_DIGEST_PREFIX "sha256:"
#define OCI_DIGEST_PREFIX_LEN 7
#define OCI_DIGEST_HEX_LEN 64
#define OCI_DIGEST_LEN (OCI_DIGEST_PREFIX_LEN + OCI_DIGEST_HEX_LEN) /* 71 */
#define OCI_DIGEST_BUF (OCI_DIGEST_LEN + 1)

/* 0 when `s` is "sha256:" + 64 lowercase hex digits, else VMC_EINVAL with
 * a message saying what is wrong. NULL is VMC_EINVAL. */
int oci_digest_validate(const char *s);
/* Same for the first `len` bytes of `s` (not NUL-terminated). */
int oci_digest_validate_n(const char *s, size_t len);
/* The 64 hex digits of a validated digest (a pointer into `digest`). */
const char *oci_digest_hex(const char *digest);

/* Incremental SHA-256. init, update any number of times, then finish or
 * check; free always (also after a failure, also when init failed). */
struct oci_verifier {
	void *ctx;      /* EVP_MD_CTX */
	uint64_t size;  /* bytes fed so far */
};

int oci_verifier_init(struct oci_verifier *v);
int oci_verifier_update(struct oci_verifier *v, const void *buf, size_t len);
/* Writes "sha256:<hex>" of everything fed into `out`. The verifier cannot
 * be fed again afterwards. */
int oci_verifier_finish(struct oci_verifier *v, char out[OCI_DIGEST_BUF]);
/* Finishes and compares with `expected` (a valid digest): 0 on a match,
 * VMC_EPROTO "digest mismatch: expected X, got Y" otherwise. */
int oci_verifier_check(struct oci_verifier *v, const char *expected);
void oci_verifier_free(struct oci_verifier *v);

/* One-shot digest of a buffer. */
int oci_digest_buf(const void *buf, size_t len, char out[OCI_DIGEST_BUF]);

#endif
