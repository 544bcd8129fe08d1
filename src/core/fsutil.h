/*
 * fsutil.h - the few filesystem operations vmc needs done carefully:
 * atomic replacement of small files, bounded reads, recursive creation and
 * removal that never follows symbolic links out of the tree.
 */
#ifndef VMC_CORE_FSUTIL_H
#define VMC_CORE_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p; existing directories are fine. */
int fs_mkdir_p(const char *path, mode_t mode);
/* Writes `data` to a unique temporary file next to `path` and renames it
 * over `path`. With `durable`, fsyncs the file and the directory too. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, int durable);
/* Reads at most `max` bytes of a regular file into a NUL-terminated
 * buffer (*out, caller frees). A larger file is VMC_EINVAL; a missing one
 * VMC_ENOTFOUND. */
int fs_read_file(const char *path, size_t max, char **out, size_t *len);
/* rm -rf without following symlinks. A missing path is not an error. */
int fs_remove_tree(const char *path);
/* malloc'd "a/b". */
char *fs_join(const char *a, const char *b);
/* Opens <dir>/<name> (created 0600 if missing) and waits for an exclusive
 * flock on it: 0 with *fd holding the lock (close it to release), or < 0
 * with *fd = -1 (VMC_ENOTFOUND when dir does not exist). */
int fs_lock(const char *dir, const char *name, int *fd);
/* 1 if `path` names an existing regular file readable by us. */
int fs_is_readable_file(const char *path);

#endif
