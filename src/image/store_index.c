/*
 * store_index.c - the records half of the content store (see store.h):
 * index.json (image reference -> manifest digest), written atomically
 * under the index lock, read strictly (every field validated again,
 * since the file is on disk and may have been edited), and prune, which
 * deletes blobs no record reaches and stale temporary files. Prune holds
 * the blobs lock exclusively, so no blob writer is mid-write and no
 * record is between its presence check and its write while it runs;
 * recording shares the blobs lock, so it never waits for other pulls'
 * downloads. A pull that stored blobs but has not recorded yet may lose
 * them to a prune and finds that out when oci_store_record() checks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/compat.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "image/oci_manifest.h"
#include "image/store.h"

#define INDEX_NAME "index.json"

static int load_field(json_t *o, const char *key, char *buf, size_t cap, int required)
{
	json_t *v = json_object_get(o, key);

	buf[0] = '\0';
	if (!v && !required)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= cap)
		return vmc_error_set(VMC_EPROTO, "image store index: bad '%s'", key);
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int load_image(json_t *o, struct oci_store_image *im)
{
	struct oci_ref *r = &im->ref;
	int rc;

	memset(im, 0, sizeof(*im));
	if (!json_is_object(o))
		return vmc_error_set(VMC_EPROTO, "image store index: entry is not an object");
	rc = load_field(o, "registry", r->registry, sizeof(r->registry), 1);
	if (rc == 0)
		rc = load_field(o, "repository", r->repository, sizeof(r->repository), 1);
	if (rc == 0)
		rc = load_field(o, "tag", r->tag, sizeof(r->tag), 0);
	if (rc == 0)
		rc = load_field(o, "ref_digest", r->digest, sizeof(r->digest), 0);
	if (rc == 0)
		rc = load_field(o, "digest", im->digest, sizeof(im->digest), 1);
	if (rc == 0)
		rc = load_field(o, "index", im->index, sizeof(im->index), 0);
	if (rc < 0)
		return rc;
	if (oci_ref_check_registry(r->registry, strlen(r->registry)) < 0 ||
	    oci_ref_check_repository(r->repository, strlen(r->repository)) < 0 ||
	    (r->tag[0] && oci_ref_check_tag(r->tag, strlen(r->tag)) < 0) ||
	    (r->digest[0] && oci_digest_validate(r->digest) < 0) || (!r->tag[0] && !r->digest[0]) ||
	    oci_digest_validate(im->digest) < 0 || (im->index[0] && oci_digest_validate(im->index) < 0))
		return vmc_error_prefix(VMC_EPROTO, "image store index: invalid entry");
	return 0;
}

/* Reads index.json; a missing file is an empty store. */
static int load_index(struct oci_store *s, struct oci_store_image **out, size_t *n)
{
	struct oci_store_image *ims = NULL;
	json_error_t jerr;
	json_t *root = NULL, *arr;
	char *buf = NULL, path[PATH_MAX];
	size_t len = 0, i;
	int rc = 0;

	*out = NULL;
	*n = 0;
	/* through the directory fd: the store stays put if the cwd changes */
	if (vmc_fd_path(oci_store_root_fd(s), INDEX_NAME, path, sizeof(path)) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "image store");
	rc = fs_read_file(path, OCI_STORE_INDEX_MAX, &buf, &len);
	if (rc == VMC_ENOTFOUND) {
		vmc_error_clear();
		return 0;
	}
	if (rc < 0)
		return vmc_error_prefix(rc, "image store");
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		rc = vmc_error_set(VMC_EPROTO, "image store index: invalid JSON: %s", jerr.text);
		goto out;
	}
	arr = json_object_get(root, "images");
	if (!json_is_array(arr) || json_array_size(arr) > OCI_STORE_IMAGES_MAX) {
		rc = vmc_error_set(VMC_EPROTO, "image store index: 'images' is not an array");
		goto out;
	}
	ims = calloc(json_array_size(arr) + 1, sizeof(*ims));
	if (!ims) {
		rc = vmc_error_oom();
		goto out;
	}
	for (i = 0; i < json_array_size(arr); i++) {
		rc = load_image(json_array_get(arr, i), &ims[i]);
		if (rc < 0)
			goto out;
	}
	*n = json_array_size(arr);
	*out = ims;
	ims = NULL;
out:
	free(ims);
	free(buf);
	json_decref(root);
	return rc;
}

static int save_index(struct oci_store *s, const struct oci_store_image *ims, size_t n)
{
	json_t *root = json_object(), *arr = json_array();
	char *text = NULL, path[PATH_MAX];
	size_t i;
	int rc = 0;

	if (!root || !arr || json_object_set(root, "images", arr) < 0) {
		rc = vmc_error_oom();
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct oci_store_image *im = &ims[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "registry", im->ref.registry,
				      "repository", im->ref.repository, "tag", im->ref.tag,
				      "ref_digest", im->ref.digest, "digest", im->digest, "index",
				      im->index);

		if (!o || json_array_append_new(arr, o) < 0) {
			rc = vmc_error_oom();
			goto out;
		}
	}
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (!text) {
		rc = vmc_error_oom();
		goto out;
	}
	/* fs_write_atomic wants a path: name the store directory through its fd */
	if (vmc_fd_path(oci_store_root_fd(s), INDEX_NAME, path, sizeof(path)) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "image store");
		goto out;
	}
	rc = fs_write_atomic(path, text, strlen(text), 0644, 1);
out:
	free(text);
	json_decref(arr);
	json_decref(root);
	return rc;
}

static int same_ref(const struct oci_ref *a, const struct oci_ref *b)
{
	return strcmp(a->registry, b->registry) == 0 && strcmp(a->repository, b->repository) == 0 &&
	       strcmp(a->tag, b->tag) == 0 && strcmp(a->digest, b->digest) == 0;
}

/* See store.h. */
int oci_store_load_manifest(struct oci_store *s, const char *digest, struct oci_manifest **m)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = oci_store_read_blob(s, digest, OCI_MANIFEST_MAX, &buf, &len);
	if (rc < 0)
		return rc;
	rc = oci_manifest_parse(m, buf, len, NULL);
	free(buf);
	if (rc == 0 && (*m)->kind != OCI_KIND_MANIFEST) {
		oci_manifest_free(*m);
		*m = NULL;
		rc = vmc_error_set(VMC_EINVAL, "%s is an index, not an image manifest", digest);
	}
	return rc;
}

static int require_blob(struct oci_store *s, const struct oci_descriptor *d, const char *what)
{
	int rc = oci_store_has_blob(s, d->digest, d->size);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return vmc_error_set(VMC_ENOTFOUND, "%s %s (%lld bytes) is not in the store", what,
				     d->digest, (long long)d->size);
	return 0;
}

int oci_store_record(struct oci_store *s, const struct oci_ref *ref, const char *manifest_digest,
		     const char *index_digest)
{
	struct oci_store_image *ims = NULL, *grown;
	struct oci_manifest *m = NULL;
	size_t n = 0, i;
	int blobs_lock = -1, lock = -1, rc;

	/* shared with writers (a concurrent pull is not waited for), excluding
	 * prune from the presence check until the record is written */
	rc = oci_store_lock(s, OCI_LOCK_BLOBS, 0, &blobs_lock);
	if (rc == 0)
		rc = oci_store_lock(s, OCI_LOCK_INDEX, 1, &lock);
	if (rc < 0)
		goto out;
	rc = oci_store_load_manifest(s, manifest_digest, &m);
	if (rc < 0)
		goto out;
	rc = require_blob(s, &m->config, "config");
	for (i = 0; rc == 0 && i < m->n_layers; i++)
		rc = require_blob(s, &m->layers[i], "layer");
	if (rc == 0 && index_digest) {
		rc = oci_store_has_blob(s, index_digest, -1);
		if (rc == 0)
			rc = vmc_error_set(VMC_ENOTFOUND, "index %s is not in the store", index_digest);
		rc = rc > 0 ? 0 : rc;
	}
	if (rc < 0)
		goto out;
	rc = load_index(s, &ims, &n);
	if (rc < 0)
		goto out;
	for (i = 0; i < n && !same_ref(&ims[i].ref, ref); i++)
		;
	if (i == n) {
		grown = realloc(ims, (n + 1) * sizeof(*ims));
		if (!grown) {
			rc = vmc_error_oom();
			goto out;
		}
		ims = grown;
		n++;
	}
	memset(&ims[i], 0, sizeof(ims[i]));
	ims[i].ref = *ref;
	memcpy(ims[i].digest, manifest_digest, OCI_DIGEST_BUF);
	if (index_digest)
		memcpy(ims[i].index, index_digest, OCI_DIGEST_BUF);
	rc = save_index(s, ims, n);
out:
	oci_store_unlock(&lock);
	oci_store_unlock(&blobs_lock);
	oci_manifest_free(m);
	free(ims);
	if (rc < 0) {
		char name[OCI_REF_INPUT_MAX];

		if (oci_ref_format(ref, name, sizeof(name)) < 0)
			name[0] = '\0';
		return vmc_error_prefix(rc, "recording '%s'", name);
	}
	return 0;
}

int oci_store_resolve(struct oci_store *s, const struct oci_ref *ref,
		      char digest[OCI_DIGEST_BUF])
{
	struct oci_store_image *ims = NULL;
	size_t n = 0, i;
	int rc;

	rc = load_index(s, &ims, &n);
	if (rc < 0)
		return rc;
	for (i = 0; i < n && !same_ref(&ims[i].ref, ref); i++)
		;
	if (i == n)
		rc = vmc_error_set(VMC_ENOTFOUND, "image %s/%s%s%s%s%s is not in the store",
				   ref->registry, ref->repository, ref->tag[0] ? ":" : "", ref->tag,
				   ref->digest[0] ? "@" : "", ref->digest);
	else
		memcpy(digest, ims[i].digest, OCI_DIGEST_BUF);
	free(ims);
	return rc;
}

static int cmp_image(const void *a, const void *b)
{
	const struct oci_ref *x = &((const struct oci_store_image *)a)->ref;
	const struct oci_ref *y = &((const struct oci_store_image *)b)->ref;
	int c = strcmp(x->registry, y->registry);

	if (c == 0)
		c = strcmp(x->repository, y->repository);
	if (c == 0)
		c = strcmp(x->tag, y->tag);
	if (c == 0)
		c = strcmp(x->digest, y->digest);
	return c;
}

int oci_store_list(struct oci_store *s, struct oci_store_image **out, size_t *n)
{
	size_t i, j;
	int rc;

	rc = load_index(s, out, n);
	if (rc < 0)
		return rc;
	for (i = 0; i < *n; i++) {
		struct oci_manifest *m = NULL;

		if (oci_store_load_manifest(s, (*out)[i].digest, &m) < 0) {
			vmc_error_clear(); /* listed with size 0; prune keeps nothing of it */
			continue;
		}
		(*out)[i].size = (uint64_t)m->config.size;
		for (j = 0; j < m->n_layers; j++)
			(*out)[i].size += (uint64_t)m->layers[j].size;
		oci_manifest_free(m);
	}
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), cmp_image);
	return 0;
}

int oci_store_remove(struct oci_store *s, const struct oci_ref *ref)
{
	struct oci_store_image *ims = NULL;
	size_t n = 0, i;
	int lock = -1, rc;

	rc = oci_store_lock(s, OCI_LOCK_INDEX, 1, &lock);
	if (rc < 0)
		return rc;
	rc = load_index(s, &ims, &n);
	if (rc < 0)
		goto out;
	for (i = 0; i < n && !same_ref(&ims[i].ref, ref); i++)
		;
	if (i == n) {
		rc = vmc_error_set(VMC_ENOTFOUND, "image %s/%s%s%s%s%s is not in the store",
				   ref->registry, ref->repository, ref->tag[0] ? ":" : "", ref->tag,
				   ref->digest[0] ? "@" : "", ref->digest);
		goto out;
	}
	memmove(&ims[i], &ims[i + 1], (n - i - 1) * sizeof(*ims));
	rc = save_index(s, ims, n - 1);
out:
	oci_store_unlock(&lock);
	free(ims);
	return rc;
}

static int add_digest(char (**set)[OCI_DIGEST_BUF], size_t *n, const char *d)
{
	char (*grown)[OCI_DIGEST_BUF] = realloc(*set, (*n + 1) * sizeof(**set));

	if (!grown)
		return vmc_error_oom();
	*set = grown;
	memcpy((*set)[(*n)++], d, OCI_DIGEST_BUF);
	return 0;
}

static int cmp_digest(const void *a, const void *b)
{
	return memcmp(a, b, OCI_DIGEST_BUF);
}

int oci_store_prune(struct oci_store *s, size_t *blobs_removed, uint64_t *bytes_freed)
{
	struct oci_store_image *ims = NULL;
	char (*keep)[OCI_DIGEST_BUF] = NULL;
	size_t n = 0, nkeep = 0, removed = 0, i, j;
	uint64_t freed = 0;
	struct dirent *e;
	DIR *d = NULL;
	int blobs_lock = -1, lock = -1, fd, rc;

	rc = oci_store_lock(s, OCI_LOCK_BLOBS, 1, &blobs_lock);
	if (rc == 0)
		rc = oci_store_lock(s, OCI_LOCK_INDEX, 1, &lock);
	if (rc < 0)
		goto out;
	rc = load_index(s, &ims, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		struct oci_manifest *m = NULL;

		rc = add_digest(&keep, &nkeep, ims[i].digest);
		if (rc == 0 && ims[i].index[0])
			rc = add_digest(&keep, &nkeep, ims[i].index);
		if (rc < 0 || oci_store_load_manifest(s, ims[i].digest, &m) < 0) {
			vmc_error_clear();
			continue;
		}
		rc = add_digest(&keep, &nkeep, m->config.digest);
		for (j = 0; rc == 0 && j < m->n_layers; j++)
			rc = add_digest(&keep, &nkeep, m->layers[j].digest);
		oci_manifest_free(m);
	}
	if (rc < 0)
		goto out;
	if (nkeep)
		qsort(keep, nkeep, sizeof(*keep), cmp_digest);
	for (i = 0; i < 2; i++) {
		int dir = i == 0 ? oci_store_blobs_fd(s) : oci_store_tmp_fd(s);

		fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		d = fd >= 0 ? fdopendir(fd) : NULL;
		if (!d) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "image store: cannot read a directory");
			if (fd >= 0)
				close(fd);
			goto out;
		}
		while ((e = readdir(d)) != NULL) {
			char dg[OCI_DIGEST_BUF];
			struct stat st;

			if (fstatat(dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
				continue;
			if (i == 0) {
				if (snprintf(dg, sizeof(dg), "sha256:%s", e->d_name) != OCI_DIGEST_LEN ||
				    oci_digest_validate(dg) < 0) {
					vmc_error_clear();
					continue; /* not a blob name: not ours to judge */
				}
				if (nkeep && bsearch(dg, keep, nkeep, sizeof(*keep), cmp_digest))
					continue;
			}
			if (unlinkat(dir, e->d_name, 0) == 0) {
				removed += i == 0;
				freed += (uint64_t)st.st_size;
			}
		}
		closedir(d);
	}
	if (fsync(oci_store_blobs_fd(s)) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "image store: fsync");
out:
	oci_store_unlock(&lock);
	oci_store_unlock(&blobs_lock);
	free(ims);
	free(keep);
	if (blobs_removed)
		*blobs_removed = removed;
	if (bytes_freed)
		*bytes_freed = freed;
	return rc;
}
