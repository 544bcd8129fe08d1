/*
 * beneath.c - confined path resolution for layer unpacking (see beneath.h).
 * Every component is opened on its own, relative to the fd of its parent,
 * with symlinks refused and the result checked with fstat, so neither a
 * symlink planted by an earlier entry or layer, nor "..", nor an absolute
 * name can take a later operation outside the root. openat2 adds the
 * kernel's own RESOLVE_BENEATH guarantee where it exists (Linux 5.6+);
 * macOS has the component walk alone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#ifdef __linux__
#include <linux/openat2.h>
#endif
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif
#include <unistd.h>

#include "core/compat.h"
#include "core/error.h"
#include "image/beneath.h"

#define BENEATH_REMOVE_DEPTH_MAX 512

int beneath_clean(const char *in, char out[PATH_MAX])
{
	size_t o = 0;
	const char *p = in;

	if (!in || !*in)
		return vmc_error_set(VMC_EINVAL, "entry without a name");
	if (strnlen(in, PATH_MAX) >= PATH_MAX)
		return vmc_error_set(VMC_EINVAL, "entry name longer than %d bytes", PATH_MAX - 1);
	if (in[0] == '/')
		return vmc_error_set(VMC_EINVAL, "'%s': absolute path", in);
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return vmc_error_set(VMC_EINVAL, "'%s': '..' component", in);
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	out[o] = '\0';
	return 0;
}

int beneath_open1(struct beneath *b, int dir_fd, const char *name, int flags)
{
	flags |= O_NOFOLLOW | O_CLOEXEC;
#ifdef __linux__
	if (!b->no_openat2) {
		struct open_how how;
		int fd;

		memset(&how, 0, sizeof(how));
		how.flags = (unsigned long long)flags;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(SYS_openat2, dir_fd, name, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		b->no_openat2 = 1;
	}
#endif
	/* no openat2 (macOS, old kernels): one component, O_NOFOLLOW */
	if (strchr(name, '/') || strcmp(name, "..") == 0) {
		errno = EXDEV;
		return -1;
	}
	return openat(dir_fd, name, flags); /* cloexec: flags has O_CLOEXEC */
}

/* Opens one directory component, refusing symlinks and non-directories. */
static int open_dir_component(struct beneath *b, int cur, const char *name, const char *rel,
			      size_t upto, int *out)
{
	struct stat st;
	int fd;

	fd = beneath_open1(b, cur, name, VMC_O_PATH | O_DIRECTORY);
	if (fd < 0) {
		if (errno == ENOENT)
			return VMC_ENOTFOUND;
		if (errno == ELOOP || errno == EXDEV)
			return vmc_error_set(VMC_EINVAL, "'%s': '%.*s' is a symbolic link", rel,
					     (int)upto, rel);
		if (errno == ENOTDIR) {
			struct stat lst;

			if (fstatat(cur, name, &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode))
				return vmc_error_set(VMC_EINVAL, "'%s': '%.*s' is a symbolic link",
						     rel, (int)upto, rel);
			return vmc_error_set(VMC_EINVAL, "'%s': '%.*s' is not a directory", rel,
					     (int)upto, rel);
		}
		return vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot open '%.*s'", rel,
					   (int)upto, rel);
	}
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return vmc_error_set(VMC_EINVAL, "'%s': '%.*s' is not a directory", rel, (int)upto,
				     rel);
	}
	*out = fd;
	return 0;
}

int beneath_parent(struct beneath *b, const char *rel, int create, int *dir_fd,
		   const char **base, void (*made)(const char *path, size_t len, void *payload),
		   void *payload)
{
	char name[NAME_MAX + 1];
	const char *p = rel;
	int cur, rc;

	cur = fcntl(b->root_fd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot duplicate the root fd");
	for (;;) {
		const char *end = strchr(p, '/');
		size_t n;
		int next = -1;

		if (!end)
			break;
		n = (size_t)(end - p);
		if (n > NAME_MAX) {
			rc = vmc_error_set(VMC_EINVAL, "'%s': component longer than %d bytes", rel,
					   NAME_MAX);
			goto fail;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		rc = open_dir_component(b, cur, name, rel, (size_t)(end - rel), &next);
		if (rc == VMC_ENOTFOUND && create) {
			if (mkdirat(cur, name, 0755) < 0 && errno != EEXIST) {
				rc = vmc_error_set_errno(VMC_EIO, errno, "'%s': cannot create '%.*s'",
							 rel, (int)(end - rel), rel);
				goto fail;
			}
			if (made)
				made(rel, (size_t)(end - rel), payload);
			rc = open_dir_component(b, cur, name, rel, (size_t)(end - rel), &next);
		}
		if (rc < 0)
			goto fail;
		close(cur);
		cur = next;
		p = end + 1;
	}
	if (strlen(p) > NAME_MAX) {
		rc = vmc_error_set(VMC_EINVAL, "'%s': component longer than %d bytes", rel, NAME_MAX);
		goto fail;
	}
	*dir_fd = cur;
	*base = p;
	return 0;
fail:
	close(cur);
	return rc;
}

static int remove_rec(int dir_fd, const char *name, int depth)
{
	DIR *d;
	struct dirent *e;
	int fd, rc = 0, pass;

	if (unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot remove '%s'", name);
	if (depth >= BENEATH_REMOVE_DEPTH_MAX)
		return vmc_error_set(VMC_EINVAL, "cannot remove '%s': nested deeper than %d", name,
				     BENEATH_REMOVE_DEPTH_MAX);
	for (pass = 0; pass < 3; pass++) {
		fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return vmc_error_set_errno(VMC_EIO, errno, "cannot open '%s'", name);
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			return vmc_error_set_errno(VMC_EIO, errno, "cannot read '%s'", name);
		}
		while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			rc = remove_rec(dirfd(d), e->d_name, depth + 1);
		}
		closedir(d);
		if (rc < 0)
			return vmc_error_prefix(rc, "removing '%s'", name);
		if (unlinkat(dir_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != ENOTEMPTY)
			break;
	}
	return vmc_error_set_errno(VMC_EIO, errno, "cannot remove directory '%s'", name);
}

int beneath_remove(int dir_fd, const char *name)
{
	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return vmc_error_set(VMC_EINVAL, "refusing to remove '%s'", name);
	return remove_rec(dir_fd, name, 0);
}
