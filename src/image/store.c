/*
 * store.c - the blob half of the content store (see store.h): opening the
 * store, the shared/exclusive lock, and verified blob writes and reads.
 * A writer streams into tmp/<hex>-<pid>-<random> (O_EXCL, so two writers
 * never share a file), hashing as it goes; commit checks the size and the
 * digest, fsyncs, renames into blobs/sha256/<hex> and fsyncs the directory.
 * Two writers of the same blob both succeed: rename is atomic and the
 * bytes are identical. A resumable writer (downloads) uses
 * tmp/<hex>.partial instead, owned by whoever holds its flock; a writer
 * suspended after a failed transfer leaves it for the next run, which
 * hashes what is there and goes on from its end. Records, listing and prune are in store_index.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/compat.h"
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
	int partial; /* tmp is <hex>.partial: kept by oci_blob_suspend() */
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
	if (vmc_random(rnd, sizeof(rnd)) < 0)
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

/* Hashes the first `len` bytes of w->fd into w->v. */
static int rehash(struct oci_blob_writer *w, uint64_t len)
{
	char *buf = malloc(STORE_COPY_CHUNK);
	uint64_t off = 0;
	int rc = 0;

	if (!buf)
		return vmc_error_oom();
	while (rc == 0 && off < len) {
		size_t want = len - off < STORE_COPY_CHUNK ? (size_t)(len - off) : STORE_COPY_CHUNK;
		ssize_t n = pread(w->fd, buf, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = vmc_error_set_errno(VMC_EIO, n < 0 ? errno : EIO, "blob %s: read partial file",
						 w->digest);
			break;
		}
		rc = oci_verifier_update(&w->v, buf, (size_t)n);
		off += (uint64_t)n;
	}
	free(buf);
	w->written = off;
	return rc;
}

/* Opens and flocks tmp/<name>, making sure the locked file is still the
 * one under that name (a finishing writer may have renamed it away).
 * Returns 1 with *fd set, 0 when another writer holds it, or an error. */
static int open_partial(struct oci_store *s, const char *name, int *fd)
{
	struct stat a, b;
	int tries;

	for (tries = 0; tries < 8; tries++) {
		*fd = openat(s->tmp_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (*fd < 0)
			return vmc_error_set_errno(VMC_EIO, errno, "cannot open partial file '%s'", name);
		if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;

			close(*fd);
			*fd = -1;
			if (e == EWOULDBLOCK)
				return 0;
			if (e == EINTR)
				continue;
			return vmc_error_set_errno(VMC_EIO, e, "cannot lock partial file '%s'", name);
		}
		if (fstat(*fd, &a) == 0 && S_ISREG(a.st_mode) &&
		    fstatat(s->tmp_fd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return 1;
		close(*fd);
		*fd = -1;
	}
	return vmc_error_set(VMC_EBUSY, "partial file '%s' keeps changing", name);
}

int oci_store_blob_resume(struct oci_store *s, const char *digest, int64_t size,
			  struct oci_blob_writer **out)
{
	struct oci_blob_writer *w;
	struct stat st;
	int rc;

	rc = oci_digest_validate(digest);
	if (rc < 0)
		return vmc_error_prefix(rc, "blob '%.80s'", digest);
	w = calloc(1, sizeof(*w));
	if (!w)
		return vmc_error_oom();
	w->s = s;
	w->fd = w->lock_fd = -1;
	w->expected = size;
	w->partial = 1;
	memcpy(w->digest, digest, OCI_DIGEST_BUF);
	snprintf(w->tmp, sizeof(w->tmp), "%s.partial", oci_digest_hex(digest));
	rc = oci_verifier_init(&w->v);
	if (rc == 0)
		rc = oci_store_lock(s, OCI_LOCK_BLOBS, 0, &w->lock_fd);
	if (rc == 0)
		rc = open_partial(s, w->tmp, &w->fd);
	if (rc == 0) {
		/* another writer owns the partial file: write our own copy */
		oci_verifier_free(&w->v);
		oci_store_unlock(&w->lock_fd);
		free(w);
		return oci_store_blob_begin(s, digest, size, out);
	}
	if (rc < 0)
		goto fail;
	if (fstat(w->fd, &st) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "blob %s: stat partial file", digest);
		goto fail;
	}
	if (size >= 0 && st.st_size > size) {
		rc = oci_blob_restart(w);
		if (rc < 0)
			goto fail;
	} else {
		rc = rehash(w, (uint64_t)st.st_size);
		if (rc == 0 && lseek(w->fd, (off_t)w->written, SEEK_SET) < 0)
			rc = vmc_error_set_errno(VMC_EIO, errno, "blob %s: seek", digest);
		if (rc < 0)
			goto fail;
	}
	*out = w;
	return 0;
fail:
	if (w->fd >= 0)
		close(w->fd);
	oci_verifier_free(&w->v);
	oci_store_unlock(&w->lock_fd);
	free(w);
	return rc;
}

uint64_t oci_store_partial_size(struct oci_store *s, const char *digest, int64_t size)
{
	char name[OCI_DIGEST_HEX_LEN + 16];
	struct stat st;

	if (oci_digest_validate(digest) < 0) {
		vmc_error_clear();
		return 0;
	}
	snprintf(name, sizeof(name), "%s.partial", oci_digest_hex(digest));
	if (fstatat(s->tmp_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (size >= 0 && st.st_size > size)
		return 0;
	return (uint64_t)st.st_size;
}

uint64_t oci_blob_offset(const struct oci_blob_writer *w)
{
	return w->written;
}

int oci_blob_restart(struct oci_blob_writer *w)
{
	int rc;

	if (ftruncate(w->fd, 0) < 0 || lseek(w->fd, 0, SEEK_SET) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "blob %s: truncate", w->digest);
	oci_verifier_free(&w->v);
	w->written = 0;
	rc = oci_verifier_init(&w->v);
	return rc;
}

void oci_blob_suspend(struct oci_blob_writer *w)
{
	if (!w)
		return;
	if (w->partial && w->fd >= 0) {
		close(w->fd); /* the partial file stays for the next run */
		w->fd = -1;
	}
	oci_blob_abort(w);
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
		/* unlink first: a partial file's flock (held through fd) keeps
		 * a concurrent resume from taking the name until it is gone */
		unlinkat(w->s->tmp_fd, w->tmp, 0);
		close(w->fd);
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
