/*
 * shim.h - vmc-shim, the per-VM supervisor. One process per VM, started
 * detached by the manager, parent of the hypervisor. It owns the console
 * stream (serial.log + ready detection as bytes arrive), the backend's
 * control channel, state.json (written atomically on every change) and
 * the control socket shim.sock that managers talk to. It exits once the
 * hypervisor has exited and the final state is recorded. With an
 * in-process backend (vz on macOS) the shim hosts the VM itself instead of
 * a hypervisor child (hv_inproc.c). Platform code is in its own files:
 * loop_epoll.c + hv_process.c on Linux, loop_kqueue.c on macOS.
 */
#ifndef VMC_SHIM_H
#define VMC_SHIM_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend/backend.h"
#include "core/line_reader.h"
#include "core/ready.h"
#include "vmc.h"

#define SHIM_LOG_MAX (64LL * 1024 * 1024) /* serial.log stops growing here */
#define SHIM_CLIENT_LINE_MAX 4096
#define SHIM_MAX_CLIENTS 64
#define SHIM_QUIT_GRACE_MS 2000    /* after quit, before SIGKILL */
#define SHIM_SIGTERM_STOP_MS 10000 /* SIGTERM/INT/HUP: stop with this timeout */

/* Readiness a watch asks for and its handler receives: epoll's values on
 * Linux (loop_epoll.c passes them through); loop_kqueue.c maps to them. */
#define SHIM_EV_IN 0x001

struct shim;
struct fwd;

/* One loop registration: the loop calls handler(shim, watch, events). A
 * timer watch has fd -1 on macOS (kqueue timers need no descriptor). */
struct shim_watch {
	int fd;
	int (*handler)(struct shim *shim, struct shim_watch *w, uint32_t events);
};

struct shim_client {
	struct shim_watch watch;
	struct line_reader in;
	int watching;          /* sent every state change */
	int pending;           /* 1 stop, 2 kill: answered when the VM ends */
	struct shim_client *next;
};

struct shim {
	char *vm_dir;
	struct vmc_config *cfg;
	const struct backend_ops *ops;
	struct backend_vm *bvm;
	int loop_fd;                 /* epoll (Linux) or kqueue (macOS) */

	struct shim_watch console;   /* read end of the hypervisor's stdout */
	struct shim_watch backend;   /* QMP */
	struct shim_watch pidfd;     /* the hypervisor (Linux) */
	struct shim_watch control;   /* listening shim.sock */
	struct shim_watch signals;   /* signalfd (Linux); unused with kqueue */
	struct shim_watch stop_timer;
	struct shim_watch boot_timer;
	int log_fd, user_log_fd;
	long long log_bytes;

	pid_t sidecars[VMC_DEVICES_MAX]; /* virtiofsd per share */
	int n_sidecars;
	pid_t hv_pid;
	unsigned long long hv_start;
	unsigned long long shim_start;
	int64_t start_mono_ms;
	/* CLOCK_MONOTONIC microseconds (system-wide, so bench/ can compare
	 * them with its own clock): hypervisor exec'd, ready line complete,
	 * hypervisor reaped. 0 until it happens. */
	int64_t t_exec_us, t_ready_us, t_exit_us;
	int64_t t_read_us;           /* the last console read */

	vmc_state state;
	vmc_state restored;          /* the state a restored snapshot was saved in */
	const char *restore_dir;
	vmc_state_kind resume_to;    /* RUNNING or READY, for resume */
	struct ready_scanner scanner;

	/* what happened, for the final state */
	int guest_exit_seen, guest_exit_status, guest_exit_signal;
	char guest_error[160];
	char panic[160];
	int reset_seen;
	int kill_requested;          /* vmc kill */
	int stop_requested;          /* vmc stop */
	int stop_timed_out;
	int quit_sent;               /* stop timed out: the hypervisor was told to quit */
	int powerdown_failed;        /* the stop could not press the power button */
	int boot_timed_out;
	char fail_reason[200];       /* set when the shim gives up on the VM */
	int hv_gone;

	struct shim_client *clients;
	struct shim_client *closed_clients; /* freed after the loop's batch */
	int n_clients;

	struct fwd *fwd;              /* --publish forwarder, NULL: none */
	struct shim_watch fwd_watch;  /* its epoll fd */
};

/* shim.c */
int shim_set_state(struct shim *shim, vmc_state_kind kind, const char *reason);
int shim_write_state(struct shim *shim);
/* Opens (creating, 0600) dir/name to append to, O_CLOEXEC, no symlink. */
int shim_open_log(const char *dir, const char *name, int *out);
int shim_request_stop(struct shim *shim, int timeout_ms);
int shim_request_kill(struct shim *shim);
int shim_pause(struct shim *shim);
int shim_resume(struct shim *shim);
void shim_backend_report(enum backend_event ev, const char *detail, void *p);
int shim_on_backend(struct shim *shim, struct shim_watch *w, uint32_t events);
int shim_on_timer(struct shim *shim, struct shim_watch *w, uint32_t events);
/* Returns 1 once the hypervisor has been reaped and the final state set. */
int shim_on_hypervisor_exit(struct shim *shim, struct shim_watch *w, uint32_t events);
/* Records the end of the VM: `si` is the hypervisor's wait status (for
 * an in-process VM, one made up: exited 0, or killed by SIGKILL). Drains
 * the console, detaches switch ports, sets the final state and answers
 * pending stop/kill requests. Returns 1 (the loop ends). */
int shim_vm_ended(struct shim *shim, const siginfo_t *si);
/* SIGTERM, SIGINT or SIGHUP reached the shim: stop the VM. */
void shim_on_terminate(struct shim *shim);
void shim_log(struct shim *shim, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Kills and reaps the sidecar processes (after the hypervisor). */
void shim_stop_sidecars(struct shim *shim);

/* loop_epoll.c (Linux) / loop_kqueue.c (macOS): the event loop. */
/* The loop fd, the SIGTERM/SIGINT/SIGHUP watch (SIGPIPE ignored), the
 * stop and boot timers. */
int shim_loop_init(struct shim *shim);
/* Runs until a handler returns 1 or the VM has ended (hv_gone). */
void shim_loop_run(struct shim *shim);
/* `events`: SHIM_EV_IN. */
int shim_watch_add(struct shim *shim, struct shim_watch *w, uint32_t events);
void shim_watch_del(struct shim *shim, struct shim_watch *w);
/* One-shot timer `t` (stop_timer or boot_timer) fires in ms (0: at once). */
int shim_timer_arm(struct shim *shim, struct shim_watch *t, int ms);
/* A timer fired: consume it (timerfd ticks; nothing with kqueue). */
void shim_timer_ack(struct shim_watch *t);

/* hv_process.c (Linux): prepares the backend, starts the sidecars and
 * spawns the hypervisor, watched by pidfd. loop_kqueue.c: refused (macOS
 * backends run in-process). */
int shim_start_process(struct shim *shim, struct backend_launch *launch);
/* SIGKILL to the hypervisor child. */
void shim_kill_process(struct shim *shim);

/* hv_inproc.c: prepares an in-process backend with the write end of the
 * console pipe; the shim's pid stands for the hypervisor's. */
int shim_start_in_process(struct shim *shim, struct backend_launch *launch);

/* snapshot.c */
int shim_snapshot(struct shim *shim, const char *dir);
int shim_restore_read(struct shim *shim, const char *dir);
int shim_restore_finish(struct shim *shim);

/* hotplug.c */
int shim_resize(struct shim *shim, unsigned int cpus, unsigned int memory_mib, int timeout_ms);
int shim_disk_add(struct shim *shim, const char *path, vmc_disk_format format, int read_only,
		  char *id, size_t id_len);
int shim_disk_remove(struct shim *shim, const char *id);
int shim_reboot(struct shim *shim);

/* console.c */
int shim_console_readable(struct shim *shim, struct shim_watch *w, uint32_t events);
void shim_console_drain(struct shim *shim);
/* Reads what the console pipe holds now (logged, fed to the scanner). */
void shim_console_catch_up(struct shim *shim);

/* publish.c: binds every forward (errors: a port in use); ready hands
 * over the guest's address; stop closes them all. */
int shim_publish_start(struct shim *shim);
void shim_publish_ready(struct shim *shim);
void shim_publish_stop(struct shim *shim);

/* control.c */
int shim_control_listen(struct shim *shim);
int shim_control_accept(struct shim *shim, struct shim_watch *w, uint32_t events);
void shim_control_broadcast(struct shim *shim);
void shim_control_finish(struct shim *shim, const char *result);
void shim_control_close_all(struct shim *shim);
/* Frees the clients closed since the last call: each loop calls it after
 * a batch of events (an event later in the batch may name one). */
void shim_control_reap(struct shim *shim);

#endif
