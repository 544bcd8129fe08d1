/*
 * vz_plan_test.c - the Virtualization.framework plan without a Mac: every
 * vmc_config field accepted, converted or refused with its message (TCG,
 * KVM, port forwards, TAP NICs, qcow2 disks, CPU/memory outside VZ's
 * limits, bridge NICs, non-arm64 kernels), image root disks with their
 * guest serial, NICs (NAT only when asked
 * for, file-handle sockets on a real switch-port datagram socket, stable
 * locally administered MACs), the machine identifier created once and
 * reused, restore from a snapshot directory, the VZ state mapping, and
 * the refusal of --backend vz in a Linux build.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend/backend.h"
#include "backend/vz_plan.h"
#include "core/config.h"
#include "core/config_image.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "vmc.h"

static char dir[64];
static char vm_dir[128];
static char kernel[160], initrd[160], disk_rw[160], disk_ro[160], share[160], cache[160];

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* A raw arm64 Image: the 64-byte header with "ARM\x64" at 0x38. */
static void write_image(const char *path)
{
	unsigned char img[4096] = { 0 };

	memcpy(img + 0x38, "ARM\x64", 4);
	write_file(path, img, sizeof(img));
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vzplan.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(vm_dir, sizeof(vm_dir), "%s/default/web", dir);
	assert_int_equal(fs_mkdir_p(vm_dir, 0700), 0);
	snprintf(kernel, sizeof(kernel), "%s/Image", dir);
	snprintf(initrd, sizeof(initrd), "%s/initramfs.cpio", dir);
	snprintf(disk_rw, sizeof(disk_rw), "%s/root.raw", dir);
	snprintf(disk_ro, sizeof(disk_ro), "%s/data.raw", dir);
	snprintf(share, sizeof(share), "%s/share", dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	write_image(kernel);
	write_file(initrd, "07070", 5);
	write_file(disk_rw, "disk", 4);
	write_file(disk_ro, "disk", 4);
	assert_int_equal(mkdir(share, 0700), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fs_remove_tree(dir);
	return 0;
}

static const struct vz_limits limits = {
	.cpu_min = 1, .cpu_max = 8,
	.mem_min = 128ULL << 20, .mem_max = 16ULL << 30,
};

static vmc_config *base_config(void)
{
	vmc_config *cfg = NULL;

	assert_int_equal(vmc_config_new(&cfg, "web"), 0);
	assert_int_equal(vmc_config_set_kernel(cfg, kernel), 0);
	assert_int_equal(vmc_config_set_initramfs(cfg, initrd), 0);
	return cfg;
}

static int build(struct vz_plan *p, const vmc_config *cfg, const char *vmdir,
		 const char *restore)
{
	struct vz_plan_input in = {
		.cfg = cfg, .limits = limits, .vm_dir = vmdir, .kernel_cache = cache,
		.restore_dir = restore,
	};
	return vz_plan_build(p, &in);
}

/* Builds (validate-only and for real); expects `code` and a message
 * containing `needle` from both. */
static void expect_refused(const vmc_config *cfg, int code, const char *needle)
{
	struct vz_plan p;

	for (int pass = 0; pass < 2; pass++) {
		int rc = build(&p, cfg, pass ? vm_dir : NULL, NULL);

		if (rc != code || !strstr(vmc_error_last(), needle))
			fail_msg("expected %d with '%s', got %d: %s", code, needle, rc,
				 vmc_error_last());
		vz_plan_free(&p);
	}
}

static void vz_plan__representative_config(void **state)
{
	vmc_config *cfg = base_config();
	const char *argv[] = { "/bin/echo", "hello world" };
	struct vz_plan p;

	(void)state;
	assert_int_equal(vmc_config_set_cpus(cfg, 2), 0);
	assert_int_equal(vmc_config_set_memory_mib(cfg, 512), 0);
	assert_int_equal(vmc_config_add_disk(cfg, disk_rw, 0), 0);
	assert_int_equal(vmc_config_add_disk(cfg, disk_ro, 1), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(vmc_config_add_share(cfg, share, "data", 1), 0);
	assert_int_equal(vmc_config_set_exec(cfg, 2, argv), 0);
	assert_int_equal(vmc_config_set_boot_timeout_ms(cfg, 30000), 0);
	assert_int_equal(vmc_config_set_backend(cfg, VMC_BACKEND_VZ), 0);
	assert_int_equal(build(&p, cfg, vm_dir, NULL), 0);

	assert_string_equal(p.kernel, kernel); /* raw Image: used as is */
	assert_string_equal(p.initramfs, initrd);
	assert_int_equal(p.cpus, 2);
	assert_true(p.memory_bytes == 512ULL << 20);
	assert_int_equal(p.console + p.entropy + p.balloon + p.vsock, 4);
	assert_int_equal(p.n_disks, 2);
	assert_string_equal(p.disks[0].path, disk_rw);
	assert_int_equal(p.disks[0].read_only, 0);
	assert_string_equal(p.disks[1].path, disk_ro);
	assert_int_equal(p.disks[1].read_only, 1);
	assert_int_equal(p.n_nics, 1);
	assert_int_equal(p.nics[0].attach, VZ_NIC_NAT);
	assert_int_equal(p.nics[0].fd, -1);
	assert_int_equal(p.n_shares, 1);
	assert_string_equal(p.shares[0].tag, "data");
	assert_string_equal(p.shares[0].host_path, share);
	assert_int_equal(p.shares[0].read_only, 1);
	/* hvc0 console, DHCP on the NAT NIC (not QEMU's 10.0.2.15), mount, workload */
	char want[512];
	snprintf(want, sizeof(want), VZ_CMDLINE_DEFAULT " vmc.net=%s,dhcp vmc.hostname=web "
		 "vmc.mount=data:/mnt/data:ro vmc.exec=/bin/echo,hello%%20world vmc.halt=poweroff",
		 p.nics[0].mac_str);
	assert_string_equal(p.cmdline, want);
	assert_null(strstr(p.cmdline, "10.0.2"));
	assert_int_equal(p.machine_id_mode, VZ_MACHINE_ID_CREATE);
	assert_null(p.restore_path);
	vz_plan_free(&p);
	vz_plan_free(&p); /* idempotent */
	vmc_config_free(cfg);
}

static void vz_plan__given_cmdline_and_static_nat_address_kept(void **state)
{
	vmc_config *cfg = base_config();
	struct vz_plan p;

	(void)state;
	assert_int_equal(vmc_config_set_cmdline(cfg, "console=hvc0 loglevel=7"), 0);
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, "02:00:00:00:00:01",
					    "192.168.64.20/24", "192.168.64.1"), 0);
	assert_int_equal(vmc_config_set_initramfs(cfg, NULL), 0);
	assert_int_equal(build(&p, cfg, vm_dir, NULL), 0);
	assert_null(p.initramfs);
	assert_string_equal(p.cmdline, "console=hvc0 loglevel=7 "
			    "vmc.net=02:00:00:00:00:01,192.168.64.20/24,192.168.64.1 "
			    "vmc.hostname=web");
	assert_memory_equal(p.nics[0].mac, "\x02\0\0\0\0\x01", 6);
	vz_plan_free(&p);
	vmc_config_free(cfg);
}

static void vz_plan__no_nic_unless_asked(void **state)
{
	vmc_config *cfg = base_config();
	struct vz_plan p;

	(void)state;
	assert_int_equal(build(&p, cfg, vm_dir, NULL), 0);
	assert_int_equal(p.n_nics, 0);
	assert_null(strstr(p.cmdline, "vmc.net"));
	vz_plan_free(&p);
	vmc_config_free(cfg);
}

static void vz_plan__mac_stable_per_vm_and_index(void **state)
{
	vmc_config *a = base_config(), *b = base_config(), *c = base_config();
	struct vz_plan pa, pb, pc;

	(void)state;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(vmc_config_add_nic(a, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
		assert_int_equal(vmc_config_add_nic(b, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
		assert_int_equal(vmc_config_add_nic(c, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	}
	assert_int_equal(vmc_config_set_name(c, "db"), 0);
	assert_int_equal(build(&pa, a, vm_dir, NULL), 0);
	assert_int_equal(build(&pb, b, vm_dir, NULL), 0);
	assert_int_equal(build(&pc, c, vm_dir, NULL), 0);
	for (int i = 0; i < 2; i++) {
		/* same VM and index: same MAC, every build (every boot) */
		assert_memory_equal(pa.nics[i].mac, pb.nics[i].mac, 6);
		/* locally administered, unicast */
		assert_int_equal(pa.nics[i].mac[0] & 0x03, 0x02);
		/* another VM: another MAC */
		assert_memory_not_equal(pa.nics[i].mac, pc.nics[i].mac, 6);
	}
	assert_memory_not_equal(pa.nics[0].mac, pa.nics[1].mac, 6);
	vz_plan_free(&pa);
	vz_plan_free(&pb);
	vz_plan_free(&pc);
	vmc_config_free(a);
	vmc_config_free(b);
	vmc_config_free(c);
}

static void vz_plan__refused_fields(void **state)
{
	vmc_config *cfg;

	(void)state;
	cfg = base_config();
	assert_int_equal(vmc_config_set_accel(cfg, VMC_ACCEL_TCG), 0);
	expect_refused(cfg, VMC_EUNSUPPORTED, "accel tcg");
	assert_int_equal(vmc_config_set_accel(cfg, VMC_ACCEL_KVM), 0);
	expect_refused(cfg, VMC_EUNSUPPORTED, "accel kvm");
	vmc_config_free(cfg);

	cfg = base_config();
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(vmc_config_add_port_forward(cfg, VMC_PROTO_TCP, NULL, 8080, 80), 0);
	expect_refused(cfg, VMC_EUNSUPPORTED, "port forwards");
	vmc_config_free(cfg);

	cfg = base_config();
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "tap0", NULL, NULL, NULL), 0);
	expect_refused(cfg, VMC_EUNSUPPORTED, "TAP");
	vmc_config_free(cfg);

	cfg = base_config();
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_BRIDGE, "lan", NULL, NULL, NULL), 0);
	expect_refused(cfg, VMC_EUNSUPPORTED, "bridge networks are Linux");
	vmc_config_free(cfg);

	cfg = base_config();
	assert_int_equal(vmc_config_add_disk_format(cfg, disk_rw, 0, VMC_DISK_QCOW2), 0);
	expect_refused(cfg, VMC_EUNSUPPORTED, "raw images only");
	vmc_config_free(cfg);

	cfg = base_config();
	assert_int_equal(vmc_config_set_cpus(cfg, 9), 0);
	expect_refused(cfg, VMC_EINVAL, "cpus 9: Virtualization.framework allows 1 to 8");
	vmc_config_free(cfg);

	cfg = base_config();
	assert_int_equal(vmc_config_set_memory_mib(cfg, 64), 0);
	expect_refused(cfg, VMC_EINVAL, "memory 64 MiB: Virtualization.framework allows 128 to "
		       "16384 MiB");
	assert_int_equal(vmc_config_set_memory_mib(cfg, 32768), 0);
	expect_refused(cfg, VMC_EINVAL, "memory 32768 MiB");
	vmc_config_free(cfg);
}

static void vz_plan__missing_and_wrong_files(void **state)
{
	char bz[200], nodir[200];
	vmc_config *cfg;
	unsigned char bzimage[1024] = { 0 };

	(void)state;
	/* an x86 bzImage ("HdrS" at 0x202): not an arm64 Image */
	memcpy(bzimage + 0x202, "HdrS", 4);
	snprintf(bz, sizeof(bz), "%s/bzImage", dir);
	write_file(bz, bzimage, sizeof(bzimage));
	cfg = base_config();
	assert_int_equal(vmc_config_set_kernel(cfg, bz), 0);
	expect_refused(cfg, VMC_EINVAL, "not an arm64 Linux Image");
	assert_int_equal(vmc_config_set_kernel(cfg, "/nonexistent/Image"), 0);
	expect_refused(cfg, VMC_ENOTFOUND, "kernel");
	vmc_config_free(cfg);

	cfg = base_config();
	assert_int_equal(vmc_config_add_disk(cfg, "/nonexistent/disk.raw", 1), 0);
	expect_refused(cfg, VMC_ENOTFOUND, "disk");
	vmc_config_free(cfg);

	cfg = base_config();
	snprintf(nodir, sizeof(nodir), "%s/notadir", dir);
	write_file(nodir, "x", 1);
	assert_int_equal(vmc_config_add_share(cfg, nodir, "t", 0), 0);
	expect_refused(cfg, VMC_EINVAL, "not a directory");
	vmc_config_free(cfg);
}

static void vz_plan__cloud_init_seed_is_a_read_only_disk(void **state)
{
	vmc_config *cfg = base_config();
	vmc_seed *seed = NULL;
	struct vz_plan p;
	char want[200];

	(void)state;
	assert_int_equal(vmc_seed_new(&seed), 0);
	assert_int_equal(vmc_config_add_disk(cfg, disk_rw, 0), 0);
	assert_int_equal(vmc_config_set_cloud_init(cfg, seed), 0);
	assert_int_equal(build(&p, cfg, vm_dir, NULL), 0);
	assert_int_equal(p.n_disks, 2);
	snprintf(want, sizeof(want), "%s/seed.iso", vm_dir);
	assert_string_equal(p.disks[1].path, want);
	assert_int_equal(p.disks[1].read_only, 1);
	vz_plan_free(&p);
	/* validate only: the seed does not exist yet and is not planned */
	assert_int_equal(build(&p, cfg, NULL, NULL), 0);
	assert_int_equal(p.n_disks, 1);
	vz_plan_free(&p);
	vmc_seed_free(seed);
	vmc_config_free(cfg);
}

/* An image VM (vmc_config_set_image): the manager's clone of the image
 * disk comes first, writable, with the serial the guest looks for. */
static void vz_plan__image_root_disk_has_the_guest_serial(void **state)
{
	vmc_config *cfg = base_config();
	struct config_image *im = calloc(1, sizeof(*im));
	struct vz_plan p;
	char want[200];

	(void)state;
	assert_non_null(im);
	im->ref = strdup("docker.io/library/alpine:latest");
	im->digest = strdup("sha256:0000000000000000000000000000000000000000000000000000000000000000");
	im->disk = strdup(disk_rw);
	im->argv = calloc(2, sizeof(char *));
	assert_non_null(im->argv);
	im->argv[0] = strdup("/bin/sh");
	im->argc = 1;
	im->env = calloc(1, sizeof(char *));
	cfg->image = im; /* the config owns it now */
	assert_int_equal(vmc_config_add_disk(cfg, disk_ro, 1), 0);
	assert_int_equal(build(&p, cfg, vm_dir, NULL), 0);
	assert_int_equal(p.n_disks, 2);
	snprintf(want, sizeof(want), "%s/" CONFIG_IMAGE_ROOT_FILE, vm_dir);
	assert_string_equal(p.disks[0].path, want);
	assert_int_equal(p.disks[0].read_only, 0);
	assert_string_equal(p.disks[0].identifier, CONFIG_IMAGE_ROOT_SERIAL);
	assert_string_equal(p.disks[1].path, disk_ro);
	assert_null(p.disks[1].identifier);
	assert_non_null(strstr(p.cmdline, "vmc.root=serial:" CONFIG_IMAGE_ROOT_SERIAL));
	assert_non_null(strstr(p.cmdline, "vmc.exec=/bin/sh"));
	vz_plan_free(&p);
	/* validate only: the clone does not exist yet and is not planned */
	assert_int_equal(build(&p, cfg, NULL, NULL), 0);
	assert_int_equal(p.n_disks, 1);
	vz_plan_free(&p);
	vmc_config_free(cfg);
}

static void vz_plan__machine_identifier_created_once_then_loaded(void **state)
{
	vmc_config *cfg = base_config();
	const unsigned char id[] = { 0x62, 0x70, 0x6c, 0x69, 0x73, 0x74, 0x00, 0x01 };
	char want[200];
	struct vz_plan p;

	(void)state;
	assert_int_equal(build(&p, cfg, NULL, NULL), 0); /* validate: nothing decided */
	assert_int_equal(p.machine_id_mode, VZ_MACHINE_ID_NONE);
	vz_plan_free(&p);
	assert_int_equal(build(&p, cfg, vm_dir, NULL), 0);
	assert_int_equal(p.machine_id_mode, VZ_MACHINE_ID_CREATE);
	snprintf(want, sizeof(want), "%s/" VZ_MACHINE_ID_FILE, vm_dir);
	assert_string_equal(p.machine_id_path, want);
	/* vz.c saves dataRepresentation's bytes there */
	assert_int_equal(vz_machine_id_save(p.machine_id_path, id, sizeof(id)), 0);
	vz_plan_free(&p);
	struct stat st;
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	for (int i = 0; i < 2; i++) { /* every later start reuses it */
		assert_int_equal(build(&p, cfg, vm_dir, NULL), 0);
		assert_int_equal(p.machine_id_mode, VZ_MACHINE_ID_LOAD);
		assert_int_equal(p.machine_id_len, sizeof(id));
		assert_memory_equal(p.machine_id, id, sizeof(id));
		vz_plan_free(&p);
	}
	assert_int_equal(vz_machine_id_save(want, id, 0), VMC_EINVAL);
	write_file(want, "", 0);
	assert_int_equal(build(&p, cfg, vm_dir, NULL), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "is empty"));
	vz_plan_free(&p);
	vmc_config_free(cfg);
}

static void vz_plan__restore_uses_the_snapshot_identity(void **state)
{
	vmc_config *cfg = base_config();
	char snap[200], f[240];
	struct vz_plan p;

	(void)state;
	snprintf(snap, sizeof(snap), "%s/snap", dir);
	assert_int_equal(mkdir(snap, 0700), 0);
	/* no identifier in the snapshot: refused, never a fresh one */
	assert_int_equal(build(&p, cfg, vm_dir, snap), VMC_ENOTFOUND);
	assert_non_null(strstr(vmc_error_last(), "machine identifier"));
	vz_plan_free(&p);
	snprintf(f, sizeof(f), "%s/" VZ_MACHINE_ID_FILE, snap);
	assert_int_equal(vz_machine_id_save(f, "ID", 2), 0);
	assert_int_equal(build(&p, cfg, vm_dir, snap), VMC_ENOTFOUND);
	assert_non_null(strstr(vmc_error_last(), VZ_SAVE_FILE));
	vz_plan_free(&p);
	snprintf(f, sizeof(f), "%s/" VZ_SAVE_FILE, snap);
	write_file(f, "state", 5);
	assert_int_equal(build(&p, cfg, vm_dir, snap), 0);
	assert_int_equal(p.machine_id_mode, VZ_MACHINE_ID_LOAD);
	assert_memory_equal(p.machine_id, "ID", 2);
	assert_string_equal(p.restore_path, f);
	vz_plan_free(&p);
	vmc_config_free(cfg);
}

static void vz_plan__switch_nic_file_handle_socket(void **state)
{
	vmc_config *cfg = base_config();
	char net[200];
	struct vz_plan p;

	(void)state;
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_SWITCH, "lan", NULL, "10.100.0.2/24",
					    NULL), 0);
	/* validate only: no address needed, no port */
	assert_int_equal(build(&p, cfg, NULL, NULL), 0);
	assert_int_equal(p.nics[0].attach, VZ_NIC_FILE_HANDLE);
	assert_null(p.nics[0].net_dir);
	assert_null(p.nics[0].port);
	assert_int_equal(vz_plan_open_nics(&p), VMC_EINVAL);
	vz_plan_free(&p);

	/* a socketpair port named after the address, on the network's switch
	 * (the round trip through a real vmc-switch: tests/integration/
	 * vz_port_test.c) */
	assert_int_equal(build(&p, cfg, vm_dir, NULL), 0);
	snprintf(net, sizeof(net), "%s/networks/lan", dir);
	assert_string_equal(p.nics[0].net_dir, net);
	assert_string_equal(p.nics[0].port, "10.100.0.2");
	assert_null(strstr(p.cmdline, "dhcp"));
	/* no switch running: a clear error, nothing left open, no file made */
	assert_int_equal(vz_plan_open_nics(&p), VMC_ENOTFOUND);
	assert_non_null(strstr(vmc_error_last(), "switch port '10.100.0.2'"));
	assert_int_equal(p.nics[0].fd, -1);
	assert_int_equal(access(net, F_OK), -1);
	vz_plan_free(&p);
	vmc_config_free(cfg);
}

static void vz_plan__state_mapping(void **state)
{
	char reason[VMC_STATE_REASON_MAX];
	static const struct { long vz; int ready; vmc_state_kind want; } cases[] = {
		{ VZ_STATE_STOPPED, 0, VMC_STATE_STOPPED },
		{ VZ_STATE_RUNNING, 0, VMC_STATE_RUNNING },
		{ VZ_STATE_RUNNING, 1, VMC_STATE_READY },
		{ VZ_STATE_PAUSED, 1, VMC_STATE_PAUSED },
		{ VZ_STATE_STARTING, 0, VMC_STATE_STARTING },
		{ VZ_STATE_PAUSING, 1, VMC_STATE_READY },
		{ VZ_STATE_PAUSING, 0, VMC_STATE_RUNNING },
		{ VZ_STATE_RESUMING, 1, VMC_STATE_PAUSED },
		{ VZ_STATE_STOPPING, 1, VMC_STATE_STOPPING },
		{ VZ_STATE_SAVING, 1, VMC_STATE_PAUSED },
		{ VZ_STATE_RESTORING, 0, VMC_STATE_STARTING },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reason[0] = 'x';
		assert_int_equal(vz_state_map(cases[i].vz, cases[i].ready, "ignored", reason,
					      sizeof(reason)), cases[i].want);
		assert_string_equal(reason, "");
	}
	assert_int_equal(vz_state_map(VZ_STATE_ERROR, 1, "The virtual machine stopped "
				      "unexpectedly.", reason, sizeof(reason)), VMC_STATE_FAILED);
	assert_string_equal(reason, "Virtualization.framework: The virtual machine stopped "
			    "unexpectedly.");
	assert_int_equal(vz_state_map(VZ_STATE_ERROR, 0, NULL, reason, sizeof(reason)),
			 VMC_STATE_FAILED);
	assert_string_equal(reason, "Virtualization.framework: unknown error");
	assert_int_equal(vz_state_map(42, 0, NULL, reason, sizeof(reason)), VMC_STATE_FAILED);
	assert_string_equal(reason, "unknown VZVirtualMachineState 42");
	assert_int_equal(vz_state_map(-1, 0, NULL, reason, sizeof(reason)), VMC_STATE_FAILED);
	assert_string_equal(vz_state_name(VZ_STATE_RESTORING), "restoring");
	assert_string_equal(vz_state_name(3), "error");
	assert_string_equal(vz_state_name(10), "unknown");
	assert_string_equal(vz_state_name(-1), "unknown");
}

/* Linux builds have no vz backend: a clear refusal, not a crash. */
static void vz_plan__backend_not_in_a_linux_build(void **state)
{
	vmc_config *cfg = base_config();
	const struct backend_ops *ops = (const struct backend_ops *)1;

	(void)state;
	assert_int_equal(vmc_config_set_backend(cfg, VMC_BACKEND_VZ), 0);
	assert_int_equal(backend_for_config(&ops, cfg), VMC_EUNSUPPORTED);
	assert_null(ops);
	assert_string_equal(vmc_error_last(), "backend vz (Virtualization.framework) is not "
			    "available in this build");
	vmc_config_free(cfg);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(vz_plan__representative_config),
		T(vz_plan__given_cmdline_and_static_nat_address_kept),
		T(vz_plan__no_nic_unless_asked),
		T(vz_plan__mac_stable_per_vm_and_index),
		T(vz_plan__refused_fields),
		T(vz_plan__missing_and_wrong_files),
		T(vz_plan__cloud_init_seed_is_a_read_only_disk),
		T(vz_plan__image_root_disk_has_the_guest_serial),
		T(vz_plan__machine_identifier_created_once_then_loaded),
		T(vz_plan__restore_uses_the_snapshot_identity),
		T(vz_plan__switch_nic_file_handle_socket),
		T(vz_plan__state_mapping),
		T(vz_plan__backend_not_in_a_linux_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
