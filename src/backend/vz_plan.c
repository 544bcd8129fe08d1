/*
 * vz_plan.c - builds the plan of Virtualization.framework objects for a
 * vmc_config (vz_plan.h), field by field: what VZ can do is converted,
 * what it cannot is refused with the reason and the alternative. Also
 * gets the switch NICs' sockets (socketpair ports), stores the machine identifier and maps
 * VZ states. Portable C: no Objective-C here (that is vz.c, macOS only).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/guest_cmdline.h"
#include "backend/launch_util.h"
#include "backend/vz_kernel.h"
#include "backend/vz_plan.h"
#include "core/config_image.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "image/seed_attach.h"
#include "net/port_client.h"

#define MIB (1024ULL * 1024)

/* ------------------------------------------------------------ fields */

/* Fields that have no VZ equivalent. */
static int check_unsupported(const struct vmc_config *cfg)
{
	if (cfg->accel == VMC_ACCEL_TCG)
		return vmc_error_set(VMC_EUNSUPPORTED, "accel tcg: Virtualization.framework runs "
				     "guests on Apple's hypervisor only; use --accel auto (or the "
				     "qemu backend for TCG)");
	if (cfg->accel == VMC_ACCEL_KVM)
		return vmc_error_set(VMC_EUNSUPPORTED, "accel kvm: KVM is Linux's; "
				     "Virtualization.framework uses Apple's hypervisor (--accel auto)");
	if (cfg->n_forwards > 0)
		return vmc_error_set(VMC_EUNSUPPORTED, "port forwards: Virtualization.framework's "
				     "NAT cannot forward host ports to the guest (and vmc-shim's own "
				     "forwarder is Linux-only in this build); reach the guest at its "
				     "NAT address");
	for (size_t i = 0; i < cfg->n_nics; i++)
		if (cfg->nics[i].kind == VMC_NIC_TAP)
			return vmc_error_set(VMC_EUNSUPPORTED, "nic %zu: TAP devices do not exist on "
					     "macOS; use a user-mode (NAT) or switch NIC", i);
		else if (cfg->nics[i].kind == VMC_NIC_BRIDGE)
			return vmc_error_set(VMC_EUNSUPPORTED, "nic %zu: bridge networks are Linux "
					     "host networks; use a user-mode (NAT) or switch NIC", i);
	for (size_t i = 0; i < cfg->n_disks; i++)
		if (cfg->disks[i].format != VMC_DISK_RAW)
			return vmc_error_set(VMC_EUNSUPPORTED, "disk '%s': Virtualization.framework "
					     "reads raw images only; convert it with "
					     "`qemu-img convert -O raw`", cfg->disks[i].path);
	return 0;
}

static int check_limits(const struct vmc_config *cfg, const struct vz_limits *l)
{
	uint64_t mem = (uint64_t)cfg->memory_mib * MIB;

	if (cfg->cpus < l->cpu_min || cfg->cpus > l->cpu_max)
		return vmc_error_set(VMC_EINVAL, "cpus %u: Virtualization.framework allows %u to %u "
				     "on this Mac", cfg->cpus, l->cpu_min, l->cpu_max);
	if (mem < l->mem_min || mem > l->mem_max)
		return vmc_error_set(VMC_EINVAL, "memory %u MiB: Virtualization.framework allows "
				     "%llu to %llu MiB on this Mac", cfg->memory_mib,
				     (unsigned long long)((l->mem_min + MIB - 1) / MIB),
				     (unsigned long long)(l->mem_max / MIB));
	return 0;
}

static int dup_str(char **out, const char *s)
{
	*out = strdup(s);
	return *out ? 0 : vmc_error_oom();
}

/* The kernel: a raw Image as is; a gzip one inflated into the cache
 * (validate only checks the header). */
static int plan_kernel(struct vz_plan *p, const struct vz_plan_input *in)
{
	const char *k = in->cfg->kernel;
	unsigned char head[VZ_ARM64_HEADER_LEN];
	ssize_t n;
	int fd, rc;

	rc = launch_check_file("kernel", k, 0);
	if (rc < 0)
		return rc;
	if (in->vm_dir)
		return vz_kernel_prepare(k, in->kernel_cache, VZ_KERNEL_MAX_BYTES, &p->kernel);
	fd = open(k, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "kernel '%s'", k);
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n < 0 || vz_kernel_detect(head, (size_t)n) == VZ_KERNEL_UNKNOWN)
		return vmc_error_set(VMC_EINVAL, "kernel '%s' is not an arm64 Linux Image (raw or "
				     "gzip): Virtualization.framework boots arm64 Images only", k);
	return dup_str(&p->kernel, k);
}

/* vmc-init's command line with VZ's console, and DHCP on NAT NICs with
 * no address (VZ's NAT hands out its own subnet, not QEMU's 10.0.2.0/24). */
static int plan_cmdline(struct vz_plan *p, const struct vmc_config *cfg)
{
	vmc_config *c = NULL;
	int rc;

	rc = vmc_config_dup(&c, cfg);
	if (rc < 0)
		return rc;
	if (!c->cmdline) {
		c->cmdline = strdup(VZ_CMDLINE_DEFAULT);
		if (!c->cmdline) {
			rc = vmc_error_oom();
			goto out;
		}
	}
	for (size_t i = 0; i < c->n_nics; i++) {
		if (c->nics[i].kind == VMC_NIC_USER && !c->nics[i].addr) {
			c->nics[i].addr = strdup("dhcp");
			if (!c->nics[i].addr) {
				rc = vmc_error_oom();
				goto out;
			}
			free(c->nics[i].gateway);
			c->nics[i].gateway = NULL;
		}
	}
	rc = guest_cmdline_build(c, NULL, &p->cmdline);
out:
	vmc_config_free(c);
	return rc;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char end;

	if (!config_mac_valid(s) ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6)
		return vmc_error_set(VMC_EINVAL, "invalid MAC address '%s'", s);
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)b[i];
	return 0;
}

/* The switch NIC's network directory and port name (its address). */
static int plan_switch_port(struct vz_nic_plan *np, const char *vm_dir, const struct vmc_nic *nic)
{
	char port[NETADDR_STRLEN], *state = NULL;
	int rc = netport_port_name(nic, port);

	if (rc == 0)
		rc = netport_state_dir_of_vm(vm_dir, &state);
	if (rc < 0)
		return rc;
	np->net_dir = netport_net_dir(state, nic->tap);
	np->port = strdup(port);
	free(state);
	return np->net_dir && np->port ? 0 : vmc_error_oom();
}

static int plan_nics(struct vz_plan *p, const struct vz_plan_input *in)
{
	const struct vmc_config *cfg = in->cfg;
	int rc;

	for (size_t i = 0; i < cfg->n_nics; i++) {
		const struct vmc_nic *nic = &cfg->nics[i];
		struct vz_nic_plan *np = &p->nics[p->n_nics++];

		/* the config's MAC: given, or derived from (namespace, name,
		 * index), so it is the same every boot */
		memcpy(np->mac_str, nic->mac, sizeof(np->mac_str));
		rc = parse_mac(nic->mac, np->mac);
		if (rc < 0)
			return vmc_error_prefix(rc, "nic %zu", i);
		if (nic->kind == VMC_NIC_USER) {
			np->attach = VZ_NIC_NAT;
			continue;
		}
		np->attach = VZ_NIC_FILE_HANDLE;
		if (!in->vm_dir)
			continue; /* the manager assigns the address (port name) at start */
		rc = plan_switch_port(np, in->vm_dir, nic);
		if (rc < 0)
			return vmc_error_prefix(rc, "nic %zu", i);
	}
	return 0;
}

static int plan_disks(struct vz_plan *p, const struct vz_plan_input *in)
{
	const struct vmc_config *cfg = in->cfg;
	int rc;

	if (cfg->image && in->vm_dir) {
		/* the manager's clone of the image disk, found by the guest by its
		 * serial (vmc.root=serial:vmc-root): blockDeviceIdentifier */
		struct vz_disk_plan *d = &p->disks[p->n_disks];

		d->path = fs_join(in->vm_dir, CONFIG_IMAGE_ROOT_FILE);
		d->identifier = strdup(CONFIG_IMAGE_ROOT_SERIAL);
		p->n_disks++;
		if (!d->path || !d->identifier)
			return vmc_error_oom();
	}
	for (size_t i = 0; i < cfg->n_disks; i++) {
		rc = launch_check_file("disk", cfg->disks[i].path, !cfg->disks[i].read_only);
		if (rc == 0)
			rc = dup_str(&p->disks[p->n_disks].path, cfg->disks[i].path);
		if (rc < 0)
			return rc;
		p->disks[p->n_disks++].read_only = cfg->disks[i].read_only;
	}
	if (cfg->cloud_init && in->vm_dir) {
		/* the seed the manager wrote: read-only, after the user's disks */
		p->disks[p->n_disks].path = fs_join(in->vm_dir, SEED_ATTACH_FILE);
		if (!p->disks[p->n_disks].path)
			return vmc_error_oom();
		p->disks[p->n_disks++].read_only = 1;
	}
	return 0;
}

static int plan_shares(struct vz_plan *p, const struct vmc_config *cfg)
{
	struct stat st;
	int rc;

	for (size_t i = 0; i < cfg->n_shares; i++) {
		const struct vmc_share *s = &cfg->shares[i];
		struct vz_share_plan *sp = &p->shares[p->n_shares];

		/* config_check_tag() already holds tags to 36 bytes; VZ's limit
		 * is restated here so a change there cannot slip past VZ */
		if (strlen(s->tag) > VZ_SHARE_TAG_MAX)
			return vmc_error_set(VMC_EINVAL, "share tag '%s': Virtualization.framework "
					     "allows at most %d bytes", s->tag, VZ_SHARE_TAG_MAX);
		if (stat(s->host_path, &st) < 0)
			return vmc_error_set_errno(errno == ENOENT ? VMC_ENOTFOUND : VMC_EIO, errno,
						   "share '%s'", s->host_path);
		if (!S_ISDIR(st.st_mode))
			return vmc_error_set(VMC_EINVAL, "share '%s' is not a directory",
					     s->host_path);
		rc = dup_str(&sp->host_path, s->host_path);
		if (rc == 0)
			rc = dup_str(&sp->tag, s->tag);
		if (rc < 0)
			return rc;
		sp->read_only = s->read_only;
		p->n_shares++;
	}
	return 0;
}

/* The machine identifier: a restore uses the snapshot's (VZ refuses a
 * saved state under another identity), a boot the VM directory's, which
 * is created on the VM's first start and reused after. */
static int plan_machine_id(struct vz_plan *p, const struct vz_plan_input *in)
{
	const char *dir = in->restore_dir ? in->restore_dir : in->vm_dir;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (!in->vm_dir)
		return 0;
	p->machine_id_path = fs_join(dir, VZ_MACHINE_ID_FILE);
	if (!p->machine_id_path)
		return vmc_error_oom();
	rc = fs_read_file(p->machine_id_path, VZ_MACHINE_ID_MAX, &data, &len);
	if (rc == VMC_ENOTFOUND && !in->restore_dir) {
		vmc_error_clear();
		p->machine_id_mode = VZ_MACHINE_ID_CREATE;
		return 0;
	}
	if (rc < 0)
		return vmc_error_prefix(rc, "machine identifier");
	if (len == 0) {
		free(data);
		return vmc_error_set(VMC_EINVAL, "machine identifier '%s' is empty",
				     p->machine_id_path);
	}
	p->machine_id = (unsigned char *)data;
	p->machine_id_len = len;
	p->machine_id_mode = VZ_MACHINE_ID_LOAD;
	return 0;
}

int vz_plan_build(struct vz_plan *out, const struct vz_plan_input *in)
{
	const struct vmc_config *cfg = in->cfg;
	int rc;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < VMC_DEVICES_MAX; i++)
		out->nics[i].fd = -1;
	rc = check_unsupported(cfg);
	if (rc == 0)
		rc = check_limits(cfg, &in->limits);
	if (rc < 0)
		return rc;
	out->cpus = cfg->cpus;
	out->memory_bytes = (uint64_t)cfg->memory_mib * MIB;
	out->console = out->entropy = out->balloon = out->vsock = 1;
	rc = plan_kernel(out, in);
	if (rc == 0 && cfg->initramfs) {
		rc = launch_check_file("initramfs", cfg->initramfs, 0);
		if (rc == 0)
			rc = dup_str(&out->initramfs, cfg->initramfs);
	}
	if (rc == 0)
		rc = plan_cmdline(out, cfg);
	if (rc == 0)
		rc = plan_disks(out, in);
	if (rc == 0)
		rc = plan_nics(out, in);
	if (rc == 0)
		rc = plan_shares(out, cfg);
	if (rc == 0)
		rc = plan_machine_id(out, in);
	if (rc == 0 && in->restore_dir && in->vm_dir) {
		out->restore_path = fs_join(in->restore_dir, VZ_SAVE_FILE);
		if (!out->restore_path)
			rc = vmc_error_oom();
		else if (!fs_is_readable_file(out->restore_path))
			rc = vmc_error_set(VMC_ENOTFOUND, "snapshot '%s' has no readable %s",
					   in->restore_dir, VZ_SAVE_FILE);
	}
	return rc;
}

void vz_plan_free(struct vz_plan *p)
{
	if (!p)
		return;
	free(p->kernel);
	free(p->initramfs);
	free(p->cmdline);
	for (size_t i = 0; i < p->n_disks; i++) {
		free(p->disks[i].path);
		free(p->disks[i].identifier);
	}
	for (size_t i = 0; i < p->n_nics; i++) {
		free(p->nics[i].net_dir);
		free(p->nics[i].port);
		if (p->nics[i].fd >= 0)
			close(p->nics[i].fd);
	}
	for (size_t i = 0; i < p->n_shares; i++) {
		free(p->shares[i].host_path);
		free(p->shares[i].tag);
	}
	free(p->machine_id_path);
	free(p->machine_id);
	free(p->restore_path);
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < VMC_DEVICES_MAX; i++)
		p->nics[i].fd = -1;
}

/* ------------------------------------------------------------ NIC sockets */

/* Removes np's port after a failure, keeping the failure's message. */
static int drop_port(struct vz_nic_plan *np, int rc)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", vmc_error_last());
	if (port_client_remove(np->net_dir, np->port) < 0)
		vmc_error_clear();
	return vmc_error_set(rc, "%s", msg);
}

static int open_nic(struct vz_nic_plan *np)
{
	int fd = -1, snd = VZ_NIC_SNDBUF, rcv = VZ_NIC_RCVBUF, rc;

	rc = port_client_add_socketpair(np->net_dir, np->port, &fd);
	if (rc < 0)
		return vmc_error_prefix(rc, "switch port '%s' in '%s'", np->port, np->net_dir);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "setsockopt SO_SNDBUF/SO_RCVBUF");
		close(fd);
		return drop_port(np, rc);
	}
	np->fd = fd;
	return 0;
}

int vz_plan_open_nics(struct vz_plan *p)
{
	int rc;

	for (size_t i = 0; i < p->n_nics; i++) {
		struct vz_nic_plan *np = &p->nics[i];

		if (np->attach != VZ_NIC_FILE_HANDLE)
			continue;
		if (!np->net_dir || !np->port) {
			rc = vmc_error_set(VMC_EINVAL, "nic %zu: no switch port (validate-only plan)", i);
			goto fail;
		}
		rc = open_nic(np);
		if (rc < 0) {
			rc = vmc_error_prefix(rc, "nic %zu", i);
			goto fail;
		}
	}
	return 0;
fail:
	for (size_t i = 0; i < p->n_nics; i++) {
		struct vz_nic_plan *np = &p->nics[i];

		if (np->fd < 0)
			continue;
		close(np->fd);
		np->fd = -1;
		rc = drop_port(np, rc);
	}
	return rc;
}

/* ------------------------------------------------------------ identity, states */

int vz_machine_id_save(const char *path, const void *data, size_t len)
{
	if (len == 0 || len > VZ_MACHINE_ID_MAX)
		return vmc_error_set(VMC_EINVAL, "machine identifier of %zu bytes (1 to %d allowed)",
				     len, VZ_MACHINE_ID_MAX);
	return fs_write_atomic(path, data, len, 0600, 1);
}

static const char *const vz_state_names[] = {
	"stopped", "running", "paused", "error", "starting",
	"pausing", "resuming", "stopping", "saving", "restoring",
};

const char *vz_state_name(long vz)
{
	if (vz < 0 || vz >= (long)(sizeof(vz_state_names) / sizeof(vz_state_names[0])))
		return "unknown";
	return vz_state_names[vz];
}

vmc_state_kind vz_state_map(long vz, int ready_seen, const char *error_text, char *reason,
			    size_t reason_len)
{
	if (reason_len)
		reason[0] = '\0';
	switch (vz) {
	case VZ_STATE_STOPPED:
		return VMC_STATE_STOPPED;
	case VZ_STATE_RUNNING:
	case VZ_STATE_PAUSING:
		return ready_seen ? VMC_STATE_READY : VMC_STATE_RUNNING;
	case VZ_STATE_PAUSED:
	case VZ_STATE_RESUMING:
	case VZ_STATE_SAVING:
		return VMC_STATE_PAUSED;
	case VZ_STATE_STARTING:
	case VZ_STATE_RESTORING:
		return VMC_STATE_STARTING;
	case VZ_STATE_STOPPING:
		return VMC_STATE_STOPPING;
	case VZ_STATE_ERROR:
		if (reason_len)
			snprintf(reason, reason_len, "Virtualization.framework: %s",
				 error_text && *error_text ? error_text : "unknown error");
		return VMC_STATE_FAILED;
	default:
		if (reason_len)
			snprintf(reason, reason_len, "unknown VZVirtualMachineState %ld", vz);
		return VMC_STATE_FAILED;
	}
}
