/*
 * guest_boot_test.c - boots the default guest (guest/build's output) under
 * qemu-system-x86_64, started directly, and checks vmc-init's side of the
 * contract: VMC_READY with the address asked for on a virtio-net NIC (by
 * name, by MAC, by DHCP), VMC_EXIT with the workload's status followed by
 * QEMU exiting on its own (vmc.halt=poweroff), VMC_ERROR for a workload
 * that cannot start, and a clean guest poweroff on the ACPI power button
 * (QMP system_powerdown). TCG unless VMC_TEST_ACCEL=kvm. Prints each boot
 * time. Skips, saying why, when no guest has been built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>

#include "backend/guest_cmdline.h"
#include "core/clock.h"
#include "guest_vm.h"

#define BOOT_TIMEOUT_MS 30000

struct fixture {
	char kernel[4096];
	char initramfs[4096];
	char why[4200];
	int have_guest;
};

static struct fixture fx;

static int group_setup(void **state)
{
	fx.have_guest = guest_vm_find(fx.kernel, fx.initramfs, sizeof(fx.kernel), fx.why,
				      sizeof(fx.why)) == 0;
	if (fx.have_guest)
		printf("# guest: %s + %s, accel %s\n", fx.kernel, fx.initramfs, guest_vm_accel());
	return 0;
}

static void need_guest(void)
{
	if (!fx.have_guest) {
		printf("# skipped: %s\n", fx.why);
		skip();
	}
}

static void boot(struct guest_vm *vm, const char *append, const char *mac, int qmp)
{
	struct guest_vm_opts o = {
		.kernel = fx.kernel, .initramfs = fx.initramfs, .append = append,
		.mac = mac, .qmp = qmp,
	};

	if (guest_vm_start(vm, &o) < 0)
		fail_msg("could not start qemu-system-x86_64");
}

static void expect_ready(struct guest_vm *vm, const char *ip, const char *label)
{
	struct ready_event ev;

	if (guest_vm_wait_event(vm, READY_EV_READY, BOOT_TIMEOUT_MS, &ev) < 0)
		guest_vm_fail(vm, "no VMC_READY");
	printf("# %s: VMC_READY after %.3f s\n", label, (vm->ready_us - vm->start_us) / 1e6);
	if (ip) {
		if (ev.n_ip != 1 || strcmp(ev.ip[0], ip) != 0)
			guest_vm_fail(vm, "VMC_READY without the address asked for");
	} else if (ev.n_ip != 0) {
		guest_vm_fail(vm, "VMC_READY with an address nobody asked for");
	}
}

/* "vmc.exec=/bin/sh,-c,<script>" encoded by the host side of the contract. */
static void exec_sh(char *out, size_t len, const char *prefix, const char *script)
{
	char enc[1024];
	int n;

	assert_true(guest_cmdline_encode_arg(script, enc, sizeof(enc)) >= 0);
	n = snprintf(out, len, "%s vmc.exec=/bin/sh,-c,%s", prefix, enc);
	assert_true(n > 0 && (size_t)n < len);
}

static void guest_boot__ready_with_static_ip_by_name(void **state)
{
	struct guest_vm vm;

	need_guest();
	boot(&vm, "vmc.net=eth0,10.0.2.15/24,10.0.2.2", "52:54:00:12:34:56", 0);
	expect_ready(&vm, "10.0.2.15", "static ip by name");
	guest_vm_stop(&vm);
}

static void guest_boot__ready_with_static_ip_by_mac(void **state)
{
	struct guest_vm vm;

	need_guest();
	boot(&vm, "vmc.net=52:54:00:AB:CD:EF,10.0.2.16/24,10.0.2.2", "52:54:00:ab:cd:ef", 0);
	expect_ready(&vm, "10.0.2.16", "static ip by MAC");
	guest_vm_stop(&vm);
}

static void guest_boot__ready_with_dhcp(void **state)
{
	struct guest_vm vm;

	need_guest();
	boot(&vm, "vmc.net=eth0,dhcp", "52:54:00:12:34:56", 0);
	expect_ready(&vm, "10.0.2.15", "dhcp");
	guest_vm_stop(&vm);
}

static void guest_boot__ready_without_network(void **state)
{
	struct guest_vm vm;

	need_guest();
	boot(&vm, "vmc.bogus=1 vmc.hostname=bad_name", NULL, 0);
	expect_ready(&vm, NULL, "no network, bad options skipped");
	guest_vm_stop(&vm);
}

static void guest_boot__exec_true_powers_off(void **state)
{
	struct guest_vm vm;

	need_guest();
	boot(&vm, "vmc.halt=poweroff vmc.exec=/bin/true", NULL, 0);
	expect_ready(&vm, NULL, "exec /bin/true");
	guest_vm_expect_exit(&vm, 0, BOOT_TIMEOUT_MS);
	guest_vm_stop(&vm);
}

static void guest_boot__exec_reports_status_after_ready_exec(void **state)
{
	struct guest_vm vm;

	need_guest();
	boot(&vm, "vmc.ready=exec vmc.net=eth0,10.0.2.15/24 vmc.exec=/bin/sh,-c,exit%203",
	     "52:54:00:12:34:56", 0);
	expect_ready(&vm, "10.0.2.15", "exec sh, ready=exec");
	guest_vm_expect_exit(&vm, 3, BOOT_TIMEOUT_MS);
	guest_vm_stop(&vm);
}

static void guest_boot__exec_searches_path(void **state)
{
	struct guest_vm vm;

	need_guest();
	/* busybox's ifconfig lives in /sbin, outside glibc's default search path */
	boot(&vm, "vmc.exec=ifconfig,lo", NULL, 0);
	expect_ready(&vm, NULL, "exec from PATH");
	guest_vm_expect_exit(&vm, 0, BOOT_TIMEOUT_MS);
	guest_vm_stop(&vm);
}

static void guest_boot__exec_missing_reports_error(void **state)
{
	struct guest_vm vm;
	struct ready_event ev;

	need_guest();
	boot(&vm, "vmc.ready=exec vmc.exec=/no/such/program", NULL, 0);
	if (guest_vm_wait_event(&vm, READY_EV_ERROR, BOOT_TIMEOUT_MS, &ev) < 0)
		guest_vm_fail(&vm, "no VMC_ERROR");
	assert_string_equal(ev.text, "exec /no/such/program: No such file or directory");
	guest_vm_expect_exit(&vm, 127, BOOT_TIMEOUT_MS);
	if (strstr(vm.log, "VMC_READY"))
		guest_vm_fail(&vm, "VMC_READY although the workload never started");
	guest_vm_stop(&vm);
}

static void guest_boot__network_failure_is_an_error(void **state)
{
	struct guest_vm vm;
	struct ready_event ev;

	need_guest();
	boot(&vm, "vmc.net=eth7,10.0.2.15/24 vmc.exec=/bin/true", "52:54:00:12:34:56", 0);
	if (guest_vm_wait_event(&vm, READY_EV_ERROR, BOOT_TIMEOUT_MS, &ev) < 0)
		guest_vm_fail(&vm, "no VMC_ERROR");
	assert_string_equal(ev.text, "vmc.net: no interface eth7");
	guest_vm_stop(&vm);
}

static void guest_boot__virtiofs_mount_reads_and_writes(void **state)
{
	char share[] = "/tmp/vmc-share-XXXXXX", path[64], buf[64] = "";
	struct guest_vm_opts o = {
		.kernel = fx.kernel, .initramfs = fx.initramfs, .share_tag = "share",
		.append = "vmc.mount=share:/mnt/share vmc.exec=/bin/sh,-c,"
			  "read%20l%20<%20/mnt/share/in%20&&%20echo%20got-$l%20>%20/mnt/share/out",
	};
	struct guest_vm vm;
	FILE *f;

	need_guest();
	if (access("/usr/lib/qemu/virtiofsd", X_OK) != 0) {
		printf("# skipped: no /usr/lib/qemu/virtiofsd (qemu-system-common)\n");
		skip();
	}
	assert_non_null(mkdtemp(share));
	o.share_dir = share;
	snprintf(path, sizeof(path), "%s/in", share);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("hello\n", f);
	fclose(f);
	if (guest_vm_start(&vm, &o) < 0)
		fail_msg("could not start QEMU with virtiofsd");
	expect_ready(&vm, NULL, "virtiofs");
	guest_vm_expect_exit(&vm, 0, BOOT_TIMEOUT_MS);
	guest_vm_stop(&vm);
	snprintf(path, sizeof(path), "%s/out", share);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	unlink(path);
	snprintf(path, sizeof(path), "%s/in", share);
	unlink(path);
	rmdir(share);
	assert_string_equal(buf, "got-hello\n");
}

static void guest_boot__no_account_has_an_empty_password(void **state)
{
	struct guest_vm vm;
	char append[1024];

	need_guest();
	/* exits 0 only if every account has a password field that is not empty */
	exec_sh(append, sizeof(append), "vmc.halt=poweroff",
		"test -s /etc/shadow && ! grep -q '^[^:]*::' /etc/passwd /etc/shadow");
	boot(&vm, append, NULL, 0);
	expect_ready(&vm, NULL, "accounts");
	guest_vm_expect_exit(&vm, 0, BOOT_TIMEOUT_MS);
	guest_vm_stop(&vm);
}

/* SIGTERM and SIGPWR to PID 1 stop the workload and power off, like the button. */
static void stop_by_signal(const char *sig)
{
	struct guest_vm vm;
	struct ready_event ev;
	char append[1024], script[128];
	int status;

	need_guest();
	snprintf(script, sizeof(script), "kill -%s 1; exec sleep 600", sig);
	exec_sh(append, sizeof(append), "vmc.halt=stay", script);
	boot(&vm, append, NULL, 1);
	expect_ready(&vm, NULL, sig);
	if (guest_vm_wait_event(&vm, READY_EV_EXIT, BOOT_TIMEOUT_MS, &ev) < 0)
		guest_vm_fail(&vm, "workload not stopped");
	assert_int_equal(ev.exit_signal, SIGTERM);
	if (guest_vm_wait_exit(&vm, BOOT_TIMEOUT_MS, &status) < 0)
		guest_vm_fail(&vm, "QEMU still running");
	assert_string_equal(vm.shutdown_reason, "guest-shutdown");
	guest_vm_stop(&vm);
}

static void guest_boot__sigterm_to_init_powers_off(void **state)
{
	stop_by_signal("TERM");
}

static void guest_boot__sigpwr_to_init_powers_off(void **state)
{
	stop_by_signal("PWR");
}

static void guest_boot__stop_kills_what_ignores_sigterm(void **state)
{
	struct guest_vm vm;
	struct ready_event ev;
	char append[1024];
	int64_t pressed;
	int status;

	need_guest();
	/* the shell ignores SIGTERM (and so does sleep, not being its last
	 * command); only the SIGKILL after vmc.stop_timeout=1 ends it */
	exec_sh(append, sizeof(append), "vmc.halt=stay vmc.stop_timeout=1",
		"trap '' TERM; echo trap-set; sleep 600; sleep 600");
	boot(&vm, append, NULL, 1);
	expect_ready(&vm, NULL, "ignores SIGTERM");
	if (guest_vm_wait_output(&vm, "trap-set\r\n", BOOT_TIMEOUT_MS) < 0)
		guest_vm_fail(&vm, "the workload did not start");
	pressed = clock_mono_us();
	if (guest_vm_powerdown(&vm) < 0)
		guest_vm_fail(&vm, "system_powerdown failed");
	if (guest_vm_wait_event(&vm, READY_EV_EXIT, BOOT_TIMEOUT_MS, &ev) < 0)
		guest_vm_fail(&vm, "workload not stopped");
	assert_int_equal(ev.exit_signal, SIGKILL);
	if (guest_vm_wait_exit(&vm, BOOT_TIMEOUT_MS, &status) < 0)
		guest_vm_fail(&vm, "QEMU still running");
	printf("# power button to QEMU exit with a SIGKILL needed: %.3f s\n",
	       (clock_mono_us() - pressed) / 1e6);
	assert_true(clock_mono_us() - pressed >= 1000000);
	assert_string_equal(vm.shutdown_reason, "guest-shutdown");
	guest_vm_stop(&vm);
}

static void guest_boot__power_button_powers_off_cleanly(void **state)
{
	struct guest_vm vm;
	struct ready_event ev;
	int status;

	need_guest();
	/* a workload that must be stopped, and halt=stay so only the button ends it */
	boot(&vm, "vmc.halt=stay vmc.exec=/bin/sleep,600", NULL, 1);
	expect_ready(&vm, NULL, "power button");
	if (guest_vm_powerdown(&vm) < 0)
		guest_vm_fail(&vm, "system_powerdown failed");
	if (guest_vm_wait_event(&vm, READY_EV_EXIT, BOOT_TIMEOUT_MS, &ev) < 0)
		guest_vm_fail(&vm, "workload not stopped");
	assert_int_equal(ev.exit_signal, SIGTERM);
	if (guest_vm_wait_exit(&vm, BOOT_TIMEOUT_MS, &status) < 0)
		guest_vm_fail(&vm, "QEMU still running after system_powerdown");
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* the guest shut itself down; QEMU did not just quit */
	assert_string_equal(vm.shutdown_reason, "guest-shutdown");
	guest_vm_stop(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guest_boot__ready_with_static_ip_by_name),
		cmocka_unit_test(guest_boot__ready_with_static_ip_by_mac),
		cmocka_unit_test(guest_boot__ready_with_dhcp),
		cmocka_unit_test(guest_boot__ready_without_network),
		cmocka_unit_test(guest_boot__exec_true_powers_off),
		cmocka_unit_test(guest_boot__exec_reports_status_after_ready_exec),
		cmocka_unit_test(guest_boot__exec_searches_path),
		cmocka_unit_test(guest_boot__exec_missing_reports_error),
		cmocka_unit_test(guest_boot__network_failure_is_an_error),
		cmocka_unit_test(guest_boot__virtiofs_mount_reads_and_writes),
		cmocka_unit_test(guest_boot__no_account_has_an_empty_password),
		cmocka_unit_test(guest_boot__sigterm_to_init_powers_off),
		cmocka_unit_test(guest_boot__sigpwr_to_init_powers_off),
		cmocka_unit_test(guest_boot__stop_kills_what_ignores_sigterm),
		cmocka_unit_test(guest_boot__power_button_powers_off_cleanly),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
