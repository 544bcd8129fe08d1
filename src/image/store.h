/*
 * store.h - the content store of OCI images under one directory:
 *   blobs/sha256/<hex>   blobs (manifests, configs, layers) by digest only
 *   tmp/                 unique temporary files being written
 *   index.json           image records: registry + repository + tag -> manifest
 *   lock                 flock: blob writers and recorders share it, prune owns it
 *   index.lock           flock: owned by whoever rewrites index.json
 * A blob reaches its name only from a validated digest, only after its
 * bytes hashed to that digest while they streamed (never whole in memory),
 * and only by rename of an fsync'ed temporary file created with O_EXCL, so
 * concurrent writers of one blob are safe. An image is recorded only after
 * its manifest, config and every layer are present with the right sizes.
 */
#ifndef VMC_IMAGE_STORE_H
#define VMC_IMAGE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"
#include "image/oci_ref.h"

#define OCI_STORE_INDEX_MAX (16 * 1024 * 1024)
#define OCI_STORE_IMAGES_MAX 100000

struct oci_store;
struct oci_blob_writer;

/* Opens (creating as needed) the store at `root`. *out is the caller's. */
int oci_store_open(struct oci_store **out, const char *root);
void oci_store_free(struct oci_store *s);

/* Starts writing blob `digest` (validated here: VMC_EINVAL otherwise).
 * `size` is the descriptor's size, or -1 when unknown. Holds the shared
 * store lock until commit or abort. */
int oci_store_blob_begin(struct oci_store *s, const char *digest, int64_t size,
			 struct oci_blob_writer **out);
/* Appends bytes; more than the announced size is VMC_EPROTO. */
int oci_blob_write(struct oci_blob_writer *w, const void *buf, size_t len);
/* Checks size and digest, fsyncs, renames into place. Always consumes
 * `w`; on failure (VMC_EPROTO: mismatch) nothing is left behind. */
int oci_blob_commit(struct oci_blob_writer *w);
/* Drops the temporary file. NULL: no-op. */
void oci_blob_abort(struct oci_blob_writer *w);

/* A resumable writer for downloads: writes tmp/<hex>.partial, so a run
 * after an interrupted one finds it. The bytes already there are hashed
 * again (oci_blob_offset() tells how many; continue from there), or
 * dropped when longer than `size`. When another writer holds that file,
 * this is oci_store_blob_begin() (offset 0). */
int oci_store_blob_resume(struct oci_store *s, const char *digest, int64_t size,
			  struct oci_blob_writer **out);
/* Bytes a partial file of blob `digest` holds now (0 when none, or when
 * it is longer than `size`): what oci_store_blob_resume() would find. */
uint64_t oci_store_partial_size(struct oci_store *s, const char *digest, int64_t size);
/* Bytes written so far (including those found by resume). */
uint64_t oci_blob_offset(const struct oci_blob_writer *w);
/* Drops everything written and starts again from byte 0. */
int oci_blob_restart(struct oci_blob_writer *w);
/* Like oci_blob_abort(), but a resumable writer's partial file is kept
 * for a later oci_store_blob_resume(). NULL: no-op. */
void oci_blob_suspend(struct oci_blob_writer *w);

/* Stores a small blob from memory (manifests), verified against `digest`. */
int oci_store_put_blob(struct oci_store *s, const char *digest, const void *buf, size_t len);
/* Streams a blob from `fd` to its end. */
int oci_store_put_blob_fd(struct oci_store *s, const char *digest, int64_t size, int fd);
/* 1 when present (with `size` bytes unless size < 0), 0 when absent. */
int oci_store_has_blob(struct oci_store *s, const char *digest, int64_t size);
/* Opens a blob read-only; VMC_ENOTFOUND when absent. */
int oci_store_blob_open(struct oci_store *s, const char *digest, int *fd);
/* Reads a blob of at most `max` bytes and checks its digest again. */
int oci_store_read_blob(struct oci_store *s, const char *digest, size_t max, char **out,
			size_t *len);

/* Records `ref` -> image manifest `manifest_digest` (and the index it was
 * chosen from, or NULL). The manifest must be in the store and parse as an
 * image manifest, and its config and layers must be present with their
 * sizes: VMC_ENOTFOUND / VMC_EPROTO otherwise, and nothing is recorded. */
int oci_store_record(struct oci_store *s, const struct oci_ref *ref, const char *manifest_digest,
		     const char *index_digest);
/* The manifest digest recorded for `ref`; VMC_ENOTFOUND when none. */
int oci_store_resolve(struct oci_store *s, const struct oci_ref *ref,
		      char digest[OCI_DIGEST_BUF]);

struct oci_store_image {
	struct oci_ref ref;
	char digest[OCI_DIGEST_BUF]; /* image manifest */
	char index[OCI_DIGEST_BUF];  /* "" or the index it came from */
	uint64_t size;               /* config + layers, as stored */
};

/* Every record, sorted by reference. *out (free()) holds *n entries. */
int oci_store_list(struct oci_store *s, struct oci_store_image **out, size_t *n);
/* Forgets the record of `ref` (blobs stay until prune). VMC_ENOTFOUND. */
int oci_store_remove(struct oci_store *s, const struct oci_ref *ref);
/* Deletes every blob no record references and stale temporary files.
 * Either count pointer may be NULL. */
int oci_store_prune(struct oci_store *s, size_t *blobs_removed, uint64_t *bytes_freed);

struct oci_manifest;
/* Reads image manifest `digest` from the store (digest checked again) and
 * parses it; an index is VMC_EINVAL. *m is the caller's. */
int oci_store_load_manifest(struct oci_store *s, const char *digest, struct oci_manifest **m);

/* Shared by store.c and store_index.c only. */
enum oci_store_lock_kind {
	OCI_LOCK_BLOBS = 0, /* shared: blobs being written or relied on; exclusive: prune */
	OCI_LOCK_INDEX = 1, /* exclusive: index.json being rewritten */
};
/* Take the blobs lock before the index lock, never the other way round. */
int oci_store_lock(struct oci_store *s, enum oci_store_lock_kind kind, int exclusive,
		   int *lock_fd);
void oci_store_unlock(int *lock_fd);
int oci_store_root_fd(const struct oci_store *s);
int oci_store_blobs_fd(const struct oci_store *s);
int oci_store_tmp_fd(const struct oci_store *s);

#endif
