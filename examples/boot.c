/*
 * boot.c - the README's C quick start: boot the default guest, wait for
 * READY, print its address and boot time, stop it and remove it.
 * Build: cc boot.c $(pkg-config --cflags --libs vmc)
 * Run:   ./boot /var/lib/vmc/guest/vmlinux /var/lib/vmc/guest/initramfs.cpio
 */
#include <stdio.h>
#include <vmc.h>

int main(int argc, char **argv)
{
	vmc_manager *mgr = NULL;
	vmc_config *cfg = NULL;
	vmc_stop_result how;
	vmc_state st;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s KERNEL INITRAMFS\n", argv[0]);
		return 2;
	}
	rc = vmc_config_new(&cfg, "example");
	if (rc == 0)
		rc = vmc_config_set_kernel(cfg, argv[1]);
	if (rc == 0)
		rc = vmc_config_set_initramfs(cfg, argv[2]);
	if (rc == 0) /* user-mode network: the guest gets 10.0.2.15 */
		rc = vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL);
	if (rc == 0)
		rc = vmc_manager_open(&mgr, NULL); /* the default state directory */
	if (rc == 0)
		rc = vmc_manager_start(mgr, cfg); /* returns once the hypervisor runs */
	if (rc < 0)
		goto out;
	rc = vmc_manager_wait(mgr, "example", VMC_STATE_READY, 60000, &st);
	if (rc == 0)
		printf("ready in %lld ms at %s\n", (long long)st.boot_ms, st.ip[0]);
	if (vmc_manager_stop(mgr, "example", 10000, &how) == 0)
		printf("stopped %s\n", how == VMC_STOP_GRACEFUL ? "gracefully" : "by force");
	vmc_manager_remove(mgr, "example", 1);
out:
	if (rc < 0)
		fprintf(stderr, "example: %s\n", vmc_error_last());
	vmc_config_free(cfg);
	vmc_manager_free(mgr);
	return rc < 0 ? 1 : 0;
}
