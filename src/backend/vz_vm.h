/*
 * vz_vm.h - the vz backend's per-VM state, shared by vz.c (the backend
 * ops: calls on the VM's queue) and vz_config.c (the configuration, the
 * VZVirtualMachine and its delegate). macOS only.
 */
#ifndef VMC_BACKEND_VZ_VM_H
#define VMC_BACKEND_VZ_VM_H

#include <dispatch/dispatch.h>

#include "backend/backend.h"
#include "backend/vz_objc.h"
#include "backend/vz_plan.h"

#define VZ_TEXT_MAX 200

/* One record on the event pipe: a backend_event and its detail. Smaller
 * than PIPE_BUF (512 on macOS), so written atomically. */
struct vz_event {
	int kind;
	int has_text;
	char text[VZ_TEXT_MAX];
};

struct backend_vm {
	struct vz_plan plan;
	dispatch_queue_t queue;
	id config;                  /* VZVirtualMachineConfiguration, +1 */
	id vm;                      /* VZVirtualMachine, +1 */
	id delegate;                /* our delegate, +1 (VZ holds it weakly) */
	int console_fd;             /* dup of the shim's console pipe */
	int ev_rd, ev_wr;           /* event pipe: queue -> shim */
	int ended;                  /* queue only: EXITED sent */
	unsigned char *machine_id;  /* dataRepresentation bytes, for snapshots */
	size_t machine_id_len;
	void (*report)(enum backend_event ev, const char *detail, void *p);
	void *report_payload;
};

/* Queue side: one event record to the shim. */
void vz_post_event(struct backend_vm *vm, enum backend_event kind, const char *text);
/* Queue side: the VM ended (EXITED is sent at most once). error NULL: a
 * clean stop. */
void vz_vm_ended(struct backend_vm *vm, const char *error);
/* Queue side: builds vm->config from vm->plan (saving a new machine
 * identifier), validates it, and creates vm->vm with its delegate. */
int vz_build_vm(struct backend_vm *vm);

#endif
