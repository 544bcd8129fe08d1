/*
 * guest_vm.c - boots the default guest under QEMU for the guest-kit and
 * guest-network tests (see guest_vm.h), and the cmocka checks they share
 * (guest_vm_fail, guest_vm_expect_exit). It owns the QEMU command line
 * for these direct boots (microvm, TCG unless VMC_TEST_ACCEL=kvm, the PVH
 * vmlinux, tsc_early_khz; for arm64 -M virt with a Cortex-A57, which TCG
 * runs ~4x faster than -cpu max and its pointer authentication), the console
 * pipe, the QMP connection and the
 * process; reading the console is left to core/ready.c, speaking QMP to
 * backend/qmp.c, spawning to core/spawn.c.
 */
#include "guest_vm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend/accel.h"
#include "backend/qmp.h"
#include "core/clock.h"
#include "core/spawn.h"
#include "core/unixsock.h"

#define QMP_FD 3
#define VIRTIOFSD "/usr/lib/qemu/virtiofsd" /* qemu-system-common, Debian 12 */

/* $env_name, else guest/build's default output dir `leaf` (guest, guest-arm64). */
static void guest_dir(const char *env_name, const char *leaf, char *dir, size_t len)
{
	const char *env = getenv(env_name), *data = getenv("VMC_DATA_DIR");
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (env && env[0])
		snprintf(dir, len, "%s", env);
	else if (data && data[0])
		snprintf(dir, len, "%s/%s", data, leaf);
	else if (geteuid() == 0)
		snprintf(dir, len, "/var/lib/vmc/%s", leaf);
	else if (xdg && xdg[0])
		snprintf(dir, len, "%s/vmc/%s", xdg, leaf);
	else
		snprintf(dir, len, "%s/.local/share/vmc/%s", home ? home : "", leaf);
}

int guest_vm_find(char *kernel, char *initramfs, size_t len, char *why, size_t why_len)
{
	char dir[4096];

	guest_dir("VMC_GUEST_DIR", "guest", dir, sizeof(dir));
	snprintf(kernel, len, "%s/vmlinux", dir);
	if (access(kernel, R_OK) != 0)
		snprintf(kernel, len, "%s/vmlinuz", dir);
	snprintf(initramfs, len, "%s/initramfs.cpio", dir);
	if (access(kernel, R_OK) != 0 || access(initramfs, R_OK) != 0) {
		snprintf(why, why_len, "no guest in %s: run guest/build or set VMC_GUEST_DIR", dir);
		return -1;
	}
	return 0;
}

int guest_vm_find_arm64(char *kernel, char *initramfs, size_t len, char *why, size_t why_len)
{
	char dir[4096];

	guest_dir("VMC_GUEST_ARM64_DIR", "guest-arm64", dir, sizeof(dir));
	snprintf(kernel, len, "%s/Image", dir);
	snprintf(initramfs, len, "%s/initramfs.cpio", dir);
	if (access(kernel, R_OK) != 0 || access(initramfs, R_OK) != 0) {
		snprintf(why, why_len, "no arm64 guest in %s: run guest/build --arch arm64 "
			 "or set VMC_GUEST_ARM64_DIR", dir);
		return -1;
	}
	return 0;
}

const char *guest_vm_accel(void)
{
	const char *a = getenv("VMC_TEST_ACCEL");

	return a && strcmp(a, "kvm") == 0 ? "kvm" : "tcg";
}

static void on_event(const struct ready_event *ev, void *payload)
{
	struct guest_vm *vm = payload;

	if (ev->kind == READY_EV_READY && vm->ready_us == 0)
		vm->ready_us = clock_mono_us();
	if (vm->n_events < GUEST_VM_EVENTS_MAX)
		vm->events[vm->n_events++] = *ev;
}

static void on_qmp_event(const char *name, json_t *data, void *payload)
{
	struct guest_vm *vm = payload;
	const char *reason;

	if (strcmp(name, "SHUTDOWN") != 0 || !data)
		return;
	reason = json_string_value(json_object_get(data, "reason"));
	snprintf(vm->shutdown_reason, sizeof(vm->shutdown_reason), "%s", reason ? reason : "?");
}

static void drain_serial(struct guest_vm *vm)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(vm->serial_fd, buf, sizeof(buf))) > 0) {
		size_t take = (size_t)n;

		if (vm->log_len + take > GUEST_VM_LOG_MAX)
			take = GUEST_VM_LOG_MAX - vm->log_len;
		memcpy(vm->log + vm->log_len, buf, take);
		vm->log_len += take;
		vm->log[vm->log_len] = '\0';
		ready_scanner_feed(&vm->scanner, buf, (size_t)n, on_event, vm);
	}
}

/* One poll round over console, QMP and the process, up to `deadline`. */
static void pump(struct guest_vm *vm, int64_t deadline)
{
	struct pollfd pfd[3] = {
		{ .fd = vm->serial_fd, .events = POLLIN },
		{ .fd = vm->pidfd, .events = POLLIN },
		{ .fd = vm->qmp ? qmp_fd(vm->qmp) : -1, .events = POLLIN },
	};

	if (poll(pfd, 3, clock_remaining_ms(deadline)) <= 0)
		return;
	if (pfd[0].revents)
		drain_serial(vm);
	if (pfd[2].revents && qmp_dispatch(vm->qmp) < 0) {
		qmp_free(vm->qmp);
		vm->qmp = NULL;
	}
	if (pfd[1].revents && !vm->exited && waitpid(vm->pid, &vm->status, WNOHANG) == vm->pid) {
		vm->exited = 1;
		drain_serial(vm); /* QEMU's last output, up to EOF */
	}
}

/* virtiofsd on a socket that already listens, so QEMU's connect cannot race it. */
static int start_virtiofsd(struct guest_vm *vm, const char *share, const char *sock)
{
	char source[4200], fdarg[16];
	const char *argv[] = { VIRTIOFSD, fdarg, "-o", source, "-o", "cache=none", NULL };
	struct spawn_opts so;
	int lfd = -1, rc;

	if (unix_listen(sock, 1, 0, &lfd) < 0) {
		fprintf(stderr, "guest_vm: %s\n", vmc_error_last());
		return -1;
	}
	snprintf(source, sizeof(source), "source=%s", share);
	snprintf(fdarg, sizeof(fdarg), "--fd=%d", QMP_FD);
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = -1;
	so.stdout_fd = -1;
	so.stderr_fd = -1; /* it logs every vhost-user step */
	so.death_signal = SIGKILL;
	so.pass_fds[0] = lfd;
	so.pass_to[0] = QMP_FD;
	so.n_pass_fds = 1;
	rc = spawn_process(&so, &vm->virtiofsd);
	if (rc < 0) {
		fprintf(stderr, "guest_vm: %s\n", vmc_error_last());
		vm->virtiofsd = -1;
	}
	close(lfd);
	return rc < 0 ? -1 : 0;
}

int guest_vm_start(struct guest_vm *vm, const struct guest_vm_opts *o)
{
	char append[4096], tsc[40] = "", net_dev[128], qmp_path[128];
	char vfs_path[128], vfs_chardev[160], vfs_dev[128];
	const char *argv[64];
	int pipefd[2] = { -1, -1 }, lfd = -1, cfd = -1, n = 0, rc = -1;
	unsigned long khz = 0;
	int tcg = strcmp(guest_vm_accel(), "tcg") == 0;
	struct spawn_opts so;

#ifndef __aarch64__
	tcg |= o->arm64; /* KVM runs only the host's own architecture */
#endif
	memset(vm, 0, sizeof(*vm));
	vm->pid = -1;
	vm->virtiofsd = -1;
	vm->pidfd = -1;
	vm->serial_fd = -1;
	ready_scanner_init(&vm->scanner);
	vm->log = calloc(1, GUEST_VM_LOG_MAX + 1);
	snprintf(vm->dir, sizeof(vm->dir), "/tmp/vmc-guest-XXXXXX");
	if (!vm->log || !mkdtemp(vm->dir)) {
		vm->dir[0] = '\0';
		goto out;
	}
	if (!o->arm64 && tcg && accel_host_tsc_khz(&khz) < 0)
		fprintf(stderr, "guest_vm: no host TSC frequency; TCG boots may hang\n");
	if (khz) /* the PIT calibration hangs some TCG boots without it */
		snprintf(tsc, sizeof(tsc), " tsc_early_khz=%lu", khz);
	snprintf(append, sizeof(append), "console=%s quiet cryptomgr.notests panic=-1%s %s",
		 o->hvc ? "hvc0" : o->arm64 ? "ttyAMA0" : "ttyS0", tsc, o->append ? o->append : "");
	if (o->arm64) {
		argv[n++] = "qemu-system-aarch64";
		argv[n++] = "-M";
		argv[n++] = o->share_dir ? "virt,memory-backend=mem" : "virt";
		argv[n++] = "-accel";
		argv[n++] = tcg ? "tcg" : "kvm";
		argv[n++] = "-cpu";
		argv[n++] = tcg ? "cortex-a57" : "host";
	} else {
		argv[n++] = "qemu-system-x86_64";
		argv[n++] = "-M";
		argv[n++] = o->share_dir ? "microvm,memory-backend=mem" : "microvm";
		argv[n++] = "-accel";
		argv[n++] = tcg ? "tcg" : "kvm";
		argv[n++] = "-cpu";
		argv[n++] = tcg ? "max" : "host,-arch-capabilities";
	}
	argv[n++] = "-m";
	argv[n++] = "256";
	argv[n++] = "-smp";
	argv[n++] = "1";
	argv[n++] = "-nodefaults";
	argv[n++] = "-no-user-config";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-no-reboot";
	argv[n++] = "-chardev";
	argv[n++] = "stdio,id=con0";
	if (o->hvc) {
		/* what Virtualization.framework gives a guest: a virtio console */
		argv[n++] = "-device";
		argv[n++] = "virtio-serial-device";
		argv[n++] = "-device";
		argv[n++] = "virtconsole,chardev=con0";
	} else {
		argv[n++] = "-serial";
		argv[n++] = "chardev:con0";
	}
	argv[n++] = "-kernel";
	argv[n++] = o->kernel;
	argv[n++] = "-initrd";
	argv[n++] = o->initramfs;
	argv[n++] = "-append";
	argv[n++] = append;
	if (o->mac) {
		snprintf(net_dev, sizeof(net_dev), "virtio-net-device,netdev=n0,mac=%s", o->mac);
		argv[n++] = "-device";
		argv[n++] = net_dev;
		argv[n++] = "-netdev";
		argv[n++] = "user,id=n0";
	}
	if (o->qmp) {
		/* listening before QEMU starts, so connecting never races it */
		snprintf(qmp_path, sizeof(qmp_path), "%s/qmp.sock", vm->dir);
		if (unix_listen(qmp_path, 1, 0, &lfd) < 0) {
			fprintf(stderr, "guest_vm: %s\n", vmc_error_last());
			goto out;
		}
		argv[n++] = "-chardev";
		argv[n++] = "socket,id=qmp,fd=3,server=on,wait=off";
		argv[n++] = "-mon";
		argv[n++] = "chardev=qmp,mode=control";
	}
	if (o->share_dir) {
		/* vhost-user needs shared guest RAM and a non-legacy virtio-mmio */
		snprintf(vfs_path, sizeof(vfs_path), "%s/vfs.sock", vm->dir);
		if (start_virtiofsd(vm, o->share_dir, vfs_path) < 0)
			goto out;
		snprintf(vfs_chardev, sizeof(vfs_chardev), "socket,id=vfs,path=%s", vfs_path);
		snprintf(vfs_dev, sizeof(vfs_dev), "vhost-user-fs-device,chardev=vfs,tag=%s",
			 o->share_tag);
		argv[n++] = "-object";
		argv[n++] = "memory-backend-memfd,id=mem,size=256M,share=on";
		argv[n++] = "-global";
		argv[n++] = "virtio-mmio.force-legacy=false";
		argv[n++] = "-chardev";
		argv[n++] = vfs_chardev;
		argv[n++] = "-device";
		argv[n++] = vfs_dev;
	}
	argv[n] = NULL;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		goto out;
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = -1;
	so.stdout_fd = pipefd[1];
	so.stderr_fd = STDERR_FILENO;
	so.death_signal = SIGKILL;
	if (lfd >= 0) {
		so.pass_fds[0] = lfd;
		so.pass_to[0] = QMP_FD;
		so.n_pass_fds = 1;
	}
	vm->start_us = clock_mono_us();
	if (spawn_process(&so, &vm->pid) < 0) {
		fprintf(stderr, "guest_vm: %s\n", vmc_error_last());
		vm->pid = -1;
		goto out;
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	vm->serial_fd = pipefd[0];
	pipefd[0] = -1;
	fcntl(vm->serial_fd, F_SETFL, O_NONBLOCK);
	vm->pidfd = spawn_pidfd_open(vm->pid);
	if (vm->pidfd < 0)
		goto out;
	if (o->qmp) {
		if (unix_connect(qmp_path, &cfd) < 0 || qmp_open(&vm->qmp, cfd, 10000) < 0) {
			fprintf(stderr, "guest_vm: qmp: %s\n", vmc_error_last());
			cfd = -1; /* qmp_open owns it, also on failure */
			goto out;
		}
		cfd = -1;
		qmp_set_event_handler(vm->qmp, on_qmp_event, vm);
	}
	rc = 0;
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (lfd >= 0)
		close(lfd);
	if (cfd >= 0)
		close(cfd);
	if (rc < 0)
		guest_vm_stop(vm);
	return rc;
}

int guest_vm_wait_event(struct guest_vm *vm, enum ready_kind kind, int timeout_ms,
			struct ready_event *out)
{
	int64_t deadline = clock_deadline(timeout_ms);

	for (;;) {
		while (vm->consumed < vm->n_events) {
			const struct ready_event *ev = &vm->events[vm->consumed++];

			if (ev->kind == kind) {
				*out = *ev;
				return 0;
			}
		}
		if (vm->exited || clock_remaining_ms(deadline) == 0)
			return -1;
		pump(vm, deadline);
	}
}

int guest_vm_wait_output(struct guest_vm *vm, const char *text, int timeout_ms)
{
	int64_t deadline = clock_deadline(timeout_ms);

	while (!strstr(vm->log, text)) {
		if (vm->exited || clock_remaining_ms(deadline) == 0)
			return -1;
		pump(vm, deadline);
	}
	return 0;
}

int guest_vm_wait_exit(struct guest_vm *vm, int timeout_ms, int *status)
{
	int64_t deadline = clock_deadline(timeout_ms);

	while (!vm->exited && clock_remaining_ms(deadline) > 0)
		pump(vm, deadline);
	if (!vm->exited)
		return -1;
	*status = vm->status;
	return 0;
}

int guest_vm_powerdown(struct guest_vm *vm)
{
	if (!vm->qmp || qmp_execute(vm->qmp, "system_powerdown", NULL, 5000, NULL) < 0) {
		fprintf(stderr, "guest_vm: system_powerdown: %s\n",
			vm->qmp ? vmc_error_last() : "no QMP connection");
		return -1;
	}
	return 0;
}

void guest_vm_stop(struct guest_vm *vm)
{
	char path[128];

	if (vm->pid > 0 && !vm->exited) {
		kill(vm->pid, SIGKILL);
		while (waitpid(vm->pid, &vm->status, 0) < 0 && errno == EINTR)
			;
		vm->exited = 1;
	}
	vm->pid = -1;
	if (vm->virtiofsd > 0) {
		/* it exits by itself once QEMU is gone; make sure */
		kill(vm->virtiofsd, SIGKILL);
		while (waitpid(vm->virtiofsd, NULL, 0) < 0 && errno == EINTR)
			;
	}
	vm->virtiofsd = -1;
	qmp_free(vm->qmp);
	vm->qmp = NULL;
	if (vm->pidfd >= 0)
		close(vm->pidfd);
	vm->pidfd = -1;
	if (vm->serial_fd >= 0)
		close(vm->serial_fd);
	vm->serial_fd = -1;
	if (vm->dir[0]) {
		snprintf(path, sizeof(path), "%s/qmp.sock", vm->dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/vfs.sock", vm->dir);
		unlink(path);
		rmdir(vm->dir);
		vm->dir[0] = '\0';
	}
	free(vm->log);
	vm->log = NULL;
	vm->log_len = 0;
}

void guest_vm_fail(struct guest_vm *vm, const char *what)
{
	fprintf(stderr, "---- console ----\n%s\n---- end ----\n", vm->log ? vm->log : "");
	guest_vm_stop(vm);
	fail_msg("%s", what);
}

void guest_vm_expect_exit(struct guest_vm *vm, int status, int timeout_ms)
{
	struct ready_event ev;
	int qemu_status;

	if (guest_vm_wait_event(vm, READY_EV_EXIT, timeout_ms, &ev) < 0)
		guest_vm_fail(vm, "no VMC_EXIT");
	if (ev.exit_status != status) {
		fprintf(stderr, "VMC_EXIT status=%d, want %d\n", ev.exit_status, status);
		guest_vm_fail(vm, "wrong workload status");
	}
	if (guest_vm_wait_exit(vm, timeout_ms, &qemu_status) < 0)
		guest_vm_fail(vm, "QEMU did not exit after the workload ended");
	if (!WIFEXITED(qemu_status) || WEXITSTATUS(qemu_status) != 0)
		guest_vm_fail(vm, "QEMU did not exit with status 0");
}
