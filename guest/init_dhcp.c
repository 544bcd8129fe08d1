/*
 * init_dhcp.c - the smallest useful DHCPv4 client (RFC 2131) for vmc-init:
 * DISCOVER, OFFER, REQUEST, ACK over a UDP socket bound to port 68 on one
 * interface, with the broadcast flag set so replies reach an interface that
 * has no address yet. It takes the address, subnet mask, router and DNS
 * servers and nothing else; it does not renew (guests live shorter than the
 * leases QEMU and dnsmasq hand out). Assigning the lease is init_net.c's job.
 */
#include "init.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define DHCP_DISCOVER 1
#define DHCP_OFFER 2
#define DHCP_REQUEST 3
#define DHCP_ACK 5
#define DHCP_NAK 6
#define RETRY_MS 1000

struct dhcp_packet {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
	uint8_t magic[4];
	uint8_t options[312];
} __attribute__((packed));

struct reply {
	int type;
	uint32_t yiaddr;
	uint32_t server_id;
	uint32_t mask;
	uint32_t router;
	uint32_t dns[INIT_MAX_DNS];
	size_t n_dns;
	uint32_t lease_s;
};

static const uint8_t magic[4] = { 99, 130, 83, 99 };

static void build(struct dhcp_packet *p, int type, uint32_t xid, const unsigned char mac[6],
		  const struct reply *offer)
{
	uint8_t *o = p->options;

	memset(p, 0, sizeof(*p));
	p->op = 1;
	p->htype = 1;
	p->hlen = 6;
	p->xid = xid;
	p->flags = htons(0x8000); /* broadcast: we have no address to receive unicast */
	memcpy(p->chaddr, mac, 6);
	memcpy(p->magic, magic, 4);
	*o++ = 53;
	*o++ = 1;
	*o++ = (uint8_t)type;
	if (offer) {
		*o++ = 50;
		*o++ = 4;
		memcpy(o, &offer->yiaddr, 4);
		o += 4;
		*o++ = 54;
		*o++ = 4;
		memcpy(o, &offer->server_id, 4);
		o += 4;
	}
	*o++ = 55; /* parameter request list: mask, router, DNS, lease */
	*o++ = 4;
	*o++ = 1;
	*o++ = 3;
	*o++ = 6;
	*o++ = 51;
	*o = 255;
}

/* Parses options of a reply for us; returns 0 if it is one. */
static int parse(const struct dhcp_packet *p, size_t len, uint32_t xid,
		 const unsigned char mac[6], struct reply *r)
{
	size_t off = offsetof(struct dhcp_packet, options);
	const uint8_t *b = (const uint8_t *)p;

	memset(r, 0, sizeof(*r));
	if (len < off || p->op != 2 || p->xid != xid || memcmp(p->chaddr, mac, 6) != 0 ||
	    memcmp(p->magic, magic, 4) != 0)
		return -1;
	r->yiaddr = p->yiaddr;
	while (off < len && b[off] != 255) {
		uint8_t code = b[off], olen;
		const uint8_t *v;

		if (code == 0) {
			off++;
			continue;
		}
		if (off + 2 > len || off + 2 + b[off + 1] > len)
			return -1;
		olen = b[off + 1];
		v = b + off + 2;
		if (code == 53 && olen == 1)
			r->type = v[0];
		else if (code == 54 && olen == 4)
			memcpy(&r->server_id, v, 4);
		else if (code == 1 && olen == 4)
			memcpy(&r->mask, v, 4);
		else if (code == 3 && olen >= 4)
			memcpy(&r->router, v, 4);
		else if (code == 51 && olen == 4)
			r->lease_s = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
				     (uint32_t)v[2] << 8 | v[3];
		else if (code == 6)
			for (size_t i = 0; i + 4 <= olen && r->n_dns < INIT_MAX_DNS; i += 4)
				memcpy(&r->dns[r->n_dns++], v + i, 4);
		off += 2u + olen;
	}
	return r->type ? 0 : -1;
}

/* Sends `type` and waits for a reply of one of the wanted types, retrying. */
static int exchange(int fd, int type, uint32_t xid, const unsigned char mac[6],
		    const struct reply *offer, long deadline, struct reply *out)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(67),
				  .sin_addr.s_addr = htonl(INADDR_BROADCAST) };
	struct dhcp_packet pkt;

	for (;;) {
		long resend, now = init_now_ms();

		if (now >= deadline)
			return -1;
		build(&pkt, type, xid, mac, offer);
		if (sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			return -1;
		resend = now + RETRY_MS < deadline ? now + RETRY_MS : deadline;
		while ((now = init_now_ms()) < resend) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			ssize_t n;

			if (poll(&pfd, 1, (int)(resend - now)) <= 0)
				continue;
			n = recv(fd, &pkt, sizeof(pkt), 0);
			if (n <= 0 || parse(&pkt, (size_t)n, xid, mac, out) < 0)
				continue;
			if (type == DHCP_DISCOVER && out->type == DHCP_OFFER)
				return 0;
			if (type == DHCP_REQUEST && (out->type == DHCP_ACK || out->type == DHCP_NAK))
				return out->type == DHCP_ACK ? 0 : -1;
		}
	}
}

static unsigned int mask_prefix(uint32_t mask_be)
{
	uint32_t m = ntohl(mask_be);
	unsigned int n = 0;

	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	return n;
}

int dhcp_acquire(const char *ifname, const unsigned char mac[6], int timeout_ms,
		 struct dhcp_lease *out, int verbose)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(68) };
	long deadline = init_now_ms() + timeout_ms;
	struct reply offer, ack;
	uint32_t xid;
	int fd, one = 1, rc = -1;
	size_t i;

	if (getrandom(&xid, sizeof(xid), GRND_NONBLOCK) != sizeof(xid))
		xid = (uint32_t)init_now_ms() ^ (uint32_t)mac[5] << 24;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0 ||
	    bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0) {
		init_log("dhcp %s: socket: %s", ifname, strerror(errno));
		goto out;
	}
	if (exchange(fd, DHCP_DISCOVER, xid, mac, NULL, deadline, &offer) < 0 ||
	    exchange(fd, DHCP_REQUEST, xid, mac, &offer, deadline, &ack) < 0)
		goto out;
	memset(out, 0, sizeof(*out));
	out->addr.family = AF_INET;
	memcpy(out->addr.bytes, &ack.yiaddr, 4);
	out->addr.prefix = ack.mask ? mask_prefix(ack.mask) : 24;
	if (ack.router) {
		out->router.family = AF_INET;
		memcpy(out->router.bytes, &ack.router, 4);
		out->router.prefix = 32;
	}
	for (i = 0; i < ack.n_dns; i++) {
		out->dns[i].family = AF_INET;
		memcpy(out->dns[i].bytes, &ack.dns[i], 4);
		out->dns[i].prefix = 32;
	}
	out->n_dns = ack.n_dns;
	out->lease_s = ack.lease_s;
	init_debug(verbose, "dhcp %s: lease for %u s", ifname, ack.lease_s);
	rc = 0;
out:
	close(fd);
	return rc;
}
