/*
 * chv.c - the Cloud Hypervisor backend. The shim binds and listens on the
 * API socket (<vm_dir>/api.sock) itself and passes it as --api-socket fd=3,
 * so the API is connectable before CH runs (libvirt's way: no start-up
 * race, no polling for the socket file); the write end of a pipe is
 * --event-monitor fd=4 and its read end is the backend's fd for the shim's
 * loop. The guest's ttyS0 is --serial tty, i.e. CH's stdout, which is the
 * shim's console pipe; --console off. CH logs to its stderr, which the
 * shim already points at vmm.log: --log-file would open (and truncate) the
 * same file through a second, non-appending descriptor, interleaving
 * badly with the shim's lines. Graceful stop is vm.power-button, pause and
 * resume are vm.pause/vm.resume, quit (the stop's forced step) is
 * vm.shutdown + vmm.shutdown, and events come from the event monitor. CH
 * reboots a guest in place ("vm rebooting"); vmc's contract is that a
 * guest's reset ends the VM (QEMU runs with -no-reboot, and the guest's
 * panic=-1 turns a panic into a reset), so on a reboot event the backend
 * reports RESET and sends CH SIGTERM, which CH handles by stopping the VM
 * and exiting 0. Only the reboot vmc asked for (chv_reboot: vm.reboot)
 * goes on, reported as REBOOTED. vm.info is the check: after vm.pause,
 * vm.resume, vm.reboot and vm.restore the backend reads the events CH has
 * sent, then the state vm.info reports, and a state other than the one
 * the call leads to is an error (and the state CH reports is what the
 * shim is told). When the event stream breaks (malformed, EOF, read
 * error) the backend says so in vmm.log and checks vm.info every
 * CHV_INFO_POLL_MS instead (a timerfd in its epoll set, the shim's fd):
 * a VM CH no longer runs (Created, Shutdown) ends as with "vm shutdown".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/launch_util.h"
#include "backend/chv_api.h"
#include "backend/chv_event.h"
#include "backend/chv_probe.h"
#include "backend/chv_vm.h"
#include "backend/guest_cmdline.h"
#include "backend/virtiofs.h"
#include "core/clock.h"
#include "core/config_image.h"
#include "core/error.h"
#include "image/seed_attach.h"
#include "core/fsutil.h"
#include "core/spawn.h"
#include "core/unixsock.h"
#include "net/netns.h"
#include "net/tap.h"

#define CHV_API_PASS_FD 3
#define CHV_EVENT_PASS_FD 4
#define CHV_TAP_PASS_FD 5  /* the NICs' TAP fds are 5, 6, ... in CH, NIC by NIC */
#define CHV_VSOCK_FILE "vsock.sock" /* see vmc_manager_vsock_path() */
#define CHV_VERSION_TIMEOUT_MS 5000

/* ------------------------------------------------------------ argv */

static int argv_add(struct backend_vm *vm, const char *fmt, ...) VMC_PRINTF(2, 3);

static int argv_add(struct backend_vm *vm, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = launch_argv_vadd(&vm->argv, &vm->argc, &vm->argv_cap, fmt, ap);
	va_end(ap);
	return rc;
}

/* A value inside CH's comma-separated key=value syntax: quoted when it
 * holds a separator. CH's option parser has no escape for '"'. */
static int chv_value(const char *what, const char *v, char *out, size_t len)
{
	int quote = strpbrk(v, ",[]") != NULL;
	int n;

	if (strchr(v, '"') || strpbrk(v, "\n\r"))
		return vmc_error_set(VMC_EINVAL, "%s '%s' cannot be passed to cloud-hypervisor "
				     "(it contains a quote or newline)", what, v);
	n = snprintf(out, len, quote ? "\"%s\"" : "%s", v);
	if (n < 0 || (size_t)n >= len)
		return vmc_error_set(VMC_EINVAL, "%s '%s' is too long", what, v);
	return 0;
}

/* chv_value() of the path vm_dir/name. */
static int vm_file_value(const char *what, const char *vm_dir, const char *name, char *out,
			 size_t len)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", vm_dir, name);

	if (n < 0 || (size_t)n >= sizeof(path))
		return vmc_error_set(VMC_EINVAL, "%s: the vm's directory path is too long", what);
	return chv_value(what, path, out, len);
}

/* TAP fds (queue pairs) of a NIC: a bridge NIC's queues, else one. */
static unsigned int nic_fds(const struct vmc_nic *nic)
{
	return nic->kind == VMC_NIC_BRIDGE && nic->queues > 1 ? nic->queues : 1;
}

/* vm_dir: where the manager wrote the VM's seed.iso ("" when probing). */
static int build_argv(struct backend_vm *vm, const struct vmc_config *cfg, const char *binary,
		      const char *vm_dir)
{
	char *cmdline = NULL, val[PATH_MAX + 8];
	int rc;

	/* CH is KVM-only: no tsc_early_khz (that is for TCG guests) */
	rc = guest_cmdline_build(cfg, NULL, &cmdline);
	if (rc < 0)
		return rc;
#define ADD(...) do { rc = argv_add(vm, __VA_ARGS__); if (rc < 0) goto out; } while (0)
	ADD("%s", binary);
	ADD("--api-socket");
	ADD("fd=%d", CHV_API_PASS_FD);
	ADD("--event-monitor");
	ADD("fd=%d", CHV_EVENT_PASS_FD);
	if (vm->restore_dir)
		goto out; /* no VM options: the VM comes from vm.restore (chv_snapshot.c) */
	ADD("--serial");
	ADD("tty");
	ADD("--console");
	ADD("off");
	ADD("--kernel");
	ADD("%s", cfg->kernel);
	if (cfg->initramfs) {
		ADD("--initramfs");
		ADD("%s", cfg->initramfs);
	}
	ADD("--cmdline");
	ADD("%s", cmdline);
	ADD("--cpus");
	if (cfg->max_cpus > cfg->cpus)
		ADD("boot=%u,max=%u", cfg->cpus, cfg->max_cpus);
	else
		ADD("boot=%u", cfg->cpus);
	ADD("--memory");
	/* vhost-user (virtiofsd) maps guest RAM: it must be shared */
	if (cfg->max_memory_mib > cfg->memory_mib)
		ADD("size=%uM,hotplug_size=%uM%s", cfg->memory_mib,
		    cfg->max_memory_mib - cfg->memory_mib, cfg->n_shares ? ",shared=on" : "");
	else
		ADD("size=%uM%s", cfg->memory_mib, cfg->n_shares ? ",shared=on" : "");
	/* a guest panic reaches vmc as the "guest panic" event */
	ADD("--pvpanic");
	for (size_t i = 0; i < cfg->n_disks; i++) {
		rc = chv_value("disk", cfg->disks[i].path, val, sizeof(val));
		if (rc < 0)
			goto out;
		/* always explicit: never let CH probe a guest-writable image's format */
		ADD("--disk");
		ADD("path=%s,image_type=%s%s", val,
		    cfg->disks[i].format == VMC_DISK_QCOW2 ? "qcow2" : "raw",
		    cfg->disks[i].read_only ? ",readonly=on" : "");
	}
	if (cfg->cloud_init) {
		/* the seed the manager wrote: read-only, after the user's disks */
		rc = vm_file_value("seed", vm_dir, SEED_ATTACH_FILE, val, sizeof(val));
		if (rc < 0)
			goto out;
		ADD("--disk");
		ADD("path=%s,image_type=raw,readonly=on", val);
	}
	if (cfg->image) {
		/* the manager's clone of the image disk; the guest finds it by serial */
		rc = vm_file_value("root disk", vm_dir, CONFIG_IMAGE_ROOT_FILE, val, sizeof(val));
		if (rc < 0)
			goto out;
		ADD("--disk");
		ADD("path=%s,image_type=raw,serial=%s", val, CONFIG_IMAGE_ROOT_SERIAL);
	}
	/* TAPs as fds the shim opened (chv_tap.c): CH needs no CAP_NET_ADMIN */
	for (size_t i = 0, fd = CHV_TAP_PASS_FD; i < cfg->n_nics; i++) {
		unsigned int q = nic_fds(&cfg->nics[i]);
		char list[CHV_TAP_FDS_MAX * 4 + 4] = "";

		ADD("--net");
		if (q == 1) {
			ADD("fd=%zu,mac=%s", fd++, cfg->nics[i].mac);
			continue;
		}
		/* a multi-queue TAP: an fd per queue pair, num_queues counts rx + tx */
		for (unsigned int k = 0; k < q; k++, fd++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%zu",
				 k ? "," : "", fd);
		ADD("fd=[%s],num_queues=%u,mac=%s", list, 2 * q, cfg->nics[i].mac);
	}
	if (cfg->vsock_cid) {
		/* hybrid vsock: CH binds the host side (chv_prepare removes a
		 * stale one: CH would fail on an existing path) */
		rc = vm_file_value("vsock socket", vm_dir, CHV_VSOCK_FILE, val, sizeof(val));
		if (rc < 0)
			goto out;
		ADD("--vsock");
		ADD("cid=%u,socket=%s", cfg->vsock_cid, val);
	}
	for (size_t i = 0; i < cfg->n_shares; i++) {
		char sock[48];

		/* the socket virtiofs_prepare() binds; tags are [A-Za-z0-9_-] */
		snprintf(sock, sizeof(sock), "virtiofs-%zu.sock", i);
		rc = vm_file_value("virtio-fs socket", vm_dir, sock, val, sizeof(val));
		if (rc < 0)
			goto out;
		ADD("--fs");
		ADD("tag=%s,socket=%s", cfg->shares[i].tag, val);
	}
#undef ADD
out:
	free(cmdline);
	return rc;
}

/* ------------------------------------------------------------ validate */

static int chv_validate(const struct vmc_config *cfg)
{
	char binary[PATH_MAX];
	int rc, major, minor;
	unsigned int total_fds = 0;

	rc = chv_binary_find(binary, sizeof(binary));
	if (rc == 0)
		rc = chv_version_check(binary, CHV_VERSION_TIMEOUT_MS, &major, &minor);
	if (rc < 0)
		return rc;
	if (cfg->accel == VMC_ACCEL_TCG)
		return vmc_error_set(VMC_EUNSUPPORTED, "Cloud Hypervisor runs guests on KVM only; "
				     "use the qemu backend for TCG");
	rc = launch_check_file("kernel", cfg->kernel, 0);
	if (rc == 0)
		rc = chv_kernel_check(cfg->kernel);
	if (rc == 0 && cfg->initramfs)
		rc = launch_check_file("initramfs", cfg->initramfs, 0);
	for (size_t i = 0; rc == 0 && i < cfg->n_disks; i++)
		rc = launch_check_file("disk", cfg->disks[i].path, !cfg->disks[i].read_only);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < cfg->n_nics; i++) {
		total_fds += nic_fds(&cfg->nics[i]);
		if (nic_fds(&cfg->nics[i]) > cfg->cpus)
			return vmc_error_set(VMC_EINVAL, "nic %zu: %u queues need as many vCPUs on "
					     "Cloud Hypervisor (cpus is %u)", i,
					     nic_fds(&cfg->nics[i]), cfg->cpus);
		if (cfg->nics[i].kind == VMC_NIC_BRIDGE)
			continue; /* the shim makes its TAP */
		if (cfg->nics[i].kind != VMC_NIC_TAP)
			return vmc_error_set(VMC_EUNSUPPORTED, "Cloud Hypervisor has no user-mode "
					     "networking%s: use a TAP or bridge NIC, or the qemu "
					     "backend", cfg->nics[i].kind == VMC_NIC_SWITCH ?
					     " and no vmc switch port" : "");
		rc = chv_tap_check(cfg->nics[i].tap);
		if (rc < 0)
			return vmc_error_prefix(rc, "nic %zu", i);
	}
	if (total_fds > CHV_TAP_FDS_MAX)
		return vmc_error_set(VMC_EUNSUPPORTED, "at most %d NIC queues in all on Cloud "
				     "Hypervisor", CHV_TAP_FDS_MAX);
	rc = launch_check_max(cfg, "chv", 1);
	if (rc < 0)
		return rc;
	rc = virtiofs_validate(cfg);
	if (rc < 0)
		return rc;
	/* the argv is built again in the shim: catch its errors now */
	struct backend_vm probe = { .api_listen_fd = -1 }; /* no fds, no sidecars */
	rc = build_argv(&probe, cfg, binary, "/");
	launch_argv_free(&probe.argv, &probe.argc, &probe.argv_cap);
	return rc;
}

/* ------------------------------------------------------------ lifecycle */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void chv_free(struct backend_vm *vm)
{
	if (!vm)
		return;
	chv_client_free(vm->api);
	chv_event_reader_fini(&vm->events);
	close_fd(&vm->api_listen_fd);
	close_fd(&vm->loop_fd);
	close_fd(&vm->poll_fd);
	close_fd(&vm->event_rd);
	close_fd(&vm->event_wr);
	for (size_t i = 0; i < vm->n_tap_fds; i++)
		close_fd(&vm->tap_fds[i]);
	for (size_t i = 0; i < vm->n_vfs; i++)
		virtiofs_release(&vm->vfs[i]);
	if (vm->api_path) {
		unlink(vm->api_path);
		free(vm->api_path);
	}
	free(vm->vm_dir);
	free(vm->restore_dir);
	launch_argv_free(&vm->argv, &vm->argc, &vm->argv_cap);
	free(vm);
}

/* Moves *fd above the fixed numbers the child gets (spawn dup2s onto 3, 4). */
static int move_high(int *fd)
{
	int nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 10);

	if (nfd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "dup");
	close(*fd);
	*fd = nfd;
	return 0;
}

static void on_event(const char *source, const char *event, json_t *props, void *payload)
{
	struct backend_vm *vm = payload;
	int ev = chv_event_map(source, event);
	const char *detail = NULL;

	/* the reset of a reboot vmc asked for goes on: the VM does not end;
	 * if its events were lost (a slow reader loses them), a reset after
	 * the window is the guest's own again */
	if (vm->reboot_pending && clock_remaining_ms(vm->reboot_until) == 0)
		vm->reboot_pending = 0;
	if (vm->reboot_pending && !strcmp(source, "vm") &&
	    (!strcmp(event, "rebooting") || !strcmp(event, "shutdown")))
		return;
	if (vm->reboot_pending && !strcmp(source, "vm") && !strcmp(event, "rebooted")) {
		vm->reboot_pending = 0;
		if (vm->report)
			vm->report(BACKEND_EV_REBOOTED, event, vm->report_payload);
		return;
	}

	if (ev < 0 || !vm->report)
		return;
	if (props)
		detail = json_string_value(json_object_get(props, "event"));
	vm->report((enum backend_event)ev, detail ? detail : event, vm->report_payload);
	/* A reset ends the VM; so does "vm shutdown": after a guest power-off
	 * CH exits anyway, but after a vm.shutdown sent behind vmc's back CH
	 * would stay with no VM ("Created") while vmc said RUNNING/READY. */
	if ((ev == BACKEND_EV_RESET || (ev == BACKEND_EV_SHUTDOWN && !strcmp(source, "vm"))) &&
	    vm->pid > 0)
		kill(vm->pid, SIGTERM); /* our unreaped child: the pid is still its */
}

static int chv_prepare(struct backend_vm **out, const struct vmc_config *cfg,
		       struct backend_launch *launch)
{
	struct backend_vm *vm = calloc(1, sizeof(*vm));
	char binary[PATH_MAX];
	int pipefd[2], rc;

	if (!vm)
		return vmc_error_oom();
	vm->api_listen_fd = vm->event_rd = vm->event_wr = vm->loop_fd = vm->poll_fd = -1;
	for (size_t i = 0; i < CHV_TAP_FDS_MAX; i++)
		vm->tap_fds[i] = -1;
	chv_event_reader_init(&vm->events, on_event, vm);
	rc = chv_binary_find(binary, sizeof(binary));
	if (rc < 0)
		goto out;
	if (cfg->vsock_cid) {
		char *vs = fs_join(launch->vm_dir, CHV_VSOCK_FILE);

		if (vs)
			unlink(vs); /* left by a crash: CH binds it afresh */
		free(vs);
	}
	vm->api_path = fs_join(launch->vm_dir, "api.sock");
	vm->vm_dir = strdup(launch->vm_dir);
	if (launch->restore_dir)
		vm->restore_dir = strdup(launch->restore_dir);
	if (!vm->api_path || !vm->vm_dir || (launch->restore_dir && !vm->restore_dir)) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = chv_client_new(&vm->api, vm->api_path);
	if (rc < 0)
		goto out;
	rc = unix_listen(vm->api_path, 16, 0, &vm->api_listen_fd);
	if (rc < 0)
		goto out;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "pipe");
		goto out;
	}
	vm->event_rd = pipefd[0];
	vm->event_wr = pipefd[1];
	rc = move_high(&vm->api_listen_fd);
	if (rc == 0)
		rc = move_high(&vm->event_wr);
	if (rc == 0 && fcntl(vm->event_rd, F_SETFL, O_NONBLOCK) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "fcntl");
	if (rc == 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = vm->event_rd };

		vm->loop_fd = epoll_create1(EPOLL_CLOEXEC);
		if (vm->loop_fd < 0 || epoll_ctl(vm->loop_fd, EPOLL_CTL_ADD, vm->event_rd, &ev) < 0)
			rc = vmc_error_set_errno(VMC_EIO, errno, "epoll");
	}
	/* a TAP fd per NIC: --net fd=N at launch, or vm.restore's SCM_RIGHTS */
	for (size_t i = 0; rc == 0 && i < cfg->n_nics; i++) {
		char ifname[IFNAMSIZ], ns[VMC_NAME_MAX + 1];

		/* a bridge NIC gets a new TAP in its network's bridge (net/tap.c),
		 * in the network's namespace when it has one */
		if (cfg->nics[i].kind == VMC_NIC_BRIDGE) {
			rc = netns_of_network(launch->vm_dir, cfg->nics[i].tap, ns, sizeof(ns));
			if (rc == 0 && vm->n_tap_fds + nic_fds(&cfg->nics[i]) > CHV_TAP_FDS_MAX)
				rc = vmc_error_set(VMC_EINVAL, "too many NIC queues");
			if (rc == 0)
				rc = tap_open_for_nic(&cfg->nics[i], ns, nic_fds(&cfg->nics[i]),
						      &vm->tap_fds[vm->n_tap_fds], ifname);
		} else if (vm->n_tap_fds >= CHV_TAP_FDS_MAX) {
			rc = vmc_error_set(VMC_EINVAL, "too many NIC queues");
		} else {
			rc = chv_tap_open(cfg->nics[i].tap, &vm->tap_fds[vm->n_tap_fds]);
		}
		if (rc == 0) {
			vm->nic_fds[vm->n_taps++] = nic_fds(&cfg->nics[i]);
			vm->n_tap_fds += nic_fds(&cfg->nics[i]);
		} else {
			rc = vmc_error_prefix(rc, "nic %zu", i);
		}
	}
	/* virtiofsd per share, started by the shim before CH connects to it */
	if (rc == 0)
		rc = virtiofs_prepare_sidecars(vm->vfs, &vm->n_vfs, cfg, launch);
	if (rc == 0)
		rc = build_argv(vm, cfg, binary, launch->vm_dir);
	if (rc < 0)
		goto out;
	launch->argv = vm->argv;
	launch->pass_fds[0] = vm->api_listen_fd;
	launch->pass_to[0] = CHV_API_PASS_FD;
	launch->pass_fds[1] = vm->event_wr;
	launch->pass_to[1] = CHV_EVENT_PASS_FD;
	launch->n_pass_fds = 2;
	for (size_t i = 0; !vm->restore_dir && i < vm->n_tap_fds; i++) {
		launch->pass_fds[launch->n_pass_fds] = vm->tap_fds[i];
		launch->pass_to[launch->n_pass_fds++] = CHV_TAP_PASS_FD + (int)i;
	}
	*out = vm;
	vm = NULL;
out:
	chv_free(vm);
	return rc;
}

static int chv_attach(struct backend_vm *vm, pid_t pid, int timeout_ms,
		      void (*report)(enum backend_event ev, const char *detail, void *p), void *p)
{
	char *version = NULL;
	int rc;

	vm->pid = pid;
	vm->report = report;
	vm->report_payload = p;
	/* CH holds its own copies now: EOF on the event pipe means it is gone,
	 * and the socket file stays bound while CH keeps the listener. */
	close_fd(&vm->event_wr);
	close_fd(&vm->api_listen_fd);
	for (size_t i = 0; !vm->restore_dir && i < vm->n_tap_fds; i++)
		close_fd(&vm->tap_fds[i]); /* a restore sends them with vm.restore */
	rc = chv_api_vmm_ping(vm->api, timeout_ms, &version);
	free(version);
	return rc;
}

static int chv_fd(struct backend_vm *vm)
{
	return vm->loop_fd;
}

/* A line in vmm.log (the shim's stderr), as the shim's own lines. */
static void chv_log(const char *fmt, ...) VMC_PRINTF(1, 2);

static void chv_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "vmc-shim[%d]: ", (int)getpid());

	if (n < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strncat(buf, "\n", sizeof(buf) - strlen(buf) - 1);
	(void)!write(STDERR_FILENO, buf, strlen(buf));
}

/* Reads and delivers what the event pipe holds. < 0: the stream is
 * broken (malformed, EOF, read error). */
static int read_events(struct backend_vm *vm)
{
	char buf[16384];

	for (;;) {
		ssize_t n = read(vm->event_rd, buf, sizeof(buf));

		if (n > 0) {
			int rc = chv_event_feed(&vm->events, buf, (size_t)n);
			if (rc < 0)
				return vmc_error_prefix(rc, "cloud-hypervisor event monitor");
			continue;
		}
		if (n == 0)
			return vmc_error_set(VMC_EIO, "cloud-hypervisor event monitor closed");
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return vmc_error_set_errno(VMC_EIO, errno, "cloud-hypervisor event monitor");
	}
}

/* The event stream is broken (vmc_error_last() says how): its events are
 * ignored from now on and vm.info is checked on a timer instead. */
static int fall_back_to_info(struct backend_vm *vm)
{
	struct itimerspec its = { 0 };
	struct epoll_event ev = { .events = EPOLLIN };

	chv_log("%s: its events are ignored from now on; vm.info is checked every %d ms "
		"instead", vmc_error_last(), CHV_INFO_POLL_MS);
	vmc_error_clear();
	epoll_ctl(vm->loop_fd, EPOLL_CTL_DEL, vm->event_rd, NULL);
	close_fd(&vm->event_rd);
	vm->poll_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (vm->poll_fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "timerfd_create");
	its.it_value.tv_nsec = its.it_interval.tv_nsec = CHV_INFO_POLL_MS * 1000000L;
	ev.data.fd = vm->poll_fd;
	if (timerfd_settime(vm->poll_fd, 0, &its, NULL) < 0 ||
	    epoll_ctl(vm->loop_fd, EPOLL_CTL_ADD, vm->poll_fd, &ev) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "vm.info timer");
	return 0;
}

/* Events CH has sent so far, delivered (a broken stream: the fallback). */
static int catch_up(struct backend_vm *vm)
{
	if (vm->event_rd < 0 || read_events(vm) == 0)
		return 0;
	return fall_back_to_info(vm);
}

/* Tells the shim the state vm.info reports: Running, Paused, or no VM
 * any more (Created, Shutdown), which ends it as "vm shutdown" does. */
static void apply_info(struct backend_vm *vm, const char *state)
{
	if (!vm->report)
		return;
	if (!strcmp(state, "Running")) {
		vm->report(BACKEND_EV_RESUMED, "vm.info", vm->report_payload);
	} else if (!strcmp(state, "Paused")) {
		vm->report(BACKEND_EV_PAUSED, "vm.info", vm->report_payload);
	} else if ((!strcmp(state, "Created") || !strcmp(state, "Shutdown")) && !vm->info_ended) {
		vm->info_ended = 1;
		chv_log("cloud-hypervisor's vm.info reads %s: the vm has ended", state);
		vm->report(BACKEND_EV_SHUTDOWN, "vm.info", vm->report_payload);
		if (vm->pid > 0)
			kill(vm->pid, SIGTERM); /* our unreaped child */
	}
}

/* vm.info as the check after `call`: the state CH reports must be
 * `expect`; else an error, and the shim is told CH's state. */
static int check_info(struct backend_vm *vm, const char *call, const char *expect)
{
	char state[CHV_API_STATE_MAX];
	int rc = catch_up(vm);

	if (rc == 0)
		rc = chv_api_vm_info(vm->api, CHV_INFO_TIMEOUT_MS, state);
	if (rc < 0)
		return vmc_error_prefix(rc, "checking vm.info after %s", call);
	if (!strcmp(state, expect))
		return 0;
	apply_info(vm, state);
	return vmc_error_set(VMC_EPROTO, "cloud-hypervisor answered %s, but its vm.info reads "
			     "%s (expected %s)", call, state, expect);
}

static void poll_info(struct backend_vm *vm)
{
	char state[CHV_API_STATE_MAX];
	uint64_t ticks;

	if (read(vm->poll_fd, &ticks, sizeof(ticks)) != (ssize_t)sizeof(ticks))
		return; /* not due yet */
	if (chv_api_vm_info(vm->api, CHV_INFO_TIMEOUT_MS, state) < 0) {
		if (!vm->info_failed)
			chv_log("vm.info: %s", vmc_error_last());
		vm->info_failed = 1;
		vmc_error_clear();
		return;
	}
	vm->info_failed = 0;
	apply_info(vm, state);
}

static int chv_on_readable(struct backend_vm *vm)
{
	int rc = catch_up(vm);

	if (rc == 0 && vm->poll_fd >= 0)
		poll_info(vm);
	return rc;
}

static int chv_powerdown(struct backend_vm *vm)
{
	return chv_api_vm_power_button(vm->api, CHV_CMD_TIMEOUT_MS);
}

static int chv_pause(struct backend_vm *vm)
{
	int rc = chv_api_vm_pause(vm->api, CHV_CMD_TIMEOUT_MS);

	return rc < 0 ? rc : check_info(vm, "vm.pause", "Paused");
}

static int chv_resume(struct backend_vm *vm)
{
	int rc = chv_api_vm_resume(vm->api, CHV_CMD_TIMEOUT_MS);

	return rc < 0 ? rc : check_info(vm, "vm.resume", "Running");
}

/* CH leaves a restored VM paused (the shim resumes it if it ran). */
static int chv_restore_checked(struct backend_vm *vm, int timeout_ms)
{
	int rc = chv_restore(vm, timeout_ms);

	return rc < 0 ? rc : check_info(vm, "vm.restore", "Paused");
}

/* The forced path of a stop: shut the VM down, then the VMM process
 * (the VM alone would leave CH running with a Created VM). Both calls
 * share one CHV_CMD_TIMEOUT_MS: CH executes requests one at a time, so a
 * wedged VMM answers neither, and the shim's SIGKILL must not wait twice
 * (the manager gives a stop its timeout + 15 s in all). */
static int chv_quit(struct backend_vm *vm)
{
	int64_t deadline = clock_deadline(CHV_CMD_TIMEOUT_MS);
	int left;

	if (chv_api_vm_shutdown(vm->api, CHV_CMD_TIMEOUT_MS) < 0)
		vmc_error_clear(); /* not running any more: the VMM still must go */
	left = clock_remaining_ms(deadline);
	if (left == 0)
		return vmc_error_set(VMC_ETIMEOUT, "cloud-hypervisor did not answer vm.shutdown "
				     "in %d ms", CHV_CMD_TIMEOUT_MS);
	return chv_api_vmm_shutdown(vm->api, left);
}

static int chv_resize(struct backend_vm *vm, unsigned int cpus, unsigned int memory_mib,
		      int timeout_ms)
{
	return chv_api_vm_resize(vm->api, cpus, (unsigned long long)memory_mib << 20, timeout_ms);
}

static int chv_disk_add(struct backend_vm *vm, const char *path, vmc_disk_format format,
			int read_only, char *id, size_t id_len)
{
	int rc = chv_api_vm_add_disk(vm->api, path, format == VMC_DISK_QCOW2, read_only, id, id_len,
				     CHV_CMD_TIMEOUT_MS);

	if (rc == 0 && !id[0])
		rc = vmc_error_set(VMC_EPROTO, "cloud-hypervisor added the disk without an id");
	return rc;
}

static int chv_reboot(struct backend_vm *vm)
{
	int rc;

	/* CH's reset drops its vhost-user connections and virtiofsd exits
	 * with them (the reference's pitfall 5): the share would be gone */
	if (vm->n_vfs)
		return vmc_error_set(VMC_EUNSUPPORTED, "a vm with virtio-fs shares cannot be "
				     "rebooted in place on Cloud Hypervisor (virtiofsd ends with "
				     "the reset): stop and start it");
	rc = chv_api_vm_reboot(vm->api, CHV_CMD_TIMEOUT_MS);
	/* its events are in the pipe by now: check_info reads them */
	vm->reboot_pending = rc == 0;
	vm->reboot_until = clock_deadline(CHV_REBOOT_EVENTS_MS);
	return rc < 0 ? rc : check_info(vm, "vm.reboot", "Running");
}

static int chv_disk_remove(struct backend_vm *vm, const char *id)
{
	return chv_api_vm_remove_device(vm->api, id, CHV_CMD_TIMEOUT_MS);
}

const struct backend_ops backend_chv_ops = {
	.name = "chv",
	.kind = VMC_BACKEND_CHV,
	.validate = chv_validate,
	.prepare = chv_prepare,
	.attach = chv_attach,
	.fd = chv_fd,
	.on_readable = chv_on_readable,
	.powerdown = chv_powerdown,
	.pause = chv_pause,
	.resume = chv_resume,
	.quit = chv_quit,
	.snapshot = chv_snapshot,
	.restore = chv_restore_checked,
	.resize = chv_resize,
	.disk_add = chv_disk_add,
	.disk_remove = chv_disk_remove,
	.reboot = chv_reboot,
	.free = chv_free,
};
