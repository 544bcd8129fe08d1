/*
 * beneath.h - path handling confined to a directory tree (a rootfs being
 * unpacked): lexical cleaning of archive paths, a walk that opens every
 * component beneath a root without following any symbolic link
 * (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
 * falling back to openat O_NOFOLLOW one component at a time), and
 * recursive removal that never leaves the directory it starts from.
 */
#ifndef VMC_IMAGE_BENEATH_H
#define VMC_IMAGE_BENEATH_H

#include <limits.h>
#include <stddef.h>

struct beneath {
	int root_fd;       /* O_PATH | O_DIRECTORY, borrowed */
	int no_openat2;    /* set once openat2 said ENOSYS */
};

/* Cleans `in` (an archive member name) into `out`: "." and empty
 * components dropped, a trailing '/' ignored. An absolute path, a ".."
 * component, an empty or over-long name is VMC_EINVAL ("absolute path",
 * "'..' component"). `out` may become "" (the root itself). */
int beneath_clean(const char *in, char out[PATH_MAX]);

/* Opens single component `name` (no '/') of directory `dir_fd` with
 * `flags` (| O_NOFOLLOW | O_CLOEXEC), refusing symlinks. Returns the fd or
 * -1 with errno (ELOOP for a symlink, ENOTDIR, ENOENT, ...). */
int beneath_open1(struct beneath *b, int dir_fd, const char *name, int flags);

/* Opens the directory containing the last component of the cleaned path
 * `rel` as an O_PATH fd (*dir_fd), and points *base at that component.
 * With `create`, missing directories are made (0755) and each one created
 * is reported to `made(path, len, payload)` when given. Without it, a
 * missing directory is VMC_ENOTFOUND (no message). A symlink or
 * non-directory on the way is VMC_EINVAL naming it. */
int beneath_parent(struct beneath *b, const char *rel, int create, int *dir_fd,
		   const char **base, void (*made)(const char *path, size_t len, void *payload),
		   void *payload);

/* rm -rf of `name` in `dir_fd`, never following symlinks (a symlink is
 * removed, not its target). A missing name is not an error. */
int beneath_remove(int dir_fd, const char *name);

#endif
