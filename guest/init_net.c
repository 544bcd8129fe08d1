/*
 * init_net.c - vmc-init's network setup over rtnetlink: brings up lo and
 * each NIC named on the command line (by name, by MAC, or "the first
 * ethernet NIC" for a bare vmc.net=dhcp), waits for a NIC that is not there
 * yet by listening for RTM_NEWLINK, adds addresses and default routes, and
 * writes hostname, /etc/hosts and /etc/resolv.conf. DHCP itself is in
 * init_dhcp.c. No ip(8), no busybox.
 */
#include "init.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define LINK_WAIT_MS 3000
#define DHCP_TIMEOUT_MS 15000

struct nl {
	int fd;            /* requests and acks */
	int mon;           /* RTNLGRP_LINK events, to wait for a NIC */
	uint32_t seq;
	char *err;         /* first failure, for the caller */
	size_t errlen;
};

/* Logs a failure and keeps the first one for the caller; returns -1. */
INIT_PRINTF(2, 3)
static int fail(struct nl *nl, const char *fmt, ...)
{
	char msg[INIT_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	init_log("%s", msg);
	if (nl->errlen > 0 && nl->err[0] == '\0')
		snprintf(nl->err, nl->errlen, "%s", msg);
	return -1;
}

struct nl_msg {
	struct nlmsghdr nh;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rt;
	} u;
	char attrs[128];
};

static void nl_attr(struct nl_msg *msg, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)msg + NLMSG_ALIGN(msg->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	msg->nh.nlmsg_len = NLMSG_ALIGN(msg->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Sends one request and waits for its ack; returns 0 or -errno. */
static int nl_talk(struct nl *nl, struct nl_msg *msg)
{
	char buf[4096];
	ssize_t n;

	msg->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	msg->nh.nlmsg_seq = ++nl->seq;
	if (send(nl->fd, msg, msg->nh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *h;

		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nl->seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		}
	}
}

static void nl_init(struct nl_msg *msg, unsigned short type, unsigned short flags,
		    size_t body)
{
	memset(msg, 0, sizeof(*msg));
	msg->nh.nlmsg_type = type;
	msg->nh.nlmsg_flags = flags;
	msg->nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(body);
}

static int link_up(struct nl *nl, int ifindex)
{
	struct nl_msg msg;

	nl_init(&msg, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	msg.u.ifi.ifi_family = AF_UNSPEC;
	msg.u.ifi.ifi_index = ifindex;
	msg.u.ifi.ifi_flags = IFF_UP;
	msg.u.ifi.ifi_change = IFF_UP;
	return nl_talk(nl, &msg);
}

static int addr_add(struct nl *nl, int ifindex, const struct init_addr *a)
{
	size_t alen = a->family == AF_INET ? 4 : 16;
	uint32_t flags = IFA_F_NODAD; /* usable at once; the host chose the address */
	struct nl_msg msg;

	nl_init(&msg, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, sizeof(struct ifaddrmsg));
	msg.u.ifa.ifa_family = (unsigned char)a->family;
	msg.u.ifa.ifa_prefixlen = (unsigned char)a->prefix;
	msg.u.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	msg.u.ifa.ifa_index = (unsigned int)ifindex;
	nl_attr(&msg, IFA_LOCAL, a->bytes, alen);
	nl_attr(&msg, IFA_ADDRESS, a->bytes, alen);
	if (a->family == AF_INET && a->prefix < 31) {
		uint32_t host = ntohl(*(const uint32_t *)a->bytes);
		uint32_t mask = a->prefix ? ~0u << (32 - a->prefix) : 0;
		uint32_t bcast = htonl(host | ~mask);

		nl_attr(&msg, IFA_BROADCAST, &bcast, 4);
	}
	nl_attr(&msg, IFA_FLAGS, &flags, sizeof(flags));
	return nl_talk(nl, &msg);
}

static int route_add_default(struct nl *nl, int ifindex, const struct init_addr *gw)
{
	struct nl_msg msg;
	int oif = ifindex;

	nl_init(&msg, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, sizeof(struct rtmsg));
	msg.u.rt.rtm_family = (unsigned char)gw->family;
	msg.u.rt.rtm_table = RT_TABLE_MAIN;
	msg.u.rt.rtm_protocol = RTPROT_BOOT;
	msg.u.rt.rtm_scope = RT_SCOPE_UNIVERSE;
	msg.u.rt.rtm_type = RTN_UNICAST;
	nl_attr(&msg, RTA_GATEWAY, gw->bytes, gw->family == AF_INET ? 4 : 16);
	nl_attr(&msg, RTA_OIF, &oif, sizeof(oif));
	return nl_talk(nl, &msg);
}

/* The interface the entry means, or 0 if it does not exist (yet). */
static int find_nic(const struct init_net *net, char ifname[IF_NAMESIZE], unsigned char mac[6])
{
	struct if_nameindex *list = if_nameindex(), *it;
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int found = 0, best = 0;

	if (!list || sock < 0)
		goto out;
	for (it = list; it->if_index != 0; it++) {
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", it->if_name);
		if (ioctl(sock, SIOCGIFHWADDR, &ifr) < 0 || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
			continue;
		if (net->ifname[0] ? strcmp(net->ifname, it->if_name) == 0 :
		    net->by_mac ? memcmp(net->mac, ifr.ifr_hwaddr.sa_data, 6) == 0 :
		    (best == 0 || (int)it->if_index < best)) {
			found = (int)it->if_index;
			best = found;
			snprintf(ifname, IF_NAMESIZE, "%s", it->if_name);
			memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
			if (net->ifname[0] || net->by_mac)
				break;
		}
	}
out:
	if (list)
		if_freenameindex(list);
	if (sock >= 0)
		close(sock);
	return found;
}

/* Looks the NIC up; if absent, waits on link events up to LINK_WAIT_MS. */
static int wait_nic(struct nl *nl, const struct init_net *net, char ifname[IF_NAMESIZE],
		    unsigned char mac[6])
{
	long deadline = init_now_ms() + LINK_WAIT_MS;
	int idx;

	while ((idx = find_nic(net, ifname, mac)) == 0) {
		struct pollfd pfd = { .fd = nl->mon, .events = POLLIN };
		long left = deadline - init_now_ms();
		char drain[8192];

		if (nl->mon < 0 || left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)left) > 0)
			while (recv(nl->mon, drain, sizeof(drain), MSG_DONTWAIT) > 0)
				;
	}
	return idx;
}

static const char *net_label(const struct init_net *net, char *buf, size_t len)
{
	if (net->ifname[0])
		return net->ifname;
	if (!net->by_mac)
		return "first NIC";
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", net->mac[0], net->mac[1],
		 net->mac[2], net->mac[3], net->mac[4], net->mac[5]);
	return buf;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static void write_etc(const struct init_config *cfg, const struct init_addr *dns, size_t n_dns)
{
	char buf[1024], a[64];
	size_t off = 0, i;

	if (n_dns > 0) {
		for (i = 0; i < n_dns && off < sizeof(buf); i++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "nameserver %s\n",
						init_addr_format(&dns[i], a, sizeof(a)));
		if (write_file("/etc/resolv.conf", buf) < 0)
			init_log("/etc/resolv.conf: %s", strerror(errno));
	}
	snprintf(buf, sizeof(buf), "127.0.0.1\tlocalhost\n::1\tlocalhost\n%s%s%s",
		 cfg->hostname[0] ? "127.0.1.1\t" : "", cfg->hostname,
		 cfg->hostname[0] ? "\n" : "");
	if (write_file("/etc/hosts", buf) < 0)
		init_log("/etc/hosts: %s", strerror(errno));
}

static int setup_one(struct nl *nl, const struct init_net *net, struct init_addr *addr,
		     struct init_addr *dns, size_t *n_dns, int verbose)
{
	char ifname[IF_NAMESIZE] = "", label[32], a[64];
	unsigned char mac[6];
	struct init_addr gw = net->gateway;
	int idx = wait_nic(nl, net, ifname, mac), rc;

	if (idx == 0)
		return fail(nl, "vmc.net: no interface %s", net_label(net, label, sizeof(label)));
	rc = link_up(nl, idx);
	if (rc < 0)
		return fail(nl, "%s: link up: %s", ifname, strerror(-rc));
	*addr = net->addr;
	if (net->dhcp) {
		struct dhcp_lease lease;
		size_t i;

		if (dhcp_acquire(ifname, mac, DHCP_TIMEOUT_MS, &lease, verbose) < 0)
			return fail(nl, "%s: no DHCP lease", ifname);
		*addr = lease.addr;
		gw = lease.router;
		for (i = 0; i < lease.n_dns && *n_dns < INIT_MAX_DNS; i++)
			dns[(*n_dns)++] = lease.dns[i];
	}
	rc = addr_add(nl, idx, addr);
	if (rc < 0)
		return fail(nl, "%s: add address %s/%u: %s", ifname,
			    init_addr_format(addr, a, sizeof(a)), addr->prefix, strerror(-rc));
	if (gw.family) {
		rc = route_add_default(nl, idx, &gw);
		if (rc < 0)
			return fail(nl, "%s: default route via %s: %s", ifname,
				    init_addr_format(&gw, a, sizeof(a)), strerror(-rc));
	}
	init_debug(verbose, "%s: %s/%u", ifname, init_addr_format(addr, a, sizeof(a)),
		   addr->prefix);
	return 0;
}

int net_setup(const struct init_config *cfg, struct init_addr *up, size_t *n_up,
	      char *err, size_t errlen)
{
	struct nl nl = { .fd = -1, .mon = -1, .err = err, .errlen = errlen };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	struct init_addr dns[INIT_MAX_DNS];
	size_t n_dns = cfg->n_dns, i;
	int rc = 0, lo;

	*n_up = 0;
	memcpy(dns, cfg->dns, sizeof(dns));
	if (cfg->hostname[0] && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
		init_log("sethostname: %s", strerror(errno));
	if (errlen > 0)
		err[0] = '\0';
	nl.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl.fd < 0)
		return fail(&nl, "netlink: %s", strerror(errno));
	if (cfg->n_nets > 0) {
		nl.mon = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
		if (nl.mon >= 0 && bind(nl.mon, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(nl.mon);
			nl.mon = -1;
		}
	}
	lo = (int)if_nametoindex("lo");
	if (lo <= 0 || link_up(&nl, lo) < 0)
		init_log("lo: cannot bring up");
	for (i = 0; i < cfg->n_nets; i++) {
		if (setup_one(&nl, &cfg->nets[i], &up[*n_up], dns, &n_dns, cfg->debug) < 0)
			rc = -1;
		else
			(*n_up)++;
	}
	write_etc(cfg, dns, n_dns);
	close(nl.fd);
	if (nl.mon >= 0)
		close(nl.mon);
	return rc;
}
