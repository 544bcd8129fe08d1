/*
 * config.c - the vmc_config builder: construction with defaults, deep copy,
 * and every validating setter and getter of include/vmc.h. The value checks
 * the setters use (names, MACs, paths, addresses) live in config_check.c.
 * A setter validates and allocates the new value before it touches the
 * config, so a failing call leaves the config exactly as it was. The JSON
 * form lives in config_json.c, which goes through these same setters.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/config.h"
#include "core/config_check.h"
#include "core/config_image.h"
#include "core/error.h"
#include "image/seed_config.h"

#define CONFIG_EXEC_ARGC_MAX 64
#define CONFIG_EXEC_TOTAL_MAX 4096

/* Sets an optional path field; NULL clears it. */
static int config_set_path(const char *field, char **slot, const char *path)
{
	char *p = NULL;
	int rc;

	if (path) {
		rc = config_check_abs_path(field, path, &p);
		if (rc < 0)
			return rc;
	}
	free(*slot);
	*slot = p;
	return 0;
}

static void config_clear(struct vmc_config *cfg)
{
	size_t i;
	int j;

	free(cfg->kernel);
	free(cfg->initramfs);
	free(cfg->cmdline);
	free(cfg->serial_log);
	for (j = 0; cfg->exec_argv && j < cfg->exec_argc; j++)
		free(cfg->exec_argv[j]);
	free(cfg->exec_argv);
	for (i = 0; i < cfg->n_disks; i++)
		free(cfg->disks[i].path);
	for (i = 0; i < cfg->n_nics; i++) {
		free(cfg->nics[i].tap);
		free(cfg->nics[i].addr);
		free(cfg->nics[i].gateway);
	}
	for (i = 0; i < cfg->n_shares; i++) {
		free(cfg->shares[i].host_path);
		free(cfg->shares[i].tag);
	}
	for (i = 0; i < cfg->n_forwards; i++)
		free(cfg->forwards[i].host_addr);
	vmc_seed_free(cfg->cloud_init);
	config_image_free(cfg->image);
}

void vmc_config_free(vmc_config *cfg)
{
	if (!cfg)
		return;
	config_clear(cfg);
	free(cfg);
}

static int config_name_error(const char *field, const char *s)
{
	if (!s)
		return vmc_error_set(VMC_EINVAL, "invalid %s: missing", field);
	return vmc_error_set(VMC_EINVAL,
			     "invalid %s '%.*s': must be 1..%d characters of [A-Za-z0-9_.-] "
			     "starting with a letter or digit",
			     field, CONFIG_SHOW, s, VMC_NAME_MAX);
}

int vmc_config_new(vmc_config **out, const char *name)
{
	struct vmc_config *cfg;

	if (!out)
		return vmc_error_set(VMC_EINVAL, "invalid argument: out is NULL");
	if (!config_name_valid(name))
		return config_name_error("name", name);
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return vmc_error_oom();
	memcpy(cfg->name, name, strlen(name) + 1);
	memcpy(cfg->ns, "default", sizeof("default"));
	cfg->cpus = 1;
	cfg->memory_mib = 256;
	cfg->backend = VMC_BACKEND_AUTO;
	cfg->accel = VMC_ACCEL_AUTO;
	*out = cfg;
	return 0;
}

static int config_strdup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -1;
}

int vmc_config_dup(vmc_config **out, const vmc_config *src)
{
	struct vmc_config *cfg = NULL;
	int rc = VMC_ENOMEM, fail = 0;
	size_t i;
	int j;

	if (!out || !src)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return vmc_error_oom();
	/* Copy the scalars and the fixed arrays, then replace every pointer
	 * with its own copy (NULL first, so a failure frees only copies). */
	*cfg = *src;
	cfg->kernel = cfg->initramfs = cfg->cmdline = cfg->serial_log = NULL;
	cfg->exec_argv = NULL;
	cfg->exec_argc = 0;
	for (i = 0; i < cfg->n_disks; i++)
		cfg->disks[i].path = NULL;
	for (i = 0; i < cfg->n_nics; i++)
		cfg->nics[i].tap = cfg->nics[i].addr = cfg->nics[i].gateway = NULL;
	for (i = 0; i < cfg->n_shares; i++)
		cfg->shares[i].host_path = cfg->shares[i].tag = NULL;
	for (i = 0; i < cfg->n_forwards; i++)
		cfg->forwards[i].host_addr = NULL;
	cfg->cloud_init = NULL;
	cfg->image = NULL;

	fail |= config_strdup_opt(src->kernel, &cfg->kernel);
	fail |= config_strdup_opt(src->initramfs, &cfg->initramfs);
	fail |= config_strdup_opt(src->cmdline, &cfg->cmdline);
	fail |= config_strdup_opt(src->serial_log, &cfg->serial_log);
	if (src->exec_argv && src->exec_argc > 0) {
		cfg->exec_argv = calloc((size_t)src->exec_argc + 1, sizeof(char *));
		if (!cfg->exec_argv) {
			fail = 1;
		} else {
			cfg->exec_argc = src->exec_argc;
			for (j = 0; j < src->exec_argc; j++)
				fail |= config_strdup_opt(src->exec_argv[j], &cfg->exec_argv[j]);
		}
	}
	for (i = 0; i < src->n_disks; i++)
		fail |= config_strdup_opt(src->disks[i].path, &cfg->disks[i].path);
	for (i = 0; i < src->n_nics; i++) {
		fail |= config_strdup_opt(src->nics[i].tap, &cfg->nics[i].tap);
		fail |= config_strdup_opt(src->nics[i].addr, &cfg->nics[i].addr);
		fail |= config_strdup_opt(src->nics[i].gateway, &cfg->nics[i].gateway);
	}
	for (i = 0; i < src->n_shares; i++) {
		fail |= config_strdup_opt(src->shares[i].host_path, &cfg->shares[i].host_path);
		fail |= config_strdup_opt(src->shares[i].tag, &cfg->shares[i].tag);
	}
	for (i = 0; i < src->n_forwards; i++)
		fail |= config_strdup_opt(src->forwards[i].host_addr, &cfg->forwards[i].host_addr);
	if (src->cloud_init && seed_copy_content(&cfg->cloud_init, src->cloud_init) < 0)
		fail = 1;
	if (src->image && config_image_dup(&cfg->image, src->image) < 0)
		fail = 1;
	if (fail) {
		rc = vmc_error_oom();
		goto out;
	}
	*out = cfg;
	cfg = NULL;
	rc = 0;
out:
	vmc_config_free(cfg);
	return rc;
}

/* Derived MACs follow the name: re-derive them when ns or name change. */
static void config_rederive_macs(struct vmc_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_nics; i++)
		if (!cfg->nics[i].mac_given)
			config_derive_mac(cfg->ns, cfg->name, (unsigned int)i, cfg->nics[i].mac);
}

int vmc_config_set_name(vmc_config *cfg, const char *name)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (!config_name_valid(name))
		return config_name_error("name", name);
	memcpy(cfg->name, name, strlen(name) + 1);
	config_rederive_macs(cfg);
	return 0;
}

int vmc_config_set_namespace(vmc_config *cfg, const char *ns)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (!config_name_valid(ns))
		return config_name_error("namespace", ns);
	memcpy(cfg->ns, ns, strlen(ns) + 1);
	config_rederive_macs(cfg);
	return 0;
}

int vmc_config_set_kernel(vmc_config *cfg, const char *path)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	return config_set_path("kernel", &cfg->kernel, path);
}

int vmc_config_set_initramfs(vmc_config *cfg, const char *path)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	return config_set_path("initramfs", &cfg->initramfs, path);
}

int vmc_config_set_serial_log(vmc_config *cfg, const char *path)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	return config_set_path("serial_log", &cfg->serial_log, path);
}

int vmc_config_set_cmdline(vmc_config *cfg, const char *cmdline)
{
	char *p = NULL;
	size_t i, len;

	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (cmdline) {
		len = strnlen(cmdline, VMC_CMDLINE_MAX + 1);
		if (len > VMC_CMDLINE_MAX)
			return vmc_error_set(VMC_EINVAL, "invalid cmdline: longer than %d bytes",
					     VMC_CMDLINE_MAX);
		for (i = 0; i < len; i++) {
			unsigned char c = (unsigned char)cmdline[i];

			if (c < 0x20 || c > 0x7e)
				return vmc_error_set(VMC_EINVAL,
						     "invalid cmdline: byte 0x%02x at offset %zu is "
						     "not printable ascii",
						     c, i);
		}
		p = strdup(cmdline);
		if (!p)
			return vmc_error_oom();
	}
	free(cfg->cmdline);
	cfg->cmdline = p;
	return 0;
}

int vmc_config_set_cpus(vmc_config *cfg, unsigned int cpus)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (cpus < 1 || cpus > VMC_CPUS_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid cpus %u: must be 1..%d", cpus,
				     VMC_CPUS_MAX);
	cfg->cpus = cpus;
	return 0;
}

int vmc_config_set_memory_mib(vmc_config *cfg, unsigned int mib)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (mib < VMC_MEMORY_MIB_MIN || mib > VMC_MEMORY_MIB_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid memory_mib %u: must be %d..%d", mib,
				     VMC_MEMORY_MIB_MIN, VMC_MEMORY_MIB_MAX);
	cfg->memory_mib = mib;
	return 0;
}

int vmc_config_set_max_cpus(vmc_config *cfg, unsigned int max_cpus)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (max_cpus > VMC_CPUS_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid max_cpus %u: must be 0..%d", max_cpus,
				     VMC_CPUS_MAX);
	cfg->max_cpus = max_cpus;
	return 0;
}

int vmc_config_set_max_memory_mib(vmc_config *cfg, unsigned int max_mib)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (max_mib != 0 && (max_mib < VMC_MEMORY_MIB_MIN || max_mib > VMC_MEMORY_MIB_MAX))
		return vmc_error_set(VMC_EINVAL, "invalid max_memory_mib %u: must be 0 or %d..%d",
				     max_mib, VMC_MEMORY_MIB_MIN, VMC_MEMORY_MIB_MAX);
	cfg->max_memory_mib = max_mib;
	return 0;
}

int vmc_config_set_vsock_cid(vmc_config *cfg, unsigned int cid)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	/* 0-2 are the hypervisor, local and host; 0xffffffff is "any" */
	if (cid != 0 && (cid < 3 || cid == 0xffffffffu))
		return vmc_error_set(VMC_EINVAL, "invalid vsock cid %u: must be 3..4294967294", cid);
	cfg->vsock_cid = cid;
	return 0;
}

unsigned int vmc_config_vsock_cid(const vmc_config *cfg)
{
	return cfg ? cfg->vsock_cid : 0;
}

unsigned int vmc_config_max_cpus(const vmc_config *cfg)
{
	return cfg ? cfg->max_cpus : 0;
}

unsigned int vmc_config_max_memory_mib(const vmc_config *cfg)
{
	return cfg ? cfg->max_memory_mib : 0;
}

int vmc_config_set_backend(vmc_config *cfg, vmc_backend backend)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	switch (backend) {
	case VMC_BACKEND_AUTO:
	case VMC_BACKEND_QEMU:
	case VMC_BACKEND_CHV:
	case VMC_BACKEND_VZ:
		cfg->backend = backend;
		return 0;
	}
	return vmc_error_set(VMC_EINVAL, "invalid backend %d: must be auto, qemu, chv or vz",
			     (int)backend);
}

int vmc_config_set_accel(vmc_config *cfg, vmc_accel accel)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	switch (accel) {
	case VMC_ACCEL_AUTO:
	case VMC_ACCEL_KVM:
	case VMC_ACCEL_TCG:
		cfg->accel = accel;
		return 0;
	}
	return vmc_error_set(VMC_EINVAL, "invalid accel %d: must be auto, kvm or tcg", (int)accel);
}

int vmc_config_set_boot_timeout_ms(vmc_config *cfg, unsigned int ms)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	cfg->boot_timeout_ms = ms;
	return 0;
}

static void config_free_argv(char **argv)
{
	size_t i;

	for (i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

int vmc_config_set_exec(vmc_config *cfg, int argc, const char *const *argv)
{
	char **copy = NULL;
	size_t total = 0;
	int i;

	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (argc < 0 || argc > CONFIG_EXEC_ARGC_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid exec argc %d: must be 0..%d", argc,
				     CONFIG_EXEC_ARGC_MAX);
	if (argc > 0 && !argv)
		return vmc_error_set(VMC_EINVAL, "invalid exec: argv is NULL");
	for (i = 0; i < argc; i++) {
		size_t len;

		if (!argv[i])
			return vmc_error_set(VMC_EINVAL, "invalid exec: argv[%d] is NULL", i);
		len = strnlen(argv[i], CONFIG_EXEC_TOTAL_MAX + 1);
		if (i == 0 && len == 0)
			return vmc_error_set(VMC_EINVAL, "invalid exec: argv[0] is empty");
		if (len <= CONFIG_EXEC_TOTAL_MAX && !config_check_utf8(argv[i]))
			return vmc_error_set(VMC_EINVAL, "invalid exec: argv[%d] is not valid utf-8",
					     i);
		total += len;
		if (total > CONFIG_EXEC_TOTAL_MAX)
			return vmc_error_set(VMC_EINVAL,
					     "invalid exec: arguments longer than %d bytes in total",
					     CONFIG_EXEC_TOTAL_MAX);
	}
	if (argc > 0) {
		copy = calloc((size_t)argc + 1, sizeof(char *));
		if (!copy)
			return vmc_error_oom();
		for (i = 0; i < argc; i++) {
			copy[i] = strdup(argv[i]);
			if (!copy[i]) {
				config_free_argv(copy);
				return vmc_error_oom();
			}
		}
	}
	config_free_argv(cfg->exec_argv);
	cfg->exec_argv = copy;
	cfg->exec_argc = argc;
	return 0;
}

int vmc_config_add_disk(vmc_config *cfg, const char *path, int read_only)
{
	return vmc_config_add_disk_format(cfg, path, read_only, VMC_DISK_RAW);
}

int vmc_config_add_disk_format(vmc_config *cfg, const char *path, int read_only,
			       vmc_disk_format format)
{
	char *p = NULL;
	size_t i;
	int rc;

	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (cfg->n_disks >= VMC_DEVICES_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid disk: at most %d disks", VMC_DEVICES_MAX);
	if (format != VMC_DISK_RAW && format != VMC_DISK_QCOW2)
		return vmc_error_set(VMC_EINVAL, "invalid disk format %d: must be raw or qcow2",
				     (int)format);
	rc = config_check_abs_path("disk", path, &p);
	if (rc < 0)
		return rc;
	for (i = 0; i < cfg->n_disks; i++) {
		if (strcmp(cfg->disks[i].path, p) == 0) {
			rc = vmc_error_set(VMC_EINVAL, "invalid disk '%.*s': already added",
					   CONFIG_SHOW, p);
			free(p);
			return rc;
		}
	}
	cfg->disks[cfg->n_disks].path = p;
	cfg->disks[cfg->n_disks].read_only = read_only ? 1 : 0;
	cfg->disks[cfg->n_disks].format = format;
	cfg->n_disks++;
	return 0;
}

static int config_nic_check(vmc_nic_kind kind, const char *tap, const char *mac,
			    const char *addr, const char *gateway);

/* A switch NIC: `net` names the network; addr IPv4 (or NULL: assigned at
 * start); the rest as for the other kinds. */
static int config_switch_nic_check(const char *net, const char *mac, const char *addr,
				   const char *gateway)
{
	int af = 0;

	if (!net || !config_name_valid(net))
		return vmc_error_set(VMC_EINVAL, "invalid nic network '%.*s': must be a network name",
				     CONFIG_SHOW, net ? net : "");
	if (addr && (!config_check_cidr(addr, &af) || af != AF_INET))
		return vmc_error_set(VMC_EINVAL, "invalid nic addr '%.*s': a switch or bridge "
				     "nic takes ipv4/prefix", CONFIG_SHOW, addr);
	return config_nic_check(VMC_NIC_USER, NULL, mac, addr, gateway);
}

static int config_nic_check(vmc_nic_kind kind, const char *tap, const char *mac,
			    const char *addr, const char *gateway)
{
	int af_addr = 0, af_gw = 0;

	if (kind == VMC_NIC_SWITCH || kind == VMC_NIC_BRIDGE)
		return config_switch_nic_check(tap, mac, addr, gateway);
	if (kind != VMC_NIC_USER && kind != VMC_NIC_TAP)
		return vmc_error_set(VMC_EINVAL, "invalid nic kind %d: must be user, tap, switch or bridge",
				     (int)kind);
	if (kind == VMC_NIC_TAP && !tap)
		return vmc_error_set(VMC_EINVAL, "invalid nic tap: required for a tap nic");
	if (kind == VMC_NIC_TAP && !config_check_tap(tap))
		return vmc_error_set(VMC_EINVAL,
				     "invalid nic tap '%.*s': must be 1..%d characters of "
				     "[A-Za-z0-9_.-]",
				     CONFIG_SHOW, tap, CONFIG_TAP_MAX);
	if (kind == VMC_NIC_USER && tap)
		return vmc_error_set(VMC_EINVAL, "invalid nic tap '%.*s': a user nic takes no tap",
				     CONFIG_SHOW, tap);
	if (mac && !config_mac_valid(mac))
		return vmc_error_set(VMC_EINVAL,
				     "invalid nic mac '%.*s': must be xx:xx:xx:xx:xx:xx, unicast",
				     CONFIG_SHOW, mac);
	if (addr && !config_check_cidr(addr, &af_addr))
		return vmc_error_set(VMC_EINVAL,
				     "invalid nic addr '%.*s': must be ipv4/0..32 or ipv6/0..128",
				     CONFIG_SHOW, addr);
	if (gateway) {
		if (!config_check_ip_family(gateway, &af_gw))
			return vmc_error_set(VMC_EINVAL,
					     "invalid nic gateway '%.*s': not an ip address",
					     CONFIG_SHOW, gateway);
		if (!addr)
			return vmc_error_set(VMC_EINVAL,
					     "invalid nic gateway '%.*s': needs an addr", CONFIG_SHOW,
					     gateway);
		if (af_gw != af_addr)
			return vmc_error_set(VMC_EINVAL,
					     "invalid nic gateway '%.*s': not the family of addr",
					     CONFIG_SHOW, gateway);
	}
	return 0;
}

int vmc_config_add_nic(vmc_config *cfg, vmc_nic_kind kind, const char *tap_name,
		       const char *mac, const char *guest_addr, const char *gateway)
{
	struct vmc_nic nic;
	int rc;

	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (cfg->n_nics >= VMC_DEVICES_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid nic: at most %d nics", VMC_DEVICES_MAX);
	rc = config_nic_check(kind, tap_name, mac, guest_addr, gateway);
	if (rc < 0)
		return rc;
	memset(&nic, 0, sizeof(nic));
	nic.kind = kind;
	if (config_strdup_opt(tap_name, &nic.tap) || config_strdup_opt(guest_addr, &nic.addr) ||
	    config_strdup_opt(gateway, &nic.gateway)) {
		free(nic.tap);
		free(nic.addr);
		free(nic.gateway);
		return vmc_error_oom();
	}
	if (mac) {
		memcpy(nic.mac, mac, VMC_MAC_STRLEN);
		nic.mac_given = 1;
	} else {
		config_derive_mac(cfg->ns, cfg->name, (unsigned int)cfg->n_nics, nic.mac);
	}
	cfg->nics[cfg->n_nics++] = nic;
	return 0;
}

int vmc_config_set_nic_queues(vmc_config *cfg, size_t index, unsigned int queues)
{
	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (index >= cfg->n_nics)
		return vmc_error_set(VMC_EINVAL, "invalid nic %zu: the config has %zu nics", index,
				     cfg->n_nics);
	if (cfg->nics[index].kind != VMC_NIC_BRIDGE)
		return vmc_error_set(VMC_EINVAL, "invalid nic queues: only a bridge nic has queues");
	if (queues < 1 || queues > VMC_NIC_QUEUES_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid nic queues %u: must be 1..%d", queues,
				     VMC_NIC_QUEUES_MAX);
	cfg->nics[index].queues = queues;
	return 0;
}

int vmc_config_add_share(vmc_config *cfg, const char *host_path, const char *tag,
			 int read_only)
{
	char *p = NULL, *t = NULL;
	size_t i;
	int rc;

	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (cfg->n_shares >= VMC_DEVICES_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid share: at most %d shares",
				     VMC_DEVICES_MAX);
	if (!config_check_tag(tag))
		return vmc_error_set(VMC_EINVAL,
				     "invalid share tag '%.*s': must be 1..%d characters of "
				     "[A-Za-z0-9_-]",
				     CONFIG_SHOW, tag ? tag : "", CONFIG_TAG_MAX);
	for (i = 0; i < cfg->n_shares; i++)
		if (strcmp(cfg->shares[i].tag, tag) == 0)
			return vmc_error_set(VMC_EINVAL, "invalid share tag '%s': already used",
					     tag);
	rc = config_check_abs_path("share host_path", host_path, &p);
	if (rc < 0)
		return rc;
	t = strdup(tag);
	if (!t) {
		free(p);
		return vmc_error_oom();
	}
	cfg->shares[cfg->n_shares].host_path = p;
	cfg->shares[cfg->n_shares].tag = t;
	cfg->shares[cfg->n_shares].read_only = read_only ? 1 : 0;
	cfg->n_shares++;
	return 0;
}

/* 1 if two forwards' host addresses share a socket address: the same
 * literal, or NULL (127.0.0.1 and ::1) against a loopback one. */
static int forward_addrs_overlap(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	int fa = AF_INET, fb = AF_INET;

	if (!a && !b)
		return 1;
	if (!a || !b) {
		const char *given = a ? a : b;
		return forward_addrs_overlap(given, "127.0.0.1") ||
		       forward_addrs_overlap(given, "::1");
	}
	if (!config_check_ip_family(a, &fa) || !config_check_ip_family(b, &fb) || fa != fb)
		return 0;
	if (inet_pton(fa, a, x) != 1 || inet_pton(fb, b, y) != 1)
		return 0;
	return !memcmp(x, y, fa == AF_INET ? 4 : 16);
}

int vmc_config_add_port_forward(vmc_config *cfg, vmc_proto proto, const char *host_addr,
				unsigned int host_port, unsigned int guest_port)
{
	const char *addr = host_addr ? host_addr : "127.0.0.1";
	char *copy = NULL;
	size_t i;
	int af;

	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (cfg->n_forwards >= VMC_DEVICES_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid forward: at most %d forwards",
				     VMC_DEVICES_MAX);
	if (proto != VMC_PROTO_TCP && proto != VMC_PROTO_UDP)
		return vmc_error_set(VMC_EINVAL, "invalid forward proto %d: must be tcp or udp",
				     (int)proto);
	if (!config_check_ip_family(addr, &af))
		return vmc_error_set(VMC_EINVAL,
				     "invalid forward host_addr '%.*s': not an ip address",
				     CONFIG_SHOW, addr);
	if (host_port < 1 || host_port > 65535)
		return vmc_error_set(VMC_EINVAL, "invalid forward host_port %u: must be 1..65535",
				     host_port);
	if (guest_port < 1 || guest_port > 65535)
		return vmc_error_set(VMC_EINVAL, "invalid forward guest_port %u: must be 1..65535",
				     guest_port);
	for (i = 0; i < cfg->n_forwards; i++) {
		const struct vmc_forward *f = &cfg->forwards[i];

		if (f->proto == proto && f->host_port == host_port &&
		    forward_addrs_overlap(f->host_addr, host_addr))
			return vmc_error_set(VMC_EINVAL,
					     "invalid forward %s %s:%u: host port already forwarded",
					     proto == VMC_PROTO_TCP ? "tcp" : "udp", addr, host_port);
	}
	if (config_strdup_opt(host_addr, &copy))
		return vmc_error_oom();
	cfg->forwards[cfg->n_forwards].proto = proto;
	cfg->forwards[cfg->n_forwards].host_addr = copy;
	cfg->forwards[cfg->n_forwards].host_port = host_port;
	cfg->forwards[cfg->n_forwards].guest_port = guest_port;
	cfg->n_forwards++;
	return 0;
}

const char *vmc_config_name(const vmc_config *cfg)
{
	return cfg ? cfg->name : NULL;
}

const char *vmc_config_namespace(const vmc_config *cfg)
{
	return cfg ? cfg->ns : NULL;
}

const char *vmc_config_kernel(const vmc_config *cfg)
{
	return cfg ? cfg->kernel : NULL;
}

const char *vmc_config_initramfs(const vmc_config *cfg)
{
	return cfg ? cfg->initramfs : NULL;
}

const char *vmc_config_cmdline(const vmc_config *cfg)
{
	return cfg ? cfg->cmdline : NULL;
}

unsigned int vmc_config_cpus(const vmc_config *cfg)
{
	return cfg ? cfg->cpus : 0;
}

unsigned int vmc_config_memory_mib(const vmc_config *cfg)
{
	return cfg ? cfg->memory_mib : 0;
}

vmc_backend vmc_config_backend(const vmc_config *cfg)
{
	return cfg ? cfg->backend : VMC_BACKEND_AUTO;
}

vmc_accel vmc_config_accel(const vmc_config *cfg)
{
	return cfg ? cfg->accel : VMC_ACCEL_AUTO;
}
