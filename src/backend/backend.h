/*
 * backend.h - the one interface between vmc's hypervisor-independent parts
 * (manager, shim) and a hypervisor backend (qemu.c, chv.c; vz.c on macOS).
 * The manager only calls validate(); everything else runs inside vmc-shim,
 * which owns the hypervisor process, its console and its control channel.
 * An in-process backend (vz) has no hypervisor process: the VM runs inside
 * the shim, and its end is reported as BACKEND_EV_EXITED. Backends are
 * listed in one table in backend.c.
 */
#ifndef VMC_BACKEND_H
#define VMC_BACKEND_H

#include <sys/types.h>
#include "core/config.h"
#include "core/spawn.h"

struct backend_vm; /* a backend's per-VM state, private to the backend */

/* What the backend tells the shim about the guest, from its control channel. */
enum backend_event {
	BACKEND_EV_PAUSED,
	BACKEND_EV_RESUMED,
	BACKEND_EV_POWERDOWN,   /* graceful stop requested and acknowledged */
	BACKEND_EV_SHUTDOWN,    /* guest shut down (hypervisor about to exit) */
	BACKEND_EV_RESET,       /* guest reset (panic=-1 / reboot with -no-reboot) */
	BACKEND_EV_PANICKED,
	/* In-process backends only: the VM has ended. detail NULL: it stopped
	 * (guest power-off, or the host's forced stop); else the framework's
	 * error text, and the VM failed. */
	BACKEND_EV_EXITED,
	BACKEND_EV_REBOOTED,    /* a reboot() asked for has happened */
};

/* A helper process the hypervisor needs (virtiofsd for a share). The
 * shim starts it before the hypervisor, with `listen_fd` as fd 3, kills it
 * with the VM, and reaps it. */
struct backend_sidecar {
	char **argv;
	int listen_fd;          /* passed as fd 3; owned by the backend */
	const char *ro_path;    /* if set: bind-mounted read-only for the child */
};

/* Files and fds the shim prepared for the hypervisor. */
struct backend_launch {
	const char *vm_dir;     /* the VM's directory (absolute) */
	char **argv;            /* filled by build_argv, freed by the backend */
	int pass_fds[SPAWN_MAX_PASS_FDS]; /* fds the child must inherit ... */
	int pass_to[SPAWN_MAX_PASS_FDS];  /* ... at these numbers */
	int n_pass_fds;
	struct backend_sidecar sidecars[VMC_DEVICES_MAX];
	int n_sidecars;
	const char *restore_dir; /* set: start from this snapshot (see restore) */
	/* In-process backends: the write end of the shim's console pipe, where
	 * the guest console goes (the backend dups it). Unused otherwise. */
	int console_fd;
};

struct backend_ops {
	const char *name;       /* "qemu" */
	vmc_backend kind;
	/* 1: the VM runs inside the shim (prepare gives no argv, attach gets
	 * pid 0 and starts the VM, and quit is the forced stop). */
	int in_process;
	/* Checks every field of cfg can be honoured and the files exist.
	 * VMC_EUNSUPPORTED, VMC_ENOTFOUND, VMC_EINVAL. No side effects. */
	int (*validate)(const struct vmc_config *cfg);
	/* Shim: allocates per-VM state and any listening sockets (e.g. QMP)
	 * under vm_dir, then fills launch->argv and pass_fds. */
	int (*prepare)(struct backend_vm **out, const struct vmc_config *cfg,
		       struct backend_launch *launch);
	/* Shim, after the hypervisor is spawned: connects its control channel
	 * within timeout_ms. From then on the backend reports guest events
	 * through report(), also while one of the commands below waits. */
	int (*attach)(struct backend_vm *vm, pid_t pid, int timeout_ms,
		      void (*report)(enum backend_event ev, const char *detail, void *p),
		      void *p);
	/* The control-channel fd for the shim's loop, or -1. */
	int (*fd)(struct backend_vm *vm);
	/* Shim, when fd() is readable: reads and reports events. Returns < 0
	 * when the channel is gone. */
	int (*on_readable)(struct backend_vm *vm);
	int (*powerdown)(struct backend_vm *vm);  /* ask the guest to power off */
	int (*pause)(struct backend_vm *vm);
	int (*resume)(struct backend_vm *vm);
	int (*quit)(struct backend_vm *vm);       /* hypervisor exits now, no guest involvement */
	/* Saves the paused VM's memory and device state into the existing
	 * directory `dir` (the backend's own files; the shim adds the VM's
	 * config and state). NULL: snapshots are not supported. */
	int (*snapshot)(struct backend_vm *vm, const char *dir, int timeout_ms);
	/* After attach, for a launch with restore_dir: loads the state; the VM
	 * is left paused. */
	int (*restore)(struct backend_vm *vm, int timeout_ms);
	/* Hot changes to a running or paused VM; NULL: not supported. resize:
	 * cpus / memory_mib 0 leave that one unchanged (the shim has checked
	 * them against the config's maximum). disk_add: path absolute and
	 * checked; the hypervisor's device id into id[id_len]. */
	int (*resize)(struct backend_vm *vm, unsigned int cpus, unsigned int memory_mib,
		      int timeout_ms);
	int (*disk_add)(struct backend_vm *vm, const char *path, vmc_disk_format format,
			int read_only, char *id, size_t id_len);
	int (*disk_remove)(struct backend_vm *vm, const char *id);
	/* Resets the guest in place (the VM goes on); NULL: not supported. */
	int (*reboot)(struct backend_vm *vm);
	void (*free)(struct backend_vm *vm);
};

/* The backend for cfg->backend (AUTO resolved for this host), or NULL with
 * VMC_EUNSUPPORTED set. */
int backend_for_config(const struct backend_ops **out, const struct vmc_config *cfg);

extern const struct backend_ops backend_qemu_ops;
extern const struct backend_ops backend_chv_ops;
#ifdef __APPLE__
extern const struct backend_ops backend_vz_ops; /* vz.c: Virtualization.framework */
#endif

#endif
