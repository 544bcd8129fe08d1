/*
 * backend.c - the table of hypervisor backends and the choice among them.
 * AUTO (or $VMC_BACKEND) resolves here; the manager and the shim never
 * name a backend directly.
 */
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/chv_probe.h"
#include "core/error.h"

static const struct backend_ops *const backends[] = {
	&backend_qemu_ops,
	&backend_chv_ops,
};

static int backend_from_env(vmc_backend *out)
{
	const char *env = getenv("VMC_BACKEND");

	if (!env || !*env || !strcmp(env, "auto")) {
		*out = VMC_BACKEND_AUTO;
		return 0;
	}
	if (!strcmp(env, "qemu"))
		*out = VMC_BACKEND_QEMU;
	else if (!strcmp(env, "chv"))
		*out = VMC_BACKEND_CHV;
	else if (!strcmp(env, "vz"))
		*out = VMC_BACKEND_VZ;
	else
		return vmc_error_set(VMC_EINVAL, "invalid VMC_BACKEND '%s': auto, qemu, chv or vz", env);
	return 0;
}

static const char *backend_label(vmc_backend b)
{
	switch (b) {
	case VMC_BACKEND_QEMU: return "qemu";
	case VMC_BACKEND_CHV: return "chv (Cloud Hypervisor)";
	case VMC_BACKEND_VZ: return "vz (Virtualization.framework)";
	default: return "auto";
	}
}

int backend_for_config(const struct backend_ops **out, const struct vmc_config *cfg)
{
	vmc_backend want = cfg->backend;
	int rc;

	*out = NULL;
	if (want == VMC_BACKEND_AUTO) {
		rc = backend_from_env(&want);
		if (rc < 0)
			return rc;
	}
	/* AUTO: Cloud Hypervisor when its binary is found, else QEMU (VZ is
	 * not built yet). */
	if (want == VMC_BACKEND_AUTO) {
		char chv[4096];

		want = chv_binary_find(chv, sizeof(chv)) == 0 ? VMC_BACKEND_CHV : VMC_BACKEND_QEMU;
		vmc_error_clear();
	}
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (backends[i]->kind == want) {
			*out = backends[i];
			return 0;
		}
	}
	return vmc_error_set(VMC_EUNSUPPORTED, "backend %s is not available in this build",
			     backend_label(want));
}
