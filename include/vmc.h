/*
 * vmc.h - the whole public C API of libvmc.
 *
 * libvmc boots and manages lightweight Linux virtual machines. A VM is
 * described by a vmc_config, started by a vmc_manager over a state directory,
 * and supervised by one vmc-shim process per VM, so a VM outlives the program
 * that started it and any process opening the same state directory sees and
 * controls the same VMs. Anything not declared here is internal.
 *
 * Conventions:
 *  - Functions return 0 on success or a negative VMC_E* code. The detail
 *    message of the last failure on this thread is vmc_error_last().
 *  - Constructors fill *out and return int; destructors return void and
 *    accept NULL.
 *  - A returned `char *` is the caller's and is released with vmc_free();
 *    a returned `const char *` is borrowed from the handle it came from and
 *    stays valid until that handle is changed or freed.
 *  - Timeouts are in milliseconds; a negative timeout waits forever. Every
 *    wait is driven by file descriptors, never by sleeping.
 *  - The library never prints, exits, or changes process-wide state
 *    (signal dispositions, cwd, umask).
 *  - A vmc_config is not thread-safe; a vmc_manager may be used from one
 *    thread at a time. Different handles may be used concurrently.
 */
#ifndef VMC_H
#define VMC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define VMC_EXTERN __attribute__((visibility("default")))
#else
#define VMC_EXTERN
#endif

#define VMC_VERSION "0.1.0"
#define VMC_VERSION_NUMBER 1000 /* major * 1000000 + minor * 1000 + patch */

/* The version of the library actually linked (compare with VMC_VERSION_NUMBER). */
VMC_EXTERN int vmc_version_number(void);

/* ---------------------------------------------------------------- errors */

/* Error codes. Append only; never renumber. */
enum {
	VMC_OK = 0,
	VMC_ERROR = -1,        /* generic failure; see vmc_error_last() */
	VMC_EINVAL = -2,       /* bad argument or configuration value */
	VMC_ENOMEM = -3,       /* out of memory */
	VMC_ENOTFOUND = -4,    /* no such VM, file or object */
	VMC_EEXISTS = -5,      /* a VM of that name already exists */
	VMC_EUNSUPPORTED = -6, /* the backend cannot honour a requested feature */
	VMC_EINVALSTATE = -7,  /* operation not allowed in the VM's current state */
	VMC_ETIMEOUT = -8,     /* the deadline passed */
	VMC_EIO = -9,          /* I/O or system call failure */
	VMC_EPROTO = -10,      /* malformed data from a peer (shim, QMP, guest) */
	VMC_EBUSY = -11,       /* resource in use (e.g. a lock or port) */
	VMC_EAUTH = -12,       /* authentication required or refused (a registry) */
};

/* Message of the last failed call on this thread. Never NULL; meaningful
 * only right after a call returned < 0. Borrowed until the next vmc call
 * on this thread. */
VMC_EXTERN const char *vmc_error_last(void);

/* Static description of an error code ("not found"). Never NULL. */
VMC_EXTERN const char *vmc_strerror(int code);

/* Releases memory returned by libvmc (strings, lists). NULL: no-op. */
VMC_EXTERN void vmc_free(void *ptr);

/* ---------------------------------------------------------------- config */

typedef struct vmc_config vmc_config;

typedef enum {
	VMC_BACKEND_AUTO = 0, /* Cloud Hypervisor if found and KVM usable, else QEMU (Linux); VZ (macOS) */
	VMC_BACKEND_QEMU = 1,
	VMC_BACKEND_CHV = 2,
	VMC_BACKEND_VZ = 3,
} vmc_backend;

typedef enum {
	VMC_ACCEL_AUTO = 0, /* KVM when it can run the guest, else TCG */
	VMC_ACCEL_KVM = 1,
	VMC_ACCEL_TCG = 2,
} vmc_accel;

typedef enum {
	VMC_NIC_USER = 0, /* hypervisor user-mode network (QEMU slirp) */
	VMC_NIC_TAP = 1,  /* an existing TAP device, by name */
	VMC_NIC_SWITCH = 2, /* a port on a vmc switch network, by network name */
	VMC_NIC_BRIDGE = 3, /* a TAP in a vmc bridge network's bridge, by network name */
} vmc_nic_kind;

typedef enum {
	VMC_PROTO_TCP = 0,
	VMC_PROTO_UDP = 1,
} vmc_proto;

/* Limits enforced by the setters. */
#define VMC_NAME_MAX 63        /* name and namespace: [A-Za-z0-9][A-Za-z0-9_.-]* */
#define VMC_CPUS_MAX 256
#define VMC_MEMORY_MIB_MIN 32
#define VMC_MEMORY_MIB_MAX (1024 * 1024)
#define VMC_CMDLINE_MAX 4096
#define VMC_DEVICES_MAX 16     /* per kind: disks, NICs, shares, forwards */

/* Creates a config for a VM called `name` (see VMC_NAME_MAX for the
 * charset) with defaults: namespace "default", 1 CPU, 256 MiB, backend and
 * accelerator auto, no kernel. Returns 0, VMC_EINVAL or VMC_ENOMEM. */
VMC_EXTERN int vmc_config_new(vmc_config **out, const char *name);
VMC_EXTERN void vmc_config_free(vmc_config *cfg);
/* Deep copy. */
VMC_EXTERN int vmc_config_dup(vmc_config **out, const vmc_config *cfg);

/* Setters validate at once and leave the config unchanged on failure
 * (VMC_EINVAL with a message naming the field). Paths are stored as given,
 * made absolute against the current directory. File existence is checked
 * when the VM is started, not here. */
VMC_EXTERN int vmc_config_set_name(vmc_config *cfg, const char *name);
VMC_EXTERN int vmc_config_set_namespace(vmc_config *cfg, const char *ns);
VMC_EXTERN int vmc_config_set_kernel(vmc_config *cfg, const char *path);
VMC_EXTERN int vmc_config_set_initramfs(vmc_config *cfg, const char *path); /* NULL clears */
/* The kernel command line. NULL clears it: the backend's default is used
 * (console on the serial port). vmc adds the options vmc-init needs for
 * NICs and the workload after it. */
VMC_EXTERN int vmc_config_set_cmdline(vmc_config *cfg, const char *cmdline);
VMC_EXTERN int vmc_config_set_cpus(vmc_config *cfg, unsigned int cpus);
VMC_EXTERN int vmc_config_set_memory_mib(vmc_config *cfg, unsigned int mib);
VMC_EXTERN int vmc_config_set_backend(vmc_config *cfg, vmc_backend backend);
VMC_EXTERN int vmc_config_set_accel(vmc_config *cfg, vmc_accel accel);
/* Where the guest console is also written (in addition to the VM's
 * serial.log). NULL clears it. */
VMC_EXTERN int vmc_config_set_serial_log(vmc_config *cfg, const char *path);
/* Fails the VM (FAILED, "boot timed out") when it is not READY this many
 * ms after start. 0 (the default) waits forever. */
VMC_EXTERN int vmc_config_set_boot_timeout_ms(vmc_config *cfg, unsigned int ms);
/* The workload vmc-init runs in the guest: argv[0..argc-1], not a shell
 * string. argc == 0 clears it. */
VMC_EXTERN int vmc_config_set_exec(vmc_config *cfg, int argc, const char *const *argv);

VMC_EXTERN int vmc_config_add_disk(vmc_config *cfg, const char *path, int read_only);
/* `mac` may be NULL: vmc derives a stable locally administered MAC from the
 * VM name and NIC index. `tap_name` is required for VMC_NIC_TAP and must be
 * NULL for VMC_NIC_USER. `guest_addr` (e.g. "10.0.2.15/24") and `gateway`
 * may be NULL; for VMC_NIC_USER they default to QEMU's 10.0.2.15/24 via
 * 10.0.2.2. For VMC_NIC_SWITCH, `tap_name` is the name of a network made
 * with vmc_network_create() (required; in JSON "kind":"switch" with
 * "network":NAME); a NULL `guest_addr` is filled at start with the next
 * free address of the network's subnet, and a given one must lie in it
 * with its prefix. No gateway unless given. VMC_NIC_BRIDGE is the same
 * for a bridge network (vmc_network_create_bridge(); in JSON
 * "kind":"bridge" with "network":NAME), except that the gateway defaults
 * to the bridge's address, the subnet's .1; the shim makes the NIC's TAP
 * device, which vanishes with the hypervisor. */
VMC_EXTERN int vmc_config_add_nic(vmc_config *cfg, vmc_nic_kind kind, const char *tap_name,
				  const char *mac, const char *guest_addr, const char *gateway);
/* Gives NIC `index` (0-based, in the order added) `queues` queues: a
 * bridge NIC's TAP is opened with one fd per queue (IFF_MULTI_QUEUE) and
 * the guest gets a multi-queue virtio-net device (mq=on); the guest uses
 * up to one queue per vCPU. 1..VMC_NIC_QUEUES_MAX, default 1. VMC_EINVAL
 * for a NIC that is not VMC_NIC_BRIDGE, a bad index or count (in JSON
 * "queues":N on the NIC). */
#define VMC_NIC_QUEUES_MAX 8
VMC_EXTERN int vmc_config_set_nic_queues(vmc_config *cfg, size_t index, unsigned int queues);
VMC_EXTERN int vmc_config_add_share(vmc_config *cfg, const char *host_path, const char *tag,
				    int read_only);
/* Forwards host_addr:host_port to the guest's guest_port. host_addr NULL
 * means 127.0.0.1 and ::1 both (::1 skipped on a host without IPv6); an
 * IPv4 or IPv6 literal means that address only. The forward goes through
 * the first user-mode NIC (QEMU's hostfwd; vmc-shim serves the IPv6 side)
 * or else the first NIC the host routes to (TAP, bridge), served by
 * vmc-shim towards the NIC's static address or the ip= of the guest's
 * ready line (TCP relayed with splice, UDP as per-client flows that end
 * after 60 s idle). Until the guest's address is known, clients wait
 * (TCP backlog, UDP socket buffer); a connection the guest refuses is
 * reset and the forward keeps serving. Switch networks cannot be reached
 * from the host: vmc_manager_start() refuses forwards that only they could
 * carry (VMC_EINVAL), and a host port already in use (VMC_EBUSY, "--publish
 * 8080: 127.0.0.1:8080/tcp is already in use"), leaving nothing running.
 * Returns 0 or VMC_EINVAL (bad value, too many, the same host port twice). */
VMC_EXTERN int vmc_config_add_port_forward(vmc_config *cfg, vmc_proto proto, const char *host_addr,
					   unsigned int host_port, unsigned int guest_port);

/* Head room for vmc_manager_resize(): the VM boots with the configured
 * cpus and memory and may grow up to these. 0 (the default) means no head
 * room: the maximum is the boot value. A maximum below the boot value is
 * refused at start (VMC_EINVAL). Cloud Hypervisor only (--cpus max=,
 * --memory hotplug_size=); other backends give VMC_EUNSUPPORTED at start
 * for a maximum above the boot value. */
VMC_EXTERN int vmc_config_set_max_cpus(vmc_config *cfg, unsigned int max_cpus);
VMC_EXTERN int vmc_config_set_max_memory_mib(vmc_config *cfg, unsigned int max_mib);
VMC_EXTERN unsigned int vmc_config_max_cpus(const vmc_config *cfg);
VMC_EXTERN unsigned int vmc_config_max_memory_mib(const vmc_config *cfg);

/* A virtio-vsock device with guest context id `cid` (3..0xfffffffe; 0
 * removes it). Cloud Hypervisor only (hybrid vsock: the host side is the
 * Unix socket vmc_manager_vsock_path() names, where a host program
 * connects and writes "CONNECT <port>\n" to reach a guest port); other
 * backends give VMC_EUNSUPPORTED at start. */
VMC_EXTERN int vmc_config_set_vsock_cid(vmc_config *cfg, unsigned int cid);
VMC_EXTERN unsigned int vmc_config_vsock_cid(const vmc_config *cfg);

/* Getters. Strings are borrowed from cfg (NULL when unset). */
VMC_EXTERN const char *vmc_config_name(const vmc_config *cfg);
VMC_EXTERN const char *vmc_config_namespace(const vmc_config *cfg);
VMC_EXTERN const char *vmc_config_kernel(const vmc_config *cfg);
VMC_EXTERN const char *vmc_config_initramfs(const vmc_config *cfg);
VMC_EXTERN const char *vmc_config_cmdline(const vmc_config *cfg);
VMC_EXTERN unsigned int vmc_config_cpus(const vmc_config *cfg);
VMC_EXTERN unsigned int vmc_config_memory_mib(const vmc_config *cfg);
VMC_EXTERN vmc_backend vmc_config_backend(const vmc_config *cfg);
VMC_EXTERN vmc_accel vmc_config_accel(const vmc_config *cfg);

/* JSON round trip. vmc_config_to_json returns a string the caller frees with
 * vmc_free(). vmc_config_from_json validates every field as the setters do
 * and rejects unknown keys (VMC_EINVAL). */
VMC_EXTERN int vmc_config_to_json(const vmc_config *cfg, char **out);
VMC_EXTERN int vmc_config_from_json(vmc_config **out, const char *json);

/* ---------------------------------------------------------------- state */

typedef enum {
	VMC_STATE_CREATED = 0,
	VMC_STATE_STARTING = 1, /* hypervisor being started */
	VMC_STATE_RUNNING = 2,  /* guest executing; not yet ready */
	VMC_STATE_READY = 3,    /* guest printed its ready line */
	VMC_STATE_PAUSED = 4,
	VMC_STATE_STOPPING = 5, /* graceful stop requested */
	VMC_STATE_STOPPED = 6,  /* ended cleanly; see exit_code */
	VMC_STATE_FAILED = 7,   /* ended abnormally or could not start; see reason */
} vmc_state_kind;

#define VMC_STATE_REASON_MAX 256
#define VMC_STATE_IP_MAX 4

typedef struct vmc_state {
	vmc_state_kind kind;
	/* Why the VM is FAILED (or how a STOPPED VM ended), "" otherwise. */
	char reason[VMC_STATE_REASON_MAX];
	/* Addresses from the ready line, ip[0] first; "" when unused. */
	char ip[VMC_STATE_IP_MAX][64];
	/* STOPPED: the workload's exit status when the guest reported one,
	 * else the hypervisor's exit status. -1 when unknown. */
	int exit_code;
	/* FAILED by a signal: the signal that ended the hypervisor, else 0. */
	int signal;
	/* When the VM entered this state, ms since the Unix epoch. */
	int64_t since_ms;
	/* Hypervisor process id while it runs, else 0. */
	int pid;
	/* Boot time: ms from start to READY; -1 until READY. */
	int64_t boot_ms;
} vmc_state;

/* "ready", "stopped", ... (lower case, static). */
VMC_EXTERN const char *vmc_state_name(vmc_state_kind kind);
/* Parses a lower-case state name. Returns 0 or VMC_EINVAL. */
VMC_EXTERN int vmc_state_from_name(vmc_state_kind *out, const char *name);
/* True for STOPPED and FAILED. */
VMC_EXTERN int vmc_state_is_final(vmc_state_kind kind);

/* ---------------------------------------------------------------- manager */

typedef struct vmc_manager vmc_manager;

/* Opens the manager over `state_dir` (NULL: $VMC_STATE_DIR, else /run/vmc
 * for root, else $XDG_RUNTIME_DIR/vmc, else /tmp/vmc-<uid>), creating it if
 * needed.
 * Returns 0, VMC_EIO or VMC_ENOMEM. */
VMC_EXTERN int vmc_manager_open(vmc_manager **out, const char *state_dir);
VMC_EXTERN void vmc_manager_free(vmc_manager *mgr);
/* The state directory in use (borrowed). */
VMC_EXTERN const char *vmc_manager_state_dir(const vmc_manager *mgr);
/* Where vmc-shim is found (default: next to the library's install, or
 * $VMC_SHIM). Mostly for tests running from a build tree. */
VMC_EXTERN int vmc_manager_set_shim_path(vmc_manager *mgr, const char *path);

/* Validates `cfg` against its backend (VMC_EINVAL, VMC_ENOTFOUND for a
 * missing kernel, VMC_EUNSUPPORTED), creates the VM's directory and starts
 * its vmc-shim, which starts the hypervisor. Returns once the hypervisor
 * has been spawned (state STARTING or later) or failed to spawn; nothing is
 * left behind on failure. VMC_EEXISTS if the name is taken in its
 * namespace. */
VMC_EXTERN int vmc_manager_start(vmc_manager *mgr, const vmc_config *cfg);

/* VMs are named by "name" in namespace "default" or by "namespace/name". */

/* Current state. VMC_ENOTFOUND if there is no such VM. */
VMC_EXTERN int vmc_manager_state(vmc_manager *mgr, const char *vm, vmc_state *out);

/* Waits until the VM is in state `want` (READY also satisfies RUNNING) or
 * a final state, or until the timeout. Fills *out (may be NULL) with the
 * state that ended the wait. Returns 0 if `want` was reached, VMC_ETIMEOUT,
 * or VMC_EINVALSTATE if the VM reached a final state other than `want`. */
VMC_EXTERN int vmc_manager_wait(vmc_manager *mgr, const char *vm, vmc_state_kind want,
				int timeout_ms, vmc_state *out);

typedef enum {
	VMC_STOP_GRACEFUL = 0, /* the guest powered off within the timeout */
	VMC_STOP_KILLED = 1,   /* the timeout passed; the hypervisor was killed */
	VMC_STOP_ALREADY = 2,  /* the VM was not running */
} vmc_stop_result;

/* Asks the guest to power off (ACPI power button), waits up to timeout_ms,
 * then kills the hypervisor. *how (may be NULL) says which happened. */
VMC_EXTERN int vmc_manager_stop(vmc_manager *mgr, const char *vm, int timeout_ms,
				vmc_stop_result *how);
/* Kills the hypervisor at once (SIGKILL) and waits for it to be reaped.
 * The VM ends STOPPED with reason "killed". */
VMC_EXTERN int vmc_manager_kill(vmc_manager *mgr, const char *vm);
/* Pauses (RUNNING/READY -> PAUSED) and resumes. VMC_EINVALSTATE otherwise. */
VMC_EXTERN int vmc_manager_pause(vmc_manager *mgr, const char *vm);
VMC_EXTERN int vmc_manager_resume(vmc_manager *mgr, const char *vm);
/* Reboots the guest in place (the hypervisor resets it; the process and
 * its devices stay): RUNNING again at once, READY when the guest prints
 * its ready line again. Cloud Hypervisor only (vm.reboot); on QEMU,
 * whose guests end on a reset, VMC_EUNSUPPORTED, and likewise for a VM
 * with shares (CH's reset ends virtiofsd). VMC_EINVALSTATE unless
 * RUNNING or READY. */
VMC_EXTERN int vmc_manager_reboot(vmc_manager *mgr, const char *vm);
/* Removes a VM's directory and everything vmc created for it. A VM that is
 * not in a final state gives VMC_EINVALSTATE unless `force`, which kills it
 * first. */
VMC_EXTERN int vmc_manager_remove(vmc_manager *mgr, const char *vm, int force);

/* Saves the VM's memory and device state into the directory `dir`, which
 * must not exist yet (it is created, 0700). A running VM is paused for the
 * copy and resumed after; a paused one stays paused. The VM's disks are
 * not copied: restore with them unchanged. Returns 0, VMC_EEXISTS,
 * VMC_EINVALSTATE (not running or paused), VMC_EUNSUPPORTED (backend). On
 * failure nothing is left at `dir`. */
VMC_EXTERN int vmc_manager_snapshot(vmc_manager *mgr, const char *vm, const char *dir);
/* Starts a new VM from a snapshot directory, named `name` (NULL: the name
 * it was saved under), in the state it was saved in: a READY VM is READY
 * again with its addresses (its guest does not boot again). *out (may be
 * NULL) receives the new VM's "namespace/name", to vmc_free(). Returns as
 * vmc_manager_start(), and VMC_EUNSUPPORTED for a VM booted from an image
 * (vmc_config_set_image(): its disk clone is not in the snapshot). */
VMC_EXTERN int vmc_manager_restore(vmc_manager *mgr, const char *dir, const char *name,
				   char **out);

/* Changes a running (or paused) VM's vCPU count and memory to `cpus` and
 * `memory_mib` (0 leaves that one as it is), within the maximum it was
 * started with (vmc_config_set_max_cpus/_max_memory_mib; VMC_EINVAL above
 * it). Waits up to timeout_ms for the hypervisor to accept it; the guest
 * brings vCPUs and memory online on its own. The VM's config keeps the
 * values it booted with (vmc_manager_config()). Returns 0, VMC_EINVAL,
 * VMC_EINVALSTATE, VMC_EUNSUPPORTED (the QEMU backend: microvm has no
 * hotplug), VMC_ETIMEOUT, or the hypervisor's refusal with its message. */
VMC_EXTERN int vmc_manager_resize(vmc_manager *mgr, const char *vm, unsigned int cpus,
				  unsigned int memory_mib, int timeout_ms);
/* The config a VM was started with; *out is the caller's. */
VMC_EXTERN int vmc_manager_config(vmc_manager *mgr, const char *vm, vmc_config **out);
/* Path of the VM's console log (caller frees with vmc_free()). */
VMC_EXTERN int vmc_manager_console_path(vmc_manager *mgr, const char *vm, char **out);
/* Path of the host side of the VM's vsock device (<vm dir>/vsock.sock; it
 * exists while the VM runs), to vmc_free(). VMC_ENOTFOUND for no such VM,
 * VMC_EINVAL when its config has no vsock. */
VMC_EXTERN int vmc_manager_vsock_path(vmc_manager *mgr, const char *vm, char **out);

typedef struct vmc_vm_info {
	char ns[VMC_NAME_MAX + 1];
	char name[VMC_NAME_MAX + 1];
	vmc_state state;
} vmc_vm_info;

/* Lists the VMs in every namespace, sorted by namespace then name.
 * *out (free with vmc_free()) holds *count entries. */
VMC_EXTERN int vmc_manager_list(vmc_manager *mgr, vmc_vm_info **out, size_t *count);

/* Events. The callback runs from vmc_manager_dispatch() for every state
 * change of every VM in the state directory (including VMs started by
 * other processes). */
typedef void (*vmc_event_cb)(const char *ns, const char *name, const vmc_state *state,
			     void *payload);
VMC_EXTERN int vmc_manager_set_event_callback(vmc_manager *mgr, vmc_event_cb cb, void *payload);
/* A file descriptor that becomes readable when events are pending; poll it
 * and call vmc_manager_dispatch(). Owned by the manager. */
VMC_EXTERN int vmc_manager_fd(vmc_manager *mgr);
/* Delivers pending events without blocking (timeout 0), or waits up to
 * timeout_ms for at least one. Returns the number of events delivered. */
VMC_EXTERN int vmc_manager_dispatch(vmc_manager *mgr, int timeout_ms);

/* ---------------------------------------------------------------- disks and cloud-init */

/* Raw disk images and their copy-on-write clones. */

/* Creates `path` as a sparse raw disk image of `size_bytes` (a multiple of
 * 512, > 0): no blocks are allocated until the guest writes. The file is
 * created with O_EXCL (mode 0666 minus the umask) and never replaces
 * anything. Returns 0, VMC_EINVAL (bad size or path), VMC_EEXISTS (path
 * exists), VMC_ENOTFOUND (its directory does not exist) or VMC_EIO (the
 * file is removed again). */
VMC_EXTERN int vmc_disk_create(const char *path, uint64_t size_bytes);

/* How vmc_disk_clone() copied the data. Append only. */
typedef enum {
	VMC_CLONE_REFLINK = 0,    /* FICLONE: extents shared, copy-on-write (XFS, btrfs) */
	VMC_CLONE_COPY_RANGE = 1, /* copy_file_range(2) per data extent: in-kernel copy */
	VMC_CLONE_COPY = 2,       /* read(2)/write(2) per data extent, zero blocks skipped */
} vmc_clone_method;

/* "reflink", "copy_range", "copy" (static); "unknown" otherwise. */
VMC_EXTERN const char *vmc_clone_method_name(vmc_clone_method method);

/* Clones the regular file `base` to `path`, which must not exist: tries a
 * reflink, then copy_file_range, then a plain copy. Holes in `base` stay
 * holes in the copy. The clone is written under a temporary name (or as an
 * unnamed O_TMPFILE) in path's directory, synced, then linked into place,
 * so `path` either does not exist or is complete, and an existing `path` is
 * never overwritten, even if it appears during the copy. The new file gets
 * base's permission bits plus owner read/write. *method_out (may be NULL)
 * says which method did the copy. Returns 0, VMC_EINVAL (base is not a
 * regular file), VMC_ENOTFOUND (base or path's directory missing),
 * VMC_EEXISTS (path exists) or VMC_EIO. */
VMC_EXTERN int vmc_disk_clone(const char *base, const char *path, vmc_clone_method *method_out);

/* A cloud-init NoCloud seed: an ISO 9660 image (Joliet and Rock Ridge,
 * volume id "cidata") holding meta-data, user-data and network-config,
 * built from structured values. Every setter validates its input and
 * leaves the seed unchanged on failure (VMC_EINVAL with a message naming
 * the field); every value is written as an escaped YAML double-quoted
 * scalar, so no input can change the documents' structure. Strings must be
 * valid UTF-8. A vmc_seed is not thread-safe. */
typedef struct vmc_seed vmc_seed;

/* Limits enforced by the seed setters. */
#define VMC_SEED_HOSTNAME_MAX 253 /* RFC 1123 labels of [A-Za-z0-9-], 1..63 each */
#define VMC_SEED_USER_MAX 32      /* [a-z_][a-z0-9_-]* */
#define VMC_SEED_USERS_MAX 16
#define VMC_SEED_KEYS_MAX 64      /* SSH keys in all */
#define VMC_SEED_KEY_LEN_MAX 16384
#define VMC_SEED_FILES_MAX 64
#define VMC_SEED_FILE_SIZE_MAX (1024 * 1024)
#define VMC_SEED_CMDS_MAX 64
#define VMC_SEED_ARGS_MAX 256     /* per command, also for the workload */
#define VMC_SEED_ARG_LEN_MAX 65536
#define VMC_SEED_DNS_MAX 8

/* Creates an empty seed with a fresh instance-id ("i-" and 32 random hex
 * digits from getrandom(2)), so cloud-init runs its per-instance steps for
 * every new VM, even on a reused disk. Returns 0, VMC_ENOMEM or VMC_EIO. */
VMC_EXTERN int vmc_seed_new(vmc_seed **out);
VMC_EXTERN void vmc_seed_free(vmc_seed *seed); /* NULL: no-op */

/* The instance-id (borrowed from seed). */
VMC_EXTERN const char *vmc_seed_instance_id(const vmc_seed *seed);

/* meta-data local-hostname: an RFC 1123 host name (VMC_SEED_HOSTNAME_MAX),
 * labels not starting or ending with '-'. NULL clears it. */
VMC_EXTERN int vmc_seed_set_hostname(vmc_seed *seed, const char *hostname);

/* Flags of vmc_seed_add_user(). */
#define VMC_SEED_USER_SUDO 0x1 /* passwordless sudo ("ALL=(ALL) NOPASSWD:ALL") */

/* Adds a user (user-data `users`, after the image's default user) with a
 * locked password (lock_passwd: true): it can log in only with its SSH
 * keys. `name` is [a-z_][a-z0-9_-]*, at most VMC_SEED_USER_MAX bytes.
 * VMC_EEXISTS if already added; VMC_EINVAL for unknown flags. */
VMC_EXTERN int vmc_seed_add_user(vmc_seed *seed, const char *name, unsigned int flags);

/* Authorizes an OpenSSH public key ("TYPE BASE64 [COMMENT]", one line, no
 * options prefix; TYPE one of ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/
 * 384/521, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com)
 * for `user`, which must have been added (VMC_ENOTFOUND otherwise), or for
 * the image's default user when `user` is NULL. The comment may hold any
 * printable UTF-8. */
VMC_EXTERN int vmc_seed_add_ssh_key(vmc_seed *seed, const char *user, const char *key);

/* Adds a write_files entry: `len` bytes of `content` (any bytes; stored
 * base64-encoded, at most VMC_SEED_FILE_SIZE_MAX) at the absolute guest
 * `path` (no control characters, at most 4095 bytes) with permission
 * bits `mode` (<= 07777), owned by root. */
VMC_EXTERN int vmc_seed_add_write_file(vmc_seed *seed, const char *path, const void *content,
				       size_t len, unsigned int mode);

/* Adds a runcmd step run as root in order, as an argv (argc >= 1, no
 * shell unless argv[0] is one). Arguments may hold any UTF-8 except NUL,
 * newlines included. */
VMC_EXTERN int vmc_seed_add_runcmd(vmc_seed *seed, int argc, const char *const *argv);

/* The workload: started in the background (own session, output on the
 * console) after every runcmd step; right after, the seed's last step
 * prints the ready line "VMC_READY ip=ADDR" to /dev/console and, when the
 * console is not already there, /dev/ttyS0. ADDR is the first static NIC
 * address, else the guest's first global IPv4 address. argc == 0 clears
 * the workload (the ready line is still printed). */
VMC_EXTERN int vmc_seed_set_workload(vmc_seed *seed, int argc, const char *const *argv);

/* Adds a network-config (version 2) ethernet matched by `mac`
 * ("xx:xx:xx:xx:xx:xx", unicast; written in lower case). `addr` is
 * "ADDR/PREFIX" (IPv4 or IPv6) or NULL for DHCPv4; `gateway` (an address
 * of the same family, or NULL) becomes the default route (a 0.0.0.0/0
 * route for IPv4, gateway6 for IPv6). At most
 * VMC_DEVICES_MAX NICs; VMC_EEXISTS for a MAC given twice. */
VMC_EXTERN int vmc_seed_add_nic(vmc_seed *seed, const char *mac, const char *addr,
				const char *gateway);

/* Adds a DNS server (an IPv4 or IPv6 literal) to every NIC's nameservers. */
VMC_EXTERN int vmc_seed_add_dns(vmc_seed *seed, const char *addr);

/* Writes the seed ISO to `path`: built in memory with libisofs, written to
 * a temporary file next to `path`, synced and renamed over it (an existing
 * file is replaced atomically; mode 0644). Returns 0,
 * VMC_ENOTFOUND (directory missing), VMC_EIO or VMC_ENOMEM. */
VMC_EXTERN int vmc_seed_write_iso(const vmc_seed *seed, const char *path);

/* The format of a disk image. Always explicit: vmc never probes a format,
 * so a guest cannot turn a raw disk into a qcow2 header pointing at host
 * files. Append only. */
typedef enum {
	VMC_DISK_RAW = 0,   /* the default; every backend */
	VMC_DISK_QCOW2 = 1, /* QEMU only; other backends give VMC_EUNSUPPORTED */
} vmc_disk_format;

/* As vmc_config_add_disk(), with the image's format. Returns 0 or
 * VMC_EINVAL (unknown format, bad path, too many disks, path added twice).
 * Whether the backend takes the format is checked at start
 * (VMC_EUNSUPPORTED). */
VMC_EXTERN int vmc_config_add_disk_format(vmc_config *cfg, const char *path, int read_only,
					  vmc_disk_format format);

/* Hot-adds the disk image `path` (made absolute against the current
 * directory; it must exist, and be writable unless read_only) to a running
 * or paused VM. *id (may be NULL; vmc_free()) receives the device id the
 * hypervisor gave it, for vmc_manager_disk_remove(). Hot-added disks are
 * not written into the VM's config: a snapshot keeps them (in the
 * hypervisor's state), a restart does not. Returns 0, VMC_EINVAL,
 * VMC_ENOTFOUND (no such file or VM), VMC_EINVALSTATE, VMC_EUNSUPPORTED
 * (the QEMU backend), or the hypervisor's refusal with its message. */
VMC_EXTERN int vmc_manager_disk_add(vmc_manager *mgr, const char *vm, const char *path,
				    vmc_disk_format format, int read_only, char **id);
/* Hot-removes the device `id` (as returned by vmc_manager_disk_add(), or a
 * hypervisor device id such as Cloud Hypervisor's "_disk0"). Returns 0,
 * VMC_ENOTFOUND (no such device or VM), VMC_EINVALSTATE, VMC_EUNSUPPORTED. */
VMC_EXTERN int vmc_manager_disk_remove(vmc_manager *mgr, const char *vm, const char *id);

/* Attaches a cloud-init NoCloud seed to the VM: the config keeps a copy of
 * the seed's content (not its instance-id; it round-trips through the
 * config's JSON as "cloud_init"). When the VM is started, the manager
 * writes <vm dir>/seed.iso from it with a fresh instance-id, adding a
 * network-config entry, matched by MAC, for every NIC of the config the
 * seed does not name itself (a user-mode NIC gets 10.0.2.15/24 via
 * 10.0.2.2 and DNS 10.0.2.3; others their configured address, else DHCP),
 * and local-hostname = the VM name when the seed has none and the name is
 * a valid host name. The backend attaches the ISO as a read-only raw disk
 * after the config's disks (QEMU; VMC_EUNSUPPORTED elsewhere). NULL
 * detaches it. Returns 0, VMC_EINVAL or VMC_ENOMEM. */
VMC_EXTERN int vmc_config_set_cloud_init(vmc_config *cfg, const vmc_seed *seed);

/* SSH access to guests. vmc keeps one ed25519 key pair, id_ed25519 (mode
 * 0600, OpenSSH "openssh-key-v1" format, unencrypted) and id_ed25519.pub
 * (0644, "ssh-ed25519 BASE64 vmc"), in `dir` (NULL: the data directory,
 * $VMC_DATA_DIR, else /var/lib/vmc for root, else
 * ${XDG_DATA_HOME:-~/.local/share}/vmc; created 0700 if missing). The pair
 * is generated with OpenSSL on first use and written atomically (temporary
 * files, fsync, rename; the public key last), so concurrent first uses
 * each see a complete pair. The private key is never logged.
 * *key_path (may be NULL) receives the private key's path and *public_key
 * (may be NULL) the public key line without newline; both are the
 * caller's (vmc_free()). Returns 0, VMC_EINVAL (no data directory),
 * VMC_EPROTO (an existing public key file is malformed), VMC_EIO or
 * VMC_ENOMEM. */
VMC_EXTERN int vmc_ssh_key_ensure(const char *dir, char **key_path, char **public_key);


/* ---------------------------------------------------------------- images */

/* OCI images: references and the local content store. The store lives in
 * a directory (default: $VMC_DATA_DIR/images, else /var/lib/vmc/images
 * for root, else ${XDG_DATA_HOME:-~/.local/share}/vmc/images). Blobs are
 * kept only under their verified sha256 digest; an image is recorded only
 * once its manifest, config and every layer are present. Several processes
 * may use one store at once. A vmc_image_store may be used from one thread
 * at a time; different handles may be used concurrently. */

#define VMC_IMAGE_REF_MAX 512 /* a canonical reference, NUL excluded */
#define VMC_DIGEST_MAX 71     /* "sha256:" + 64 lowercase hex digits */

/* Parses the image reference `ref`, [REGISTRY[:PORT]/]PATH[:TAG][@sha256:HEX],
 * and writes its canonical form normalised as Docker does: "alpine" ->
 * "docker.io/library/alpine:latest", "user/app:1" -> "docker.io/user/app:1",
 * "localhost:5000/x" -> "localhost:5000/x:latest". The registry is a DNS
 * name, "localhost", an IPv4 address or a bracketed IPv6 literal
 * ("[::1]:5000/x"); "index.docker.io" becomes "docker.io". Path components
 * are lowercase; tags are [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; the only
 * digest accepted is sha256. *out is the caller's (vmc_free()). Returns 0,
 * VMC_EINVAL (the message names the malformed part) or VMC_ENOMEM. */
VMC_EXTERN int vmc_image_ref_normalize(char **out, const char *ref);

typedef struct vmc_image_store vmc_image_store;

/* Opens the image store in `dir` (NULL: the default above), creating its
 * directories as needed. *out is the caller's (vmc_image_store_free()).
 * Returns 0, VMC_EINVAL, VMC_EIO or VMC_ENOMEM. */
VMC_EXTERN int vmc_image_store_open(vmc_image_store **out, const char *dir);
VMC_EXTERN void vmc_image_store_free(vmc_image_store *store);

typedef struct vmc_image_info {
	char ref[VMC_IMAGE_REF_MAX + 1];  /* canonical reference */
	char digest[VMC_DIGEST_MAX + 1];  /* digest of the image manifest */
	uint64_t size;                    /* config + compressed layers, in bytes */
} vmc_image_info;

/* Lists the recorded images sorted by reference. *out (free with
 * vmc_free()) holds *count entries. Returns 0, VMC_EPROTO (the store's
 * index is damaged), VMC_EIO or VMC_ENOMEM. */
VMC_EXTERN int vmc_image_store_list(vmc_image_store *store, vmc_image_info **out,
				    size_t *count);
/* Forgets image `ref` (normalised as above); its blobs stay until
 * vmc_image_store_prune(). Returns 0, VMC_EINVAL or VMC_ENOTFOUND. */
VMC_EXTERN int vmc_image_store_remove(vmc_image_store *store, const char *ref);
/* Deletes every blob no recorded image references, the cached disks of
 * images no longer recorded (see vmc_config_set_image(); VMs keep their
 * own clones), and temporary files left by interrupted writers and disk
 * builds. Waits for writers and builds in progress. Either count pointer
 * may be NULL; *bytes_freed includes the disks' allocated size. Returns 0
 * or VMC_EIO. */
VMC_EXTERN int vmc_image_store_prune(vmc_image_store *store, size_t *blobs_removed,
				     uint64_t *bytes_freed);
/* Imports an image from the OCI image layout directory `dir` (as written
 * by `skopeo copy docker://REF oci:DIR:NAME`): the index.json entry whose
 * org.opencontainers.image.ref.name annotation is `name` (NULL: the only
 * entry), for the host platform when that entry is a multi-platform
 * index, recorded as `ref` (normalised as above). Every blob is verified
 * against its digest as it is copied; blobs are read only from
 * blobs/sha256/<hex> without following symlinks. Nothing is recorded on
 * failure. Returns 0, VMC_EINVAL, VMC_ENOTFOUND (no such name, platform or
 * blob), VMC_EPROTO (malformed layout, digest mismatch), VMC_EUNSUPPORTED
 * or VMC_EIO. */
VMC_EXTERN int vmc_image_store_import_layout(vmc_image_store *store, const char *dir,
					     const char *name, const char *ref);

/* Makes `cfg` boot image `ref` (normalised as above) from the image store
 * in `store_dir` (NULL: the default store). The image's root filesystem
 * becomes an ext4 disk, <store>/disks/<manifest hex>.ext4, built with
 * `mke2fs -d` (e2fsprogs) the first time (seconds for a large image) and
 * reused after; the image's Entrypoint + Cmd, Env, WorkingDir and User are
 * recorded in the config. At vmc_manager_start() the VM gets its own
 * copy-on-write clone of the disk (see vmc_disk_clone()), <vm dir>/
 * rootfs.ext4, attached writable before the config's disks with the
 * virtio serial "vmc-root" and removed with the VM. The default guest's
 * vmc-init mounts it, switches its root to it and runs the workload there:
 * the argv of vmc_config_set_exec() when one is set (it replaces
 * Entrypoint and Cmd), else Entrypoint + Cmd; its exit status is the VM's
 * exit code. The workload travels on the kernel command line, which must
 * stay under the kernel's 2048 bytes: vmc_manager_start() fails with
 * VMC_EINVAL, naming the size, when it does not. Blocking (the first
 * build); safe from several processes at once (one build wins, none is
 * ever seen half-written). Returns 0, VMC_ENOTFOUND (not in the store: the
 * message says to pull it), VMC_EINVAL (bad reference, a workload over
 * vmc-init's limits), VMC_EPROTO (a corrupt image) or VMC_EIO (mke2fs
 * missing or failed, with its message). */
VMC_EXTERN int vmc_config_set_image(vmc_config *cfg, const char *store_dir, const char *ref);

/* Progress of one blob of a pull: `done` of `total` bytes of the blob
 * `digest` ("sha256:..."; borrowed for the call). Called once per blob
 * when it is queued, with done == total when the store has it already,
 * else with the bytes an interrupted pull left (0 when none); then as
 * bytes arrive, and with done == total when it is verified and stored.
 * Called on the pulling thread. */
typedef void (*vmc_image_progress_fn)(const char *digest, uint64_t done, uint64_t total,
				      void *payload);

#define VMC_IMAGE_PULL_OPTS_VERSION 1

/* Options of vmc_image_pull(). Initialise with VMC_IMAGE_PULL_OPTS_INIT or
 * vmc_image_pull_opts_init(); fields may be added at the end in later
 * versions. */
typedef struct vmc_image_pull_opts {
	unsigned int version;                   /* VMC_IMAGE_PULL_OPTS_VERSION */
	const char *platform;                   /* "OS/ARCH[/VARIANT]"; NULL: the host's */
	const char *const *insecure_registries; /* "host[:port]" where plain HTTP is allowed */
	size_t n_insecure_registries;
	const char *ca_file;                    /* PEM CAs to trust; NULL: $VMC_CA_FILE, else the system's */
	unsigned int max_parallel;              /* blobs downloaded at once; 0: 4 */
} vmc_image_pull_opts;

#define VMC_IMAGE_PULL_OPTS_INIT { VMC_IMAGE_PULL_OPTS_VERSION, NULL, NULL, 0, NULL, 0 }

/* Sets *opts to VMC_IMAGE_PULL_OPTS_INIT. */
VMC_EXTERN void vmc_image_pull_opts_init(vmc_image_pull_opts *opts);

/* Pulls image `ref` (normalised as above) from its registry into `store`
 * and records it. HTTPS always, verified against the system's CAs (or
 * ca_file); plain HTTP only for loopback registries (localhost,
 * 127.0.0.0/8, [::1]) and those in insecure_registries, which are tried
 * over HTTPS first. Registries asking for authentication get the token
 * flow (anonymous, or with the credentials of ~/.docker/config.json or
 * $DOCKER_CONFIG/config.json: `auths`, or a `credHelpers`/`credsStore`
 * helper, docker-credential-NAME, run from PATH) or Basic auth. A
 * multi-platform index is resolved for opts->platform (default: the
 * host's). Every manifest is verified against its digest (the one asked
 * for, or the registry's Docker-Content-Digest) and every blob against
 * its descriptor's digest and size as it streams to disk; blobs are
 * downloaded in parallel, retried on transient errors, and resumed with
 * HTTP Range after an interrupted pull (partial files stay in the store
 * until they complete or vmc_image_store_prune() removes them). The image
 * is recorded only when all its blobs are stored. `progress` (may be
 * NULL) is called with `payload`. On success *out (may be NULL; the
 * caller's, vmc_free()) receives the digest of the image manifest.
 * Returns 0, VMC_EINVAL (bad reference or option), VMC_ENOTFOUND (no such
 * manifest, platform or blob), VMC_EAUTH (authentication required and no
 * credentials, or refused), VMC_EPROTO (malformed or mismatching bytes
 * from the registry), VMC_EUNSUPPORTED, VMC_EIO (network, TLS, plain HTTP
 * refused) or VMC_ENOMEM. */
VMC_EXTERN int vmc_image_pull(char **out, vmc_image_store *store, const char *ref,
			      const vmc_image_pull_opts *opts, vmc_image_progress_fn progress,
			      void *payload);

/* ---------------------------------------------------------------- networks */

/* Switch networks: a vmc-switch process per network forwards Ethernet
 * frames between the VM NICs on it (VMC_NIC_SWITCH), and nothing else:
 * no route out, and no host link unless asked (VMC_NETWORK_HOST_PORT). A network lives in <state>/networks/<name>/;
 * its switch runs detached, survives the program that started it and is
 * re-adopted by any process (pid and start time). A switch found dead is
 * started again by vmc_manager_start() of a VM on it and by
 * vmc_network_create() of the same name, which also re-attaches the
 * network's running VMs. Addresses are handed out from .2 on (.1 is kept
 * for a gateway), recorded in the network's directory so two VMs never
 * share one, and released when the VM is removed. Functions here are safe
 * to call from several processes; two creating one name race to EEXISTS. */

/* Creates network `name` (VMC_NAME_MAX charset) on `subnet_cidr`, an IPv4
 * "a.b.c.d/p" with p in 8..29 and no host bits set, or NULL for the first
 * free 10.x.y.0/24 from 10.100.0.0/24 on, and starts its switch. Subnets of
 * networks in one state directory never overlap. For an existing network
 * whose switch is dead (and subnet_cidr NULL or the same), restarts the
 * switch and returns 0. Returns 0, VMC_EINVAL, VMC_EEXISTS (the name is
 * taken and its switch is running, or the subnet overlaps another
 * network's), VMC_EBUSY (no free subnet), VMC_ENOTFOUND (no vmc-switch
 * binary: set VMC_SWITCH), VMC_ETIMEOUT or VMC_EIO. */
VMC_EXTERN int vmc_network_create(vmc_manager *mgr, const char *name, const char *subnet_cidr);

/* Gives a switch network a host port: vmc-switch opens a TAP device
 * ("vmcs<N>", gone when the switch exits) with the subnet's .1, so the
 * host routes to the network's guests (and they to it), and `--publish`
 * works through switch NICs on it. Needs CAP_NET_ADMIN. */
#define VMC_NETWORK_HOST_PORT 0x2u

/* vmc_network_create() with `flags`: 0 or VMC_NETWORK_HOST_PORT. The
 * flags are recorded with the network at its creation (an existing
 * network keeps its own). With a host port the subnet must also not
 * overlap one of the host's interfaces' (VMC_EEXISTS; a picked one skips
 * them). Same returns, and VMC_EIO when the host port cannot be made
 * (without CAP_NET_ADMIN): nothing is left then. */
VMC_EXTERN int vmc_network_create_switch(vmc_manager *mgr, const char *name,
					 const char *subnet_cidr, unsigned int flags);

/* Stops network `name`'s switch and removes its directory. Refused with
 * VMC_EBUSY while a VM (running or not, until it is removed) has a NIC on
 * it; the message names the VM. Returns 0, VMC_ENOTFOUND, VMC_EBUSY or
 * VMC_EIO. */
VMC_EXTERN int vmc_network_remove(vmc_manager *mgr, const char *name);

typedef enum {
	VMC_NETWORK_SWITCH = 0,
	VMC_NETWORK_BRIDGE = 1,
} vmc_network_type;

typedef struct vmc_network_info {
	char name[VMC_NAME_MAX + 1];
	char subnet[20];          /* "10.100.0.0/24" */
	unsigned int n_ports;     /* ports on its switch now (0 if the switch is dead) */
	unsigned int n_addrs;     /* addresses held by VMs */
	int switch_pid;           /* the switch's last known pid, 0 if none */
	int switch_alive;         /* 1 if that process is running */
	vmc_network_type type;
	char bridge[16];          /* VMC_NETWORK_BRIDGE: the host bridge's name */
	int nat;                  /* VMC_NETWORK_BRIDGE: 1 with NAT */
	char netns[VMC_NAME_MAX + 1]; /* VMC_NETWORK_BRIDGE: its namespace, "" for vmc's */
} vmc_network_info;

/* Bridge networks (Linux): a host bridge "vmc-<name>" (names too long for
 * an interface name are shortened with a hash) holding the subnet's .1,
 * and with VMC_NETWORK_NAT masquerading of what leaves the subnet (one
 * chain per network in nftables `table inet vmc`, the table removed with
 * the last chain) and net.ipv4.ip_forward set to 1 (its prior value is
 * written back when the last network needing it is removed). VMs attach
 * with VMC_NIC_BRIDGE NICs. Every host object is recorded in the
 * network's directory before it is made; removal deletes exactly those.
 * A creation that never completed (the creating process died) is undone
 * by the next vmc_network_create(), vmc_network_list() or
 * vmc_network_remove(). Everything happens in the caller's network
 * namespace (run under `ip netns exec` to use another), or in a named
 * namespace vmc creates for the network (see `netns` below). Needs
 * CAP_NET_ADMIN. */
#define VMC_NETWORK_NAT 0x1u

/* Creates bridge network `name` on `subnet_cidr` (as for
 * vmc_network_create(); NULL picks one) with `flags` (VMC_NETWORK_NAT)
 * masquerading through `uplink` only when not NULL (an interface name).
 * With `netns` not NULL, vmc first creates the named network namespace
 * /run/netns/<netns> (VMC_NAME_MAX charset; as `ip netns add` does) and
 * puts the bridge, NAT and forwarding in it; VM TAPs are made in it too,
 * and removing the network deletes the namespace. Returns 0, VMC_EINVAL,
 * VMC_EEXISTS (the name is taken, the subnet overlaps, or the bridge's
 * interface name or the namespace exists: it is left alone), VMC_EBUSY
 * or VMC_EIO (the kernel refused: the message says which step; nothing
 * is left behind). */
VMC_EXTERN int vmc_network_create_bridge(vmc_manager *mgr, const char *name,
					 const char *subnet_cidr, unsigned int flags,
					 const char *uplink, const char *netns);

/* Lists the networks, sorted by name. *out (free with vmc_free()) holds
 * *count entries. Returns 0, VMC_EIO or VMC_ENOMEM. */
VMC_EXTERN int vmc_network_list(vmc_manager *mgr, vmc_network_info **out, size_t *count);

#ifdef __cplusplus
}
#endif
#endif /* VMC_H */
