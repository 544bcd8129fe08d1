/*
 * oci_layout.c - import from an OCI image layout (see oci_layout.h). The
 * layout is as untrusted as a registry: its index.json and manifests go
 * through the strict parser, a blob is opened only as
 * blobs/sha256/<hex of a validated digest>, one component at a time with
 * O_NOFOLLOW (a symlinked "blobs" or blob file is refused), and its bytes
 * are hashed into the store before anything refers to them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/compat.h"
#include "core/error.h"
#include "image/oci_layout.h"

struct layout {
	int dir_fd;   /* the layout directory */
	int blobs_fd; /* blobs/sha256 */
};

static int open_nofollow(int dir, const char *name, int flags, int *out, const char *what)
{
	*out = openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC);
	if (*out >= 0)
		return 0;
	if (errno == ENOENT)
		return vmc_error_set(VMC_ENOTFOUND, "OCI layout: %s not found", what);
	if (errno == ELOOP || errno == ENOTDIR)
		return vmc_error_set(VMC_EPROTO, "OCI layout: %s is a symbolic link or of the wrong type",
				     what);
	return vmc_error_set_errno(VMC_EIO, errno, "OCI layout: cannot open %s", what);
}

static int read_small(int dir, const char *name, size_t max, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, rc;

	rc = open_nofollow(dir, name, O_RDONLY, &fd, name);
	if (rc < 0)
		return rc;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		rc = vmc_error_set(VMC_EPROTO, "OCI layout: %s is not a file of at most %zu bytes", name,
				   max);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = vmc_error_oom();
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = vmc_error_set_errno(VMC_EIO, n < 0 ? errno : EIO, "OCI layout: read %s",
						 name);
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

/* Copies blob `d` of the layout into the store (verified), unless the
 * store has it already. */
static int import_blob(struct oci_store *s, struct layout *l, const struct oci_descriptor *d)
{
	struct stat st;
	int fd, rc;

	rc = oci_store_has_blob(s, d->digest, d->size);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = open_nofollow(l->blobs_fd, oci_digest_hex(d->digest), O_RDONLY, &fd, d->digest);
	if (rc < 0)
		return rc;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return vmc_error_set(VMC_EPROTO, "OCI layout: blob %s is not a regular file", d->digest);
	}
	rc = oci_store_put_blob_fd(s, d->digest, d->size, fd);
	close(fd);
	if (rc < 0)
		return vmc_error_prefix(rc, "OCI layout");
	return 0;
}

/* Imports a small JSON blob and parses it. */
static int import_doc(struct oci_store *s, struct layout *l, const struct oci_descriptor *d,
		      struct oci_manifest **out)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (d->size > OCI_MANIFEST_MAX)
		return vmc_error_set(VMC_EPROTO, "OCI layout: manifest %s larger than %d bytes",
				     d->digest, OCI_MANIFEST_MAX);
	rc = import_blob(s, l, d);
	if (rc == 0)
		rc = oci_store_read_blob(s, d->digest, OCI_MANIFEST_MAX, &buf, &len);
	if (rc == 0)
		rc = oci_manifest_parse(out, buf, len, d->media_type);
	free(buf);
	return rc;
}

static int pick_entry(const struct oci_manifest *idx, const char *name,
		      const struct oci_descriptor **out)
{
	size_t i;

	if (!name) {
		if (idx->n_manifests != 1)
			return vmc_error_set(VMC_EINVAL,
					     "OCI layout has %zu images: name the one to import",
					     idx->n_manifests);
		*out = &idx->manifests[0];
		return 0;
	}
	for (i = 0; i < idx->n_manifests; i++)
		if (strcmp(idx->manifests[i].ref_name, name) == 0) {
			*out = &idx->manifests[i];
			return 0;
		}
	return vmc_error_set(VMC_ENOTFOUND, "OCI layout has no image named '%s'", name);
}

static int check_layout_file(struct layout *l)
{
	static const char want[] = "\"imageLayoutVersion\"";
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = read_small(l->dir_fd, "oci-layout", 4096, &buf, &len);
	if (rc < 0)
		return rc;
	if (!strstr(buf, want) || !strstr(buf, "\"1.0.0\""))
		rc = vmc_error_set(VMC_EUNSUPPORTED, "OCI layout: oci-layout is not version 1.0.0");
	free(buf);
	return rc;
}

int oci_layout_import(struct oci_store *s, const char *dir, const char *name,
		      const struct oci_platform *want, const struct oci_ref *ref,
		      char manifest_digest[OCI_DIGEST_BUF])
{
	struct layout l = { -1, -1 };
	struct oci_manifest *top = NULL, *sub = NULL, *man;
	const struct oci_descriptor *entry = NULL, *chosen;
	struct oci_platform host;
	char *buf = NULL;
	size_t len = 0, i;
	int blobs = -1, rc;

	l.dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l.dir_fd < 0)
		return vmc_error_set_errno(errno == ENOENT ? VMC_ENOTFOUND : VMC_EIO, errno,
					   "cannot open OCI layout '%s'", dir);
	rc = check_layout_file(&l);
	if (rc == 0)
		rc = open_nofollow(l.dir_fd, "blobs", VMC_O_PATH | O_DIRECTORY, &blobs, "blobs");
	if (rc == 0)
		rc = open_nofollow(blobs, "sha256", VMC_O_PATH | O_DIRECTORY, &l.blobs_fd, "blobs/sha256");
	if (rc == 0)
		rc = read_small(l.dir_fd, "index.json", OCI_MANIFEST_MAX, &buf, &len);
	if (rc == 0)
		rc = oci_manifest_parse(&top, buf, len, OCI_MT_INDEX);
	if (rc < 0)
		goto out;
	rc = pick_entry(top, name, &entry);
	if (rc < 0)
		goto out;
	rc = import_doc(s, &l, entry, &sub);
	if (rc < 0)
		goto out;
	man = sub;
	chosen = entry;
	if (sub->kind == OCI_KIND_INDEX) {
		if (!want) {
			oci_platform_host(&host);
			want = &host;
		}
		rc = oci_index_select(sub, want, &chosen);
		if (rc == 0)
			rc = import_doc(s, &l, chosen, &man);
		if (rc < 0)
			goto out;
		if (man->kind != OCI_KIND_MANIFEST) {
			rc = vmc_error_set(VMC_EUNSUPPORTED, "OCI layout: nested indexes");
			goto out;
		}
	}
	rc = import_blob(s, &l, &man->config);
	for (i = 0; rc == 0 && i < man->n_layers; i++)
		rc = import_blob(s, &l, &man->layers[i]);
	if (rc == 0)
		rc = oci_store_record(s, ref, chosen->digest, chosen == entry ? NULL : entry->digest);
	if (rc == 0 && manifest_digest)
		memcpy(manifest_digest, chosen->digest, OCI_DIGEST_BUF);
	if (man != sub)
		oci_manifest_free(man);
out:
	oci_manifest_free(sub);
	oci_manifest_free(top);
	free(buf);
	if (blobs >= 0)
		close(blobs);
	if (l.blobs_fd >= 0)
		close(l.blobs_fd);
	close(l.dir_fd);
	if (rc < 0)
		return vmc_error_prefix(rc, "importing '%s'", dir);
	return 0;
}
