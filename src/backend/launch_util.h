/*
 * launch_util.h - pieces every backend's launch needs: growing a
 * NULL-terminated argv one formatted argument at a time, and checking the
 * files a config names (exists, regular, readable, writable unless
 * read-only) with the messages users see, and the resize head room.
 */
#ifndef VMC_BACKEND_LAUNCH_UTIL_H
#define VMC_BACKEND_LAUNCH_UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* Appends vasprintf(fmt, ap) to *argv (n entries, room for cap), keeping
 * it NULL-terminated. VMC_ENOMEM on failure (argv unchanged). */
int launch_argv_vadd(char ***argv, size_t *n, size_t *cap, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
/* Frees the entries and the array; resets the fields. */
void launch_argv_free(char ***argv, size_t *n, size_t *cap);
/* VMC_EINVAL (none given, not a readable regular file, not writable when
 * want_write), VMC_ENOTFOUND (missing); `what` names it ("kernel"). */
int launch_check_file(const char *what, const char *path, int want_write);

struct vmc_config;
/* The resize head room (max_cpus, max_memory_mib): VMC_EINVAL below the
 * boot value; above it VMC_EUNSUPPORTED unless the backend can_grow. */
int launch_check_max(const struct vmc_config *cfg, const char *backend, int can_grow);

#endif
