/*
 * network_attach.c - VM NICs on switch networks: the address each one
 * holds and its port on the switch. An address is a file
 * <net>/addrs/<a.b.c.d> holding "ns/name index", created with O_EXCL, so
 * two VMs (started by any processes) never get the same one without a
 * lock. It is held from vmc_manager_start() until vmc_manager_remove(),
 * also while the VM is stopped; a file whose VM directory is gone (removed
 * by hand) is forgotten when it is next looked at. The port is added here
 * before the shim starts, since the manager knows the network and the
 * shim removes it when the VM ends (netport_detach_vm); removal does it
 * again in case the shim was killed. A VZ VM's port is the exception: it
 * is a socketpair port whose end only the shim can hold, so the shim
 * adds it (vz_plan_open_nics) and the manager only assigns its address.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend/backend.h"
#include "core/config.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/state.h"
#include "manager/manager.h"
#include "manager/network.h"
#include "manager/paths.h"
#include "net/port_client.h"

#define LEASE_MAX 256
#define LEASE_WRITE_GRACE_S 10 /* an unreadable lease older than this: its writer died */
#define NIC_ON_NETWORK(k) ((k) == VMC_NIC_SWITCH || (k) == VMC_NIC_BRIDGE)

struct lease {
	char ns[VMC_NAME_MAX + 1];
	char name[VMC_NAME_MAX + 1];
	unsigned index;
};

/* Reads addrs/<ip>: 1 if it exists and parses, 0 if not there. */
static int lease_read(const char *net_dir, const char *ip, struct lease *out)
{
	char path[4200], *text = NULL, *slash, *sp;
	int r = 0;

	snprintf(path, sizeof(path), "%s/addrs/%s", net_dir, ip);
	if (fs_read_file(path, LEASE_MAX, &text, NULL) < 0) {
		vmc_error_clear();
		return 0;
	}
	slash = strchr(text, '/');
	sp = slash ? strchr(slash, ' ') : NULL;
	if (slash && sp && (size_t)(slash - text) <= VMC_NAME_MAX &&
	    (size_t)(sp - slash - 1) <= VMC_NAME_MAX) {
		memcpy(out->ns, text, (size_t)(slash - text));
		out->ns[slash - text] = '\0';
		memcpy(out->name, slash + 1, (size_t)(sp - slash - 1));
		out->name[sp - slash - 1] = '\0';
		out->index = (unsigned)strtoul(sp + 1, NULL, 10);
		r = config_name_valid(out->ns) && config_name_valid(out->name);
	}
	free(text);
	return r;
}

/* 1 if the lease's VM still exists. */
static int lease_live(vmc_manager *mgr, const struct lease *l)
{
	char *dir = paths_vm(mgr->state_dir, l->ns, l->name, NULL);
	struct stat st;
	int r = dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);

	free(dir);
	return r;
}

static void lease_drop(const char *net_dir, const char *ip)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/addrs/%s", net_dir, ip);
	unlink(path);
}

/* Drops addrs/<ip> if it still does not parse and is older than
 * LEASE_WRITE_GRACE_S (a process died between creating and writing it:
 * kept, it would hold the address, and the network, forever), under
 * <net>/.addrs.lock. 1 if it was dropped. */
static int lease_drop_unwritten(const char *net_dir, const char *ip)
{
	char path[4200];
	struct lease l;
	struct stat st;
	int lock = -1, dropped = 0;

	snprintf(path, sizeof(path), "%s/addrs/%s", net_dir, ip);
	if (fs_lock(net_dir, ".addrs.lock", &lock) < 0) {
		vmc_error_clear();
		return 0;
	}
	if (!lease_read(net_dir, ip, &l) && stat(path, &st) == 0 &&
	    time(NULL) - st.st_mtime > LEASE_WRITE_GRACE_S)
		dropped = unlink(path) == 0;
	close(lock);
	return dropped;
}

/* Takes addrs/<ip> for ns/name NIC index: 0 taken (also when the holder
 * was a VM that no longer exists, or is this very VM), 1 held by another
 * VM (*holder filled), < 0 error. */
static int lease_take(vmc_manager *mgr, const char *net_dir, const char *ip,
		      const vmc_config *cfg, unsigned index, struct lease *holder)
{
	char path[4200], text[2 * VMC_NAME_MAX + 32];
	int fd, n, tries;

	snprintf(path, sizeof(path), "%s/addrs/%s", net_dir, ip);
	n = snprintf(text, sizeof(text), "%s/%s %u\n", cfg->ns, cfg->name, index);
	for (tries = 0; tries < 3; tries++) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			ssize_t w = write(fd, text, (size_t)n);

			close(fd);
			if (w != n) {
				unlink(path);
				return vmc_error_set_errno(VMC_EIO, errno, "cannot write '%s'", path);
			}
			return 0;
		}
		if (errno != EEXIST)
			return vmc_error_set_errno(VMC_EIO, errno, "cannot create '%s'", path);
		if (!lease_read(net_dir, ip, holder)) {
			if (lease_drop_unwritten(net_dir, ip))
				continue;
			memset(holder, 0, sizeof(*holder));
			return 1; /* being written right now: someone else's */
		}
		if (!strcmp(holder->ns, cfg->ns) && !strcmp(holder->name, cfg->name) &&
		    holder->index == index)
			return 0;
		if (lease_live(mgr, holder))
			return 1;
		/* its VM is gone: forget it, try again. Under <net>/.addrs.lock
		 * and only if it still names that VM: another process forgetting
		 * the same lease may have taken the address for its VM meanwhile */
		struct lease again;
		int lock = -1;

		if (fs_lock(net_dir, ".addrs.lock", &lock) < 0)
			return vmc_error_prefix(VMC_EIO, "address %s", ip);
		if (lease_read(net_dir, ip, &again) && !strcmp(again.ns, holder->ns) &&
		    !strcmp(again.name, holder->name) && again.index == holder->index)
			unlink(path);
		close(lock);
	}
	return 1;
}

struct pick_ctx {
	vmc_manager *mgr;
	const char *net_dir;
	const vmc_config *cfg;
	unsigned index;
};

static int pick_taken(const struct netaddr_subnet *s, uint32_t host, void *payload)
{
	struct pick_ctx *c = payload;
	char ip[NETADDR_STRLEN];
	struct lease holder;

	netaddr_format_host(s, host, ip);
	return lease_take(c->mgr, c->net_dir, ip, c->cfg, c->index, &holder);
}

int net_addr_take(vmc_manager *mgr, const char *net_dir, vmc_config *cfg, size_t i,
		  const struct netaddr_subnet *s)
{
	struct vmc_nic *nic = &cfg->nics[i];
	char ip[NETADDR_STRLEN], *addr = NULL;
	struct pick_ctx ctx = { mgr, net_dir, cfg, (unsigned)i };
	struct lease holder;
	uint32_t host;
	int rc;

	if (nic->addr) {
		rc = netaddr_check_vm_addr(s, nic->addr, &host);
		if (rc < 0)
			return vmc_error_prefix(rc, "nic %zu on network '%s'", i, nic->tap);
		netaddr_format_host(s, host, ip);
		rc = lease_take(mgr, net_dir, ip, cfg, (unsigned)i, &holder);
		if (rc == 1 && !holder.name[0])
			return vmc_error_set(VMC_EEXISTS, "address %s on network '%s' is being taken "
					     "by another vm", ip, nic->tap);
		if (rc == 1)
			return vmc_error_set(VMC_EEXISTS, "address %s on network '%s' is in use by vm "
					     "'%s/%s'", ip, nic->tap, holder.ns, holder.name);
		return rc;
	}
	rc = netaddr_pick_host(s, pick_taken, &ctx, &host);
	if (rc < 0)
		return vmc_error_prefix(rc, "network '%s'", nic->tap);
	netaddr_format_host(s, host, ip);
	if (asprintf(&addr, "%s/%u", ip, s->prefix) < 0) {
		lease_drop(net_dir, ip);
		return vmc_error_oom();
	}
	nic->addr = addr;
	return 0;
}

int mgr_net_validate(vmc_manager *mgr, const vmc_config *cfg)
{
	if (!strcmp(cfg->ns, PATHS_NETWORKS_DIR))
		return vmc_error_set(VMC_EINVAL, "namespace '%s' is reserved for networks",
				     PATHS_NETWORKS_DIR);
	for (size_t i = 0; i < cfg->n_nics; i++) {
		struct netaddr_subnet s;
		char *dir;
		int rc;

		vmc_network_type type, want;

		if (!NIC_ON_NETWORK(cfg->nics[i].kind))
			continue;
		want = cfg->nics[i].kind == VMC_NIC_BRIDGE ? VMC_NETWORK_BRIDGE : VMC_NETWORK_SWITCH;
		dir = netport_net_dir(mgr->state_dir, cfg->nics[i].tap);
		rc = dir ? net_read_subnet(dir, cfg->nics[i].tap, &s) : vmc_error_oom();
		if (rc == 0)
			net_read_type(dir, &type, NULL);
		free(dir);
		if (rc < 0)
			return rc;
		if (type != want)
			return vmc_error_set(VMC_EINVAL, "network '%s' is a %s network: use --net "
					     "%s:%s", cfg->nics[i].tap,
					     type == VMC_NETWORK_BRIDGE ? "bridge" : "switch",
					     type == VMC_NETWORK_BRIDGE ? "bridge" : "switch",
					     cfg->nics[i].tap);
	}
	return 0;
}

int mgr_net_attach(vmc_manager *mgr, const char *vm_dir, const vmc_config *cfg,
		   vmc_backend backend, vmc_config **out)
{
	/* VZ's file-handle NICs take socketpair ports, which the shim asks
	 * for (vz_plan_open_nics): no path-mode port for them here */
	int path_ports = backend != VMC_BACKEND_VZ;
	vmc_config *c = NULL;
	size_t i;
	int rc = 0;

	*out = NULL;
	for (i = 0; i < cfg->n_nics && !NIC_ON_NETWORK(cfg->nics[i].kind); i++)
		;
	if (i == cfg->n_nics)
		return 0;
	rc = vmc_config_dup(&c, cfg);
	if (rc < 0)
		return rc;
	for (i = 0; rc == 0 && i < c->n_nics; i++) {
		struct vmc_nic *nic = &c->nics[i];
		char port[NETADDR_STRLEN], *dir, *local = NULL, *remote = NULL;
		struct netaddr_subnet s;
		int had_addr = nic->addr != NULL;

		if (!NIC_ON_NETWORK(nic->kind))
			continue;
		dir = netport_net_dir(mgr->state_dir, nic->tap);
		rc = dir ? net_read_subnet(dir, nic->tap, &s) : vmc_error_oom();
		if (rc == 0 && nic->kind == VMC_NIC_SWITCH)
			rc = net_switch_ensure(mgr, dir);
		if (rc == 0)
			rc = net_addr_take(mgr, dir, c, i, &s);
		if (rc == 0)
			rc = netport_port_name(nic, port);
		if (rc == 0 && nic->kind == VMC_NIC_BRIDGE && !nic->gateway) {
			char gw[NETADDR_STRLEN];

			/* the guest's way out is the bridge */
			netaddr_format_host(&s, 1, gw);
			nic->gateway = strdup(gw);
			if (!nic->gateway)
				rc = vmc_error_oom();
		}
		if (rc == 0 && nic->kind == VMC_NIC_SWITCH && path_ports)
			rc = netport_paths(vm_dir, nic, i, &local, &remote);
		if (rc == 0 && nic->kind == VMC_NIC_SWITCH && path_ports)
			rc = port_client_add(dir, port, local);
		if (rc < 0 && nic->addr) {
			/* undo this NIC's address; the loop below the others' */
			if (netport_port_name(nic, port) == 0) {
				struct lease l;

				if (lease_read(dir, port, &l) && !strcmp(l.ns, c->ns) &&
				    !strcmp(l.name, c->name))
					lease_drop(dir, port);
			}
			if (!had_addr) {
				free(nic->addr);
				nic->addr = NULL;
			}
		}
		free(local);
		free(remote);
		free(dir);
	}
	if (rc < 0) {
		c->n_nics = i - 1; /* the NICs before the failed one hold ports and addresses */
		mgr_net_detach(mgr, vm_dir, c);
		c->n_nics = cfg->n_nics;
		vmc_config_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void mgr_net_detach(vmc_manager *mgr, const char *vm_dir, const vmc_config *cfg)
{
	char msg[1024];

	/* called on failure paths: the caller's message survives */
	snprintf(msg, sizeof(msg), "%s", vmc_error_last());
	netport_detach_vm(vm_dir, cfg);
	for (size_t i = 0; i < cfg->n_nics; i++) {
		const struct vmc_nic *nic = &cfg->nics[i];
		char ip[NETADDR_STRLEN], *dir;
		struct lease l;

		if (!NIC_ON_NETWORK(nic->kind) || netport_port_name(nic, ip) < 0)
			continue;
		dir = netport_net_dir(mgr->state_dir, nic->tap);
		if (dir && lease_read(dir, ip, &l) && !strcmp(l.ns, cfg->ns) &&
		    !strcmp(l.name, cfg->name) && l.index == i)
			lease_drop(dir, ip);
		free(dir);
	}
	vmc_error_clear();
	if (strcmp(msg, "no error") != 0)
		vmc_error_set(VMC_ERROR, "%s", msg);
}

void mgr_net_release_vm(vmc_manager *mgr, const char *ns, const char *name)
{
	char *path = paths_vm(mgr->state_dir, ns, name, "config.json");
	char *dir = paths_vm(mgr->state_dir, ns, name, NULL);
	vmc_config *cfg = NULL;
	char *text = NULL;

	if (path && dir && fs_read_file(path, 1 << 20, &text, NULL) == 0 &&
	    vmc_config_from_json(&cfg, text) == 0)
		mgr_net_detach(mgr, dir, cfg);
	vmc_error_clear();
	vmc_config_free(cfg);
	free(text);
	free(dir);
	free(path);
}

int net_leases_count(vmc_manager *mgr, const char *net_dir, unsigned *n, char *who, size_t len)
{
	char *addrs = fs_join(net_dir, "addrs");
	DIR *d = addrs ? opendir(addrs) : NULL;
	struct dirent *e;

	*n = 0;
	free(addrs);
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		struct lease l;
		int parsed;

		if (e->d_name[0] == '.')
			continue;
		parsed = lease_read(net_dir, e->d_name, &l);
		if (!parsed && lease_drop_unwritten(net_dir, e->d_name))
			continue;
		if (parsed && !lease_live(mgr, &l)) {
			lease_drop(net_dir, e->d_name);
			continue;
		}
		/* one that does not parse is being written: in use, by whom is
		 * not known yet (l holds nothing then) */
		if (who && len && *n == 0)
			snprintf(who, len, "%s/%s", parsed ? l.ns : "?", parsed ? l.name : "?");
		(*n)++;
	}
	closedir(d);
	return 0;
}

/* 1 when VM ns/name runs on VZ (AUTO resolved): its socketpair port died
 * with the old switch, and only its shim could ask for a new one. */
static int vm_on_vz(vmc_manager *mgr, const char *ns, const char *name)
{
	char *path = paths_vm(mgr->state_dir, ns, name, "config.json"), *text = NULL;
	const struct backend_ops *ops = NULL;
	vmc_config *cfg = NULL;
	int vz = 0;

	if (path && fs_read_file(path, 1 << 20, &text, NULL) == 0 &&
	    vmc_config_from_json(&cfg, text) == 0 && backend_for_config(&ops, cfg) == 0)
		vz = ops->kind == VMC_BACKEND_VZ;
	vmc_error_clear();
	vmc_config_free(cfg);
	free(text);
	free(path);
	return vz;
}

void net_reattach_running(vmc_manager *mgr, const char *net_dir)
{
	char *addrs = fs_join(net_dir, "addrs");
	DIR *d = addrs ? opendir(addrs) : NULL;
	struct dirent *e;

	free(addrs);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char *vm_dir, *local = NULL;
		struct lease l;
		vmc_state st;

		if (e->d_name[0] == '.' || !lease_read(net_dir, e->d_name, &l))
			continue;
		if (mgr_vm_state(mgr, l.ns, l.name, &st, NULL) < 0 || vmc_state_is_final(st.kind) ||
		    st.kind == VMC_STATE_CREATED) {
			vmc_error_clear();
			continue;
		}
		if (vm_on_vz(mgr, l.ns, l.name))
			continue;
		vm_dir = paths_vm(mgr->state_dir, l.ns, l.name, NULL);
		if (vm_dir && asprintf(&local, "%s/net%u.sock", vm_dir, l.index) >= 0 &&
		    port_client_add(net_dir, e->d_name, local) < 0)
			vmc_error_clear();
		free(local);
		free(vm_dir);
	}
	closedir(d);
}
