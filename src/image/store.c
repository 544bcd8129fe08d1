/*
 * store.c - the blob half of the content store (see store.h): opening the
 * store, the shared/exclusive lock, and verified blob writes and reads.
 * A writer streams into tmp/<hex>-<pid>-<random> (O_EXCL, so two writers
 * never share a file), hashing as it goes; commit checks the size and the
 * digest, fsyncs, renames into blobs/sha256/<hex> and fsyncs the directory.
 * Two writers of the same blob both succeed: rename is atomic and the
 * bytes are identical. Records, listing and prune are in store_index.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "image/store.h"

#define STORE_COPY_CHUNK (128 * 1024)

struct oci_store {
	char *root;
	int root_fd, blobs_fd, tmp_fd;
};

struct oci_blob_writer {
	struct oci_store *s;
	int fd, lock_fd;
	char tmp[128];
	char digest[OCI_DIGEST_BUF];
	int64_t expected;
	uint64_t written;
	struct oci_verifier v;
};

static int open_dir(const char *root, const char *sub, int *out)
{
	char *p = fs_join(root, sub);
	int rc = 0;

	if (!p)
		return vmc_error_oom();
	rc = fs_mkdir_p(p, 0755);
	if (rc == 0) {
		*out = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (*out < 0)
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot open '%s'", p);
	}
	free(p);
	return rc;
}

int oci_store_open(struct oci_store **out, const char *root)
{
	struct oci_store *s;
	int rc;

	if (!root || !*root)
		return vmc_error_set(VMC_EINVAL, "missing image store directory");
	s = calloc(1, sizeof(*s));
	if (!s)
		return vmc_error_oom();
	s->root_fd = s->blobs_fd = s->tmp_fd = -1;
	s->root = strdup(root);
	if (!s->root) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = open_dir(root, ".", &s->root_fd);
	if (rc == 0)
		rc = open_dir(root, "blobs/sha256", &s->blobs_fd);
	if (rc == 0)
		rc = open_dir(root, "tmp", &s->tmp_fd);
	if (rc < 0)
		goto out;
	*out = s;
	s = NULL;
out:
	oci_store_free(s);
	if (rc < 0)
		return vmc_error_prefix(rc, "image store '%s'", root);
	return 0;
}

void oci_store_free(struct oci_store *s)
{
	if (!s)
		return;
	if (s->root_fd >= 0)
		close(s->root_fd);
	if (s->blobs_fd >= 0)
		close(s->blobs_fd);
	if (s->tmp_fd >= 0)
		close(s->tmp_fd);
	free(s->root);
	free(s);
}

int oci_store_root_fd(const struct oci_store *s)
{
	return s->root_fd;
}

int oci_store_blobs_fd(const struct oci_store *s)
{
	return s->blobs_fd;
}

int oci_store_tmp_fd(const struct oci_store *s)
{
	return s->tmp_fd;
}

int oci_store_lock(struct oci_store *s, enum oci_store_lock_kind kind, int exclusive,
		   int *lock_fd)
{
	const char *name = kind == OCI_LOCK_INDEX ? "index.lock" : "lock";
	int fd = openat(s->root_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "image store: cannot open its lock");
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno == EINTR)
			continue;
		close(fd);
		return vmc_error_set_errno(VMC_EIO, errno, "image store: cannot lock");
	}
	*lock_fd = fd;
	return 0;
}

void oci_store_unlock(int *lock_fd)
{
	if (*lock_fd >= 0)
		close(*lock_fd); /* releases the flock */
	*lock_fd = -1;
}

int oci_store_blob_begin(struct oci_store *s, const char *digest, int64_t size,
			 struct oci_blob_writer **out)
{
	struct oci_blob_writer *w;
	unsigned char rnd[8];
	int rc, n;

	rc = oci_digest_validate(digest);
	if (rc < 0)
		return vmc_error_prefix(rc, "blob '%.80s'", digest);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return vmc_error_set_errno(VMC_EIO, errno, "getrandom");
	w = calloc(1, sizeof(*w));
	if (!w)
		return vmc_error_oom();
	w->s = s;
	w->fd = w->lock_fd = -1;
	w->expected = size;
	memcpy(w->digest, digest, OCI_DIGEST_BUF);
	n = snprintf(w->tmp, sizeof(w->tmp), "%.12s-%ld-%02x%02x%02x%02x%02x%02x%02x%02x",
		     oci_digest_hex(digest), (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
		     rnd[5], rnd[6], rnd[7]);
	if (n < 0 || (size_t)n >= sizeof(w->tmp)) {
		rc = vmc_error_set(VMC_ERROR, "temporary name too long");
		goto fail;
	}
	rc = oci_verifier_init(&w->v);
	if (rc < 0)
		goto fail;
	rc = oci_store_lock(s, OCI_LOCK_BLOBS, 0, &w->lock_fd);
	if (rc < 0)
		goto fail;
	w->fd = openat(s->tmp_fd, w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       0644);
	if (w->fd < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "blob %s: cannot create a temporary file",
					 digest);
		goto fail;
	}
	*out = w;
	return 0;
fail:
	oci_verifier_free(&w->v);
	oci_store_unlock(&w->lock_fd);
	free(w);
	return rc;
}

int oci_blob_write(struct oci_blob_writer *w, const void *buf, size_t len)
{
	const char *p = buf;
	int rc;

	if (w->expected >= 0 && (uint64_t)w->expected - w->written < len)
		return vmc_error_set(VMC_EPROTO, "blob %s: larger than its %lld bytes", w->digest,
				     (long long)w->expected);
	rc = oci_verifier_update(&w->v, buf, len);
	if (rc < 0)
		return rc;
	while (len > 0) {
		ssize_t n = write(w->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return vmc_error_set_errno(VMC_EIO, n < 0 ? errno : EIO, "blob %s: write",
						   w->digest);
		p += n;
		len -= (size_t)n;
		w->written += (uint64_t)n;
	}
	return 0;
}

void oci_blob_abort(struct oci_blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		close(w->fd);
		unlinkat(w->s->tmp_fd, w->tmp, 0);
	}
	oci_verifier_free(&w->v);
	oci_store_unlock(&w->lock_fd);
	free(w);
}

int oci_blob_commit(struct oci_blob_writer *w)
{
	const char *hex = oci_digest_hex(w->digest);
	int rc;

	if (w->expected >= 0 && w->written != (uint64_t)w->expected) {
		rc = vmc_error_set(VMC_EPROTO, "blob %s: %llu bytes, its descriptor says %lld",
				   w->digest, (unsigned long long)w->written, (long long)w->expected);
		goto out;
	}
	rc = oci_verifier_check(&w->v, w->digest);
	if (rc < 0) {
		rc = vmc_error_prefix(rc, "blob refused");
		goto out;
	}
	if (fsync(w->fd) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "blob %s: fsync", w->digest);
		goto out;
	}
	if (renameat(w->s->tmp_fd, w->tmp, w->s->blobs_fd, hex) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "blob %s: rename into the store", w->digest);
		goto out;
	}
	close(w->fd);
	w->fd = -1;
	if (fsync(w->s->blobs_fd) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "blob %s: fsync of the directory", w->digest);
out:
	oci_blob_abort(w);
	return rc;
}

int oci_store_put_blob(struct oci_store *s, const char *digest, const void *buf, size_t len)
{
	struct oci_blob_writer *w = NULL;
	int rc;

	rc = oci_store_blob_begin(s, digest, (int64_t)len, &w);
	if (rc < 0)
		return rc;
	rc = oci_blob_write(w, buf, len);
	if (rc < 0) {
		oci_blob_abort(w);
		return rc;
	}
	return oci_blob_commit(w);
}

int oci_store_put_blob_fd(struct oci_store *s, const char *digest, int64_t size, int fd)
{
	struct oci_blob_writer *w = NULL;
	char *buf;
	int rc;

	buf = malloc(STORE_COPY_CHUNK);
	if (!buf)
		return vmc_error_oom();
	rc = oci_store_blob_begin(s, digest, size, &w);
	if (rc < 0)
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, STORE_COPY_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "blob %s: read", digest);
			break;
		}
		if (n == 0)
			break;
		rc = oci_blob_write(w, buf, (size_t)n);
		if (rc < 0)
			break;
	}
	if (rc < 0)
		oci_blob_abort(w);
	else
		rc = oci_blob_commit(w);
out:
	free(buf);
	return rc;
}

int oci_store_has_blob(struct oci_store *s, const char *digest, int64_t size)
{
	struct stat st;
	int rc;

	rc = oci_digest_validate(digest);
	if (rc < 0)
		return rc;
	if (fstatat(s->blobs_fd, oci_digest_hex(digest), &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return vmc_error_set_errno(VMC_EIO, errno, "blob %s", digest);
	}
	if (!S_ISREG(st.st_mode))
		return vmc_error_set(VMC_EPROTO, "blob %s: not a regular file", digest);
	return size < 0 || st.st_size == size;
}

int oci_store_blob_open(struct oci_store *s, const char *digest, int *fd)
{
	int rc = oci_digest_validate(digest);

	if (rc < 0)
		return rc;
	*fd = openat(s->blobs_fd, oci_digest_hex(digest), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return vmc_error_set_errno(errno == ENOENT ? VMC_ENOTFOUND : VMC_EIO, errno,
					   "blob %s", digest);
	return 0;
}

int oci_store_read_blob(struct oci_store *s, const char *digest, size_t max, char **out,
			size_t *len)
{
	struct oci_verifier v;
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = -1, rc;

	rc = oci_store_blob_open(s, digest, &fd);
	if (rc < 0)
		return rc;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		rc = vmc_error_set(VMC_EINVAL, "blob %s: not a file of at most %zu bytes", digest, max);
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
			rc = vmc_error_set_errno(VMC_EIO, n < 0 ? errno : EIO, "blob %s: read", digest);
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	rc = oci_verifier_init(&v);
	if (rc == 0)
		rc = oci_verifier_update(&v, buf, got);
	if (rc == 0)
		rc = oci_verifier_check(&v, digest);
	oci_verifier_free(&v);
	if (rc < 0) {
		rc = vmc_error_prefix(rc, "stored blob corrupt");
		goto out;
	}
	*out = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}
