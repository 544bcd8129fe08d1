/*
 * launch_util.c - argv building and file checks shared by the backends
 * (see launch_util.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend/launch_util.h"
#include "core/error.h"
#include "core/fsutil.h"

int launch_argv_vadd(char ***argv, size_t *n, size_t *cap, const char *fmt, va_list ap)
{
	char *s = NULL;

	if (*n + 2 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		char **p = realloc(*argv, ncap * sizeof(*p));
		if (!p)
			return vmc_error_oom();
		*argv = p;
		*cap = ncap;
	}
	if (vasprintf(&s, fmt, ap) < 0)
		return vmc_error_oom();
	(*argv)[(*n)++] = s;
	(*argv)[*n] = NULL;
	return 0;
}

void launch_argv_free(char ***argv, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < *n; i++)
		free((*argv)[i]);
	free(*argv);
	*argv = NULL;
	*n = *cap = 0;
}

int launch_check_file(const char *what, const char *path, int want_write)
{
	if (!path)
		return vmc_error_set(VMC_EINVAL, "no %s given", what);
	if (access(path, F_OK) < 0)
		return vmc_error_set(VMC_ENOTFOUND, "%s '%s' does not exist", what, path);
	if (!fs_is_readable_file(path))
		return vmc_error_set(VMC_EINVAL, "%s '%s' is not a readable regular file", what, path);
	if (want_write && access(path, W_OK) < 0)
		return vmc_error_set(VMC_EINVAL, "%s '%s' is not writable (add :ro for read-only)",
				     what, path);
	return 0;
}
