/*
 * nl.c - the rtnetlink requests host networks need (see nl.h), built and
 * parsed with libmnl: one request at a time with NLM_F_ACK, the reply read
 * until its ack or error, attributes of link replies validated by
 * mnl_attr_parse/mnl_attr_validate before use. Kernel errnos become vmc
 * codes (EEXIST -> VMC_EEXISTS, ENODEV -> VMC_ENOTFOUND, others VMC_EIO)
 * with the attempted operation in the message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "core/error.h"
#include "net/nl.h"

#define NL_BUF 8192   /* requests; replies are read into NL_RECV_BUF */
#define NL_RECV_BUF 32768

int nl_open(struct nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		return vmc_error_set_errno(VMC_EIO, errno, "netlink: socket");
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return vmc_error_set_errno(VMC_EIO, e, "netlink: bind");
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl && nl->sock) {
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
	}
}

static int code_of(int e)
{
	switch (e) {
	case EEXIST:
		return VMC_EEXISTS;
	case ENODEV:
	case ENOENT:
		return VMC_ENOTFOUND;
	case EBUSY:
		return VMC_EBUSY;
	default:
		return VMC_EIO;
	}
}

/* Sends nlh and reads replies until the ack (or the end of a dump),
 * passing data messages to cb. `what` names the operation for errors. */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		   const char *what)
{
	char buf[NL_RECV_BUF];
	unsigned int seq = ++nl->seq;
	ssize_t n;
	int r;

	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "netlink: %s", what);
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vmc_error_set_errno(VMC_EIO, errno, "netlink: %s", what);
		}
		errno = 0;
		r = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
		if (r == MNL_CB_ERROR) {
			int e = errno ? errno : EPROTO;

			if (e == EINTR) /* a dump changed under us: the caller retries */
				e = EAGAIN;
			return vmc_error_set_errno(e == EPROTO ? VMC_EPROTO : code_of(e), e,
						   "netlink: %s", what);
		}
		if (r == MNL_CB_STOP)
			return 0;
	}
}

/* ------------------------------------------------------------ links */

struct link_parse {
	struct nl_link *out;
	int found;
	int (*fn)(const struct nl_link *l, void *payload);
	void *payload;
	int rc;
};

static int link_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, IFLA_MAX) < 0)
		return MNL_CB_OK; /* newer than our headers: ignore */
	switch (type) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		break;
	default:
		break;
	}
	tb[type] = a;
	return MNL_CB_OK;
}

static int linkinfo_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, IFLA_INFO_MAX) < 0)
		return MNL_CB_OK;
	if (type == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_STRING) < 0)
		return MNL_CB_ERROR;
	tb[type] = a;
	return MNL_CB_OK;
}

/* Fills *l from an RTM_NEWLINK message; -1 if it is malformed. */
static int link_from_msg(const struct nlmsghdr *nlh, struct nl_link *l)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { NULL };
	const struct nlattr *info[IFLA_INFO_MAX + 1] = { NULL };
	const struct ifinfomsg *ifm;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*ifm))
		return -1;
	ifm = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, tb) != MNL_CB_OK || !tb[IFLA_IFNAME])
		return -1;
	memset(l, 0, sizeof(*l));
	l->index = ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MASTER])
		l->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_LINKINFO] &&
	    mnl_attr_parse_nested(tb[IFLA_LINKINFO], linkinfo_attr_cb, info) == MNL_CB_OK &&
	    info[IFLA_INFO_KIND]) {
		const char *k = mnl_attr_get_payload(info[IFLA_INFO_KIND]);
		size_t n = mnl_attr_get_payload_len(info[IFLA_INFO_KIND]);

		n = strnlen(k, n);
		if (n >= sizeof(l->kind))
			n = sizeof(l->kind) - 1;
		memcpy(l->kind, k, n);
		l->kind[n] = '\0';
	}
	return 0;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_parse *p = data;
	struct nl_link l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (link_from_msg(nlh, &l) < 0) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (p->out) {
		*p->out = l;
		p->found = 1;
	}
	/* after fn stopped the walk, the rest of the dump is read and dropped
	 * so the socket holds nothing stale for the next request */
	if (p->fn && p->rc == 0)
		p->rc = p->fn(&l, p->payload);
	return MNL_CB_OK;
}

static struct nlmsghdr *msg_start(char *buf, uint16_t type, uint16_t flags, struct ifinfomsg **ifm)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	*ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(**ifm));
	(*ifm)->ifi_family = AF_UNSPEC;
	return nlh;
}

static int name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 0 && n < IFNAMSIZ;
}

static int link_get(struct nl *nl, const char *name, int index, struct nl_link *out)
{
	char buf[NL_BUF], what[64];
	struct link_parse p = { .out = out };
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = msg_start(buf, RTM_GETLINK, 0, &ifm);
	int rc;

	if (name) {
		if (!name_ok(name))
			return vmc_error_set(VMC_EINVAL, "invalid link name '%.40s'", name);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
		snprintf(what, sizeof(what), "find link '%s'", name);
	} else {
		ifm->ifi_index = index;
		snprintf(what, sizeof(what), "find link %d", index);
	}
	rc = nl_talk(nl, nlh, link_cb, &p, what);
	if (rc == 0 && !p.found)
		rc = vmc_error_set(VMC_EPROTO, "netlink: %s: no reply", what);
	return rc;
}

int nl_link_get(struct nl *nl, const char *name, struct nl_link *out)
{
	return link_get(nl, name, 0, out);
}

int nl_link_get_index(struct nl *nl, int index, struct nl_link *out)
{
	return link_get(nl, NULL, index, out);
}

int nl_link_list(struct nl *nl, int (*fn)(const struct nl_link *l, void *payload),
		 void *payload)
{
	char buf[NL_BUF];
	struct link_parse p = { .fn = fn, .payload = payload };
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = msg_start(buf, RTM_GETLINK, NLM_F_DUMP, &ifm);
	int rc = nl_talk(nl, nlh, link_cb, &p, "list links");

	return rc < 0 ? rc : p.rc;
}

int nl_link_create(struct nl *nl, const char *name, const char *kind, const char *peer,
		   const unsigned char *mac)
{
	char buf[NL_BUF], what[80];
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;
	struct nlattr *linkinfo, *data, *peer_info;

	if (!name_ok(name) || (peer && !name_ok(peer)) || !kind)
		return vmc_error_set(VMC_EINVAL, "invalid link name '%.40s'", name ? name : "");
	nlh = msg_start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifm);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	if (peer) {
		struct ifinfomsg *pifm;

		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		peer_info = mnl_attr_nest_start(nlh, 1 /* VETH_INFO_PEER */);
		pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
		pifm->ifi_family = AF_UNSPEC;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
		mnl_attr_nest_end(nlh, peer_info);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, linkinfo);
	snprintf(what, sizeof(what), "create %s '%s'%s%s", kind, name, peer ? " peer " : "",
		 peer ? peer : "");
	return nl_talk(nl, nlh, NULL, NULL, what);
}

int nl_link_delete(struct nl *nl, const char *name)
{
	char buf[NL_BUF], what[64];
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;

	if (!name_ok(name))
		return vmc_error_set(VMC_EINVAL, "invalid link name '%.40s'", name ? name : "");
	nlh = msg_start(buf, RTM_DELLINK, 0, &ifm);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	snprintf(what, sizeof(what), "delete link '%s'", name);
	return nl_talk(nl, nlh, NULL, NULL, what);
}

/* An RTM_NEWLINK change of link `index`: flags and/or one u32 attribute. */
static int link_change(struct nl *nl, int index, unsigned int flags, unsigned int change,
		       int attr, uint32_t value, const char *what)
{
	char buf[NL_BUF], full[96];
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = msg_start(buf, RTM_NEWLINK, 0, &ifm);

	ifm->ifi_index = index;
	ifm->ifi_flags = flags;
	ifm->ifi_change = change;
	if (attr)
		mnl_attr_put_u32(nlh, (uint16_t)attr, value);
	snprintf(full, sizeof(full), "%s of link %d", what, index);
	return nl_talk(nl, nlh, NULL, NULL, full);
}

int nl_link_set_up(struct nl *nl, int index, int up)
{
	return link_change(nl, index, up ? IFF_UP : 0, IFF_UP, 0, 0, up ? "set up" : "set down");
}

int nl_link_set_master(struct nl *nl, int index, int master)
{
	return link_change(nl, index, 0, 0, IFLA_MASTER, (uint32_t)master, "set master");
}

int nl_link_set_netns(struct nl *nl, int index, int netns_fd)
{
	return link_change(nl, index, 0, 0, IFLA_NET_NS_FD, (uint32_t)netns_fd, "set netns");
}

int nl_link_set_mac(struct nl *nl, int index, const unsigned char mac[6])
{
	char buf[NL_BUF], what[64];
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = msg_start(buf, RTM_NEWLINK, 0, &ifm);

	ifm->ifi_index = index;
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	snprintf(what, sizeof(what), "set mac of link %d", index);
	return nl_talk(nl, nlh, NULL, NULL, what);
}

/* ------------------------------------------------------------ addresses, routes */

static int parse_ip(const char *s, int *family, unsigned char out[16])
{
	if (s && inet_pton(AF_INET, s, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (s && inet_pton(AF_INET6, s, out) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return vmc_error_set(VMC_EINVAL, "invalid ip address '%.60s'", s ? s : "");
}

int nl_addr_add(struct nl *nl, int index, const char *addr, unsigned int prefix)
{
	char buf[NL_BUF], what[96];
	unsigned char a[16];
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	int family, rc;

	rc = parse_ip(addr, &family, a);
	if (rc < 0)
		return rc;
	if (prefix > (family == AF_INET ? 32u : 128u))
		return vmc_error_set(VMC_EINVAL, "invalid prefix /%u for '%s'", prefix, addr);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)family;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned int)index;
	mnl_attr_put(nlh, IFA_LOCAL, family == AF_INET ? 4 : 16, a);
	mnl_attr_put(nlh, IFA_ADDRESS, family == AF_INET ? 4 : 16, a);
	if (family == AF_INET && prefix < 31) {
		uint32_t bc;

		memcpy(&bc, a, 4);
		bc = htonl(ntohl(bc) | (prefix ? (0xffffffffu >> prefix) : 0xffffffffu));
		mnl_attr_put(nlh, IFA_BROADCAST, 4, &bc);
	}
	snprintf(what, sizeof(what), "add address %s/%u to link %d", addr, prefix, index);
	return nl_talk(nl, nlh, NULL, NULL, what);
}

struct addr_walk {
	int (*fn)(uint32_t addr, unsigned int prefix, int index, void *payload);
	void *payload;
	int rc;
};

static int addr_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, IFA_MAX) < 0)
		return MNL_CB_OK;
	if ((type == IFA_LOCAL || type == IFA_ADDRESS) && mnl_attr_get_payload_len(a) != 4)
		return MNL_CB_ERROR;
	tb[type] = a;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFA_MAX + 1] = { NULL };
	struct addr_walk *w = data;
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	uint32_t v;

	if (nlh->nlmsg_type != RTM_NEWADDR || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*ifa))
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET || ifa->ifa_prefixlen > 32)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb) != MNL_CB_OK) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || w->rc < 0)
		return MNL_CB_OK; /* after a stop the rest of the dump is drained */
	memcpy(&v, mnl_attr_get_payload(a), 4);
	w->rc = w->fn(ntohl(v), ifa->ifa_prefixlen, (int)ifa->ifa_index, w->payload);
	return MNL_CB_OK;
}

int nl_addr_list4(struct nl *nl, int (*fn)(uint32_t addr, unsigned int prefix, int index,
					   void *payload), void *payload)
{
	char buf[NL_BUF];
	struct addr_walk w = { fn, payload, 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	int rc;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	rc = nl_talk(nl, nlh, addr_cb, &w, "list addresses");
	return rc < 0 ? rc : w.rc;
}

int nl_route_add(struct nl *nl, const char *dst, unsigned int prefix, const char *gw, int oif)
{
	char buf[NL_BUF], what[128];
	unsigned char d[16], g[16];
	struct rtmsg *rtm;
	struct nlmsghdr *nlh;
	int family, gfamily, rc;

	rc = parse_ip(dst, &family, d);
	if (rc == 0 && gw)
		rc = parse_ip(gw, &gfamily, g);
	if (rc < 0)
		return rc;
	if (gw && gfamily != family)
		return vmc_error_set(VMC_EINVAL, "route to %s via %s: different families", dst, gw);
	if (prefix > (family == AF_INET ? 32u : 128u))
		return vmc_error_set(VMC_EINVAL, "invalid prefix /%u for '%s'", prefix, dst);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)prefix;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (prefix > 0)
		mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, d);
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, family == AF_INET ? 4 : 16, g);
	if (oif > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	snprintf(what, sizeof(what), "add route %s/%u%s%s", dst, prefix, gw ? " via " : "",
		 gw ? gw : "");
	return nl_talk(nl, nlh, NULL, NULL, what);
}
