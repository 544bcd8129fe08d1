/*
 * chv_argv_test.c - the Cloud Hypervisor backend without a hypervisor:
 * the command line prepare() builds for a representative config (exact
 * flag syntax of the reference), what validate() refuses (bzImage, an ELF
 * without a PVH note, user-mode NICs, shares, TCG, an old or
 * unreadable version, a missing binary), the AUTO choice, version parsing,
 * the event-monitor reader (multi-line, concatenated, braces in strings,
 * garbage) and attach()/on_readable() reporting events from a pipe. The
 * binary is a two-line shell script that prints a version. Also the test
 * double's own state rules (tests/doubles/fake-cloud-hypervisor), over
 * its API.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend/accel.h"
#include "backend/backend.h"
#include "backend/chv_api.h"
#include "backend/chv_event.h"
#include "backend/chv_probe.h"
#include "backend/chv_vm.h"
#include "backend/virtiofs.h"
#include "core/config.h"
#include "core/fsutil.h"
#include "core/spawn.h"
#include "vmc.h"
#include "../persistent_tap.h"

static char dir[64];
static char path_buf[8][256];

static const char *in_dir(int slot, const char *name)
{
	snprintf(path_buf[slot], sizeof(path_buf[slot]), "%s/%s", dir, name);
	return path_buf[slot];
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* A fake `cloud-hypervisor` printing `version_line`. */
static const char *fake_binary(const char *version_line)
{
	char script[256];
	const char *p = in_dir(0, "cloud-hypervisor");

	snprintf(script, sizeof(script), "#!/bin/sh\necho '%s'\n", version_line);
	unlink(p);
	write_file(p, script, strlen(script), 0755);
	setenv("VMC_CHV_BINARY", p, 1);
	return p;
}

/* A minimal x86_64 ELF with one PT_NOTE, holding a Xen note of `type`. */
static const char *fake_vmlinux(const char *name, unsigned type)
{
	unsigned char img[512];
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph = { 0 };
	Elf64_Nhdr nh = { .n_namesz = 4, .n_descsz = 8, .n_type = type };

	memset(img, 0, sizeof(img));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_machine = EM_X86_64;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	ph.p_type = PT_NOTE;
	ph.p_offset = 0x100;
	ph.p_filesz = sizeof(nh) + 4 + 8;
	memcpy(img, &eh, sizeof(eh));
	memcpy(img + sizeof(eh), &ph, sizeof(ph));
	memcpy(img + 0x100, &nh, sizeof(nh));
	memcpy(img + 0x100 + sizeof(nh), "Xen", 4);
	write_file(in_dir(1, name), img, sizeof(img), 0644);
	return path_buf[1];
}

static struct vmc_config *base_config(void)
{
	struct vmc_config *cfg = NULL;
	static char kernel[256], initrd[256], disk[256], disk2[256];

	snprintf(kernel, sizeof(kernel), "%s", fake_vmlinux("vmlinux", 18));
	snprintf(initrd, sizeof(initrd), "%s", in_dir(2, "initramfs.cpio"));
	write_file(initrd, "x", 1, 0644);
	snprintf(disk, sizeof(disk), "%s", in_dir(3, "root.img"));
	write_file(disk, "x", 1, 0644);
	snprintf(disk2, sizeof(disk2), "%s", in_dir(4, "data,1.img"));
	write_file(disk2, "x", 1, 0644);
	assert_int_equal(vmc_config_new(&cfg, "web"), 0);
	assert_int_equal(vmc_config_set_kernel(cfg, kernel), 0);
	assert_int_equal(vmc_config_set_initramfs(cfg, initrd), 0);
	assert_int_equal(vmc_config_set_cpus(cfg, 2), 0);
	assert_int_equal(vmc_config_set_memory_mib(cfg, 512), 0);
	assert_int_equal(vmc_config_set_backend(cfg, VMC_BACKEND_CHV), 0);
	assert_int_equal(vmc_config_add_disk(cfg, disk, 0), 0);
	assert_int_equal(vmc_config_add_disk(cfg, disk2, 1), 0);
	return cfg;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/chv-argv-XXXXXX");
	assert_non_null(mkdtemp(dir));
	fake_binary("cloud-hypervisor v53.0-246-gae44c297");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unsetenv("VMC_CHV_BINARY");
	unsetenv("VMC_BACKEND");
	fs_remove_tree(dir);
	return 0;
}

/* ------------------------------------------------------------ argv */

static void chv_argv__representative_config(void **state)
{
	struct vmc_config *cfg = base_config();
	struct backend_launch launch = { .vm_dir = dir };
	struct backend_vm *vm = NULL;
	char want[64][300];
	int n = 0;
	struct stat st;

	(void)state;
	assert_int_equal(backend_chv_ops.validate(cfg), 0);
	assert_int_equal(backend_chv_ops.prepare(&vm, cfg, &launch), 0);
#define W(...) snprintf(want[n++], sizeof(want[0]), __VA_ARGS__)
	W("%s", path_buf[0]);
	W("--api-socket"); W("fd=3");
	W("--event-monitor"); W("fd=4");
	W("--serial"); W("tty");
	W("--console"); W("off");
	W("--kernel"); W("%s", cfg->kernel);
	W("--initramfs"); W("%s", cfg->initramfs);
	W("--cmdline"); W("console=ttyS0 quiet cryptomgr.notests panic=-1 vmc.hostname=web");
	W("--cpus"); W("boot=2");
	W("--memory"); W("size=512M");
	W("--pvpanic");
	W("--disk"); W("path=%s/root.img,image_type=raw", dir);
	W("--disk"); W("path=\"%s/data,1.img\",image_type=raw,readonly=on", dir);
#undef W
	for (int i = 0; i < n; i++) {
		assert_non_null(launch.argv[i]);
		assert_string_equal(launch.argv[i], want[i]);
	}
	assert_null(launch.argv[n]);
	assert_int_equal(launch.n_pass_fds, 2);
	assert_int_equal(launch.pass_to[0], 3);
	assert_int_equal(launch.pass_to[1], 4);
	assert_true(launch.pass_fds[0] > 4 && launch.pass_fds[1] > 4);
	assert_true(fcntl(launch.pass_fds[0], F_GETFD) & FD_CLOEXEC);
	assert_int_equal(stat(in_dir(5, "api.sock"), &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_true(backend_chv_ops.fd(vm) >= 0);
	backend_chv_ops.free(vm);
	assert_int_equal(stat(in_dir(5, "api.sock"), &st), -1); /* removed */
	vmc_config_free(cfg);
}

static void chv_argv__path_with_quote_refused(void **state)
{
	struct vmc_config *cfg = base_config();
	const char *bad = in_dir(6, "we\"ird.img");

	(void)state;
	write_file(bad, "x", 1, 0644);
	assert_int_equal(vmc_config_add_disk(cfg, bad, 1), 0);
	assert_int_equal(backend_chv_ops.validate(cfg), VMC_EINVAL);
	assert_non_null(strstr(vmc_error_last(), "quote"));
	vmc_config_free(cfg);
}

/* ------------------------------------------------------------ validate */

static void expect_refused(struct vmc_config *cfg, int code, const char *needle)
{
	int rc = backend_chv_ops.validate(cfg);

	if (rc != code || !strstr(vmc_error_last(), needle))
		print_error("got %d '%s', want %d '%s'\n", rc, vmc_error_last(), code, needle);
	assert_int_equal(rc, code);
	assert_non_null(strstr(vmc_error_last(), needle));
	vmc_config_free(cfg);
}

static void chv_argv__resize_head_room(void **state)
{
	struct vmc_config *cfg = base_config();
	struct backend_launch launch = { .vm_dir = dir };
	struct backend_vm *vm = NULL;
	int cpus = 0, mem = 0;

	(void)state;
	assert_int_equal(vmc_config_set_max_cpus(cfg, 4), 0);
	assert_int_equal(vmc_config_set_max_memory_mib(cfg, 1024), 0);
	assert_int_equal(backend_chv_ops.validate(cfg), 0);
	assert_int_equal(backend_chv_ops.prepare(&vm, cfg, &launch), 0);
	for (int i = 0; launch.argv[i]; i++) {
		if (!strcmp(launch.argv[i], "--cpus"))
			cpus = !strcmp(launch.argv[i + 1], "boot=2,max=4");
		if (!strcmp(launch.argv[i], "--memory"))
			mem = !strcmp(launch.argv[i + 1], "size=512M,hotplug_size=512M");
	}
	assert_true(cpus);
	assert_true(mem);
	backend_chv_ops.free(vm);
	/* the QEMU backend (microvm) cannot grow: refused before anything starts */
	assert_int_equal(backend_qemu_ops.validate(cfg), VMC_EUNSUPPORTED);
	assert_non_null(strstr(vmc_error_last(), "max_cpus"));
	vmc_config_free(cfg);
	/* a maximum below the boot value */
	cfg = base_config();
	assert_int_equal(vmc_config_set_max_cpus(cfg, 1), 0);
	expect_refused(cfg, VMC_EINVAL, "max_cpus 1 is below cpus 2");
	cfg = base_config();
	assert_int_equal(vmc_config_set_max_memory_mib(cfg, 256), 0);
	expect_refused(cfg, VMC_EINVAL, "max_memory_mib 256 is below memory_mib 512");
}

static void chv_argv__vsock(void **state)
{
	struct vmc_config *cfg = base_config();
	struct backend_launch launch = { .vm_dir = dir };
	struct backend_vm *vm = NULL;
	char want[PATH_MAX + 64];
	int found = 0;

	(void)state;
	assert_int_equal(vmc_config_set_vsock_cid(cfg, 2), VMC_EINVAL);
	assert_int_equal(vmc_config_set_vsock_cid(cfg, 7), 0);
	assert_int_equal(backend_chv_ops.validate(cfg), 0);
	assert_int_equal(backend_chv_ops.prepare(&vm, cfg, &launch), 0);
	snprintf(want, sizeof(want), "cid=7,socket=%s/vsock.sock", dir);
	for (int i = 0; launch.argv[i]; i++)
		if (!strcmp(launch.argv[i], "--vsock"))
			found = !strcmp(launch.argv[i + 1], want);
	assert_true(found);
	backend_chv_ops.free(vm);
	/* QEMU: refused before anything starts */
	assert_int_equal(backend_qemu_ops.validate(cfg), VMC_EUNSUPPORTED);
	assert_non_null(strstr(vmc_error_last(), "vsock"));
	vmc_config_free(cfg);
}

static void chv_argv__restore_config_rewrite(void **state)
{
	static const char in[] =
		"{\"disks\":[{\"path\":\"/s/old/seed.iso\",\"id\":\"_disk0\"},"
		"{\"path\":\"/s/older/x.img\",\"id\":\"_disk1\"}],"
		"\"net\":[{\"mac\":\"52:54:00:00:00:01\",\"id\":\"_net2\"}],"
		"\"vsock\":{\"cid\":7,\"socket\":\"/s/old/vsock.sock\"}}";
	char ids[VMC_DEVICES_MAX][CHV_DEVICE_ID_MAX], *out = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(chv_restore_config(in, strlen(in), "/s/old", "/s/new", &out, ids, &n), 0);
	assert_non_null(strstr(out, "\"/s/new/seed.iso\""));
	assert_non_null(strstr(out, "\"/s/new/vsock.sock\""));
	assert_non_null(strstr(out, "\"/s/older/x.img\"")); /* a prefix, not the directory */
	assert_null(strstr(out, "/s/old/"));
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "_net2");
	free(out);
	assert_int_equal(chv_restore_config("{\"net\":[{}]}", 12, "/s/old", "/s/new", &out, ids,
					    &n), VMC_EPROTO);
	assert_null(out);
}

static void chv_argv__bzimage_refused(void **state)
{
	struct vmc_config *cfg = base_config();
	unsigned char img[1024];

	(void)state;
	memset(img, 0, sizeof(img));
	memcpy(img + 0x202, "HdrS", 4);
	write_file(in_dir(6, "vmlinuz"), img, sizeof(img), 0644);
	assert_int_equal(vmc_config_set_kernel(cfg, path_buf[6]), 0);
	expect_refused(cfg, VMC_EINVAL, "is a bzImage; the chv backend boots an uncompressed PVH vmlinux");
}

static void chv_argv__elf_without_pvh_note_refused(void **state)
{
	struct vmc_config *cfg = base_config();

	(void)state;
	assert_int_equal(vmc_config_set_kernel(cfg, fake_vmlinux("nopvh", 17)), 0);
	expect_refused(cfg, VMC_EINVAL, "has no PVH entry note");
	cfg = base_config();
	write_file(in_dir(6, "text"), "hello world", 11, 0644);
	assert_int_equal(vmc_config_set_kernel(cfg, path_buf[6]), 0);
	expect_refused(cfg, VMC_EINVAL, "is not an ELF vmlinux");
}

static void chv_argv__user_nic_refused(void **state)
{
	struct vmc_config *cfg = base_config();

	(void)state;
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	expect_refused(cfg, VMC_EUNSUPPORTED, "no user-mode networking");
}

static void chv_argv__share_without_virtiofsd_refused(void **state)
{
	struct vmc_config *cfg = base_config();

	(void)state;
	assert_int_equal(vmc_config_add_share(cfg, dir, "data", 1), 0);
	setenv("VMC_VIRTIOFSD", "/nonexistent/virtiofsd", 1);
	expect_refused(cfg, VMC_ENOTFOUND, "virtiofsd");
	unsetenv("VMC_VIRTIOFSD");
}

static void chv_argv__share_through_virtiofsd(void **state)
{
	struct vmc_config *cfg = base_config();
	struct backend_launch launch = { .vm_dir = dir };
	struct backend_vm *vm = NULL;
	char want[PATH_MAX + 64];
	int fs = 0, mem = 0;

	(void)state;
	if (!virtiofs_find_daemon() || geteuid() != 0) {
		print_message("skipped: shares need root and virtiofsd (qemu-system-common)\n");
		vmc_config_free(cfg);
		skip();
	}
	assert_int_equal(vmc_config_add_share(cfg, dir, "data", 1), 0);
	assert_int_equal(backend_chv_ops.validate(cfg), 0);
	assert_int_equal(backend_chv_ops.prepare(&vm, cfg, &launch), 0);
	snprintf(want, sizeof(want), "tag=data,socket=%s/virtiofs-0.sock", dir);
	for (int i = 0; launch.argv[i]; i++) {
		if (!strcmp(launch.argv[i], "--fs"))
			fs = !strcmp(launch.argv[i + 1], want);
		if (!strcmp(launch.argv[i], "--memory"))
			mem = !strcmp(launch.argv[i + 1], "size=512M,shared=on");
	}
	assert_true(fs);
	assert_true(mem); /* set for the user: vhost-user needs shared memory */
	/* the shim starts virtiofsd on the bound socket, on a read-only view */
	assert_int_equal(launch.n_sidecars, 1);
	assert_true(launch.sidecars[0].listen_fd >= 0);
	assert_string_equal(launch.sidecars[0].ro_path, dir);
	backend_chv_ops.free(vm);
	vmc_config_free(cfg);
}

static void chv_argv__missing_tap_refused(void **state)
{
	struct vmc_config *cfg = base_config();

	(void)state;
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, "vmcnotap0", NULL, NULL, NULL), 0);
	expect_refused(cfg, VMC_ENOTFOUND, "no TAP device 'vmcnotap0'");
}

static void chv_argv__tap_nic_as_fd(void **state)
{
	struct vmc_config *cfg = base_config();
	struct backend_launch launch = { .vm_dir = dir };
	struct backend_vm *vm = NULL;
	char name[IFNAMSIZ], why[128];
	int net = 0;

	(void)state;
	snprintf(name, sizeof(name), "vmcargv%d", (int)getpid() % 100000);
	if (persistent_tap(name, 1, why, sizeof(why)) < 0) {
		print_message("skipped: cannot make a TAP device here (%s)\n", why);
		vmc_config_free(cfg);
		skip();
	}
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_TAP, name, "52:54:00:12:34:56", NULL,
					    NULL), 0);
	assert_int_equal(backend_chv_ops.validate(cfg), 0);
	assert_int_equal(backend_chv_ops.prepare(&vm, cfg, &launch), 0);
	for (int i = 0; launch.argv[i]; i++)
		if (!strcmp(launch.argv[i], "--net"))
			net = !strcmp(launch.argv[i + 1], "fd=5,mac=52:54:00:12:34:56");
	assert_true(net);
	/* the shim opened the TAP: CH inherits it as fd 5 */
	assert_int_equal(launch.n_pass_fds, 3);
	assert_int_equal(launch.pass_to[2], 5);
	assert_true(fcntl(launch.pass_fds[2], F_GETFD) & FD_CLOEXEC);
	backend_chv_ops.free(vm);
	vmc_config_free(cfg);
	assert_int_equal(persistent_tap(name, 0, why, sizeof(why)), 0);
}

static void chv_argv__tcg_refused(void **state)
{
	struct vmc_config *cfg = base_config();

	(void)state;
	assert_int_equal(vmc_config_set_accel(cfg, VMC_ACCEL_TCG), 0);
	expect_refused(cfg, VMC_EUNSUPPORTED, "KVM only");
}

static void chv_argv__old_version_refused(void **state)
{
	(void)state;
	fake_binary("cloud-hypervisor v48.0.0");
	expect_refused(base_config(), VMC_EUNSUPPORTED, "v48.0 is older than v53.0, the oldest vmc supports");
	fake_binary("something else");
	expect_refused(base_config(), VMC_EPROTO, "--version");
}

static void chv_argv__hanging_binary_times_out(void **state)
{
	static const char script[] = "#!/bin/sh\necho 'cloud-hypervisor v53.0'\n"
				     "exec sleep 30 >/dev/null\n";
	const char *p = in_dir(7, "hangs");
	int ma, mi;

	(void)state;
	write_file(p, script, strlen(script), 0755);
	/* stdout closed but still running: killed at the deadline */
	assert_int_equal(chv_version_check(p, 300, &ma, &mi), VMC_ETIMEOUT);
	assert_non_null(strstr(vmc_error_last(), "did not exit in time"));
}

static void chv_argv__missing_binary_refused(void **state)
{
	(void)state;
	setenv("VMC_CHV_BINARY", "/nonexistent/cloud-hypervisor", 1);
	expect_refused(base_config(), VMC_ENOTFOUND, "VMC_CHV_BINARY");
}

static void chv_argv__version_parse(void **state)
{
	int ma = 0, mi = 0;

	(void)state;
	assert_int_equal(chv_version_parse("cloud-hypervisor v53.0\n", &ma, &mi), 0);
	assert_int_equal(ma, 53);
	assert_int_equal(mi, 0);
	assert_int_equal(chv_version_parse("cloud-hypervisor v53.0-246-gae44c297", &ma, &mi), 0);
	assert_int_equal(ma, 53);
	assert_int_equal(chv_version_parse("cloud-hypervisor 54.1.0", &ma, &mi), 0);
	assert_int_equal(ma, 54);
	assert_int_equal(mi, 1);
	assert_int_equal(chv_version_parse("cloud-hypervisor vX", &ma, &mi), VMC_EPROTO);
	assert_int_equal(chv_version_parse("qemu 7.2", &ma, &mi), VMC_EPROTO);
	assert_int_equal(chv_version_parse("cloud-hypervisor v99999999999", &ma, &mi), VMC_EPROTO);
}

static void chv_argv__double_version_accepted(void **state)
{
	const char *data = getenv("VMC_TEST_DATA");
	char dbl[512];
	int ma = 0, mi = 0;

	(void)state;
	if (!data) {
		print_message("skipped: VMC_TEST_DATA is not set\n");
		skip();
	}
	/* tests/unit/data -> tests/doubles/fake-cloud-hypervisor */
	snprintf(dbl, sizeof(dbl), "%s/../../doubles/fake-cloud-hypervisor", data);
	assert_int_equal(chv_version_check(dbl, 10000, &ma, &mi), 0);
	assert_int_equal(ma, CHV_MIN_MAJOR);
}

/* The double's own state rules, driven over its API (no vmc in between):
 * booted from the command line it is Running; after vm.shutdown the VMM
 * stays with the VM's config ("Created") and can vm.boot it again;
 * vmm.shutdown ends the process with status 0. */
static void chv_double__state_rules(void **state)
{
	const char *data = getenv("VMC_TEST_DATA");
	char dbl[512], api[600], apiarg[620], st[CHV_API_STATE_MAX];
	const char *argv[] = { dbl, "--api-socket", apiarg, "--serial", "null", "--console", "off",
			       "--kernel", "/dev/null", NULL };
	struct spawn_opts so;
	struct chv_client *c = NULL;
	pid_t pid;
	int status = -1, rc = VMC_ENOTFOUND;

	(void)state;
	if (!data) {
		print_message("skipped: VMC_TEST_DATA is not set\n");
		skip();
	}
	snprintf(dbl, sizeof(dbl), "%s/../../doubles/fake-cloud-hypervisor", data);
	snprintf(api, sizeof(api), "%s/api.sock", dir);
	snprintf(apiarg, sizeof(apiarg), "path=%s", api);
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = so.stdout_fd = so.stderr_fd = -1;
	so.death_signal = SIGKILL;
	assert_int_equal(spawn_process(&so, &pid), 0);
	assert_int_equal(chv_client_new(&c, api), 0);
	for (int i = 0; i < 100 && rc == VMC_ENOTFOUND; i++) { /* until it listens */
		rc = chv_api_vmm_ping(c, 5000, NULL);
		if (rc == VMC_ENOTFOUND)
			usleep(50 * 1000);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(chv_api_vm_info(c, 5000, st), 0);
	assert_string_equal(st, "Running");
	assert_int_equal(chv_api_vm_shutdown(c, 5000), 0);
	assert_int_equal(chv_api_vm_info(c, 5000, st), 0);
	assert_string_equal(st, "Created");
	assert_int_equal(kill(pid, 0), 0);
	/* a second vm.shutdown: no VM runs */
	assert_int_equal(chv_api_vm_shutdown(c, 5000), VMC_ERROR);
	assert_int_equal(chv_client_request(c, "PUT", "vm.boot", NULL, NULL, 0, 5000, NULL, NULL),
			 0);
	assert_int_equal(chv_api_vm_info(c, 5000, st), 0);
	assert_string_equal(st, "Running");
	assert_int_equal(chv_api_vmm_shutdown(c, 5000), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(access(api, F_OK), -1); /* removed on a clean exit */
	chv_client_free(c);
}

static void chv_argv__auto_picks_chv_when_found(void **state)
{
	struct vmc_config *cfg = NULL;
	const struct backend_ops *ops = NULL;
	char *old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	vmc_accel host_accel;

	(void)state;
	assert_int_equal(vmc_config_new(&cfg, "auto"), 0);
	/* accel auto: Cloud Hypervisor only where accel_resolve() picks KVM
	 * (not on a host without a usable /dev/kvm, nor a PVM host) */
	assert_int_equal(accel_resolve(VMC_ACCEL_AUTO, &host_accel, NULL, 0), 0);
	assert_int_equal(backend_for_config(&ops, cfg), 0);
	assert_string_equal(ops->name, host_accel == VMC_ACCEL_KVM ? "chv" : "qemu");
	assert_int_equal(vmc_config_set_accel(cfg, VMC_ACCEL_TCG), 0);
	assert_int_equal(backend_for_config(&ops, cfg), 0);
	assert_string_equal(ops->name, "qemu");         /* CH has no TCG */
	/* the rest as on a KVM host */
	assert_int_equal(vmc_config_set_accel(cfg, VMC_ACCEL_KVM), 0);
	assert_int_equal(backend_for_config(&ops, cfg), 0);
	assert_string_equal(ops->name, "chv");          /* VMC_CHV_BINARY is set */
	setenv("VMC_BACKEND", "qemu", 1);
	assert_int_equal(backend_for_config(&ops, cfg), 0);
	assert_string_equal(ops->name, "qemu");         /* an explicit choice wins */
	unsetenv("VMC_BACKEND");
	unsetenv("VMC_CHV_BINARY");
	setenv("PATH", "/nonexistent", 1);
	assert_int_equal(backend_for_config(&ops, cfg), 0);
	assert_string_equal(ops->name, "qemu");         /* no binary: QEMU */
	setenv("PATH", dir, 1);                          /* the fake is on PATH */
	assert_int_equal(backend_for_config(&ops, cfg), 0);
	assert_string_equal(ops->name, "chv");
	/* a config Cloud Hypervisor cannot run goes to QEMU even then */
	assert_int_equal(vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(backend_for_config(&ops, cfg), 0);
	assert_string_equal(ops->name, "qemu");
	if (old_path)
		setenv("PATH", old_path, 1);
	free(old_path);
	vmc_config_free(cfg);
}

/* ------------------------------------------------------------ events */

struct seen {
	char log[1024];
};

static void collect(const char *source, const char *event, json_t *props, void *payload)
{
	struct seen *s = payload;
	size_t len = strlen(s->log);

	snprintf(s->log + len, sizeof(s->log) - len, "%s:%s%s;", source, event, props ? "+" : "");
}

static void chv_event__stream_shapes(void **state)
{
	static const char pretty[] =
		"{\n  \"timestamp\": {\n    \"secs\": 0,\n    \"nanos\": 29228206\n  },\n"
		"  \"source\": \"vm\",\n  \"event\": \"booted\",\n  \"properties\": null\n}\n\n";
	static const char packed[] =
		"{\"source\":\"vm\",\"event\":\"paused\",\"properties\":null}"
		"{\"source\":\"vm\",\"event\":\"resumed\",\"properties\":null}\n"
		"{\"source\":\"vm\",\"event\":\"device-removed\",\"properties\":{\"id\":\"}{\\\"\"}}";
	struct chv_event_reader r;
	struct seen s = { "" };

	(void)state;
	chv_event_reader_init(&r, collect, &s);
	for (size_t i = 0; i < strlen(pretty); i++) /* byte by byte */
		assert_int_equal(chv_event_feed(&r, pretty + i, 1), 0);
	assert_int_equal(chv_event_feed(&r, packed, strlen(packed)), 0);
	assert_string_equal(s.log, "vm:booted;vm:paused;vm:resumed;vm:device-removed+;");
	assert_int_equal(chv_event_feed(&r, "\n\nnot json", 10), VMC_EPROTO);
	assert_int_equal(chv_event_feed(&r, "{}", 2), VMC_EPROTO); /* dead stays dead */
	chv_event_reader_fini(&r);

	chv_event_reader_init(&r, collect, &s);
	assert_int_equal(chv_event_feed(&r, "{\"event\":\"paused\"}", 18), VMC_EPROTO);
	chv_event_reader_fini(&r);
}

static void chv_event__map(void **state)
{
	(void)state;
	assert_int_equal(chv_event_map("vm", "paused"), BACKEND_EV_PAUSED);
	assert_int_equal(chv_event_map("vm", "resumed"), BACKEND_EV_RESUMED);
	assert_int_equal(chv_event_map("vm", "shutdown"), BACKEND_EV_SHUTDOWN);
	assert_int_equal(chv_event_map("vmm", "shutdown"), BACKEND_EV_SHUTDOWN);
	assert_int_equal(chv_event_map("vm", "rebooting"), BACKEND_EV_RESET);
	assert_int_equal(chv_event_map("guest", "panic"), BACKEND_EV_PANICKED);
	assert_int_equal(chv_event_map("vm", "booted"), -1);
	assert_int_equal(chv_event_map("virtio-device", "activated"), -1);
}

/* Answers one vmm.ping on a copy of the listening socket, as CH would. */
static void *ping_responder(void *arg)
{
	static const char body[] = "{\"build_version\":\"v53.0\",\"version\":\"53.0.0\",\"pid\":1}";
	int lfd = *(int *)arg, fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	char buf[1024], resp[256];

	if (fd < 0)
		return NULL;
	(void)!read(fd, buf, sizeof(buf));
	snprintf(resp, sizeof(resp), "HTTP/1.1 200 \r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(body), body);
	(void)!write(fd, resp, strlen(resp));
	close(fd);
	return NULL;
}

static void on_report(enum backend_event ev, const char *detail, void *p)
{
	struct seen *s = p;
	size_t len = strlen(s->log);

	snprintf(s->log + len, sizeof(s->log) - len, "%d:%s;", (int)ev, detail ? detail : "");
}

static void chv_event__attach_and_report(void **state)
{
	struct vmc_config *cfg = base_config();
	struct backend_launch launch = { .vm_dir = dir };
	struct backend_vm *vm = NULL;
	struct seen s = { "" };
	pthread_t t;
	int lfd, wfd;
	char want[128];
	static const char events[] =
		"{\n  \"timestamp\": {\"secs\": 1, \"nanos\": 2},\n  \"source\": \"vm\",\n"
		"  \"event\": \"paused\",\n  \"properties\": null\n}\n\n"
		"{\"timestamp\":{\"secs\":1,\"nanos\":3},\"source\":\"vm\",\"event\":\"booted\","
		"\"properties\":null}"
		"{\"source\":\"guest\",\"event\":\"panic\",\"properties\":{\"event\":\"crashloaded\"}}";

	(void)state;
	assert_int_equal(backend_chv_ops.prepare(&vm, cfg, &launch), 0);
	/* what CH inherits: the listener and the event pipe's write end */
	lfd = fcntl(launch.pass_fds[0], F_DUPFD_CLOEXEC, 10);
	wfd = fcntl(launch.pass_fds[1], F_DUPFD_CLOEXEC, 10);
	assert_int_equal(pthread_create(&t, NULL, ping_responder, &lfd), 0);
	assert_int_equal(backend_chv_ops.attach(vm, 0, 2000, on_report, &s), 0);
	pthread_join(t, NULL);
	assert_int_equal(write(wfd, events, strlen(events)), (ssize_t)strlen(events));
	assert_int_equal(backend_chv_ops.on_readable(vm), 0);
	snprintf(want, sizeof(want), "%d:paused;%d:crashloaded;", BACKEND_EV_PAUSED,
		 BACKEND_EV_PANICKED);
	assert_string_equal(s.log, want);
	close(wfd); /* the stream ends: vm.info is checked on a timer instead */
	assert_int_equal(backend_chv_ops.on_readable(vm), 0);
	assert_true(backend_chv_ops.fd(vm) >= 0); /* the same fd for the shim */
	close(lfd);
	backend_chv_ops.free(vm);
	vmc_config_free(cfg);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(chv_argv__representative_config),
		T(chv_argv__resize_head_room),
		T(chv_argv__vsock),
		T(chv_argv__restore_config_rewrite),
		T(chv_argv__path_with_quote_refused),
		T(chv_argv__bzimage_refused),
		T(chv_argv__elf_without_pvh_note_refused),
		T(chv_argv__user_nic_refused),
		T(chv_argv__share_without_virtiofsd_refused),
		T(chv_argv__share_through_virtiofsd),
		T(chv_argv__missing_tap_refused),
		T(chv_argv__tap_nic_as_fd),
		T(chv_argv__tcg_refused),
		T(chv_argv__old_version_refused),
		T(chv_argv__hanging_binary_times_out),
		T(chv_argv__missing_binary_refused),
		T(chv_argv__version_parse),
		T(chv_argv__double_version_accepted),
		T(chv_argv__auto_picks_chv_when_found),
		T(chv_double__state_rules),
		T(chv_event__stream_shapes),
		T(chv_event__map),
		T(chv_event__attach_and_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
