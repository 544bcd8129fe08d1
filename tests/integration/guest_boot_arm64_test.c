/*
 * guest_boot_arm64_test.c - boots the arm64 guest (guest/build --arch
 * arm64: the raw Image and an initramfs with the cross-compiled vmc-init)
 * under qemu-system-aarch64 -M virt, started directly, TCG (KVM only with
 * VMC_TEST_ACCEL=kvm on an arm64 host). Checks vmc-init's side of the contract there:
 * VMC_READY with the address asked for on a virtio-net NIC (static and
 * DHCP), VMC_EXIT with the workload's status and QEMU exiting on its own
 * (vmc.halt=poweroff), VMC_ERROR for a workload that cannot start, the
 * guest really being aarch64, and the protocol lines on a virtio console
 * (hvc0, the only console Virtualization.framework gives a guest) as well
 * as on the PL011 (ttyAMA0). Prints each boot time and the median.
 * Skips, saying why, only when the arm64 guest has not been built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "guest_vm.h"

#define BOOT_TIMEOUT_MS 60000
#define MAX_BOOTS 16

struct fixture {
	char kernel[4096];
	char initramfs[4096];
	char why[4200];
	double ready_s[MAX_BOOTS]; /* boot to VMC_READY, per boot */
	size_t n_ready;
};

static struct fixture fx;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int group_teardown(void **state)
{
	if (fx.n_ready > 0) {
		qsort(fx.ready_s, fx.n_ready, sizeof(fx.ready_s[0]), cmp_double);
		printf("# arm64 boot to VMC_READY: median %.3f s of %zu boots (min %.3f, max %.3f)\n",
		       fx.ready_s[fx.n_ready / 2], fx.n_ready, fx.ready_s[0],
		       fx.ready_s[fx.n_ready - 1]);
	}
	return 0;
}

static void boot(struct guest_vm *vm, const char *append, const char *mac, int hvc)
{
	struct guest_vm_opts o = {
		.kernel = fx.kernel, .initramfs = fx.initramfs, .append = append,
		.mac = mac, .arm64 = 1, .hvc = hvc,
	};

	if (guest_vm_start(vm, &o) < 0)
		fail_msg("could not start qemu-system-aarch64 (Debian: qemu-system-arm)");
}

static void expect_ready(struct guest_vm *vm, const char *ip, const char *label)
{
	struct ready_event ev;
	double s;

	if (guest_vm_wait_event(vm, READY_EV_READY, BOOT_TIMEOUT_MS, &ev) < 0)
		guest_vm_fail(vm, "no VMC_READY");
	s = (vm->ready_us - vm->start_us) / 1e6;
	printf("# %s: VMC_READY after %.3f s\n", label, s);
	if (fx.n_ready < MAX_BOOTS)
		fx.ready_s[fx.n_ready++] = s;
	if (ip) {
		if (ev.n_ip != 1 || strcmp(ev.ip[0], ip) != 0)
			guest_vm_fail(vm, "VMC_READY without the address asked for");
	} else if (ev.n_ip != 0) {
		guest_vm_fail(vm, "VMC_READY with an address nobody asked for");
	}
}

static void guest_boot_arm64__ready_with_static_ip(void **state)
{
	struct guest_vm vm;

	boot(&vm, "vmc.net=eth0,10.0.2.15/24,10.0.2.2", "52:54:00:12:34:56", 0);
	expect_ready(&vm, "10.0.2.15", "static ip, ttyAMA0");
	guest_vm_stop(&vm);
}

static void guest_boot_arm64__ready_with_dhcp(void **state)
{
	struct guest_vm vm;

	boot(&vm, "vmc.net=52:54:00:AB:CD:EF,dhcp", "52:54:00:ab:cd:ef", 0);
	expect_ready(&vm, "10.0.2.15", "dhcp by MAC");
	guest_vm_stop(&vm);
}

static void guest_boot_arm64__exec_true_powers_off(void **state)
{
	struct guest_vm vm;

	boot(&vm, "vmc.halt=poweroff vmc.exec=/bin/true", NULL, 0);
	expect_ready(&vm, NULL, "exec /bin/true");
	guest_vm_expect_exit(&vm, 0, BOOT_TIMEOUT_MS);
	guest_vm_stop(&vm);
}

static void guest_boot_arm64__runs_as_aarch64(void **state)
{
	struct guest_vm vm;

	/* exits 0 only if the kernel says aarch64; a status 3 is told apart from a crash */
	boot(&vm, "vmc.halt=poweroff vmc.exec=/bin/sh,-c,"
		  "test%20$(uname%20-m)%20=%20aarch64%20||%20exit%203", NULL, 0);
	expect_ready(&vm, NULL, "uname -m");
	guest_vm_expect_exit(&vm, 0, BOOT_TIMEOUT_MS);
	guest_vm_stop(&vm);
}

static void guest_boot_arm64__exec_missing_reports_error(void **state)
{
	struct guest_vm vm;
	struct ready_event ev;

	boot(&vm, "vmc.ready=exec vmc.exec=/no/such/program", NULL, 0);
	if (guest_vm_wait_event(&vm, READY_EV_ERROR, BOOT_TIMEOUT_MS, &ev) < 0)
		guest_vm_fail(&vm, "no VMC_ERROR");
	assert_string_equal(ev.text, "exec /no/such/program: No such file or directory");
	guest_vm_expect_exit(&vm, 127, BOOT_TIMEOUT_MS);
	if (strstr(vm.log, "VMC_READY"))
		guest_vm_fail(&vm, "VMC_READY although the workload never started");
	guest_vm_stop(&vm);
}

/* console=hvc0 on a virtio console only, as under Virtualization.framework */
static void guest_boot_arm64__protocol_on_virtio_console(void **state)
{
	struct guest_vm vm;

	boot(&vm, "vmc.net=eth0,10.0.2.15/24 vmc.ready=exec vmc.halt=poweroff "
		  "vmc.exec=/bin/sh,-c,exit%205", "52:54:00:12:34:56", 1);
	expect_ready(&vm, "10.0.2.15", "hvc0");
	guest_vm_expect_exit(&vm, 5, BOOT_TIMEOUT_MS);
	guest_vm_stop(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guest_boot_arm64__ready_with_static_ip),
		cmocka_unit_test(guest_boot_arm64__ready_with_dhcp),
		cmocka_unit_test(guest_boot_arm64__exec_true_powers_off),
		cmocka_unit_test(guest_boot_arm64__runs_as_aarch64),
		cmocka_unit_test(guest_boot_arm64__exec_missing_reports_error),
		cmocka_unit_test(guest_boot_arm64__protocol_on_virtio_console),
	};

	if (guest_vm_find_arm64(fx.kernel, fx.initramfs, sizeof(fx.kernel), fx.why,
				sizeof(fx.why)) < 0) {
		printf("# skipped: %s\n", fx.why);
		return 77;
	}
	printf("# arm64 guest: %s + %s\n", fx.kernel, fx.initramfs);
	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
