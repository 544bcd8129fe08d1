/*
 * chv_vm.h - the Cloud Hypervisor backend's per-VM state, shared by chv.c
 * (command line, API and event monitor), chv_snapshot.c (vm.snapshot and
 * vm.restore) and chv_tap.c (TAP fds). Private to the chv backend.
 */
#ifndef VMC_BACKEND_CHV_VM_H
#define VMC_BACKEND_CHV_VM_H

#include <stdint.h>
#include <sys/types.h>

#include "backend/backend.h"
#include "backend/chv_api.h"
#include "backend/chv_event.h"
#include "backend/virtiofs.h"
#include "core/spawn.h"

#define CHV_CMD_TIMEOUT_MS 5000
/* vm.reboot is synchronous: its events are in the pipe by then */
#define CHV_REBOOT_EVENTS_MS 5000
/* with the event stream broken, vm.info is checked this often instead */
#define CHV_INFO_POLL_MS 500
#define CHV_INFO_TIMEOUT_MS 2000
#define CHV_TAP_FDS_MAX (SPAWN_MAX_PASS_FDS - 2) /* beside the API and event fds */
/* CH's own files (config.json, state.json, memory-ranges) go into this
 * subdirectory of a vmc snapshot, beside vmc's config.json and
 * snapshot.json; CH's config holds paths inside the VM's directory, which
 * the file CHV_SNAPSHOT_ORIGIN names for the restore to rewrite. */
#define CHV_SNAPSHOT_SUBDIR "chv"
#define CHV_SNAPSHOT_ORIGIN "chv-vm-dir"
#define CHV_RESTORE_SUBDIR "chv-restore" /* in the restored VM's directory */

struct backend_vm {
	struct chv_client *api;
	char *api_path;
	char *vm_dir;
	char *restore_dir;          /* the vmc snapshot to restore, or NULL */
	int api_listen_fd;
	int event_rd, event_wr;
	/* the shim's fd: an epoll set holding event_rd, or once the event
	 * stream is broken (malformed, EOF, read error) the poll_fd timerfd
	 * that has vm.info checked every CHV_INFO_POLL_MS instead */
	int loop_fd, poll_fd;
	int info_failed;            /* a polled vm.info failed (logged once) */
	int info_ended;             /* vm.info read no running VM: CH was told to go */
	/* the NICs' TAP fds, NIC by NIC, one per queue pair (-1 once CH has
	 * its copies); NIC i has nic_fds[i] of them */
	int tap_fds[CHV_TAP_FDS_MAX];
	size_t n_tap_fds;
	unsigned int nic_fds[VMC_DEVICES_MAX];
	size_t n_taps;                     /* NICs */
	struct virtiofs_daemon vfs[VMC_DEVICES_MAX];
	size_t n_vfs;
	struct chv_event_reader events;
	pid_t pid;
	int reboot_pending;         /* a vm.reboot of ours: its reset is no end ... */
	int64_t reboot_until;       /* ... if its events come by then (else lost) */
	char **argv;
	size_t argc, argv_cap;
	void (*report)(enum backend_event ev, const char *detail, void *p);
	void *report_payload;
};

/* chv_tap.c: an existing TAP device by name, checked (VMC_ENOTFOUND, a
 * TUN is VMC_EINVAL) and opened (*fd, O_CLOEXEC; VMC_EBUSY, VMC_EIO). */
int chv_tap_check(const char *name);
int chv_tap_open(const char *name, int *fd);

/* chv_snapshot.c */
#define CHV_CONFIG_MAX (4 * 1024 * 1024) /* CH's own API body limit */
#define CHV_DEVICE_ID_MAX 64
/* The config.json of a CH snapshot (untrusted bytes, at most
 * CHV_CONFIG_MAX) made ready for a restore: every string starting with
 * "<old_dir>/" (NULL or "": none) starts with "<new_dir>/" instead, and
 * the NICs' device ids, in order, go to ids[*n_ids]. *out: the rewritten
 * JSON (malloc'd). VMC_EPROTO (not a JSON object, a NIC without a valid
 * id, too deep), VMC_EINVAL (too big), VMC_ENOMEM. */
int chv_restore_config(const char *text, size_t len, const char *old_dir, const char *new_dir,
		       char **out, char ids[VMC_DEVICES_MAX][CHV_DEVICE_ID_MAX], size_t *n_ids);
int chv_snapshot(struct backend_vm *vm, const char *dir, int timeout_ms);
int chv_restore(struct backend_vm *vm, int timeout_ms);

#endif
