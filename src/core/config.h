/*
 * config.h - the inside of vmc_config, shared by the config builder
 * (config.c), its JSON form (config_json.c), the backends and the shim.
 * Only config.c and config_json.c change a config; everyone else reads it.
 */
#ifndef VMC_CORE_CONFIG_H
#define VMC_CORE_CONFIG_H

#include <stddef.h>
#include "vmc.h"

struct config_image;

#define VMC_MAC_STRLEN 18 /* "02:xx:xx:xx:xx:xx" + NUL */

struct vmc_disk {
	char *path;
	int read_only;
	vmc_disk_format format;
};

struct vmc_nic {
	vmc_nic_kind kind;
	char *tap;                  /* VMC_NIC_TAP: device name */
	char mac[VMC_MAC_STRLEN];   /* always set: given or derived */
	int mac_given;              /* 1 if the user chose it (kept in JSON) */
	char *addr;                 /* "a.b.c.d/len" or IPv6, NULL: default */
	char *gateway;              /* NULL: none / default */
	unsigned int queues;        /* bridge NICs: TAP queues; 0 means 1 */
};

struct vmc_share {
	char *host_path;
	char *tag;
	int read_only;
};

struct vmc_forward {
	vmc_proto proto;
	char *host_addr;            /* NULL: 127.0.0.1 and ::1 */
	unsigned int host_port;
	unsigned int guest_port;
	/* Set by the shim (net/forward_plan.c), never in JSON: the IPv4
	 * loopback port QEMU's hostfwd listens on for an IPv6 host_addr,
	 * which the shim relays to. 0: none. */
	unsigned int relay_port;
};

struct vmc_config {
	char name[VMC_NAME_MAX + 1];
	char ns[VMC_NAME_MAX + 1];
	char *kernel;
	char *initramfs;
	char *cmdline;
	char *serial_log;
	unsigned int cpus;
	unsigned int memory_mib;
	unsigned int max_cpus;       /* 0: cpus (no hotplug head room) */
	unsigned int max_memory_mib; /* 0: memory_mib */
	unsigned int vsock_cid;      /* 0: no vsock device */
	unsigned int boot_timeout_ms;
	vmc_backend backend;
	vmc_accel accel;
	char **exec_argv;           /* NULL-terminated, exec_argc entries */
	int exec_argc;
	struct vmc_disk disks[VMC_DEVICES_MAX];
	size_t n_disks;
	struct vmc_nic nics[VMC_DEVICES_MAX];
	size_t n_nics;
	struct vmc_share shares[VMC_DEVICES_MAX];
	size_t n_shares;
	struct vmc_forward forwards[VMC_DEVICES_MAX];
	size_t n_forwards;
	struct vmc_seed *cloud_init;   /* NULL: none; content only (image/seed_config.c) */
	struct config_image *image;    /* NULL: none (core/config_image.h) */
};

/* 1 if `s` is a valid VM or namespace name (VMC_NAME_MAX, charset). */
int config_name_valid(const char *s);
/* Stable, locally administered unicast MAC for NIC `index` of ns/name. */
void config_derive_mac(const char *ns, const char *name, unsigned int index,
		       char out[VMC_MAC_STRLEN]);
/* 1 if `mac` is "xx:xx:xx:xx:xx:xx" hex, unicast. */
int config_mac_valid(const char *mac);

#endif
