/*
 * vz_plan.h - what a Virtualization.framework VM is made of, decided in
 * portable C so it is unit-tested on Linux: a vmc_config (plus VZ's
 * limits, read from VZVirtualMachineConfiguration's class properties at
 * run time) becomes a vz_plan, a flat list of the VZ objects vz.c
 * creates. Every config field is accepted, converted or rejected here
 * with VMC_EUNSUPPORTED / VMC_EINVAL and a message; vz.c only executes the
 * plan. Also here: the switch NICs' sockets (socketpair ports), the
 * persisted machine identifier, and the mapping of VZVirtualMachineState
 * to vmc states.
 */
#ifndef VMC_BACKEND_VZ_PLAN_H
#define VMC_BACKEND_VZ_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

/* The guest console is a virtio console: hvc0, not ttyS0. */
#define VZ_CMDLINE_DEFAULT "console=hvc0 quiet cryptomgr.notests panic=-1"
/* In the VM's directory, and copied into snapshots: the bytes of
 * VZGenericMachineIdentifier.dataRepresentation. */
#define VZ_MACHINE_ID_FILE "machine-identifier"
#define VZ_MACHINE_ID_MAX 4096
/* In a snapshot directory: saveMachineStateToURL:'s file. */
#define VZ_SAVE_FILE "vz-machine-state"
/* VZVirtioFileSystemDeviceConfiguration validateTag: limit, in bytes. */
#define VZ_SHARE_TAG_MAX 36
/* Apple: a file-handle NIC's socket wants SO_RCVBUF >= 2x SO_SNDBUF
 * (4x recommended). */
#define VZ_NIC_SNDBUF (256 * 1024)
#define VZ_NIC_RCVBUF (4 * VZ_NIC_SNDBUF)

/* VZVirtualMachineConfiguration.minimumAllowedCPUCount & co. */
struct vz_limits {
	unsigned int cpu_min, cpu_max;
	uint64_t mem_min, mem_max; /* bytes */
};

enum vz_nic_attach {
	VZ_NIC_NAT = 1,         /* VZNATNetworkDeviceAttachment (a user-mode NIC) */
	VZ_NIC_FILE_HANDLE = 2, /* VZFileHandleNetworkDeviceAttachment (a switch NIC) */
};

struct vz_nic_plan {
	enum vz_nic_attach attach;
	unsigned char mac[6];          /* VZMACAddress initWithString: of mac_str */
	char mac_str[VMC_MAC_STRLEN];
	char *net_dir;                 /* FILE_HANDLE: the switch network's directory */
	char *port;                    /* FILE_HANDLE: its port name (the NIC's address) */
	int fd;                        /* FILE_HANDLE after vz_plan_open_nics(), else -1 */
};

struct vz_disk_plan {
	char *path;                    /* VZDiskImageStorageDeviceAttachment, raw only */
	int read_only;
	char *identifier;              /* blockDeviceIdentifier (the guest's serial), or NULL */
};

struct vz_share_plan {
	char *host_path;               /* VZSharedDirectory */
	char *tag;                     /* VZVirtioFileSystemDeviceConfiguration */
	int read_only;
};

enum vz_machine_id_mode {
	VZ_MACHINE_ID_NONE = 0,        /* validate only */
	VZ_MACHINE_ID_CREATE = 1,      /* new identifier; vz_machine_id_save() it */
	VZ_MACHINE_ID_LOAD = 2,        /* initWithDataRepresentation: of machine_id */
};

struct vz_plan {
	char *kernel;                  /* a raw arm64 Image (maybe the inflated cache entry) */
	char *initramfs;               /* NULL: none */
	char *cmdline;                 /* VZLinuxBootLoader.commandLine */
	unsigned int cpus;
	uint64_t memory_bytes;
	/* One each, always: virtio console (hvc0) to the shim's console
	 * pipe, entropy, traditional memory balloon, vsock. */
	int console, entropy, balloon, vsock;
	/* the image's root disk (vmc_config_set_image), the config's disks,
	 * the cloud-init seed */
	struct vz_disk_plan disks[VMC_DEVICES_MAX + 2];
	size_t n_disks;
	struct vz_nic_plan nics[VMC_DEVICES_MAX];
	size_t n_nics;
	struct vz_share_plan shares[VMC_DEVICES_MAX];
	size_t n_shares;
	/* VZGenericPlatformConfiguration.machineIdentifier */
	enum vz_machine_id_mode machine_id_mode;
	char *machine_id_path;         /* where it lives (CREATE: where to save it) */
	unsigned char *machine_id;     /* LOAD: its bytes */
	size_t machine_id_len;
	char *restore_path;            /* restoreMachineStateFromURL:, NULL: boot */
};

struct vz_plan_input {
	const struct vmc_config *cfg;
	struct vz_limits limits;
	/* NULL: validate only (the manager): nothing is created, a gzip kernel
	 * is recognised but not inflated, switch NICs need no address yet. */
	const char *vm_dir;
	const char *kernel_cache;      /* vz_kernel_prepare()'s cache directory */
	const char *restore_dir;       /* a snapshot to restore, or NULL */
};

/* Fills *out (zeroed first; vz_plan_free() it also on failure). Returns
 * 0, VMC_EUNSUPPORTED (a field VZ cannot honour), VMC_EINVAL,
 * VMC_ENOTFOUND (kernel, initramfs, disk, share, saved state), VMC_EIO,
 * VMC_ENOMEM; the message names the field. */
int vz_plan_build(struct vz_plan *out, const struct vz_plan_input *in);
/* Closes the NIC sockets, frees the strings. NULL-safe; idempotent. */
void vz_plan_free(struct vz_plan *plan);

/* Gets each file-handle NIC's socket from its network's switch: a
 * socketpair port named `port` (port_client_add_socketpair(): an AF_UNIX
 * datagram socket, close-on-exec, passed over the control socket), with
 * SO_SNDBUF/SO_RCVBUF as Apple asks. No path is bound or connected. The
 * port is removed with the VM's others when it ends (netport_detach_vm).
 * On failure every socket got so far is closed and its port removed. */
int vz_plan_open_nics(struct vz_plan *plan);

/* Writes the identifier's bytes to `path` atomically (0600). VMC_EINVAL
 * when empty or larger than VZ_MACHINE_ID_MAX. */
int vz_machine_id_save(const char *path, const void *data, size_t len);

/* VZVirtualMachineState values (VZVirtualMachine.h). */
enum vz_vm_state {
	VZ_STATE_STOPPED = 0,
	VZ_STATE_RUNNING = 1,
	VZ_STATE_PAUSED = 2,
	VZ_STATE_ERROR = 3,
	VZ_STATE_STARTING = 4,
	VZ_STATE_PAUSING = 5,
	VZ_STATE_RESUMING = 6,
	VZ_STATE_STOPPING = 7,
	VZ_STATE_SAVING = 8,
	VZ_STATE_RESTORING = 9,
};

/* The vmc state for VZ state `vz` (a transition in progress maps to the
 * state it leaves: pausing is still RUNNING, resuming still PAUSED;
 * saving is PAUSED, restoring STARTING). RUNNING becomes READY once the
 * guest's ready line was seen. ERROR is FAILED with `error_text` (the
 * framework's NSError localizedDescription; NULL: "unknown error") in
 * `reason`; an unknown value is FAILED too. `reason` is "" otherwise. */
vmc_state_kind vz_state_map(long vz, int ready_seen, const char *error_text, char *reason,
			    size_t reason_len);
/* "stopped", "running", ... for logs; "unknown" otherwise. */
const char *vz_state_name(long vz);

#endif
