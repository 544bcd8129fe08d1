/*
 * qemu.c - the QEMU backend: `qemu-system-x86_64 -M microvm` with direct
 * kernel boot, the serial console on the shim's pipe (stdio chardev) and
 * QMP on a socket the shim has already bound and listens on, passed to
 * QEMU as fd 3 (libvirt's way: no start-up race, no polling for the
 * socket file). Graceful stop is the ACPI power button (system_powerdown),
 * pause/resume are QMP stop/cont, and QMP events report what the guest did.
 * This file builds the command line and speaks QMP; process supervision is
 * the shim's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/accel.h"
#include "backend/backend.h"
#include "backend/launch_util.h"
#include "backend/guest_cmdline.h"
#include "backend/qmp.h"
#include "backend/virtiofs.h"
#include "core/clock.h"
#include "core/config_image.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/unixsock.h"
#include "image/seed_attach.h"

#include "backend/qemu_vm.h"
#include "net/port_client.h"
#include "net/netns.h"
#include "net/tap.h"

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

/* QEMU option values use ',' as a separator; a literal comma is ",,". */
static char *qemu_escape(const char *s)
{
	size_t n = 0;
	char *out, *p;

	for (const char *c = s; *c; c++)
		n += (*c == ',') ? 2 : 1;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	p = out;
	for (const char *c = s; *c; c++) {
		*p++ = *c;
		if (*c == ',')
			*p++ = ',';
	}
	*p = '\0';
	return out;
}

static int add_opt_path(struct backend_vm *vm, const char *flag, const char *prefix,
			const char *path, const char *suffix)
{
	char *esc = qemu_escape(path);
	int rc;

	if (!esc)
		return vmc_error_oom();
	rc = argv_add(vm, "%s", flag);
	if (rc == 0)
		rc = argv_add(vm, "%s%s%s", prefix, esc, suffix);
	free(esc);
	return rc;
}

/* A switch NIC: a datagram socket QEMU binds in the VM's directory,
 * sending to the switch port the manager added for it (port_client.h). */
static int add_switch_netdev(struct backend_vm *vm, const struct vmc_nic *nic, size_t i)
{
	char *local = NULL, *remote = NULL, *el = NULL, *er = NULL;
	int rc;

	rc = netport_paths(vm->vm_dir, nic, i, &local, &remote);
	if (rc < 0)
		return rc;
	unlink(local); /* QEMU binds it and never removes it (a restore reuses the name) */
	el = qemu_escape(local);
	er = qemu_escape(remote);
	rc = el && er ? argv_add(vm, "-netdev") : vmc_error_oom();
	if (rc == 0)
		rc = argv_add(vm, "dgram,id=net%zu,local.type=unix,local.path=%s,"
			      "remote.type=unix,remote.path=%s", i, el, er);
	free(el);
	free(er);
	free(local);
	free(remote);
	return rc;
}

static unsigned int nic_queues(const struct vmc_nic *nic)
{
	return nic->kind == VMC_NIC_BRIDGE && nic->queues > 1 ? nic->queues : 1;
}

/* The fd number of bridge NIC `nic`'s first TAP queue in QEMU: the
 * queues of the bridge NICs before it come first. */
static unsigned int tap_fd_base(const struct vmc_config *cfg, size_t nic)
{
	unsigned int n = TAP_PASS_FD_BASE;

	for (size_t i = 0; i < nic; i++)
		if (cfg->nics[i].kind == VMC_NIC_BRIDGE)
			n += nic_queues(&cfg->nics[i]);
	return n;
}

static int add_nics(struct backend_vm *vm, const struct vmc_config *cfg)
{
	int rc = 0, fwd_done = 0;

	for (size_t i = 0; i < cfg->n_nics && rc == 0; i++) {
		const struct vmc_nic *nic = &cfg->nics[i];

		if (nic->kind == VMC_NIC_USER) {
			char fwd[2048] = "";
			size_t off = 0;

			/* forwards go to the first user-mode NIC */
			for (size_t f = 0; !fwd_done && f < cfg->n_forwards; f++) {
				const struct vmc_forward *fw = &cfg->forwards[f];
				/* QEMU 7.2's hostfwd takes IPv4 only: an IPv6 host
				 * address is served by the shim, relayed to
				 * 127.0.0.1:relay_port (net/forward_plan.c) */
				int v6 = fw->host_addr && strchr(fw->host_addr, ':');
				if (v6 && !fw->relay_port)
					return vmc_error_set(VMC_EINVAL, "forward [%s]:%u has no "
							     "IPv4 relay port", fw->host_addr,
							     fw->host_port);
				int n = snprintf(fwd + off, sizeof(fwd) - off, ",hostfwd=%s:%s:%u-:%u",
						 fw->proto == VMC_PROTO_UDP ? "udp" : "tcp",
						 v6 || !fw->host_addr ? "127.0.0.1" : fw->host_addr,
						 v6 ? fw->relay_port : fw->host_port, fw->guest_port);
				if (n < 0 || (size_t)n >= sizeof(fwd) - off)
					return vmc_error_set(VMC_EINVAL, "too many port forwards");
				off += (size_t)n;
			}
			fwd_done = 1;
			rc = argv_add(vm, "-netdev");
			if (rc == 0)
				rc = argv_add(vm, "user,id=net%zu%s", i, fwd);
		} else if (nic->kind == VMC_NIC_SWITCH) {
			rc = add_switch_netdev(vm, nic, i);
		} else if (nic->kind == VMC_NIC_BRIDGE) {
			/* the TAP the shim made (qemu_prepare), one fd per queue */
			char fds[SPAWN_MAX_PASS_FDS * 4] = "";
			unsigned int q = nic_queues(nic), base = tap_fd_base(cfg, i);

			for (unsigned int k = 0; k < q; k++)
				snprintf(fds + strlen(fds), sizeof(fds) - strlen(fds), "%s%u",
					 k ? ":" : "", base + k);
			rc = argv_add(vm, "-netdev");
			if (rc == 0)
				rc = argv_add(vm, "tap,id=net%zu,%s=%s", i, q > 1 ? "fds" : "fd", fds);
		} else {
			rc = argv_add(vm, "-netdev");
			if (rc == 0)
				rc = argv_add(vm, "tap,id=net%zu,ifname=%s,script=no,downscript=no", i,
					      nic->tap);
		}
		if (rc == 0)
			rc = argv_add(vm, "-device");
		if (rc == 0)
			rc = argv_add(vm, "virtio-net-device,netdev=net%zu,mac=%s%s", i, nic->mac,
				      nic_queues(nic) > 1 ? ",mq=on" : "");
	}
	return rc;
}

static int add_disks(struct backend_vm *vm, const struct vmc_config *cfg)
{
	int rc = 0;

	for (size_t i = 0; i < cfg->n_disks && rc == 0; i++) {
		char suffix[96];

		/* The format is always explicit: vmc never probes a guest-writable
		 * image's format. */
		snprintf(suffix, sizeof(suffix), ",id=disk%zu,if=none,format=%s,readonly=%s", i,
			 cfg->disks[i].format == VMC_DISK_QCOW2 ? "qcow2" : "raw",
			 cfg->disks[i].read_only ? "on" : "off");
		rc = add_opt_path(vm, "-drive", "file=", cfg->disks[i].path, suffix);
		if (rc == 0)
			rc = argv_add(vm, "-device");
		if (rc == 0)
			rc = argv_add(vm, "virtio-blk-device,drive=disk%zu", i);
	}
	return rc;
}

/* The cloud-init seed ISO the manager wrote into the VM's directory: a
 * read-only raw disk after the config's disks. */
static int add_seed_disk(struct backend_vm *vm, const struct vmc_config *cfg, const char *vm_dir)
{
	char *path;
	int rc;

	if (!cfg->cloud_init)
		return 0;
	path = fs_join(vm_dir, SEED_ATTACH_FILE);
	if (!path)
		return vmc_error_oom();
	rc = add_opt_path(vm, "-drive", "file=", path, ",id=seed,if=none,format=raw,readonly=on");
	free(path);
	if (rc == 0)
		rc = argv_add(vm, "-device");
	if (rc == 0)
		rc = argv_add(vm, "virtio-blk-device,drive=seed");
	return rc;
}

/* The VM's clone of its image disk (core/config_image.h), which the
 * manager made in its directory: writable, found by the guest by serial. */
static int add_root_disk(struct backend_vm *vm, const struct vmc_config *cfg, const char *vm_dir)
{
	char *path;
	int rc;

	if (!cfg->image)
		return 0;
	path = fs_join(vm_dir, CONFIG_IMAGE_ROOT_FILE);
	if (!path)
		return vmc_error_oom();
	rc = add_opt_path(vm, "-drive", "file=", path, ",id=root,if=none,format=raw,readonly=off");
	free(path);
	if (rc == 0)
		rc = argv_add(vm, "-device");
	if (rc == 0)
		rc = argv_add(vm, "virtio-blk-device,drive=root,serial=" CONFIG_IMAGE_ROOT_SERIAL);
	return rc;
}

static int build_argv(struct backend_vm *vm, const struct vmc_config *cfg)
{
	char why[160], extra[64] = "";
	char *cmdline = NULL;
	vmc_accel accel;
	unsigned long khz;
	int rc;

	rc = accel_resolve(cfg->accel, &accel, why, sizeof(why));
	if (rc < 0)
		return rc;
	if (accel == VMC_ACCEL_TCG) {
		/* Without it TCG guests sometimes hang calibrating the TSC. */
		if (accel_host_tsc_khz(&khz) == 0)
			snprintf(extra, sizeof(extra), "tsc_early_khz=%lu", khz);
		else
			vmc_error_clear();
	}
	rc = guest_cmdline_build(cfg, extra[0] ? extra : NULL, &cmdline);
	if (rc < 0)
		return rc;

#define ADD(...) do { rc = argv_add(vm, __VA_ARGS__); if (rc < 0) goto out; } while (0)
	ADD(QEMU_BINARY);
	/* who this QEMU is, for ps and for leak checks (names have no commas) */
	ADD("-name");
	ADD("guest=%s/%s", cfg->ns, cfg->name);
	ADD("-M");
	if (cfg->n_shares > 0) {
		/* vhost-user needs guest RAM the daemon can map, and modern
		 * virtio-mmio (libvhost-user refuses legacy devices) */
		ADD("microvm,memory-backend=mem");
		ADD("-object");
		ADD("memory-backend-memfd,id=mem,size=%uM,share=on", cfg->memory_mib);
		ADD("-global");
		ADD("virtio-mmio.force-legacy=false");
	} else {
		ADD("microvm");
	}
	ADD("-accel");
	ADD("%s", accel == VMC_ACCEL_KVM ? "kvm" : "tcg");
	ADD("-cpu");
	/* host,-arch-capabilities: plain `host` aborts on some KVM hosts */
	ADD("%s", accel == VMC_ACCEL_KVM ? "host,-arch-capabilities" : "max");
	ADD("-m");
	ADD("%u", cfg->memory_mib);
	ADD("-smp");
	ADD("%u", cfg->cpus);
	ADD("-nodefaults");
	ADD("-no-user-config");
	ADD("-display");
	ADD("none");
	ADD("-no-reboot");
	ADD("-chardev");
	ADD("stdio,id=console0,signal=off");
	ADD("-serial");
	ADD("chardev:console0");
	ADD("-chardev");
	ADD("socket,id=qmp0,fd=%d,server=on,wait=off", QMP_PASS_FD);
	ADD("-mon");
	ADD("chardev=qmp0,mode=control");
	rc = add_opt_path(vm, "-kernel", "", cfg->kernel, "");
	if (rc < 0)
		goto out;
	if (cfg->initramfs) {
		rc = add_opt_path(vm, "-initrd", "", cfg->initramfs, "");
		if (rc < 0)
			goto out;
	}
	ADD("-append");
	ADD("%s", cmdline);
	if (vm->restore_fd >= 0) {
		/* migrate-incoming is sent after attach, once events are on */
		ADD("-incoming");
		ADD("defer");
	}
#undef ADD
	rc = add_disks(vm, cfg);
	if (rc == 0)
		rc = add_nics(vm, cfg);
	for (size_t i = 0; rc == 0 && i < vm->n_vfs; i++) {
		char id[32];

		snprintf(id, sizeof(id), ",id=vfs%zu", i);
		rc = add_opt_path(vm, "-chardev", "socket,path=", vm->vfs[i].socket_path, id);
		if (rc == 0)
			rc = argv_add(vm, "-device");
		if (rc == 0)
			rc = argv_add(vm, "vhost-user-fs-device,chardev=vfs%zu,tag=%s", i,
				      cfg->shares[i].tag);
	}
out:
	free(cmdline);
	return rc;
}

/* ------------------------------------------------------------ ops */

static int qemu_binary_found(void)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		const char *end = strchr(path, ':');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		int n = snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, QEMU_BINARY);
		if (n > 0 && (size_t)n < sizeof(buf) && access(buf, X_OK) == 0)
			return 1;
		path += len + (end ? 1 : 0);
	}
	return 0;
}

static int qemu_validate(const struct vmc_config *cfg)
{
	int rc;
	vmc_accel accel;

	if (!qemu_binary_found())
		return vmc_error_set(VMC_ENOTFOUND, "%s not found in PATH (install qemu-system-x86)",
				     QEMU_BINARY);
	rc = launch_check_file("kernel", cfg->kernel, 0);
	if (rc == 0 && cfg->initramfs)
		rc = launch_check_file("initramfs", cfg->initramfs, 0);
	for (size_t i = 0; rc == 0 && i < cfg->n_disks; i++)
		rc = launch_check_file("disk", cfg->disks[i].path, !cfg->disks[i].read_only);
	if (rc < 0)
		return rc;
	rc = virtiofs_validate(cfg);
	if (rc == 0)
		rc = launch_check_max(cfg, "qemu", 0);
	if (rc == 0 && cfg->vsock_cid)
		rc = vmc_error_set(VMC_EUNSUPPORTED, "vsock devices need the chv backend (QEMU's "
				   "vhost-vsock is not driven by vmc)");
	if (rc < 0)
		return rc;
	/* QMP and a snapshot file take two of the fds QEMU inherits */
	if (tap_fd_base(cfg, cfg->n_nics) - TAP_PASS_FD_BASE > SPAWN_MAX_PASS_FDS - 2)
		return vmc_error_set(VMC_EINVAL, "bridge nics with %u queues in all: at most %d",
				     tap_fd_base(cfg, cfg->n_nics) - TAP_PASS_FD_BASE,
				     SPAWN_MAX_PASS_FDS - 2);
	rc = accel_resolve(cfg->accel, &accel, NULL, 0);
	if (rc < 0)
		return rc;
	/* the guest command line is built again in the shim: catch its
	 * errors (too long, empty program) now, not as a late FAILED */
	char *cmdline = NULL;
	rc = guest_cmdline_build(cfg, "tsc_early_khz=99999999", &cmdline);
	free(cmdline);
	return rc;
}

static void close_taps(struct backend_vm *vm)
{
	for (size_t i = 0; i < SPAWN_MAX_PASS_FDS; i++)
		if (vm->tap_fds[i] >= 0) {
			close(vm->tap_fds[i]);
			vm->tap_fds[i] = -1;
		}
}

/* A TAP in its network's bridge for every bridge NIC, its queues passed
 * to QEMU from TAP_PASS_FD_BASE on (tap_fd_base). */
static int open_taps(struct backend_vm *vm, const struct vmc_config *cfg,
		     struct backend_launch *launch)
{
	size_t used = 0;

	for (size_t i = 0; i < cfg->n_nics; i++) {
		char ifname[IFNAMSIZ], ns[VMC_NAME_MAX + 1];
		unsigned int q = nic_queues(&cfg->nics[i]), base = tap_fd_base(cfg, i);
		int rc;

		if (cfg->nics[i].kind != VMC_NIC_BRIDGE)
			continue;
		if (launch->n_pass_fds + (int)q > SPAWN_MAX_PASS_FDS)
			return vmc_error_set(VMC_EINVAL, "too many bridge nic queues (at most %d fds "
					     "go to QEMU)", SPAWN_MAX_PASS_FDS);
		rc = netns_of_network(launch->vm_dir, cfg->nics[i].tap, ns, sizeof(ns));
		if (rc == 0)
			rc = tap_open_for_nic(&cfg->nics[i], ns, q, &vm->tap_fds[used], ifname);
		if (rc < 0)
			return vmc_error_prefix(rc, "nic %zu", i);
		for (unsigned int k = 0; k < q; k++) {
			launch->pass_fds[launch->n_pass_fds] = vm->tap_fds[used + k];
			launch->pass_to[launch->n_pass_fds] = (int)(base + k);
			launch->n_pass_fds++;
		}
		used += q;
	}
	return 0;
}

static void qemu_free(struct backend_vm *vm)
{
	if (!vm)
		return;
	close_taps(vm);
	qmp_free(vm->qmp);
	if (vm->qmp_listen_fd >= 0)
		close(vm->qmp_listen_fd);
	if (vm->restore_fd >= 0)
		close(vm->restore_fd);
	if (vm->qmp_path) {
		unlink(vm->qmp_path);
		free(vm->qmp_path);
	}
	for (size_t i = 0; i < vm->n_vfs; i++)
		virtiofs_release(&vm->vfs[i]);
	launch_argv_free(&vm->argv, &vm->argc, &vm->argv_cap);
	free(vm);
}

static int qemu_prepare(struct backend_vm **out, const struct vmc_config *cfg,
			struct backend_launch *launch)
{
	struct backend_vm *vm = calloc(1, sizeof(*vm));
	int rc;

	if (!vm)
		return vmc_error_oom();
	vm->qmp_listen_fd = -1;
	vm->restore_fd = -1;
	for (size_t i = 0; i < SPAWN_MAX_PASS_FDS; i++)
		vm->tap_fds[i] = -1;
	for (size_t i = 0; i < VMC_DEVICES_MAX; i++)
		vm->vfs[i].listen_fd = -1;
	vm->vm_dir = launch->vm_dir;
	vm->qmp_path = fs_join(launch->vm_dir, "qmp.sock");
	if (!vm->qmp_path) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = unix_listen(vm->qmp_path, 1, 0, &vm->qmp_listen_fd);
	if (rc < 0)
		goto out;
	rc = virtiofs_prepare_sidecars(vm->vfs, &vm->n_vfs, cfg, launch);
	if (rc < 0)
		goto out;
	if (launch->restore_dir) {
		char *mem = fs_join(launch->restore_dir, SNAPSHOT_MEMORY);
		vm->restore_fd = mem ? open(mem, O_RDONLY | O_CLOEXEC) : -1;
		if (vm->restore_fd < 0) {
			rc = mem ? vmc_error_set_errno(VMC_ENOTFOUND, errno, "snapshot memory '%s'", mem)
				 : vmc_error_oom();
			free(mem);
			goto out;
		}
		free(mem);
	}
	rc = build_argv(vm, cfg);
	if (rc == 0)
		rc = add_seed_disk(vm, cfg, launch->vm_dir);
	if (rc == 0)
		rc = add_root_disk(vm, cfg, launch->vm_dir);
	if (rc < 0)
		goto out;
	/* The child gets the listening socket at QMP_PASS_FD. */
	if (vm->qmp_listen_fd != QMP_PASS_FD) {
		int fd = fcntl(vm->qmp_listen_fd, F_DUPFD_CLOEXEC, 10);
		if (fd < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "dup");
			goto out;
		}
		close(vm->qmp_listen_fd);
		vm->qmp_listen_fd = fd;
	}
	launch->argv = vm->argv;
	launch->pass_fds[0] = vm->qmp_listen_fd;
	launch->pass_to[0] = QMP_PASS_FD;
	launch->n_pass_fds = 1;
	if (vm->restore_fd >= 0) {
		launch->pass_fds[1] = vm->restore_fd;
		launch->pass_to[1] = RESTORE_PASS_FD;
		launch->n_pass_fds = 2;
	}
	rc = open_taps(vm, cfg, launch);
	if (rc < 0)
		goto out;
	*out = vm;
	vm = NULL;
out:
	qemu_free(vm);
	return rc;
}

static void on_qmp_event(const char *name, json_t *data, void *payload)
{
	struct backend_vm *vm = payload;
	const char *reason = NULL;

	if (!vm->report)
		return;
	if (data)
		reason = json_string_value(json_object_get(data, "reason"));
	if (!strcmp(name, "MIGRATION")) {
		const char *st = data ? json_string_value(json_object_get(data, "status")) : NULL;
		snprintf(vm->migration, sizeof(vm->migration), "%s", st ? st : "");
		return;
	}
	if (!strcmp(name, "STOP"))
		vm->report(BACKEND_EV_PAUSED, NULL, vm->report_payload);
	else if (!strcmp(name, "RESUME"))
		vm->report(BACKEND_EV_RESUMED, NULL, vm->report_payload);
	else if (!strcmp(name, "POWERDOWN"))
		vm->report(BACKEND_EV_POWERDOWN, NULL, vm->report_payload);
	else if (!strcmp(name, "SHUTDOWN"))
		vm->report(reason && !strcmp(reason, "guest-reset") ? BACKEND_EV_RESET
								     : BACKEND_EV_SHUTDOWN,
			   reason, vm->report_payload);
	else if (!strcmp(name, "RESET"))
		vm->report(BACKEND_EV_RESET, reason, vm->report_payload);
	else if (!strcmp(name, "GUEST_PANICKED"))
		vm->report(BACKEND_EV_PANICKED, NULL, vm->report_payload);
}

static int qemu_attach(struct backend_vm *vm, pid_t pid, int timeout_ms,
		       void (*report)(enum backend_event ev, const char *detail, void *p), void *p)
{
	int fd = -1, rc;

	(void)pid;
	vm->report = report;
	vm->report_payload = p;
	/* QEMU holds the TAPs now: they vanish when it exits */
	close_taps(vm);
	/* Our own listening socket: connect completes from the backlog even
	 * before QEMU accepts; the greeting then arrives when QEMU is up. */
	rc = unix_connect(vm->qmp_path, &fd);
	if (rc < 0)
		return vmc_error_prefix(rc, "qmp");
	close(vm->qmp_listen_fd);
	vm->qmp_listen_fd = -1;
	rc = qmp_open(&vm->qmp, fd, timeout_ms);
	if (rc < 0)
		return vmc_error_prefix(rc, "qmp");
	qmp_set_event_handler(vm->qmp, on_qmp_event, vm);
	return 0;
}

static int qemu_fd(struct backend_vm *vm)
{
	return vm->qmp ? qmp_fd(vm->qmp) : -1;
}

static int qemu_on_readable(struct backend_vm *vm)
{
	return qmp_dispatch(vm->qmp);
}

int qemu_command(struct backend_vm *vm, const char *cmd)
{
	if (!vm->qmp)
		return vmc_error_set(VMC_EINVALSTATE, "qmp is not connected");
	return qmp_execute(vm->qmp, cmd, NULL, QMP_CMD_TIMEOUT_MS, NULL);
}

static int qemu_powerdown(struct backend_vm *vm)
{
	return qemu_command(vm, "system_powerdown");
}

static int qemu_pause(struct backend_vm *vm)
{
	return qemu_command(vm, "stop");
}

static int qemu_resume(struct backend_vm *vm)
{
	return qemu_command(vm, "cont");
}

static int qemu_quit(struct backend_vm *vm)
{
	return qemu_command(vm, "quit");
}

const struct backend_ops backend_qemu_ops = {
	.name = "qemu",
	.kind = VMC_BACKEND_QEMU,
	.validate = qemu_validate,
	.prepare = qemu_prepare,
	.attach = qemu_attach,
	.fd = qemu_fd,
	.on_readable = qemu_on_readable,
	.powerdown = qemu_powerdown,
	.pause = qemu_pause,
	.resume = qemu_resume,
	.quit = qemu_quit,
	.snapshot = qemu_snapshot,
	.restore = qemu_restore,
	.free = qemu_free,
};
