/*
 * qemu_vm.h - the QEMU backend's per-VM state, shared by qemu.c (command
 * line, QMP control) and qemu_snapshot.c (snapshot and restore through
 * QEMU's migration stream). Private to the QEMU backend.
 */
#ifndef VMC_BACKEND_QEMU_VM_H
#define VMC_BACKEND_QEMU_VM_H

#include "backend/backend.h"
#include "backend/qmp.h"
#include "backend/virtiofs.h"

#define QEMU_BINARY "qemu-system-x86_64"
#define QMP_PASS_FD 3
#define RESTORE_PASS_FD 4     /* the snapshot's memory file, for -incoming */
#define TAP_PASS_FD_BASE 10   /* bridge NICs' TAP queues: from here on, in NIC order */
#define SNAPSHOT_FDNAME "vmc-snapshot"
#define SNAPSHOT_MEMORY "memory"
#define QMP_CMD_TIMEOUT_MS 5000

struct backend_vm {
	struct qmp *qmp;
	struct virtiofs_daemon vfs[VMC_DEVICES_MAX];
	size_t n_vfs;
	int qmp_listen_fd;
	char *qmp_path;
	const char *vm_dir;         /* borrowed from the launch (the shim's) */
	char **argv;
	size_t argc, argv_cap;
	void (*report)(enum backend_event ev, const char *detail, void *p);
	void *report_payload;
	int restore_fd;             /* snapshot memory file being restored */
	int tap_fds[SPAWN_MAX_PASS_FDS]; /* bridge NICs' TAP queues until QEMU has them, else -1 */
	char migration[32];         /* last MIGRATION event status */
};

int qemu_command(struct backend_vm *vm, const char *cmd);
int qemu_snapshot(struct backend_vm *vm, const char *dir, int timeout_ms);
int qemu_restore(struct backend_vm *vm, int timeout_ms);

#endif
