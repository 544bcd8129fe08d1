/*
 * forward_plan.c - a VM config's forwards turned into what the shim does:
 * which NIC carries them, what each listens on (an explicit address, or
 * 127.0.0.1 and ::1 both) and where it goes. Through a user-mode NIC QEMU's
 * hostfwd serves IPv4 and the shim only checks those ports are free (QEMU
 * binds them a moment later) and relays IPv6 to the IPv4 hostfwd port.
 * Through any other NIC the host routes to, the shim serves every address
 * itself, towards the NIC's static address or the ready line's ip=; for
 * a bridge network in its own namespace (--netns), the sockets towards
 * the guest are made in that namespace. Switch networks have no host
 * port unless made with one (VMC_NETWORK_HOST_PORT: a TAP in the
 * switch holds the subnet's .1), so the host cannot reach them otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "core/config.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "net/forward.h"
#include "net/netns.h"
#include "net/port_client.h"

/* 1 if switch network `net` has a host port (its config.json says so). */
static int switch_has_host(const char *state_dir, const char *net)
{
	char *dir = state_dir ? netport_net_dir(state_dir, net) : NULL;
	char *path = dir ? fs_join(dir, "config.json") : NULL, *text = NULL;
	json_t *cfg = NULL;
	int yes = 0;

	if (path && fs_read_file(path, 4096, &text, NULL) == 0)
		cfg = json_loads(text, 0, NULL);
	yes = json_is_true(json_object_get(cfg, "host"));
	vmc_error_clear(); /* no such network: not reachable, that is all */
	json_decref(cfg);
	free(text);
	free(path);
	free(dir);
	return yes;
}

int fwd_plan_nic(const struct vmc_config *cfg, const char *state_dir)
{
	for (size_t i = 0; i < cfg->n_nics; i++)
		if (cfg->nics[i].kind == VMC_NIC_USER)
			return (int)i;
	for (size_t i = 0; i < cfg->n_nics; i++)
		if (cfg->nics[i].kind != VMC_NIC_SWITCH ||
		    switch_has_host(state_dir, cfg->nics[i].tap))
			return (int)i;
	return -1;
}

int fwd_plan_check(const struct vmc_config *cfg, const char *state_dir)
{
	if (cfg->n_forwards == 0 || fwd_plan_nic(cfg, state_dir) >= 0)
		return 0;
	if (cfg->n_nics == 0)
		return vmc_error_set(VMC_EINVAL, "--publish %u: the vm has no NIC to forward "
				     "through (--net user, tap:NAME or bridge:NAME)",
				     cfg->forwards[0].host_port);
	return vmc_error_set(VMC_EINVAL, "--publish %u: switch network '%s' has no host port, "
			     "so the host cannot reach its guests; publish through a user-mode, "
			     "TAP or bridge NIC, or a switch network made with --host",
			     cfg->forwards[0].host_port, cfg->nics[0].tap);
}

/* addr (no prefix) and port into ss. 0 or -1. */
static int make_addr(struct sockaddr_storage *ss, socklen_t *len, const char *addr,
		     unsigned int port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

/* A close-on-exec socket (macOS has no SOCK_CLOEXEC: fcntl). */
static int plan_socket(int domain, int type)
{
#ifdef SOCK_CLOEXEC
	return socket(domain, type | SOCK_CLOEXEC, 0);
#else
	int fd = socket(domain, type, 0);

	if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
#endif
}

/* Whether this host has IPv6 loopback at all (a default forward skips
 * ::1 quietly where it has not; an explicit address is an error). */
static int have_ipv6_loopback(void)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = plan_socket(AF_INET6, SOCK_DGRAM), ok;

	if (fd < 0)
		return 0;
	ok = bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0;
	close(fd);
	return ok;
}

/* Binds and releases host:port, the way QEMU's hostfwd will bind it. */
static int probe_port(vmc_proto proto, const struct sockaddr *sa, socklen_t len,
		      const char *label, unsigned int *port_out)
{
	int type = proto == VMC_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	int fd = plan_socket(sa->sa_family, type), one = 1, err;
	char where[80];

	fwd_format_addr(sa, where, sizeof(where));
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "%s: socket for %s", label, where);
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, len) < 0 || (type == SOCK_STREAM && listen(fd, 1) < 0)) {
		err = errno;
		close(fd);
		if (err == EADDRINUSE)
			return vmc_error_set(VMC_EBUSY, "%s: %s/%s is already in use", label, where,
					     proto == VMC_PROTO_UDP ? "udp" : "tcp");
		return vmc_error_set_errno(VMC_EIO, err, "%s: cannot bind %s", label, where);
	}
	if (port_out) {
		struct sockaddr_in got;
		socklen_t glen = sizeof(got);

		if (getsockname(fd, (struct sockaddr *)&got, &glen) < 0 || got.sin_family != AF_INET) {
			close(fd);
			return vmc_error_set_errno(VMC_EIO, errno, "%s: getsockname", label);
		}
		*port_out = ntohs(got.sin_port);
	}
	close(fd);
	return 0;
}

static int plan_user(struct fwd *f, struct vmc_forward *fw, const char *label)
{
	struct sockaddr_storage host, target;
	socklen_t hlen, tlen;
	unsigned int relay;
	int rc;

	if (fw->host_addr && make_addr(&host, &hlen, fw->host_addr, fw->host_port) < 0)
		return vmc_error_set(VMC_EINVAL, "%s: bad host address", label);
	if (fw->host_addr && host.ss_family == AF_INET)
		return probe_port(fw->proto, (struct sockaddr *)&host, hlen, label, NULL);
	if (!fw->host_addr) {
		/* hostfwd on 127.0.0.1:PORT; the shim relays [::1]:PORT to it */
		make_addr(&host, &hlen, "127.0.0.1", fw->host_port);
		rc = probe_port(fw->proto, (struct sockaddr *)&host, hlen, label, NULL);
		if (rc < 0 || !have_ipv6_loopback())
			return rc;
		target = host;
		tlen = hlen;
		make_addr(&host, &hlen, "::1", fw->host_port);
		return fwd_listen(f, fw->proto, (struct sockaddr *)&host, hlen,
				  (struct sockaddr *)&target, tlen, fw->guest_port, label);
	}
	/* an IPv6 host address: hostfwd on a free IPv4 loopback port */
	make_addr(&target, &tlen, "127.0.0.1", 0);
	rc = probe_port(fw->proto, (struct sockaddr *)&target, tlen, label, &relay);
	if (rc < 0)
		return rc;
	fw->relay_port = relay;
	((struct sockaddr_in *)&target)->sin_port = htons((uint16_t)relay);
	return fwd_listen(f, fw->proto, (struct sockaddr *)&host, hlen, (struct sockaddr *)&target,
			  tlen, fw->guest_port, label);
}

static int plan_routed(struct fwd *f, const struct vmc_nic *nic, const struct vmc_forward *fw,
		       const char *label)
{
	struct sockaddr_storage host, target;
	socklen_t hlen, tlen = 0;
	const char *hosts[2] = { fw->host_addr, NULL };
	int have_target = 0, rc = 0;

	if (nic->addr) {
		char ip[64];
		const char *slash = strchr(nic->addr, '/');
		size_t n = slash ? (size_t)(slash - nic->addr) : strlen(nic->addr);

		if (n >= sizeof(ip))
			return vmc_error_set(VMC_EINVAL, "%s: bad guest address", label);
		memcpy(ip, nic->addr, n);
		ip[n] = '\0';
		if (strcmp(ip, "dhcp") != 0) {
			if (make_addr(&target, &tlen, ip, fw->guest_port) < 0)
				return vmc_error_set(VMC_EINVAL, "%s: bad guest address '%s'",
						     label, ip);
			have_target = 1;
		}
	}
	if (!fw->host_addr) {
		hosts[0] = "127.0.0.1";
		hosts[1] = have_ipv6_loopback() ? "::1" : NULL;
	}
	for (int i = 0; i < 2 && hosts[i] && rc == 0; i++) {
		if (make_addr(&host, &hlen, hosts[i], fw->host_port) < 0)
			return vmc_error_set(VMC_EINVAL, "%s: bad host address", label);
		rc = fwd_listen(f, fw->proto, (struct sockaddr *)&host, hlen,
				have_target ? (struct sockaddr *)&target : NULL, tlen,
				fw->guest_port, label);
	}
	return rc;
}

int fwd_plan_apply(struct fwd *f, struct vmc_config *cfg, const char *vm_dir)
{
	char *state = NULL;
	int nic, rc = 0;

	if (cfg->n_forwards == 0)
		return 0;
	if (vm_dir && netport_state_dir_of_vm(vm_dir, &state) < 0)
		vmc_error_clear();
	nic = fwd_plan_nic(cfg, state);
	if (nic < 0)
		rc = fwd_plan_check(cfg, state);
	free(state);
	if (nic < 0)
		return rc;
	if (cfg->nics[nic].kind == VMC_NIC_BRIDGE && vm_dir) {
		char ns[VMC_NAME_MAX + 1];

		rc = netns_of_network(vm_dir, cfg->nics[nic].tap, ns, sizeof(ns));
		if (rc == 0 && ns[0])
			rc = fwd_set_guest_netns(f, ns);
		if (rc < 0)
			return vmc_error_prefix(rc, "--publish");
	}
	for (size_t i = 0; i < cfg->n_forwards && rc == 0; i++) {
		struct vmc_forward *fw = &cfg->forwards[i];
		char label[FWD_LABEL_MAX];

		snprintf(label, sizeof(label), "--publish %u", fw->host_port);
		fw->relay_port = 0;
		if (cfg->nics[nic].kind == VMC_NIC_USER)
			rc = plan_user(f, fw, label);
		else
			rc = plan_routed(f, &cfg->nics[nic], fw, label);
	}
	return rc;
}
