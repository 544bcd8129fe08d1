/*
 * qemu_snapshot.c - snapshots on the QEMU backend. Saving streams QEMU's
 * migration of the paused VM into <dir>/memory through a file descriptor
 * passed over QMP (getfd: QEMU needs no access to the directory) and waits
 * for the MIGRATION event. Restoring starts QEMU with `-incoming defer`
 * and the file as fd 4 (see qemu.c), then migrate-incoming. The VM is
 * paused at the end of both; the shim decides what runs next.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/qemu_vm.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/fsutil.h"

/* Migration with events on; the MIGRATION event then says how it ended. */
static int migration_events_on(struct backend_vm *vm)
{
	json_t *caps = json_pack("{s:[{s:s, s:b}]}", "capabilities", "capability", "events",
				 "state", 1);
	int rc = caps ? qmp_execute(vm->qmp, "migrate-set-capabilities", caps, QMP_CMD_TIMEOUT_MS,
				    NULL)
		      : vmc_error_oom();

	json_decref(caps);
	vm->migration[0] = '\0';
	return rc;
}

static int migration_wait(struct backend_vm *vm, int timeout_ms, const char *what)
{
	int64_t deadline = clock_deadline(timeout_ms);
	int rc;

	for (;;) {
		if (!strcmp(vm->migration, "completed"))
			return 0;
		if (!strcmp(vm->migration, "failed") || !strcmp(vm->migration, "cancelled"))
			return vmc_error_set(VMC_ERROR, "%s %s (see vmm.log)", what, vm->migration);
		if (deadline >= 0 && clock_remaining_ms(deadline) == 0)
			return vmc_error_set(VMC_ETIMEOUT, "%s did not finish in %d ms", what,
					     timeout_ms);
		rc = qmp_wait_dispatch(vm->qmp, clock_remaining_ms(deadline));
		if (rc < 0)
			return vmc_error_prefix(rc, "%s", what);
	}
}

/* The migration stream goes to a file QEMU receives over the QMP socket
 * (getfd): QEMU needs no access to the snapshot directory. */
int qemu_snapshot(struct backend_vm *vm, const char *dir, int timeout_ms)
{
	char *tmp = fs_join(dir, SNAPSHOT_MEMORY ".tmp"), *final = fs_join(dir, SNAPSHOT_MEMORY);
	json_t *args = NULL;
	int fd = -1, rc;

	if (!tmp || !final) {
		rc = vmc_error_oom();
		goto out;
	}
	if (!vm->qmp) {
		rc = vmc_error_set(VMC_EINVALSTATE, "qmp is not connected");
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot create '%s'", tmp);
		goto out;
	}
	rc = migration_events_on(vm);
	if (rc < 0)
		goto out;
	args = json_pack("{s:s}", "fdname", SNAPSHOT_FDNAME);
	rc = qmp_execute_fd(vm->qmp, "getfd", args, fd, QMP_CMD_TIMEOUT_MS, NULL);
	json_decref(args);
	if (rc < 0)
		goto out;
	args = json_pack("{s:s}", "uri", "fd:" SNAPSHOT_FDNAME);
	rc = qmp_execute(vm->qmp, "migrate", args, QMP_CMD_TIMEOUT_MS, NULL);
	json_decref(args);
	if (rc == 0)
		rc = migration_wait(vm, timeout_ms, "snapshot");
	if (rc == 0 && fsync(fd) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot write '%s'", tmp);
	if (rc == 0 && rename(tmp, final) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot rename '%s'", tmp);
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp)
		unlink(tmp);
	free(tmp);
	free(final);
	return rc;
}

/* QEMU was started with -incoming defer and the memory file as fd 4. */
int qemu_restore(struct backend_vm *vm, int timeout_ms)
{
	json_t *args;
	char uri[32];
	int rc;

	if (vm->restore_fd < 0)
		return vmc_error_set(VMC_EINVAL, "not started from a snapshot");
	rc = migration_events_on(vm);
	if (rc < 0)
		return rc;
	snprintf(uri, sizeof(uri), "fd:%d", RESTORE_PASS_FD);
	args = json_pack("{s:s}", "uri", uri);
	rc = qmp_execute(vm->qmp, "migrate-incoming", args, QMP_CMD_TIMEOUT_MS, NULL);
	json_decref(args);
	if (rc == 0)
		rc = migration_wait(vm, timeout_ms, "restore");
	close(vm->restore_fd);
	vm->restore_fd = -1;
	return rc;
}


