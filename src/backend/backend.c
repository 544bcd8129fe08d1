/*
 * backend.c - the table of hypervisor backends and the choice among them.
 * AUTO (or $VMC_BACKEND) resolves here; the manager and the shim never
 * name a backend directly. A macOS build has only vz; a Linux build has
 * qemu and chv (so `--backend vz` there is "not available in this build").
 */
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "core/error.h"
#ifndef __APPLE__
#include "backend/accel.h"
#include "backend/chv_probe.h"
#endif

static const struct backend_ops *const backends[] = {
#ifdef __APPLE__
	&backend_vz_ops,
#else
	&backend_qemu_ops,
	&backend_chv_ops,
#endif
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

#ifndef __APPLE__
/* What Cloud Hypervisor lacks, by capability (not by files: a missing
 * kernel is reported by the backend AUTO picked). It runs on KVM only, so
 * with accel AUTO the host must have a KVM that accel_resolve() would pick:
 * not on a host without /dev/kvm, nor on a PVM host, where stock guest
 * kernels crash. */
static int chv_can_run(const struct vmc_config *cfg)
{
	vmc_accel accel = cfg->accel;

	if (accel == VMC_ACCEL_AUTO && accel_resolve(VMC_ACCEL_AUTO, &accel, NULL, 0) < 0)
		return 0;
	if (accel == VMC_ACCEL_TCG)
		return 0;
	for (size_t i = 0; i < cfg->n_nics; i++)
		if (cfg->nics[i].kind != VMC_NIC_TAP && cfg->nics[i].kind != VMC_NIC_BRIDGE)
			return 0;
	return 1;
}
#endif

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
	/* AUTO: on macOS, VZ. On Linux, Cloud Hypervisor when its binary is
	 * found and it can run this config (it has no user-mode network or
	 * switch port, no TCG: it needs a usable KVM), else QEMU. */
#ifdef __APPLE__
	if (want == VMC_BACKEND_AUTO)
		want = VMC_BACKEND_VZ;
#else
	if (want == VMC_BACKEND_AUTO) {
		char chv[4096];

		want = VMC_BACKEND_QEMU;
		if (chv_binary_find(chv, sizeof(chv)) == 0 && chv_can_run(cfg))
			want = VMC_BACKEND_CHV;
		vmc_error_clear();
	}
#endif
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (backends[i]->kind == want) {
			*out = backends[i];
			return 0;
		}
	}
	return vmc_error_set(VMC_EUNSUPPORTED, "backend %s is not available in this build",
			     backend_label(want));
}
