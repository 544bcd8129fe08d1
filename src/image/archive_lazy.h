/*
 * archive_lazy.h - libarchive loaded on first use (see core/lazylib.h).
 * Included right after <archive.h> and <archive_entry.h> by the files
 * that call libarchive: it renames each function vmc uses to its lazy_
 * wrapper. The entry point archive_read_new() returns NULL when the
 * library cannot be loaded; archive_lazy_failed() then sets the vmc error.
 */
#ifndef VMC_IMAGE_ARCHIVE_LAZY_H
#define VMC_IMAGE_ARCHIVE_LAZY_H

#include <archive.h>
#include <archive_entry.h>

/* When libarchive could not be loaded: sets the vmc error ("libarchive.so.13
 * could not be loaded (install libarchive13): ...") and returns its code;
 * otherwise 0. */
int archive_lazy_failed(void);

struct archive *lazy_archive_read_new(void);
int lazy_archive_read_free(struct archive *a);
int lazy_archive_read_support_filter_gzip(struct archive *a);
int lazy_archive_read_support_filter_zstd(struct archive *a);
int lazy_archive_read_support_filter_none(struct archive *a);
int lazy_archive_read_support_format_tar(struct archive *a);
int lazy_archive_read_open2(struct archive *a, void *data, archive_open_callback *o, archive_read_callback *r, archive_skip_callback *s, archive_close_callback *c);
int lazy_archive_read_next_header(struct archive *a, struct archive_entry **e);
int lazy_archive_read_data_block(struct archive *a, const void **buf, size_t *size, la_int64_t *offset);
const char *lazy_archive_error_string(struct archive *a);
time_t lazy_archive_entry_atime(struct archive_entry *e);
long lazy_archive_entry_atime_nsec(struct archive_entry *e);
int lazy_archive_entry_atime_is_set(struct archive_entry *e);
time_t lazy_archive_entry_mtime(struct archive_entry *e);
long lazy_archive_entry_mtime_nsec(struct archive_entry *e);
__LA_MODE_T lazy_archive_entry_filetype(struct archive_entry *e);
__LA_MODE_T lazy_archive_entry_perm(struct archive_entry *e);
la_int64_t lazy_archive_entry_uid(struct archive_entry *e);
la_int64_t lazy_archive_entry_gid(struct archive_entry *e);
la_int64_t lazy_archive_entry_size(struct archive_entry *e);
int lazy_archive_entry_size_is_set(struct archive_entry *e);
const char *lazy_archive_entry_pathname(struct archive_entry *e);
const char *lazy_archive_entry_hardlink(struct archive_entry *e);
const char *lazy_archive_entry_symlink(struct archive_entry *e);
dev_t lazy_archive_entry_rdevmajor(struct archive_entry *e);
dev_t lazy_archive_entry_rdevminor(struct archive_entry *e);
int lazy_archive_entry_xattr_reset(struct archive_entry *e);
int lazy_archive_entry_xattr_next(struct archive_entry *e, const char **name, const void **value, size_t *size);
void lazy_archive_set_error(struct archive *a, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define archive_read_new lazy_archive_read_new
#define archive_read_free lazy_archive_read_free
#define archive_read_support_filter_gzip lazy_archive_read_support_filter_gzip
#define archive_read_support_filter_zstd lazy_archive_read_support_filter_zstd
#define archive_read_support_filter_none lazy_archive_read_support_filter_none
#define archive_read_support_format_tar lazy_archive_read_support_format_tar
#define archive_read_open2 lazy_archive_read_open2
#define archive_read_next_header lazy_archive_read_next_header
#define archive_read_data_block lazy_archive_read_data_block
#define archive_error_string lazy_archive_error_string
#define archive_entry_atime lazy_archive_entry_atime
#define archive_entry_atime_nsec lazy_archive_entry_atime_nsec
#define archive_entry_atime_is_set lazy_archive_entry_atime_is_set
#define archive_entry_mtime lazy_archive_entry_mtime
#define archive_entry_mtime_nsec lazy_archive_entry_mtime_nsec
#define archive_entry_filetype lazy_archive_entry_filetype
#define archive_entry_perm lazy_archive_entry_perm
#define archive_entry_uid lazy_archive_entry_uid
#define archive_entry_gid lazy_archive_entry_gid
#define archive_entry_size lazy_archive_entry_size
#define archive_entry_size_is_set lazy_archive_entry_size_is_set
#define archive_entry_pathname lazy_archive_entry_pathname
#define archive_entry_hardlink lazy_archive_entry_hardlink
#define archive_entry_symlink lazy_archive_entry_symlink
#define archive_entry_rdevmajor lazy_archive_entry_rdevmajor
#define archive_entry_rdevminor lazy_archive_entry_rdevminor
#define archive_entry_xattr_reset lazy_archive_entry_xattr_reset
#define archive_entry_xattr_next lazy_archive_entry_xattr_next
#define archive_set_error lazy_archive_set_error

#endif
