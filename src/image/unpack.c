/*
 * unpack.c - layer application (see unpack.h). libarchive only decodes the
 * stream (tar formats; gzip, zstd or no compression); every filesystem
 * change is made here, relative to directory fds obtained through
 * beneath.c, so an entry is judged on its cleaned path before anything
 * happens: whiteouts are applied only after the path has been validated
 * and resolved beneath the rootfs. The paths an entry of this layer
 * created (and their ancestors) are remembered, so an opaque whiteout
 * hides only what lower layers left, as the OCI image spec says.
 */
#include <archive.h>
#include <archive_entry.h>
#include "image/archive_lazy.h" /* libarchive loaded on first use */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/compat.h"
#include "core/error.h"
#include "image/beneath.h"
#include "image/digest.h"
#include "image/path_set.h"
#include "image/unpack.h"

#define WH_PREFIX ".wh."
#define WH_PREFIX_LEN 4
#define WH_OPAQUE ".wh..wh..opq"
#define WH_META ".wh..wh."
#define UNPACK_ENTRIES_MAX (4u * 1024 * 1024)
#define UNPACK_XATTR_MAX (64 * 1024)

/* Adding entries to a directory changes its mtime, so the times a layer
 * gives its directories are applied after its last entry. */
struct dir_time {
	char *rel;
	struct timespec ts[2];
};

struct unpack_ctx {
	struct beneath b;
	unsigned int flags;
	int is_root;
	struct path_set seen;
	struct unpack_stats *st;
	int oom;
	struct dir_time *dirs; /* directory times, set once the layer is done */
	size_t n_dirs, cap_dirs;
};

/* Remembers `rel` and all its ancestors as written by this layer. */
static int remember(struct unpack_ctx *c, const char *rel)
{
	size_t len = strlen(rel), i;
	int rc;

	for (i = 1; i < len; i++)
		if (rel[i] == '/') {
			rc = path_set_add(&c->seen, rel, i);
			if (rc < 0)
				return rc;
		}
	return path_set_add(&c->seen, rel, len);
}

static void remember_made(const char *path, size_t len, void *payload)
{
	struct unpack_ctx *c = payload;

	if (path_set_add(&c->seen, path, len) < 0)
		c->oom = 1;
}

/* Removes what lower layers left in directory `rel` (fd `dir`), keeping
 * the paths this layer wrote and descending into the directories among
 * them. */
static int opaque_clear(struct unpack_ctx *c, int dir, const char *rel, int depth)
{
	struct dirent *e;
	char *child;
	DIR *d;
	int fd, rc = 0;

	if (depth > 256)
		return vmc_error_set(VMC_EINVAL, "'%s': nested deeper than 256", rel);
	fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot open", rel);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot read", rel);
	}
	child = malloc(PATH_MAX); /* not on the stack: this recurses */
	if (!child) {
		closedir(d);
		return vmc_error_oom();
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		struct stat st;
		int n, sub;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n = rel[0] ? snprintf(child, PATH_MAX, "%s/%s", rel, e->d_name)
			   : snprintf(child, PATH_MAX, "%s", e->d_name);
		if (n < 0 || n >= PATH_MAX) {
			rc = vmc_error_set(VMC_EINVAL, "'%s': path too long", rel);
			break;
		}
		if (!path_set_has(&c->seen, child, (size_t)n)) {
			rc = beneath_remove(dirfd(d), e->d_name);
			continue;
		}
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		sub = beneath_open1(&c->b, dirfd(d), e->d_name, VMC_O_PATH | O_DIRECTORY);
		if (sub < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot open", child);
			break;
		}
		rc = opaque_clear(c, sub, child, depth + 1);
		close(sub);
	}
	free(child);
	closedir(d);
	return rc;
}

static int apply_whiteout(struct unpack_ctx *c, const char *rel, const char *base)
{
	const char *name = base + WH_PREFIX_LEN;
	const char *b2;
	char dir[PATH_MAX];
	int pfd = -1, rc;

	if (strcmp(base, WH_OPAQUE) != 0) {
		if (!*name)
			return vmc_error_set(VMC_EINVAL, "'%s': whiteout without a name", rel);
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			return vmc_error_set(VMC_EINVAL, "'%s': whiteout of '%s' refused", rel, name);
		if (strncmp(base, WH_META, strlen(WH_META)) == 0)
			return 0; /* other .wh..wh. names are aufs metadata: nothing to apply */
	}
	rc = beneath_parent(&c->b, rel, 0, &pfd, &b2, NULL, NULL);
	if (rc == VMC_ENOTFOUND)
		return 0; /* the parent is absent: nothing to hide */
	if (rc < 0)
		return rc;
	c->st->whiteouts++;
	if (strcmp(base, WH_OPAQUE) == 0) {
		size_t dl = (size_t)(b2 - rel);

		memcpy(dir, rel, dl);
		dir[dl ? dl - 1 : 0] = '\0';
		rc = opaque_clear(c, pfd, dir, 0);
	} else {
		rc = beneath_remove(pfd, name);
	}
	close(pfd);
	if (rc < 0)
		return vmc_error_prefix(rc, "whiteout '%s'", rel);
	return 0;
}

static int set_xattrs(struct unpack_ctx *c, int fd, struct archive_entry *e, const char *rel)
{
	const char *name;
	const void *value;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (!name || !*name || size > UNPACK_XATTR_MAX)
			return vmc_error_set(VMC_EINVAL, "'%s': invalid extended attribute", rel);
#ifdef __APPLE__
		/* macOS: (fd, name, value, size, position, options) */
		if (fsetxattr(fd, name, value, size, 0, 0) == 0)
#else
		if (fsetxattr(fd, name, value, size, 0) == 0)
#endif
			continue;
		if (errno == ENOTSUP || errno == EPERM || errno == EOPNOTSUPP) {
			c->st->skipped_xattrs++;
			continue;
		}
		return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot set xattr '%s'", rel, name);
	}
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
	if (ts[0].tv_nsec < 0 || ts[0].tv_nsec > 999999999)
		ts[0].tv_nsec = 0;
	if (ts[1].tv_nsec < 0 || ts[1].tv_nsec > 999999999)
		ts[1].tv_nsec = 0;
}

static int check_ids(struct archive_entry *e, const char *rel)
{
	la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);

	if (uid < 0 || uid >= 0xffffffffLL || gid < 0 || gid >= 0xffffffffLL)
		return vmc_error_set(VMC_EINVAL, "'%s': owner %lld:%lld out of range", rel,
				     (long long)uid, (long long)gid);
	return 0;
}

/* Ownership, mode, xattrs, times on an fd opened on the new object. */
static int finish_fd(struct unpack_ctx *c, int fd, struct archive_entry *e, const char *rel)
{
	mode_t mode = archive_entry_perm(e) & 07777;
	struct timespec ts[2];
	int rc;

	/* Without root, a directory we cannot write (Fedora's 0555 /usr/bin)
	 * would stop this and later layers: keep it owner-rwx. */
	if (!c->is_root && archive_entry_filetype(e) == AE_IFDIR)
		mode |= 0700;
	if (c->is_root && fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot set owner", rel);
	if (fchmod(fd, mode) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot set mode", rel);
	rc = set_xattrs(c, fd, e, rel);
	if (rc < 0)
		return rc;
	entry_times(e, ts);
	if (futimens(fd, ts) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot set times", rel);
	return 0;
}

static int write_file(struct unpack_ctx *c, struct archive *a, struct archive_entry *e, int pfd,
		      const char *base, const char *rel)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int fd, r, rc;

	fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot create", rel);
	while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
		const char *p = buf;

		while (size > 0) {
			ssize_t n = pwrite(fd, p, size, (off_t)off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				rc = vmc_error_set_errno(VMC_EIO, n < 0 ? errno : EIO, "'%s': write", rel);
				goto out;
			}
			p += n;
			off += n;
			size -= (size_t)n;
		}
	}
	if (r != ARCHIVE_EOF) {
		rc = vmc_error_set(VMC_EPROTO, "'%s': %s", rel, archive_error_string(a));
		goto out;
	}
	if (archive_entry_size_is_set(e) && ftruncate(fd, (off_t)archive_entry_size(e)) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "'%s': truncate", rel);
		goto out;
	}
	rc = finish_fd(c, fd, e, rel);
out:
	close(fd);
	return rc;
}

static int make_dir(struct unpack_ctx *c, struct archive_entry *e, int pfd, const char *base,
		    const char *rel, const char *clean)
{
	int fd, rc;

	if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
		return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot create directory", rel);
	fd = beneath_open1(&c->b, pfd, base, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot open directory", rel);
	rc = finish_fd(c, fd, e, rel);
	close(fd);
	if (rc < 0)
		return rc;
	if (c->n_dirs == c->cap_dirs) {
		size_t ncap = c->cap_dirs ? c->cap_dirs * 2 : 64;
		struct dir_time *nd = realloc(c->dirs, ncap * sizeof(*nd));

		if (!nd)
			return vmc_error_oom();
		c->dirs = nd;
		c->cap_dirs = ncap;
	}
	c->dirs[c->n_dirs].rel = strdup(clean);
	if (!c->dirs[c->n_dirs].rel)
		return vmc_error_oom();
	entry_times(e, c->dirs[c->n_dirs].ts);
	c->n_dirs++;
	return 0;
}

/* Sets the deferred directory times, deepest last-created first. A
 * directory a later entry replaced or removed is skipped. */
static int apply_dir_times(struct unpack_ctx *c)
{
	const char *base;
	struct stat st;
	size_t i;
	int pfd, rc;

	for (i = c->n_dirs; i-- > 0;) {
		rc = beneath_parent(&c->b, c->dirs[i].rel, 0, &pfd, &base, NULL, NULL);
		if (rc == VMC_ENOTFOUND)
			continue;
		if (rc < 0)
			return rc;
		if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
		    utimensat(pfd, base, c->dirs[i].ts, AT_SYMLINK_NOFOLLOW) < 0)
			rc = vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot set times",
						 c->dirs[i].rel);
		close(pfd);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int make_hardlink(struct unpack_ctx *c, const char *target, int pfd, const char *base,
			 const char *rel)
{
	char clean[PATH_MAX];
	const char *tbase;
	struct stat st;
	int tfd = -1, rc;

	rc = beneath_clean(target, clean);
	if (rc < 0 || !clean[0])
		return vmc_error_set(VMC_EINVAL, "'%s': hard link target '%s' is outside the rootfs",
				     rel, target);
	rc = beneath_parent(&c->b, clean, 0, &tfd, &tbase, NULL, NULL);
	if (rc == VMC_ENOTFOUND)
		return vmc_error_set(VMC_EINVAL, "'%s': hard link target '%s' not in the rootfs", rel,
				     target);
	if (rc < 0)
		return vmc_error_prefix(rc, "'%s': hard link target", rel);
	if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = vmc_error_set(VMC_EINVAL, "'%s': hard link target '%s' not in the rootfs", rel,
				   target);
	} else if (S_ISDIR(st.st_mode)) {
		rc = vmc_error_set(VMC_EINVAL, "'%s': hard link to directory '%s'", rel, target);
	} else if (linkat(tfd, tbase, pfd, base, 0) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot link to '%s'", rel, target);
	}
	close(tfd);
	return rc;
}

/* Symlinks, FIFOs and device nodes: metadata set by name, never followed. */
static int make_special(struct unpack_ctx *c, struct archive_entry *e, int pfd, const char *base,
			const char *rel, mode_t type)
{
	struct timespec ts[2];
	const char *target;

	if (type == AE_IFLNK) {
		target = archive_entry_symlink(e);
		if (!target || !*target || strnlen(target, PATH_MAX) >= PATH_MAX)
			return vmc_error_set(VMC_EINVAL, "'%s': invalid symlink target", rel);
		if (symlinkat(target, pfd, base) < 0)
			return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot create symlink", rel);
	} else if (type == AE_IFIFO) {
		if (mkfifoat(pfd, base, 0600) < 0)
			return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot create fifo", rel);
	} else {
		dev_t dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));

		if (mknodat(pfd, base, (type == AE_IFCHR ? S_IFCHR : S_IFBLK) | 0600, dev) < 0)
			return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot create device", rel);
	}
	if (c->is_root && fchownat(pfd, base, (uid_t)archive_entry_uid(e),
				   (gid_t)archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot set owner", rel);
	/* just created by us, not a symlink: fchmodat cannot be redirected */
	if (type != AE_IFLNK && fchmodat(pfd, base, archive_entry_perm(e) & 07777, 0) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot set mode", rel);
	entry_times(e, ts);
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot set times", rel);
	return 0;
}

static int apply_entry(struct unpack_ctx *c, struct archive *a, struct archive_entry *e)
{
	char rel[PATH_MAX];
	const char *path = archive_entry_pathname(e), *base, *p, *hardlink;
	mode_t type = archive_entry_filetype(e);
	struct stat st;
	int pfd = -1, rc;

	if (!path)
		return vmc_error_set(VMC_EINVAL, "entry with an unreadable name");
	rc = beneath_clean(path, rel);
	if (rc < 0)
		return rc;
	hardlink = archive_entry_hardlink(e);
	if (!rel[0]) {
		if (type == AE_IFDIR && !hardlink)
			return 0; /* the root itself: keep ours */
		return vmc_error_set(VMC_EINVAL, "'%s': the root must be a directory", path);
	}
	base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	for (p = rel; p < base; p = strchr(p, '/') + 1)
		if (strncmp(p, WH_PREFIX, WH_PREFIX_LEN) == 0)
			return vmc_error_set(VMC_EINVAL, "'%s': whiteout name used as a directory", path);
	if (strncmp(base, WH_PREFIX, WH_PREFIX_LEN) == 0)
		return apply_whiteout(c, rel, base);

	rc = beneath_parent(&c->b, rel, 1, &pfd, &base, remember_made, c);
	if (rc < 0)
		return rc;
	if (c->oom) {
		rc = vmc_error_oom();
		goto out;
	}
	if (!hardlink && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK &&
	    type != AE_IFIFO && type != AE_IFCHR && type != AE_IFBLK) {
		rc = vmc_error_set(VMC_EINVAL, "'%s': unsupported entry type 0%o", path,
				   (unsigned int)type);
		goto out;
	}
	if (!hardlink && (type == AE_IFCHR || type == AE_IFBLK) &&
	    !(c->flags & UNPACK_ALLOW_DEVICES)) {
		c->st->skipped_devices++;
		rc = 0;
		goto out;
	}
	rc = check_ids(e, path);
	if (rc < 0)
		goto out;
	/* replace what is there, except a directory by a directory */
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !(S_ISDIR(st.st_mode) && type == AE_IFDIR && !hardlink)) {
		rc = beneath_remove(pfd, base);
		if (rc < 0)
			goto out;
	}
	if (hardlink)
		rc = make_hardlink(c, hardlink, pfd, base, path);
	else if (type == AE_IFREG)
		rc = write_file(c, a, e, pfd, base, path);
	else if (type == AE_IFDIR)
		rc = make_dir(c, e, pfd, base, path, rel);
	else
		rc = make_special(c, e, pfd, base, path, type);
	if (rc == 0)
		rc = remember(c, rel);
out:
	close(pfd);
	return rc;
}

/* The layer stream: every byte libarchive reads passes the verifier. */
struct layer_reader {
	int fd;
	int err;               /* errno of a failed read */
	struct oci_verifier *v; /* NULL: no digest to check */
	char buf[128 * 1024];
};

static la_ssize_t layer_read(struct archive *a, void *payload, const void **out)
{
	struct layer_reader *r = payload;
	ssize_t n;

	(void)a;
	do {
		n = read(r->fd, r->buf, sizeof(r->buf));
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		r->err = errno;
		if (a)
			archive_set_error(a, r->err, "read failed");
		return -1;
	}
	if (r->v && n > 0 && oci_verifier_update(r->v, r->buf, (size_t)n) < 0) {
		r->err = EIO;
		if (a)
			archive_set_error(a, EIO, "digest update failed");
		return -1;
	}
	*out = r->buf;
	return n;
}

/* Feeds what libarchive did not need (padding after the end marker) to
 * the verifier, then compares. */
static int layer_verify(struct layer_reader *r, const char *digest)
{
	const void *p;
	la_ssize_t n;
	int rc;

	do
		n = layer_read(NULL, r, &p);
	while (n > 0);
	if (n < 0)
		return vmc_error_set_errno(VMC_EIO, r->err, "layer %s: read", digest);
	rc = oci_verifier_check(r->v, digest);
	if (rc < 0)
		return vmc_error_prefix(rc, "layer refused (throw this rootfs away)");
	return 0;
}

int unpack_layer_fd(int root_fd, int layer_fd, unsigned int flags, struct unpack_stats *stats)
{
	return unpack_layer_verified(root_fd, layer_fd, NULL, flags, stats);
}

int unpack_layer_verified(int root_fd, int layer_fd, const char *digest, unsigned int flags,
			  struct unpack_stats *stats)
{
	struct oci_verifier v = { NULL, 0 };
	struct layer_reader *lr = NULL;
	struct unpack_stats dummy;
	struct unpack_ctx c;
	struct archive *a = NULL;
	struct archive_entry *e;
	int r, rc = 0;

	memset(&c, 0, sizeof(c));
	memset(&dummy, 0, sizeof(dummy));
	c.b.root_fd = root_fd;
	c.b.no_openat2 = (flags & UNPACK_NO_OPENAT2) != 0;
	c.flags = flags;
	c.is_root = geteuid() == 0;
	c.st = stats ? stats : &dummy;
	a = archive_read_new();
	if (!a) {
		rc = archive_lazy_failed();
		return rc ? rc : vmc_error_oom();
	}
	if (archive_read_support_filter_gzip(a) < ARCHIVE_WARN ||
	    archive_read_support_filter_zstd(a) < ARCHIVE_WARN ||
	    archive_read_support_filter_none(a) < ARCHIVE_WARN ||
	    archive_read_support_format_tar(a) < ARCHIVE_WARN) {
		rc = vmc_error_set(VMC_ERROR, "libarchive: %s", archive_error_string(a));
		goto out;
	}
	lr = calloc(1, sizeof(*lr));
	if (!lr) {
		rc = vmc_error_oom();
		goto out;
	}
	lr->fd = layer_fd;
	if (digest) {
		rc = oci_digest_validate(digest);
		if (rc == 0)
			rc = oci_verifier_init(&v);
		if (rc < 0)
			goto out;
		lr->v = &v;
	}
	if (archive_read_open2(a, lr, NULL, layer_read, NULL, NULL) != ARCHIVE_OK) {
		rc = vmc_error_set(VMC_EPROTO, "layer: %s", archive_error_string(a));
		goto out;
	}
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			rc = vmc_error_set(VMC_EPROTO, "layer: %s", archive_error_string(a));
			goto out;
		}
		if (c.st->entries >= UNPACK_ENTRIES_MAX) {
			rc = vmc_error_set(VMC_EINVAL, "layer: more than %u entries",
					   UNPACK_ENTRIES_MAX);
			goto out;
		}
		rc = apply_entry(&c, a, e);
		if (rc < 0)
			goto out;
		c.st->entries++;
	}
	rc = apply_dir_times(&c);
	if (rc == 0 && digest)
		rc = layer_verify(lr, digest);
out:
	archive_read_free(a);
	oci_verifier_free(&v);
	free(lr);
	path_set_free(&c.seen);
	for (size_t i = 0; i < c.n_dirs; i++)
		free(c.dirs[i].rel);
	free(c.dirs);
	return rc;
}

int unpack_layer(const char *rootfs, const char *layer_path, unsigned int flags,
		 struct unpack_stats *stats)
{
	int root = -1, layer = -1, rc;

	root = open(rootfs, VMC_O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return vmc_error_set_errno(errno == ENOENT ? VMC_ENOTFOUND : VMC_EIO, errno,
					   "cannot open rootfs '%s'", rootfs);
	layer = open(layer_path, O_RDONLY | O_CLOEXEC);
	if (layer < 0) {
		rc = vmc_error_set_errno(errno == ENOENT ? VMC_ENOTFOUND : VMC_EIO, errno,
					 "cannot open layer '%s'", layer_path);
		goto out;
	}
	rc = unpack_layer_fd(root, layer, flags, stats);
out:
	if (layer >= 0)
		close(layer);
	close(root);
	return rc;
}
