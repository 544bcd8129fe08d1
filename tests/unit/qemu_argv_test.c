/*
 * qemu_argv_test.c - the QEMU command line the backend builds for a
 * config: machine and accelerator, console and QMP plumbing (fd 3), disks
 * (format always explicit: raw or qcow2, never probed; read-only honoured;
 * a cloud-init seed.iso last, read-only raw), user-mode and TAP NICs with
 * their MACs and port forwards, the guest command line; and what
 * validate() refuses. prepare() runs for real in a temporary VM directory
 * (it binds the QMP socket there).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend/backend.h"
#include "core/config.h"
#include "core/fsutil.h"
#include "net/forward.h"

struct fx {
	char dir[64];
	char kernel[96];
	char disk[96];
	struct vmc_config *cfg;
};

static void touch(const char *path)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs("x", f);
	fclose(f);
}

static int setup(void **state)
{
	static struct fx fx;

	snprintf(fx.dir, sizeof(fx.dir), "/tmp/vmc-qemu-argv-XXXXXX");
	assert_non_null(mkdtemp(fx.dir));
	snprintf(fx.kernel, sizeof(fx.kernel), "%s/vmlinux", fx.dir);
	snprintf(fx.disk, sizeof(fx.disk), "%s/disk,with,commas.img", fx.dir);
	touch(fx.kernel);
	touch(fx.disk);
	assert_int_equal(vmc_config_new(&fx.cfg, "argv"), 0);
	assert_int_equal(vmc_config_set_kernel(fx.cfg, fx.kernel), 0);
	assert_int_equal(vmc_config_set_accel(fx.cfg, VMC_ACCEL_TCG), 0);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	vmc_config_free(fx->cfg);
	fs_remove_tree(fx->dir);
	return 0;
}

/* The argv as one string with '|' between arguments. */
static char *joined(char **argv)
{
	size_t len = 1, off = 0;
	char *s;

	for (char **a = argv; *a; a++)
		len += strlen(*a) + 1;
	s = calloc(1, len);
	assert_non_null(s);
	for (char **a = argv; *a; a++) {
		size_t n = strlen(*a);
		memcpy(s + off, *a, n);
		s[off + n] = '|';
		off += n + 1;
	}
	return s;
}

static char *build(struct fx *fx, struct backend_vm **vm)
{
	struct backend_launch launch = { .vm_dir = fx->dir };
	int rc = backend_qemu_ops.prepare(vm, fx->cfg, &launch);

	if (rc != 0)
		print_error("prepare: %s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	assert_int_equal(launch.n_pass_fds, 1);
	assert_int_equal(launch.pass_to[0], 3);
	return joined(launch.argv);
}

static void qemu_argv__machine_console_qmp(void **state)
{
	struct fx *fx = *state;
	struct backend_vm *vm = NULL;
	char *s = build(fx, &vm);

	assert_non_null(strstr(s, "qemu-system-x86_64|-name|guest=default/argv|-M|microvm|"));
	assert_non_null(strstr(s, "|-accel|tcg|-cpu|max|"));
	assert_non_null(strstr(s, "|-m|256|-smp|1|-nodefaults|-no-user-config|"));
	assert_non_null(strstr(s, "|-no-reboot|"));
	assert_non_null(strstr(s, "|-chardev|stdio,id=console0,signal=off|-serial|chardev:console0|"));
	assert_non_null(strstr(s, "|-chardev|socket,id=qmp0,fd=3,server=on,wait=off|"));
	assert_non_null(strstr(s, "|-mon|chardev=qmp0,mode=control|"));
	assert_non_null(strstr(s, "tsc_early_khz=")); /* TCG needs it */
	assert_non_null(strstr(s, "console=ttyS0"));
	assert_null(strstr(s, "-incoming"));
	free(s);
	backend_qemu_ops.free(vm);
}

static void qemu_argv__disks_raw_and_read_only(void **state)
{
	struct fx *fx = *state;
	struct backend_vm *vm = NULL;
	char expect[256], *s;

	assert_int_equal(vmc_config_add_disk(fx->cfg, fx->disk, 1), 0);
	s = build(fx, &vm);
	/* commas in paths are doubled; the format is never probed */
	snprintf(expect, sizeof(expect),
		 "|-drive|file=%s/disk,,with,,commas.img,id=disk0,if=none,format=raw,readonly=on|"
		 "-device|virtio-blk-device,drive=disk0|", fx->dir);
	assert_non_null(strstr(s, expect));
	free(s);
	backend_qemu_ops.free(vm);
}

static void qemu_argv__qcow2_and_seed_after_disks(void **state)
{
	struct fx *fx = *state;
	struct backend_vm *vm = NULL;
	vmc_seed *seed = NULL;
	char expect[512], *s, *disk, *iso;

	assert_int_equal(vmc_config_add_disk_format(fx->cfg, fx->disk, 0, VMC_DISK_QCOW2), 0);
	assert_int_equal(vmc_seed_new(&seed), 0);
	assert_int_equal(vmc_config_set_cloud_init(fx->cfg, seed), 0);
	s = build(fx, &vm);
	snprintf(expect, sizeof(expect),
		 "|-drive|file=%s/disk,,with,,commas.img,id=disk0,if=none,format=qcow2,readonly=off|"
		 "-device|virtio-blk-device,drive=disk0|", fx->dir);
	disk = strstr(s, expect);
	assert_non_null(disk);
	snprintf(expect, sizeof(expect),
		 "|-drive|file=%s/seed.iso,id=seed,if=none,format=raw,readonly=on|"
		 "-device|virtio-blk-device,drive=seed|", fx->dir);
	iso = strstr(s, expect);
	assert_non_null(iso);
	assert_true(iso > disk); /* the user's disks keep vda, vdb, ... */
	free(s);
	backend_qemu_ops.free(vm);
	vmc_seed_free(seed);
}

static void qemu_argv__nics_forwards_and_macs(void **state)
{
	struct fx *fx = *state;
	struct backend_vm *vm = NULL;
	char expect[256], *s;

	assert_int_equal(vmc_config_add_nic(fx->cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(vmc_config_add_nic(fx->cfg, VMC_NIC_TAP, "vmctap0", "02:00:00:00:00:07",
					    "192.168.77.2/24", NULL), 0);
	assert_int_equal(vmc_config_add_port_forward(fx->cfg, VMC_PROTO_TCP, NULL, 8080, 80), 0);
	assert_int_equal(vmc_config_add_port_forward(fx->cfg, VMC_PROTO_UDP, "::1", 5353, 53), 0);
	/* QEMU 7.2's hostfwd takes no IPv6 address: the shim picks an IPv4
	 * loopback port for it (relay_port) and relays [::1]:5353 there */
	fx->cfg->forwards[1].relay_port = 40053;
	s = build(fx, &vm);
	assert_non_null(strstr(s, "|-netdev|user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,"
				  "hostfwd=udp:127.0.0.1:40053-:53|"));
	snprintf(expect, sizeof(expect), "|-device|virtio-net-device,netdev=net0,mac=%s|",
		 fx->cfg->nics[0].mac);
	assert_non_null(strstr(s, expect));
	assert_non_null(strstr(s, "|-netdev|tap,id=net1,ifname=vmctap0,script=no,downscript=no|"
				  "-device|virtio-net-device,netdev=net1,mac=02:00:00:00:00:07|"));
	/* the guest is told its addresses by MAC */
	snprintf(expect, sizeof(expect), "vmc.net=%s,10.0.2.15/24,10.0.2.2", fx->cfg->nics[0].mac);
	assert_non_null(strstr(s, expect));
	assert_non_null(strstr(s, "vmc.net=02:00:00:00:00:07,192.168.77.2/24"));
	free(s);
	backend_qemu_ops.free(vm);
}

/* A switch NIC: QEMU's datagram socket in the VM directory, sending to
 * the port named after its address in <state>/networks/NET/ports. */
static void qemu_argv__switch_nic(void **state)
{
	struct fx *fx = *state;
	struct backend_vm *vm = NULL;
	char vm_dir[300], expect[1024], *s;
	struct backend_launch launch;

	snprintf(vm_dir, sizeof(vm_dir), "%s/st/default/argv", fx->dir);
	assert_int_equal(fs_mkdir_p(vm_dir, 0700), 0);
	assert_int_equal(vmc_config_add_nic(fx->cfg, VMC_NIC_SWITCH, "lan", "02:00:00:00:00:09",
					    NULL, NULL), 0);
	memset(&launch, 0, sizeof(launch));
	launch.vm_dir = vm_dir;
	/* the manager fills the address in before the shim runs */
	assert_int_equal(backend_qemu_ops.prepare(&vm, fx->cfg, &launch), VMC_EINVAL);
	backend_qemu_ops.free(vm);
	vm = NULL;
	free(fx->cfg->nics[0].addr);
	fx->cfg->nics[0].addr = strdup("10.100.0.2/24");
	memset(&launch, 0, sizeof(launch));
	launch.vm_dir = vm_dir;
	assert_int_equal(backend_qemu_ops.prepare(&vm, fx->cfg, &launch), 0);
	s = joined(launch.argv);
	snprintf(expect, sizeof(expect),
		 "|-netdev|dgram,id=net0,local.type=unix,local.path=%s/net0.sock,remote.type=unix,"
		 "remote.path=%s/st/networks/lan/ports/10.100.0.2.sock|-device|"
		 "virtio-net-device,netdev=net0,mac=02:00:00:00:00:09|", vm_dir, fx->dir);
	if (!strstr(s, expect))
		fail_msg("no\n%s\nin\n%s", expect, s);
	assert_non_null(strstr(s, " vmc.net=02:00:00:00:00:09,10.100.0.2/24 ")); /* no gateway */
	free(s);
	backend_qemu_ops.free(vm);
}

static void qemu_argv__validate_refuses(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(backend_qemu_ops.validate(fx->cfg), 0);
	/* forwards without a NIC to carry them: refused by the manager
	 * (net/forward_plan.c), for every backend */
	assert_int_equal(vmc_config_add_port_forward(fx->cfg, VMC_PROTO_TCP, NULL, 8080, 80), 0);
	assert_int_equal(fwd_plan_check(fx->cfg, NULL), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "no NIC"));
	/* only a switch network: the host has no way in */
	assert_int_equal(vmc_config_add_nic(fx->cfg, VMC_NIC_SWITCH, "lan", NULL, NULL, NULL), 0);
	assert_int_equal(fwd_plan_check(fx->cfg, NULL), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "switch network 'lan' has no host port"));
	assert_int_equal(vmc_config_add_nic(fx->cfg, VMC_NIC_TAP, "vmctap0", NULL, NULL, NULL), 0);
	assert_int_equal(fwd_plan_check(fx->cfg, NULL), 0);
	assert_int_equal(fwd_plan_nic(fx->cfg, NULL), 1);
}

static void qemu_argv__validate_files(void **state)
{
	struct fx *fx = *state;
	char missing[128];

	snprintf(missing, sizeof(missing), "%s/nope.img", fx->dir);
	assert_int_equal(vmc_config_add_disk(fx->cfg, missing, 0), 0);
	assert_int_equal(backend_qemu_ops.validate(fx->cfg), VMC_ENOTFOUND);
	assert_non_null(strstr(vmc_error_last(), "nope.img"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(qemu_argv__machine_console_qmp, setup, teardown),
		cmocka_unit_test_setup_teardown(qemu_argv__disks_raw_and_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(qemu_argv__qcow2_and_seed_after_disks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(qemu_argv__nics_forwards_and_macs, setup, teardown),
		cmocka_unit_test_setup_teardown(qemu_argv__switch_nic, setup, teardown),
		cmocka_unit_test_setup_teardown(qemu_argv__validate_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(qemu_argv__validate_files, setup, teardown),
	};
	if (access("/usr/bin/qemu-system-x86_64", X_OK) != 0)
		print_message("note: qemu-system-x86_64 missing: validate() tests will fail\n");
	return cmocka_run_group_tests_name("qemu_argv", tests, NULL, NULL);
}
