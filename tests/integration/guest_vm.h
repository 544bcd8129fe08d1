/*
 * guest_vm.h - boots the default guest under qemu-system-x86_64 directly
 * (no shim, no manager) for the guest-kit tests and bench/guest-boot, or the
 * arm64 guest under qemu-system-aarch64 -M virt: an
 * argv built here, the serial console on a pipe fed through the project's
 * ready-protocol scanner, QMP (and virtiofsd's vhost-user socket) on sockets
 * that are listening before anyone connects, and the QEMU process held by a
 * pidfd. Every wait is one poll() with a
 * deadline over those fds.
 */
#ifndef VMC_TEST_GUEST_VM_H
#define VMC_TEST_GUEST_VM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/ready.h"

#define GUEST_VM_EVENTS_MAX 16
#define GUEST_VM_LOG_MAX (256 * 1024)

struct qmp;

struct guest_vm_opts {
	const char *kernel;       /* vmlinux (PVH) or bzImage; arm64: the raw Image */
	const char *initramfs;
	const char *append;       /* vmc.* and other words after the fixed ones */
	const char *mac;          /* NULL: no NIC; else a virtio-net NIC on user net */
	int qmp;                  /* 1: connect QMP (needed for guest_vm_powerdown) */
	const char *share_dir;    /* non-NULL: export it over virtiofs ... */
	const char *share_tag;    /* ... with this tag (QEMU's virtiofsd) */
	int arm64;                /* 1: the arm64 guest (Image) on qemu-system-aarch64 -M virt */
	int hvc;                  /* 1: console on a virtio console (hvc0), not the UART */
};

struct guest_vm {
	pid_t pid;
	int pidfd;
	pid_t virtiofsd;          /* -1: none */
	int serial_fd;            /* read end of QEMU's stdout */
	struct qmp *qmp;
	char dir[64];             /* private temporary directory */
	struct ready_scanner scanner;
	struct ready_event events[GUEST_VM_EVENTS_MAX];
	size_t n_events;
	size_t consumed;          /* events already returned by guest_vm_wait_event */
	int64_t start_us;         /* before spawning QEMU */
	int64_t ready_us;         /* when VMC_READY arrived, 0 before */
	char shutdown_reason[64]; /* from QMP SHUTDOWN, "" before */
	int exited;
	int status;               /* waitpid status once exited */
	char *log;                /* the console so far, NUL-terminated */
	size_t log_len;
};

/* Where the default guest is: $VMC_GUEST_DIR, else the default output dir
 * of guest/build. Fills kernel/initramfs paths; -1 (with why) if missing. */
int guest_vm_find(char *kernel, char *initramfs, size_t len, char *why, size_t why_len);

/* The same for the arm64 guest (guest/build --arch arm64): Image and
 * initramfs.cpio in $VMC_GUEST_ARM64_DIR, else guest-arm64 beside the
 * default guest's dir. */
int guest_vm_find_arm64(char *kernel, char *initramfs, size_t len, char *why, size_t why_len);

/* "tcg" unless VMC_TEST_ACCEL=kvm. */
const char *guest_vm_accel(void);

/* Starts QEMU. 0 or -1 (message on stderr); on -1 nothing is left running. */
int guest_vm_start(struct guest_vm *vm, const struct guest_vm_opts *o);

/* Waits for the next console event of `kind` (skipping others) within
 * timeout_ms. 0 with *out filled, or -1 (timeout, or QEMU exited). */
int guest_vm_wait_event(struct guest_vm *vm, enum ready_kind kind, int timeout_ms,
			struct ready_event *out);

/* Waits until the console so far contains `text`; 0 or -1. */
int guest_vm_wait_output(struct guest_vm *vm, const char *text, int timeout_ms);

/* Waits for QEMU to exit on its own within timeout_ms; 0 with its waitpid
 * status, or -1. */
int guest_vm_wait_exit(struct guest_vm *vm, int timeout_ms, int *status);

/* QMP system_powerdown (the ACPI power button). 0 or -1. */
int guest_vm_powerdown(struct guest_vm *vm);

/* Kills QEMU if it still runs, reaps it, closes everything, removes the
 * temporary directory. Safe to call twice. */
void guest_vm_stop(struct guest_vm *vm);
/* cmocka: fails the test with `what` and the console so far, after
 * stopping QEMU. */
void guest_vm_fail(struct guest_vm *vm, const char *what);
/* cmocka: expects the workload's VMC_EXIT status=`status`, then QEMU
 * exiting 0 by itself, each within timeout_ms; else guest_vm_fail(). */
void guest_vm_expect_exit(struct guest_vm *vm, int status, int timeout_ms);

#endif
