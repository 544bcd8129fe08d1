/*
 * accel.h - which accelerator a hypervisor should use on this host, and the
 * host TSC frequency a TCG guest needs (tsc_early_khz=). KVM is chosen
 * automatically only when /dev/kvm opens read-write, speaks API version 12
 * and is not a PVM host (/sys/module/kvm_pvm): PVM's KVM only runs guests
 * built for PVM, and stock kernels crash on it. The probe reads files
 * only; it never starts a VM.
 */
#ifndef VMC_BACKEND_ACCEL_H
#define VMC_BACKEND_ACCEL_H

#include <stddef.h>
#include "vmc.h"

#define ACCEL_KVM_API_VERSION 12

/* Where accel_resolve looks; tests point it at a fake tree. */
struct accel_probe {
	const char *root;               /* prefix for /dev and /sys paths; "" = real host */
	/* Returns KVM_GET_API_VERSION for an open /dev/kvm fd, or < 0 with
	 * errno set. NULL: the real ioctl. */
	int (*api_version)(int fd);
};

/* Resolves `requested` for this host into *out (VMC_ACCEL_KVM or
 * VMC_ACCEL_TCG). AUTO: KVM if usable, else TCG. KVM: VMC_EUNSUPPORTED
 * when /dev/kvm is missing or unusable; allowed on a PVM host (the user's
 * choice). TCG: always TCG. `why` (may be NULL) receives one line saying
 * why that accelerator was chosen, truncated to why_len. */
int accel_resolve(vmc_accel requested, vmc_accel *out, char *why, size_t why_len);
int accel_resolve_with(const struct accel_probe *probe, vmc_accel requested, vmc_accel *out,
		       char *why, size_t why_len);

/* The host's TSC frequency in kHz, as the first "cpu MHz" of /proc/cpuinfo
 * times 1000, rounded (a TCG guest reads the host's TSC). VMC_ENOTFOUND if
 * there is no such line, VMC_EIO if the file cannot be read, VMC_EPROTO if
 * the value is malformed or out of range (1 MHz .. 100 GHz). */
int accel_host_tsc_khz(unsigned long *out);
int accel_tsc_khz_from(const char *cpuinfo_path, unsigned long *out);

#endif
