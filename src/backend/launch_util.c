/*
 * launch_util.c - argv building and file checks shared by the backends
 * (see launch_util.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "backend/launch_util.h"
#include "core/config.h"
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

int launch_check_max(const struct vmc_config *cfg, const char *backend, int can_grow)
{
	if (cfg->max_cpus && cfg->max_cpus < cfg->cpus)
		return vmc_error_set(VMC_EINVAL, "max_cpus %u is below cpus %u", cfg->max_cpus,
				     cfg->cpus);
	if (cfg->max_memory_mib && cfg->max_memory_mib < cfg->memory_mib)
		return vmc_error_set(VMC_EINVAL, "max_memory_mib %u is below memory_mib %u",
				     cfg->max_memory_mib, cfg->memory_mib);
	if (!can_grow && (cfg->max_cpus > cfg->cpus || cfg->max_memory_mib > cfg->memory_mib))
		return vmc_error_set(VMC_EUNSUPPORTED, "the %s backend cannot add vCPUs or memory "
				     "to a running VM (max_cpus, max_memory_mib): use the chv "
				     "backend", backend);
	return 0;
}
