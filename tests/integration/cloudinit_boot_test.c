/*
 * cloudinit_boot_test.c - opt-in (VMC_TEST_CLOUDINIT_BOOT=1): a real
 * cloud-init consumes vmc's seed. make-cloudinit-disk builds (once, cached
 * in $VMC_TEST_CLOUDINIT_CACHE, default ~/.cache/vmc/cloudinit-disk) a
 * Debian 12 root disk with cloud-init and openssh-server; each run boots a
 * qcow2 overlay of it with its own kernel and initrd, `vmc run
 * --cloud-init --user tester --publish PORT:22`, waits for the ready line
 * the seed's last step prints (address 10.0.2.15 from network-config), and
 * logs in with `vmc ssh NAME -- true`, which only works if cloud-init made
 * the user and installed vmc's key. Under TCG the boot takes minutes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/fsutil.h"
#include "core/spawn.h"
#include "harness.h"
#include "vmc.h"

static struct harness H;
static char tmp_dir[] = "/tmp/vmc-cloudinit-it-XXXXXX";

static void cloudinit__real_boot_ready_and_ssh(void **state)
{
	const char *want = getenv("VMC_TEST_CLOUDINIT_BOOT"), *maker = getenv("VMC_MAKE_CLOUDINIT");
	const char *cache_env = getenv("VMC_TEST_CLOUDINIT_CACHE"), *home = getenv("HOME");
	char cache[1024], base[1100], overlay[600], disk[700], kernel[1100], initrd[1100];
	char publish[64], out[65536];
	vmc_manager *mgr = NULL;
	vmc_state st;
	int rc = -1, port = 40000 + (int)(getpid() % 2000);

	(void)state;
	if (!want || strcmp(want, "1") != 0) {
		print_message("skipped: opt-in, set VMC_TEST_CLOUDINIT_BOOT=1 (builds a Debian "
			      "root disk with debootstrap once, then boots it under TCG: minutes)\n");
		skip();
	}
	if (!H.have_guest) { /* the harness also checks for QEMU */
		print_message("skipped: %s\n", H.why_not);
		skip();
	}
	if (geteuid() != 0) {
		print_message("skipped: make-cloudinit-disk needs root (debootstrap)\n");
		skip();
	}
	if (cache_env && cache_env[0])
		snprintf(cache, sizeof(cache), "%s", cache_env);
	else
		snprintf(cache, sizeof(cache), "%s/.cache/vmc/cloudinit-disk", home ? home : "/root");
	{
		const char *mk[] = { maker, cache, NULL };

		assert_non_null(maker);
		assert_int_equal(harness_run(mk, NULL, 0, HARNESS_STDERR_INHERIT), 0);
	}
	snprintf(base, sizeof(base), "%s/root.qcow2", cache);
	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", cache);
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", cache);
	snprintf(overlay, sizeof(overlay), "%s/overlay.qcow2", tmp_dir);
	{
		const char *img[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2",
				      "-b", base, overlay, NULL };

		assert_int_equal(harness_run(img, NULL, 0, HARNESS_STDERR_INHERIT), 0);
	}
	snprintf(disk, sizeof(disk), "%s:qcow2", overlay);
	snprintf(publish, sizeof(publish), "127.0.0.1:%d:22", port);
	{
		const char *run[] = { "run", "-d", "--name", "ci-boot", "--accel", "tcg",
				      "--memory", "1024", "--cloud-init", "--user", "tester",
				      "--disk", disk, "--kernel", kernel, "--initramfs", initrd,
				      "--cmdline", "console=ttyS0 root=/dev/vda rw", "--net", "user",
				      "--publish", publish, "--boot-timeout", "900", NULL };

		assert_int_equal(harness_cli(&H, out, sizeof(out), run), 0);
	}
	assert_int_equal(vmc_manager_open(&mgr, H.state_dir), 0);
	rc = vmc_manager_wait(mgr, "ci-boot", VMC_STATE_READY, 900000, &st);
	if (rc != 0)
		print_error("not ready: %s (%s: %s)\n", vmc_error_last(), vmc_state_name(st.kind),
			    st.reason);
	assert_int_equal(rc, 0);
	assert_string_equal(st.ip[0], "10.0.2.15");
	print_message("cloud image ready in %lld ms\n", (long long)st.boot_ms);
	{
		const char *ssh[] = { "ssh", "ci-boot", "--", "true", NULL };
		const char *whoami[] = { "ssh", "ci-boot", "--", "id", "-un", NULL };

		/* sshd may still be starting when the ready line is out */
		for (int i = 0; i < 30; i++) {
			rc = harness_cli(&H, out, sizeof(out), ssh);
			if (rc == 0)
				break;
			harness_pause_ms(2000);
		}
		assert_int_equal(rc, 0);
		assert_int_equal(harness_cli(&H, out, sizeof(out), whoami), 0);
		assert_non_null(strstr(out, "tester"));
	}
	assert_int_equal(vmc_manager_remove(mgr, "ci-boot", 1), 0);
	vmc_manager_free(mgr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cloudinit__real_boot_ready_and_ssh),
	};
	char data[600];
	int failed;

	if (harness_init(&H) < 0)
		fprintf(stderr, "cloudinit_boot will be skipped: %s\n", H.why_not);
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(data, sizeof(data), "%s/data", tmp_dir);
	setenv("VMC_DATA_DIR", data, 1);
	failed = cmocka_run_group_tests_name("cloudinit_boot", tests, NULL, NULL);
	fs_remove_tree(tmp_dir);
	harness_fini(&H);
	return failed;
}
