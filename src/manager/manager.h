/*
 * manager.h - the inside of vmc_manager, shared by manager.c (lifecycle
 * requests) and events.c (the pollable event source).
 */
#ifndef VMC_MANAGER_H_INTERNAL
#define VMC_MANAGER_H_INTERNAL

#include <sys/types.h>
#include "vmc.h"

struct mgr_watch;

struct vmc_manager {
	char *state_dir;
	char *shim_path;
	vmc_event_cb cb;
	void *payload;
	int epfd;            /* vmc_manager_fd(): inotify + shim pidfds */
	int inofd;
	int root_wd;
	struct mgr_watch *watches;
};

/* What the shim records in state.json. */
struct shim_record {
	vmc_state state;
	pid_t shim_pid;
	unsigned long long shim_start;
	pid_t hv_pid;
	unsigned long long hv_start;
};

int mgr_record_read(const char *vm_dir, struct shim_record *out);
/* The state of ns/name, repairing the record if its shim died. */
int mgr_vm_state(vmc_manager *mgr, const char *ns, const char *name, vmc_state *out,
		 struct shim_record *rec_out);

/* events.c */
int mgr_events_start(vmc_manager *mgr);
void mgr_events_free(vmc_manager *mgr);

#endif
