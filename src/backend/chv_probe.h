/*
 * chv_probe.h - what the Cloud Hypervisor backend checks on the host
 * before anything starts: where the `cloud-hypervisor` binary is
 * ($VMC_CHV_BINARY, else PATH), which version it is (`--version`), and
 * whether a kernel is something CH can boot directly on x86_64 (an ELF
 * vmlinux with a PVH entry note, not a bzImage). Used by backend.c for the
 * AUTO choice and by chv.c's validate().
 */
#ifndef VMC_BACKEND_CHV_PROBE_H
#define VMC_BACKEND_CHV_PROBE_H

#include <stddef.h>

#define CHV_BINARY "cloud-hypervisor"
/* The oldest release vmc drives: the flags and endpoints used (e.g.
 * --disk image_type=, --api-socket fd=) were checked against v53's
 * interface, and older releases are refused rather than guessed at. */
#define CHV_MIN_MAJOR 53

/* The binary's path into out: $VMC_CHV_BINARY when set and non-empty
 * (must be executable), else the first executable `cloud-hypervisor` on
 * PATH. VMC_ENOTFOUND with a message saying where it looked; VMC_EINVAL
 * when the path does not fit. */
int chv_binary_find(char *out, size_t out_len);

/* Parses `cloud-hypervisor --version` output ("cloud-hypervisor v53.0",
 * "cloud-hypervisor v53.0-246-gae44c297", "cloud-hypervisor 54.0.0").
 * VMC_EPROTO when there is no version. */
int chv_version_parse(const char *text, int *major, int *minor);

/* Runs `binary --version` (at most timeout_ms) and checks the version is
 * at least CHV_MIN_MAJOR. VMC_EUNSUPPORTED for an older one, VMC_EPROTO
 * for unreadable output, VMC_ETIMEOUT, VMC_EIO. */
int chv_version_check(const char *binary, int timeout_ms, int *major, int *minor);

/* Checks `path` is an x86_64 ELF with a PVH entry note
 * (XEN_ELFNOTE_PHYS32_ENTRY). VMC_EINVAL with a message naming the
 * problem (a bzImage, another ELF, no PVH note), VMC_ENOTFOUND, VMC_EIO. */
int chv_kernel_check(const char *path);

#endif
