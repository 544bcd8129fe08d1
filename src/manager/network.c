/*
 * network.c - switch networks: vmc_network_create/remove/list and the
 * vmc-switch process behind each network. A switch is started like a
 * shim: spawned detached in its own session (it outlives the caller and is
 * never its zombie), with a report pipe on fd 3 on which it says "ok <pid>"
 * once it serves; its pid and start time go to switch.json so any process
 * can tell later whether that switch still runs (proc_is_same, immune to
 * pid reuse) and stop it. Addresses and ports of VM NICs are in
 * network_attach.c; the file layout in net/port_client.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/clock.h"
#include "core/daemon.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/proc.h"
#include "core/spawn.h"
#include "manager/manager.h"
#include "manager/network.h"
#include "net/bridge.h"
#include "net/hostrec.h"
#include "net/port_client.h"
#include "vmc-build-config.h"

#define NET_START_TIMEOUT_MS 10000
#define NET_STOP_TIMEOUT_MS 5000
#define NET_FILE_MAX 4096

/* vmc-switch: $VMC_SWITCH, next to this program or in a build tree, or
 * the install location. */
static int find_switch(char **out)
{
	const char *env = getenv("VMC_SWITCH");
	const char *rel[] = { "vmc-switch", "../net/vmc-switch", "../../src/net/vmc-switch",
			      "../src/net/vmc-switch", "../libexec/vmc/vmc-switch" };
	char exe[PATH_MAX], cand[PATH_MAX + 40];
	ssize_t n;

	*out = NULL;
	if (env && *env)
		return (*out = strdup(env)) ? 0 : vmc_error_oom();
	n = proc_self_exe(exe, sizeof(exe));
	if (n > 0) {
		char *slash;

		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		for (size_t i = 0; slash && i < sizeof(rel) / sizeof(rel[0]); i++) {
			snprintf(cand, sizeof(cand), "%s/%s", exe, rel[i]);
			if (access(cand, X_OK) == 0)
				return (*out = strdup(cand)) ? 0 : vmc_error_oom();
		}
	}
	snprintf(cand, sizeof(cand), "%s/vmc-switch", VMC_LIBEXECDIR);
	if (access(cand, X_OK) == 0)
		return (*out = strdup(cand)) ? 0 : vmc_error_oom();
	return vmc_error_set(VMC_ENOTFOUND, "vmc-switch not found (set VMC_SWITCH or install vmc)");
}

static json_t *read_json(const char *dir, const char *file)
{
	char *path = fs_join(dir, file), *text = NULL;
	json_error_t jerr;
	json_t *obj = NULL;

	if (path && fs_read_file(path, NET_FILE_MAX, &text, NULL) == 0)
		obj = json_loads(text, 0, &jerr);
	vmc_error_clear();
	free(text);
	free(path);
	if (obj && !json_is_object(obj)) {
		json_decref(obj);
		obj = NULL;
	}
	return obj;
}

static int write_json(const char *dir, const char *file, json_t *obj)
{
	char *path = fs_join(dir, file), *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	int rc = path && text ? fs_write_atomic(path, text, strlen(text), 0600, 0)
			      : vmc_error_oom();

	json_decref(obj);
	free(text);
	free(path);
	return rc;
}

int net_read_subnet(const char *net_dir, const char *name, struct netaddr_subnet *out)
{
	json_t *cfg = read_json(net_dir, "config.json");
	const char *s = json_string_value(json_object_get(cfg, "subnet"));
	int rc;

	if (!cfg) {
		struct stat st;

		if (stat(net_dir, &st) < 0)
			return vmc_error_set(VMC_ENOTFOUND, "no network '%s' (create it with `vmc net "
					     "create %s`)", name, name);
		return vmc_error_set(VMC_EPROTO, "network '%s' has no readable config.json", name);
	}
	rc = s ? netaddr_parse_subnet(s, out)
	       : vmc_error_set(VMC_EPROTO, "network '%s': config.json has no subnet", name);
	json_decref(cfg);
	return rc;
}

int net_read_type(const char *net_dir, vmc_network_type *type, int *nat)
{
	return net_read_bridge(net_dir, type, nat, NULL, 0);
}

int net_read_bridge(const char *net_dir, vmc_network_type *type, int *nat, char *netns,
		    size_t len)
{
	json_t *cfg = read_json(net_dir, "config.json");
	const char *t = json_string_value(json_object_get(cfg, "type"));
	const char *ns = json_string_value(json_object_get(cfg, "netns"));

	*type = t && !strcmp(t, "bridge") ? VMC_NETWORK_BRIDGE : VMC_NETWORK_SWITCH;
	if (nat)
		*nat = json_is_true(json_object_get(cfg, "nat"));
	if (netns && len)
		snprintf(netns, len, "%s", ns && config_name_valid(ns) ? ns : "");
	json_decref(cfg);
	return 0;
}

/* 1 and *pid if the recorded switch runs; 0 (and its last pid) if not. */
static int switch_alive(const char *net_dir, pid_t *pid)
{
	json_t *rec = read_json(net_dir, "switch.json");
	json_int_t p = json_integer_value(json_object_get(rec, "pid"));
	json_int_t start = json_integer_value(json_object_get(rec, "start"));

	json_decref(rec);
	*pid = p > 0 && p <= INT_MAX ? (pid_t)p : 0;
	return *pid > 0 && proc_is_same(*pid, (unsigned long long)start);
}

static int switch_start(const char *net_dir)
{
	char *bin = NULL, *log = fs_join(net_dir, "switch.log");
	unsigned long long start = 0;
	pid_t pid = 0;
	int rc;

	if (!log)
		return vmc_error_oom();
	rc = find_switch(&bin);
	if (rc < 0)
		goto out;
	const char *argv[] = { bin, "--dir", net_dir, "--report-fd", "3", NULL };
	rc = daemon_start(argv, log, "vmc-switch", NET_START_TIMEOUT_MS, &pid);
	if (rc < 0) {
		rc = vmc_error_prefix(rc, "vmc-switch");
		goto out;
	}
	if (proc_start_time(pid, &start) < 0)
		rc = vmc_error_prefix(VMC_EIO, "vmc-switch (pid %d) is gone", (int)pid);
	if (rc == 0)
		rc = write_json(net_dir, "switch.json",
				json_pack("{s:i, s:i, s:I}", "version", 1, "pid", (int)pid, "start",
					  (json_int_t)start));
	if (rc < 0)
		kill(pid, SIGKILL); /* a switch we cannot account for is not left running */
out:
	free(bin);
	free(log);
	return rc;
}

int net_switch_ensure(vmc_manager *mgr, const char *net_dir)
{
	pid_t pid;
	int rc;

	if (switch_alive(net_dir, &pid))
		return 0;
	rc = switch_start(net_dir);
	if (rc < 0 && switch_alive(net_dir, &pid)) {
		vmc_error_clear(); /* another process started it meanwhile */
		return 0;
	}
	if (rc == 0)
		net_reattach_running(mgr, net_dir);
	return rc;
}

/* Asks the switch to shut down, waits for it (pidfd, bounded), kills it
 * if it does not go. */
static void switch_stop(const char *net_dir)
{
	json_t *req = json_pack("{s:s}", "op", "shutdown"), *reply = NULL;
	struct pollfd pfd;
	pid_t pid;
	int fd;

	if (!switch_alive(net_dir, &pid)) {
		json_decref(req);
		return;
	}
	fd = spawn_pidfd_open(pid);
	if (!req || port_client_request(net_dir, req, PORT_CLIENT_TIMEOUT_MS, &reply) < 0)
		vmc_error_clear();
	json_decref(req);
	json_decref(reply);
	if (fd < 0)
		return;
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, NET_STOP_TIMEOUT_MS) <= 0) {
		spawn_pidfd_signal(fd, pid, SIGKILL);
		poll(&pfd, 1, NET_STOP_TIMEOUT_MS);
	}
	close(fd);
}

/* Subnets of every network but `skip`. */
static int used_subnets(const char *nets_dir, const char *skip, struct netaddr_subnet **out,
			size_t *n)
{
	DIR *d = opendir(nets_dir);
	struct dirent *e;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		struct netaddr_subnet s;
		char *dir;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, skip))
			continue;
		dir = fs_join(nets_dir, e->d_name);
		if (!dir || net_read_subnet(dir, e->d_name, &s) < 0) {
			vmc_error_clear();
			free(dir);
			continue;
		}
		free(dir);
		if (*n == cap) {
			struct netaddr_subnet *p = realloc(*out, (cap + 16) * sizeof(*p));

			if (!p) {
				closedir(d);
				return vmc_error_oom();
			}
			*out = p;
			cap += 16;
		}
		(*out)[(*n)++] = s;
	}
	closedir(d);
	return 0;
}

/* An existing network: restart a dead switch, else EEXISTS. */
static int create_existing(vmc_manager *mgr, const char *net_dir, const char *name,
			   const char *subnet_cidr, vmc_network_type want_type)
{
	struct netaddr_subnet have, want;
	vmc_network_type type;
	pid_t pid;
	int rc;

	rc = net_read_subnet(net_dir, name, &have);
	if (rc < 0)
		return rc;
	if (subnet_cidr) {
		rc = netaddr_parse_subnet(subnet_cidr, &want);
		if (rc < 0)
			return rc;
		if (want.net != have.net || want.prefix != have.prefix) {
			char s[NETADDR_STRLEN];

			netaddr_format_subnet(&have, s);
			return vmc_error_set(VMC_EEXISTS, "network '%s' exists with subnet %s", name, s);
		}
	}
	net_read_type(net_dir, &type, NULL);
	if (type != want_type || type == VMC_NETWORK_BRIDGE)
		return vmc_error_set(VMC_EEXISTS, "network '%s' exists (a %s network)", name,
				     type == VMC_NETWORK_BRIDGE ? "bridge" : "switch");
	if (switch_alive(net_dir, &pid))
		return vmc_error_set(VMC_EEXISTS, "network '%s' exists (its switch runs, pid %d)",
				     name, (int)pid);
	return net_switch_ensure(mgr, net_dir);
}

/* Holds <state>/networks/.lock (flock, exclusive) in *fd: creators pick
 * subnets and write config.json one at a time, so two never take one
 * subnet and nobody sees a network without its config; the recovery pass
 * undoes an abandoned network under it. Held for a few file operations
 * (and an undo) only, never across a process start. */
static int lock_networks(const char *nets, int *fd)
{
	return fs_lock(nets, ".lock", fd);
}

/* What kind of network net_create() makes: a switch (bridge NULL) or a
 * bridge network. */
struct net_kind {
	vmc_network_type type;
	unsigned int flags;
	const char *uplink;
	const char *netns;
};

/* The directory, subnet and config.json of a new network (under the
 * networks lock), then its switch or its host objects. */
static int net_create(vmc_manager *mgr, const char *name, const char *subnet_cidr,
		      const struct net_kind *kind)
{
	char *nets = NULL, *dir = NULL, *addrs = NULL, net_s[NETADDR_STRLEN], br[IFNAMSIZ];
	struct netaddr_subnet want, *used = NULL;
	struct bridge_net b = { 0 };
	size_t n_used = 0, n_other;
	int rc, created = 0, lock = -1;

	if (!mgr || !name || !config_name_valid(name))
		return vmc_error_set(VMC_EINVAL, "invalid network name '%.80s'", name ? name : "");
	if (kind->type == VMC_NETWORK_BRIDGE) {
		rc = bridge_name(name, br);
		if (rc < 0)
			return rc;
		if (kind->uplink && (!*kind->uplink || strlen(kind->uplink) >= IFNAMSIZ ||
				     strspn(kind->uplink, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
						   "OPQRSTUVWXYZ0123456789_.-") != strlen(kind->uplink)))
			return vmc_error_set(VMC_EINVAL, "invalid uplink '%.40s': not an interface "
					     "name", kind->uplink);
		if (kind->uplink && !(kind->flags & VMC_NETWORK_NAT))
			return vmc_error_set(VMC_EINVAL, "an uplink is only used with NAT");
		if (kind->netns && !config_name_valid(kind->netns))
			return vmc_error_set(VMC_EINVAL, "invalid network namespace name '%.80s'",
					     kind->netns);
	}
	nets = netport_net_dir(mgr->state_dir, NULL);
	dir = netport_net_dir(mgr->state_dir, name);
	addrs = dir ? fs_join(dir, "addrs") : NULL;
	if (!nets || !dir || !addrs) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = fs_mkdir_p(nets, 0700);
	if (rc == 0)
		rc = lock_networks(nets, &lock);
	if (rc < 0)
		goto out;
	if (mkdir(dir, 0700) < 0) {
		int e = errno;

		close(lock); /* create_existing may start the switch */
		lock = -1;
		rc = e == EEXIST ? create_existing(mgr, dir, name, subnet_cidr, kind->type)
				 : vmc_error_set_errno(VMC_EIO, e, "cannot create '%s'", dir);
		goto out;
	}
	created = 1;
	rc = used_subnets(nets, name, &used, &n_used);
	/* a bridge in this namespace, or a switch's host port, must not take
	 * a subnet the host has: its .1 would take over the host's route */
	n_other = n_used;
	if (rc == 0 && ((kind->type == VMC_NETWORK_BRIDGE && !kind->netns) ||
			(kind->type == VMC_NETWORK_SWITCH && (kind->flags & VMC_NETWORK_HOST_PORT))))
		rc = bridge_host_subnets(&used, &n_used);
	if (rc == 0 && subnet_cidr) {
		rc = netaddr_parse_subnet(subnet_cidr, &want);
		for (size_t i = 0; rc == 0 && i < n_used; i++)
			if (netaddr_overlap(&want, &used[i])) {
				netaddr_format_subnet(&used[i], net_s);
				rc = vmc_error_set(VMC_EEXISTS, "subnet %s overlaps %s of %s",
						   subnet_cidr, net_s, i < n_other ? "another network"
						   : "a host interface");
			}
	} else if (rc == 0) {
		rc = netaddr_pick_subnet(used, n_used, &want);
	}
	if (rc < 0)
		goto out;
	netaddr_format_subnet(&want, net_s);
	rc = mkdir(addrs, 0700) < 0 ? vmc_error_set_errno(VMC_EIO, errno, "cannot create '%s'", addrs)
				    : 0;
	b.name = name;
	b.dir = dir;
	b.subnet = want;
	b.nat = (kind->flags & VMC_NETWORK_NAT) != 0;
	b.uplink = kind->uplink;
	b.netns = kind->netns;
	/* the record's owner line exists before anyone can see the network */
	if (rc == 0 && kind->type == VMC_NETWORK_BRIDGE)
		rc = bridge_net_begin(&b);
	if (rc == 0 && kind->type == VMC_NETWORK_BRIDGE)
		rc = write_json(dir, "config.json",
				json_pack("{s:i, s:s, s:s, s:s, s:b, s:s?, s:s?}", "version", 1,
					  "subnet", net_s, "type", "bridge", "bridge", br, "nat",
					  b.nat, "uplink", b.uplink, "netns", b.netns));
	else if (rc == 0)
		rc = write_json(dir, "config.json",
				json_pack("{s:i, s:s, s:b}", "version", 1, "subnet", net_s, "host",
					  (kind->flags & VMC_NETWORK_HOST_PORT) != 0));
	close(lock);
	lock = -1;
	if (rc == 0 && kind->type == VMC_NETWORK_BRIDGE)
		rc = bridge_net_create(&b);
	else if (rc == 0)
		rc = switch_start(dir);
out:
	if (rc < 0 && created) {
		char *rec = fs_join(dir, HOSTREC_FILE), msg[1024];

		/* a record the undo could not finish stays for the recovery pass */
		snprintf(msg, sizeof(msg), "%s", vmc_error_last());
		if (rec && access(rec, F_OK) == 0 && bridge_net_undo(dir) < 0)
			vmc_error_clear();
		if (rec && access(rec, F_OK) < 0)
			fs_remove_tree(dir);
		vmc_error_set(rc, "%s", msg);
		free(rec);
	}
	if (lock >= 0)
		close(lock);
	free(used);
	free(addrs);
	free(dir);
	free(nets);
	return rc;
}

int vmc_network_create(vmc_manager *mgr, const char *name, const char *subnet_cidr)
{
	struct net_kind k = { VMC_NETWORK_SWITCH, 0, NULL, NULL };

	if (mgr)
		net_recover(mgr);
	return net_create(mgr, name, subnet_cidr, &k);
}

int vmc_network_create_switch(vmc_manager *mgr, const char *name, const char *subnet_cidr,
			      unsigned int flags)
{
	struct net_kind k = { VMC_NETWORK_SWITCH, flags, NULL, NULL };

	if (flags & ~VMC_NETWORK_HOST_PORT)
		return vmc_error_set(VMC_EINVAL, "invalid network flags 0x%x", flags);
	if (mgr)
		net_recover(mgr);
	return net_create(mgr, name, subnet_cidr, &k);
}

int vmc_network_create_bridge(vmc_manager *mgr, const char *name, const char *subnet_cidr,
			      unsigned int flags, const char *uplink, const char *netns)
{
	struct net_kind k = { VMC_NETWORK_BRIDGE, flags, uplink, netns };

	if (flags & ~VMC_NETWORK_NAT)
		return vmc_error_set(VMC_EINVAL, "invalid network flags 0x%x", flags);
	if (mgr)
		net_recover(mgr);
	return net_create(mgr, name, subnet_cidr, &k);
}

void net_recover(vmc_manager *mgr)
{
	char *nets = netport_net_dir(mgr->state_dir, NULL);
	DIR *d = nets ? opendir(nets) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		char *dir;
		int lock = -1;

		if (e->d_name[0] == '.')
			continue;
		dir = fs_join(nets, e->d_name);
		/* checked again under the networks lock, which a create holds
		 * from its mkdir to its record's owner line: another pass may
		 * have undone and removed it meanwhile, and a new network of
		 * the same name (alive, not abandoned) may be there now */
		if (dir && bridge_net_abandoned(dir) && lock_networks(nets, &lock) == 0 &&
		    bridge_net_abandoned(dir) && bridge_net_undo(dir) == 0)
			fs_remove_tree(dir);
		if (lock >= 0)
			close(lock);
		vmc_error_clear(); /* what cannot be undone now is tried again next time */
		free(dir);
	}
	if (d)
		closedir(d);
	free(nets);
}

int vmc_network_remove(vmc_manager *mgr, const char *name)
{
	char *dir = NULL, who[2 * VMC_NAME_MAX + 2] = "";
	struct netaddr_subnet s;
	vmc_network_type type;
	unsigned n = 0;
	int rc;

	if (!mgr || !name || !config_name_valid(name))
		return vmc_error_set(VMC_EINVAL, "invalid network name '%.80s'", name ? name : "");
	net_recover(mgr);
	dir = netport_net_dir(mgr->state_dir, name);
	if (!dir)
		return vmc_error_oom();
	rc = net_read_subnet(dir, name, &s);
	if (rc == VMC_EPROTO) {
		vmc_error_clear(); /* half-made: remove what is there */
		rc = 0;
	}
	if (rc == 0)
		rc = net_leases_count(mgr, dir, &n, who, sizeof(who));
	if (rc == 0 && n > 0)
		rc = vmc_error_set(VMC_EBUSY, "network '%s' is in use by vm '%s'%s: remove %s first",
				   name, who, n > 1 ? " and others" : "", n > 1 ? "them" : "it");
	if (rc == 0 && bridge_net_in_progress(dir))
		rc = vmc_error_set(VMC_EBUSY, "network '%s' is being created", name);
	if (rc == 0) {
		net_read_type(dir, &type, NULL);
		if (type == VMC_NETWORK_BRIDGE)
			rc = bridge_net_undo(dir);
		else
			switch_stop(dir);
	}
	if (rc == 0)
		rc = fs_remove_tree(dir);
	free(dir);
	return rc;
}

static int cmp_info(const void *a, const void *b)
{
	return strcmp(((const vmc_network_info *)a)->name, ((const vmc_network_info *)b)->name);
}

int vmc_network_list(vmc_manager *mgr, vmc_network_info **out, size_t *count)
{
	char *nets = netport_net_dir(mgr->state_dir, NULL);
	vmc_network_info *arr = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	*out = NULL;
	*count = 0;
	if (!nets)
		return vmc_error_oom();
	net_recover(mgr);
	d = opendir(nets);
	if (!d) {
		rc = errno == ENOENT ? 0 : vmc_error_set_errno(VMC_EIO, errno, "cannot read '%s'", nets);
		free(nets);
		return rc;
	}
	while ((e = readdir(d)) != NULL) {
		struct netaddr_subnet s;
		vmc_network_info *info;
		char *dir;
		pid_t pid = 0;

		if (e->d_name[0] == '.' || !config_name_valid(e->d_name))
			continue;
		dir = fs_join(nets, e->d_name);
		if (!dir || net_read_subnet(dir, e->d_name, &s) < 0 || bridge_net_in_progress(dir)) {
			vmc_error_clear();
			free(dir);
			continue; /* being created or removed */
		}
		if (n == cap) {
			vmc_network_info *p = realloc(arr, (cap + 8) * sizeof(*p));

			if (!p) {
				free(dir);
				rc = vmc_error_oom();
				break;
			}
			arr = p;
			cap += 8;
		}
		info = &arr[n++];
		memset(info, 0, sizeof(*info));
		snprintf(info->name, sizeof(info->name), "%.*s", VMC_NAME_MAX, e->d_name);
		netaddr_format_subnet(&s, info->subnet);
		net_read_bridge(dir, &info->type, &info->nat, info->netns, sizeof(info->netns));
		if (info->type == VMC_NETWORK_BRIDGE)
			bridge_name(e->d_name, info->bridge);
		info->switch_alive = info->type == VMC_NETWORK_SWITCH && switch_alive(dir, &pid);
		info->switch_pid = info->type == VMC_NETWORK_SWITCH ? (int)pid : 0;
		if (info->switch_alive && port_client_count(dir, &info->n_ports) < 0)
			vmc_error_clear();
		if (net_leases_count(mgr, dir, &info->n_addrs, NULL, 0) < 0)
			vmc_error_clear();
		free(dir);
	}
	closedir(d);
	free(nets);
	if (rc < 0) {
		free(arr);
		return rc;
	}
	if (n > 1)
		qsort(arr, n, sizeof(*arr), cmp_info);
	*out = arr;
	*count = n;
	return 0;
}
