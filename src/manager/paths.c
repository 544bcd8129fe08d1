/*
 * paths.c - state directory layout and name resolution (see paths.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/error.h"
#include "core/proc.h"
#include "manager/paths.h"
#include "vmc-build-config.h"

int paths_default_state_dir(char **out)
{
	const char *env = getenv("VMC_STATE_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char buf[PATH_MAX];

	if (env && *env)
		snprintf(buf, sizeof(buf), "%s", env);
	else if (geteuid() == 0)
		snprintf(buf, sizeof(buf), "/run/vmc");
	else if (xdg && *xdg)
		snprintf(buf, sizeof(buf), "%s/vmc", xdg);
	else
		snprintf(buf, sizeof(buf), "/tmp/vmc-%u", (unsigned)geteuid());
	*out = strdup(buf);
	return *out ? 0 : vmc_error_oom();
}

int paths_parse_ref(const char *ref, char ns[VMC_NAME_MAX + 1], char name[VMC_NAME_MAX + 1])
{
	const char *slash;
	size_t nslen;

	if (!ref || !*ref)
		return vmc_error_set(VMC_EINVAL, "no vm name given");
	slash = strchr(ref, '/');
	if (!slash) {
		memcpy(ns, "default", 8);
		if (!config_name_valid(ref))
			return vmc_error_set(VMC_EINVAL, "invalid vm name '%s'", ref);
		memcpy(name, ref, strlen(ref) + 1);
		return 0;
	}
	nslen = (size_t)(slash - ref);
	if (nslen == 0 || nslen > VMC_NAME_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid vm reference '%s'", ref);
	memcpy(ns, ref, nslen);
	ns[nslen] = '\0';
	if (!config_name_valid(ns) || !config_name_valid(slash + 1) ||
	    !strcmp(ns, PATHS_NETWORKS_DIR))
		return vmc_error_set(VMC_EINVAL, "invalid vm reference '%s'", ref);
	memcpy(name, slash + 1, strlen(slash + 1) + 1);
	return 0;
}

char *paths_vm(const char *state_dir, const char *ns, const char *name, const char *file)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s/%s%s%s", state_dir, ns, name, file ? "/" : "", file ? file : "") < 0)
		return NULL;
	return p;
}

static int try_candidate(const char *path, char **out)
{
	if (access(path, X_OK) != 0)
		return 0;
	*out = strdup(path);
	return *out ? 1 : -1;
}

int paths_find_shim(const char *explicit_path, char **out)
{
	const char *env = getenv("VMC_SHIM");
	char exe[PATH_MAX], cand[PATH_MAX + 32];
	ssize_t n;
	int r;

	*out = NULL;
	if (explicit_path)
		return (*out = strdup(explicit_path)) ? 0 : vmc_error_oom();
	if (env && *env)
		return (*out = strdup(env)) ? 0 : vmc_error_oom();
	n = proc_self_exe(exe, sizeof(exe));
	if (n > 0) {
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* installed side by side, or a meson build tree (src/cli, tests/...) */
			const char *rel[] = { "vmc-shim", "../shim/vmc-shim", "../../src/shim/vmc-shim",
					      "../src/shim/vmc-shim", "../libexec/vmc/vmc-shim" };
			for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
				snprintf(cand, sizeof(cand), "%s/%s", exe, rel[i]);
				r = try_candidate(cand, out);
				if (r)
					return r < 0 ? vmc_error_oom() : 0;
			}
		}
	}
	snprintf(cand, sizeof(cand), "%s/vmc-shim", VMC_LIBEXECDIR);
	r = try_candidate(cand, out);
	if (r)
		return r < 0 ? vmc_error_oom() : 0;
	return vmc_error_set(VMC_ENOTFOUND, "vmc-shim not found (set VMC_SHIM or install vmc)");
}
