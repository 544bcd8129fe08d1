/*
 * archive_lazy.c - the libarchive functions vmc uses, resolved on first
 * use (see archive_lazy.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/lazylib.h"
#include "image/archive_lazy.h"

static struct lazylib archive_lib = {
#ifdef __APPLE__
	.soname = "libarchive.13.dylib",
	.package = "libarchive",
#else
	.soname = "libarchive.so.13",
	.package = "libarchive13",
#endif
};

int archive_lazy_failed(void)
{
	return lazylib_failed(&archive_lib);
}

LAZYLIB_WRAP(archive_lib, struct archive *, archive_read_new, (void), (), NULL)
LAZYLIB_WRAP(archive_lib, int, archive_read_free, (struct archive *a), (a), ARCHIVE_FATAL)
LAZYLIB_WRAP(archive_lib, int, archive_read_support_filter_gzip, (struct archive *a), (a), ARCHIVE_FATAL)
LAZYLIB_WRAP(archive_lib, int, archive_read_support_filter_zstd, (struct archive *a), (a), ARCHIVE_FATAL)
LAZYLIB_WRAP(archive_lib, int, archive_read_support_filter_none, (struct archive *a), (a), ARCHIVE_FATAL)
LAZYLIB_WRAP(archive_lib, int, archive_read_support_format_tar, (struct archive *a), (a), ARCHIVE_FATAL)
LAZYLIB_WRAP(archive_lib, int, archive_read_open2, (struct archive *a, void *data, archive_open_callback *o, archive_read_callback *r, archive_skip_callback *s, archive_close_callback *c), (a, data, o, r, s, c), ARCHIVE_FATAL)
LAZYLIB_WRAP(archive_lib, int, archive_read_next_header, (struct archive *a, struct archive_entry **e), (a, e), ARCHIVE_FATAL)
LAZYLIB_WRAP(archive_lib, int, archive_read_data_block, (struct archive *a, const void **buf, size_t *size, la_int64_t *offset), (a, buf, size, offset), ARCHIVE_FATAL)
LAZYLIB_WRAP(archive_lib, const char *, archive_error_string, (struct archive *a), (a), "libarchive could not be loaded")
LAZYLIB_WRAP(archive_lib, time_t, archive_entry_atime, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, long, archive_entry_atime_nsec, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, int, archive_entry_atime_is_set, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, time_t, archive_entry_mtime, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, long, archive_entry_mtime_nsec, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, __LA_MODE_T, archive_entry_filetype, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, __LA_MODE_T, archive_entry_perm, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, la_int64_t, archive_entry_uid, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, la_int64_t, archive_entry_gid, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, la_int64_t, archive_entry_size, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, int, archive_entry_size_is_set, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, const char *, archive_entry_pathname, (struct archive_entry *e), (e), NULL)
LAZYLIB_WRAP(archive_lib, const char *, archive_entry_hardlink, (struct archive_entry *e), (e), NULL)
LAZYLIB_WRAP(archive_lib, const char *, archive_entry_symlink, (struct archive_entry *e), (e), NULL)
LAZYLIB_WRAP(archive_lib, dev_t, archive_entry_rdevmajor, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, dev_t, archive_entry_rdevminor, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, int, archive_entry_xattr_reset, (struct archive_entry *e), (e), 0)
LAZYLIB_WRAP(archive_lib, int, archive_entry_xattr_next, (struct archive_entry *e, const char **name, const void **value, size_t *size), (e, name, value, size), ARCHIVE_WARN)

/* Variadic in libarchive: the message is formatted here and passed as
 * one string. */
void lazy_archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
	static void *slot;
	void (*fn)(struct archive *, int, const char *, ...);
	void *p = lazylib_cached(&archive_lib, &slot, "archive_set_error");
	char msg[256];
	va_list ap;

	if (!p)
		return;
	memcpy(&fn, &p, sizeof(fn));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(a, err, "%s", msg);
}
