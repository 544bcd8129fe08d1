/*
 * seed_attach.c - turns the cloud_init seed of a vmc_config into the seed
 * ISO of one VM. Each VM creation gets a fresh instance-id, so cloud-init
 * runs its per-instance steps even on a reused disk. The network-config
 * follows the VM's NICs by MAC, taken from the config at start (derived
 * MACs depend on the final name): a user-mode NIC gets QEMU's fixed
 * 10.0.2.15/24 via 10.0.2.2 with DNS 10.0.2.3, any other NIC its
 * configured address and gateway, else DHCP. Entries the seed already
 * has for a MAC win. The ISO itself is written by seed_iso.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "image/seed.h"
#include "image/seed_attach.h"
#include "image/seed_config.h"

#define USER_NET_ADDR "10.0.2.15/24"
#define USER_NET_GATEWAY "10.0.2.2"
#define USER_NET_DNS "10.0.2.3"

static int add_config_nics(vmc_seed *s, const struct vmc_config *cfg)
{
	int rc, has_user = 0;
	size_t i;

	for (i = 0; i < cfg->n_nics; i++) {
		const struct vmc_nic *nic = &cfg->nics[i];
		const char *addr = nic->addr, *gw = nic->addr ? nic->gateway : NULL;

		if (nic->kind == VMC_NIC_USER) {
			has_user = 1;
			if (!addr) {
				addr = USER_NET_ADDR;
				gw = USER_NET_GATEWAY;
			}
		}
		rc = vmc_seed_add_nic(s, nic->mac, addr, gw);
		if (rc == VMC_EEXISTS) {
			vmc_error_clear(); /* the seed's own entry for this MAC wins */
			continue;
		}
		if (rc < 0)
			return rc;
	}
	if (has_user && s->n_dns == 0)
		return vmc_seed_add_dns(s, USER_NET_DNS);
	return 0;
}

int seed_attach_write(const char *vm_dir, const struct vmc_config *cfg)
{
	vmc_seed *s = NULL;
	char *path = NULL;
	int rc;

	if (!cfg->cloud_init)
		return 0;
	rc = seed_copy_content(&s, cfg->cloud_init);
	if (rc < 0)
		return rc;
	if (!s->hostname && vmc_seed_set_hostname(s, cfg->name) < 0)
		vmc_error_clear(); /* not every VM name is a host name */
	rc = add_config_nics(s, cfg);
	if (rc < 0)
		goto out;
	path = fs_join(vm_dir, SEED_ATTACH_FILE);
	if (!path) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = vmc_seed_write_iso(s, path);
out:
	if (rc < 0)
		rc = vmc_error_prefix(rc, "cloud-init seed");
	free(path);
	vmc_seed_free(s);
	return rc;
}
