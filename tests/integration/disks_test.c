/*
 * disks_test.c - disks and cloud-init with real guests (issue 8): the
 * default guest boots with a qcow2 disk (made by qemu-img) and a
 * cloud-init seed, and its workload reads /sys/block/vd*: the qcow2 disk
 * shows its virtual size (so QEMU opened it as qcow2), the seed ISO is the
 * next disk and read-only, and the VM's seed.iso carries the label
 * "cidata" (blkid). The same through `vmc run --cloud-init --disk
 * PATH:qcow2`. `vmc ssh` is driven against a stand-in `ssh` on PATH that
 * prints its argv (the default guest has no sshd), which checks the key,
 * the published port and the seed's user. A qcow2 disk and the seed on the
 * chv backend (its test double, in its FAKE_CH_GUEST=qemu mode) reach the
 * guest the same way. The real
 * cloud-init boot is tests/integration/cloudinit_boot_test.c. Tools that are missing
 * (qemu-img, blkid) make their tests skip, saying why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/fsutil.h"
#include "core/spawn.h"
#include "harness.h"
#include "vmc.h"

static struct harness H;
static char tmp_dir[] = "/tmp/vmc-disks-it-XXXXXX";

#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK18mnIplWEtp0c/sWKFXdZaeQ/jroUlLZH0ziEuyd2v t"
#define PROBE                                                                              \
	"for d in /sys/block/vd*; do echo \"DISK ${d##*/} $(cat $d/size) ro=$(cat $d/ro)\"; " \
	"done; ls /dev/vd*"

#define NEED_GUEST()                                                \
	do {                                                        \
		if (!H.have_guest) {                                \
			print_message("skipped: %s\n", H.why_not); \
			skip();                                     \
		}                                                   \
	} while (0)

/* A fresh 64 MiB qcow2 image at `path` (0 ok, -1: qemu-img missing). */
static int make_qcow2(const char *path)
{
	const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", path, "64M", NULL };

	unlink(path);
	return harness_run(argv, NULL, 0, HARNESS_STDERR_INHERIT) == 0 ? 0 : -1;
}

static char *console_of(vmc_manager *mgr, const char *name)
{
	char *path = NULL, *text = NULL;
	size_t len;

	assert_int_equal(vmc_manager_console_path(mgr, name, &path), 0);
	assert_int_equal(fs_read_file(path, 1 << 20, &text, &len), 0);
	vmc_free(path);
	return text;
}

static void disks__qcow2_and_seed_in_guest(void **state)
{
	const char *probe[] = { "/bin/sh", "-c", PROBE, NULL };
	char qcow[512], iso[512], *console;
	vmc_manager *mgr = NULL;
	vmc_config *cfg;
	vmc_seed *seed = NULL;
	vmc_state st;
	int rc;

	(void)state;
	NEED_GUEST();
	snprintf(qcow, sizeof(qcow), "%s/data.qcow2", tmp_dir);
	if (make_qcow2(qcow) < 0) {
		print_message("skipped: qemu-img (qemu-utils) not installed\n");
		skip();
	}
	cfg = harness_config(&H, "ci-qcow", probe);
	assert_int_equal(vmc_config_add_disk_format(cfg, qcow, 0, VMC_DISK_QCOW2), 0);
	assert_int_equal(vmc_seed_new(&seed), 0);
	assert_int_equal(vmc_seed_add_user(seed, "alice", VMC_SEED_USER_SUDO), 0);
	assert_int_equal(vmc_seed_add_ssh_key(seed, "alice", KEY), 0);
	assert_int_equal(vmc_config_set_cloud_init(cfg, seed), 0);
	assert_int_equal(vmc_manager_open(&mgr, H.state_dir), 0);
	rc = vmc_manager_start(mgr, cfg);
	if (rc < 0)
		print_error("start: %s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	rc = vmc_manager_wait(mgr, "ci-qcow", VMC_STATE_STOPPED, BOOT_TIMEOUT_MS, &st);
	console = console_of(mgr, "ci-qcow");
	if (rc != 0 || st.exit_code != 0)
		print_error("state %s (%s), console:\n%s\n", vmc_state_name(st.kind), st.reason,
			    console);
	assert_int_equal(rc, 0);
	assert_int_equal(st.exit_code, 0);
	/* 64 MiB = 131072 sectors: the virtual size, so QEMU read it as qcow2 */
	assert_non_null(strstr(console, "DISK vda 131072 ro=0"));
	/* the seed ISO follows, read-only */
	assert_non_null(strstr(console, "DISK vdb "));
	assert_non_null(strstr(console, "ro=1"));
	assert_null(strstr(console, "DISK vdc"));
	assert_non_null(strstr(console, "/dev/vda"));
	assert_non_null(strstr(console, "/dev/vdb"));
	snprintf(iso, sizeof(iso), "%s/default/ci-qcow/seed.iso", H.state_dir);
	assert_true(fs_is_readable_file(iso));
	if (access("/usr/sbin/blkid", X_OK) == 0 || access("/sbin/blkid", X_OK) == 0) {
		const char *blkid[] = { "blkid", "-p", "-s", "LABEL", "-o", "value", "-t",
					"LABEL=cidata", iso, NULL };

		assert_int_equal(harness_run(blkid, NULL, 0, HARNESS_STDERR_INHERIT), 0);
	} else {
		print_message("blkid not installed: the seed's label is not checked\n");
	}
	free(console);
	assert_int_equal(vmc_manager_remove(mgr, "ci-qcow", 1), 0);
	assert_int_not_equal(access(iso, F_OK), 0); /* removed with the VM */
	vmc_seed_free(seed);
	vmc_config_free(cfg);
	vmc_manager_free(mgr);
}

static void disks__cli_cloud_init_qcow2(void **state)
{
	char qcow[512], disk[600], out[65536];
	const char *run[] = { "run", "--name", "ci-cli", "--accel", "tcg", "--kernel",
			      H.guest_kernel, "--initramfs", H.guest_initramfs, "--cloud-init",
			      "--user", "bob", "--disk", disk, "--", "/bin/sh", "-c", PROBE, NULL };
	const char *rm[] = { "rm", "ci-cli", NULL };

	(void)state;
	NEED_GUEST();
	snprintf(qcow, sizeof(qcow), "%s/cli.qcow2", tmp_dir);
	if (make_qcow2(qcow) < 0) {
		print_message("skipped: qemu-img (qemu-utils) not installed\n");
		skip();
	}
	snprintf(disk, sizeof(disk), "%s:ro:qcow2", qcow);
	assert_int_equal(harness_cli(&H, out, sizeof(out), run), 0);
	assert_non_null(strstr(out, "DISK vda 131072 ro=1"));
	assert_non_null(strstr(out, "DISK vdb "));
	assert_non_null(strstr(out, "/dev/vdb"));
	assert_int_equal(harness_cli(&H, NULL, 0, rm), 0);
}

/* `vmc ssh` runs `ssh` from PATH: a stand-in prints its argv. */
static void disks__ssh_runs_ssh_with_key_port_and_user(void **state)
{
	char bin[512], fake[600], path_env[4096], out[65536], key[600];
	const char *run[] = { "run", "-d", "--name", "ci-ssh", "--accel", "tcg", "--kernel",
			      H.guest_kernel, "--initramfs", H.guest_initramfs, "--cloud-init",
			      "--user", "carol", "--publish", "127.0.0.1:40222:22", NULL };
	const char *ssh[] = { "ssh", "ci-ssh", "--", "uname", "-a", NULL };
	const char *ssh_nopub[] = { "ssh", "ci-nopub", NULL };
	const char *nopub[] = { "run", "-d", "--name", "ci-nopub", "--accel", "tcg", "--kernel",
				H.guest_kernel, "--initramfs", H.guest_initramfs, "--net", "user",
				NULL };
	const char *rm[] = { "rm", "-f", "ci-ssh", "ci-nopub", NULL };
	static const char script[] = "#!/bin/sh\necho \"FAKE-SSH $*\"\n";
	const char *old_path = getenv("PATH");

	(void)state;
	NEED_GUEST();
	snprintf(bin, sizeof(bin), "%s/bin", tmp_dir);
	snprintf(fake, sizeof(fake), "%s/ssh", bin);
	assert_int_equal(fs_mkdir_p(bin, 0700), 0);
	assert_int_equal(fs_write_atomic(fake, script, strlen(script), 0755, 0), 0);
	snprintf(path_env, sizeof(path_env), "%s:%s", bin, old_path ? old_path : "/usr/bin:/bin");
	assert_int_equal(harness_cli(&H, out, sizeof(out), run), 0);
	assert_int_equal(harness_cli(&H, out, sizeof(out), nopub), 0);
	assert_int_equal(setenv("PATH", path_env, 1), 0);
	assert_int_equal(harness_cli(&H, out, sizeof(out), ssh), 0);
	snprintf(key, sizeof(key), "-i %s/id_ed25519 ", getenv("VMC_DATA_DIR"));
	assert_non_null(strstr(out, "FAKE-SSH "));
	assert_non_null(strstr(out, key));
	assert_non_null(strstr(out, "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"));
	assert_non_null(strstr(out, "-p 40222 -l carol -- 127.0.0.1 uname -a"));
	/* only user-mode networking and no port to 22: refused, nothing run */
	assert_int_equal(harness_cli(&H, out, sizeof(out), ssh_nopub), 1);
	assert_null(strstr(out, "FAKE-SSH"));
	assert_int_equal(setenv("PATH", old_path ? old_path : "/usr/bin:/bin", 1), 0);
	assert_int_equal(harness_cli(&H, NULL, 0, rm), 0);
}

static void disks__qcow2_and_seed_on_chv(void **state)
{
	const char *dbl = getenv("VMC_CHV_DOUBLE");
	const char *probe[] = { "/bin/sh", "-c", PROBE, NULL };
	char qcow[512], *console;
	vmc_manager *mgr = NULL;
	vmc_config *cfg = NULL;
	vmc_seed *seed = NULL;
	vmc_state st;
	int rc;

	(void)state;
	NEED_GUEST();
	if (!dbl || access(dbl, X_OK) != 0) {
		print_message("skipped: no Cloud Hypervisor test double (VMC_CHV_DOUBLE)\n");
		skip();
	}
	snprintf(qcow, sizeof(qcow), "%s/chv.qcow2", tmp_dir);
	if (make_qcow2(qcow) < 0) {
		print_message("skipped: qemu-img (qemu-utils) not installed\n");
		skip();
	}
	assert_int_equal(setenv("VMC_CHV_BINARY", dbl, 1), 0);
	/* the double's explicit real-guest mode: the disks must reach a guest */
	assert_int_equal(setenv("FAKE_CH_GUEST", "qemu", 1), 0);
	/* no NIC: Cloud Hypervisor has no user-mode network */
	assert_int_equal(vmc_config_new(&cfg, "ci-chv"), 0);
	assert_int_equal(vmc_config_set_kernel(cfg, H.guest_kernel), 0);
	assert_int_equal(vmc_config_set_initramfs(cfg, H.guest_initramfs), 0);
	assert_int_equal(vmc_config_set_exec(cfg, 3, probe), 0);
	assert_int_equal(vmc_config_set_backend(cfg, VMC_BACKEND_CHV), 0);
	assert_int_equal(vmc_config_set_accel(cfg, VMC_ACCEL_KVM), 0);
	assert_int_equal(vmc_config_add_disk_format(cfg, qcow, 0, VMC_DISK_QCOW2), 0);
	assert_int_equal(vmc_seed_new(&seed), 0);
	assert_int_equal(vmc_seed_add_user(seed, "alice", VMC_SEED_USER_SUDO), 0);
	assert_int_equal(vmc_config_set_cloud_init(cfg, seed), 0);
	assert_int_equal(vmc_manager_open(&mgr, H.state_dir), 0);
	rc = vmc_manager_start(mgr, cfg);
	if (rc < 0)
		print_error("start: %s\n", vmc_error_last());
	assert_int_equal(rc, 0);
	rc = vmc_manager_wait(mgr, "ci-chv", VMC_STATE_STOPPED, BOOT_TIMEOUT_MS, &st);
	console = console_of(mgr, "ci-chv");
	if (rc != 0 || st.exit_code != 0)
		print_error("state %s (%s), console:\n%s\n", vmc_state_name(st.kind), st.reason,
			    console);
	assert_int_equal(rc, 0);
	/* CH was told image_type=qcow2 (the double passes it on): the virtual
	 * size shows; the seed follows read-only */
	assert_non_null(strstr(console, "DISK vda 131072 ro=0"));
	assert_non_null(strstr(console, "DISK vdb "));
	assert_non_null(strstr(console, "ro=1"));
	free(console);
	unsetenv("VMC_CHV_BINARY");
	unsetenv("FAKE_CH_GUEST");
	assert_int_equal(vmc_manager_remove(mgr, "ci-chv", 1), 0);
	vmc_seed_free(seed);
	vmc_config_free(cfg);
	vmc_manager_free(mgr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(disks__qcow2_and_seed_in_guest),
		cmocka_unit_test(disks__cli_cloud_init_qcow2),
		cmocka_unit_test(disks__ssh_runs_ssh_with_key_port_and_user),
		cmocka_unit_test(disks__qcow2_and_seed_on_chv),
	};
	char data[600];
	int failed;

	if (harness_init(&H) < 0)
		fprintf(stderr, "integration tests will be skipped: %s\n", H.why_not);
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 1;
	}
	/* vmc's key pair goes here, not into the real data directory */
	snprintf(data, sizeof(data), "%s/data", tmp_dir);
	setenv("VMC_DATA_DIR", data, 1);
	failed = cmocka_run_group_tests_name("disks", tests, NULL, NULL);
	fs_remove_tree(tmp_dir);
	harness_fini(&H);
	return failed;
}
