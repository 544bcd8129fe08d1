/*
 * netaddr.c - IPv4 subnet arithmetic for switch networks (see netaddr.h).
 * inet_pton does the parsing of dotted quads; prefixes are parsed here,
 * strictly (decimal digits only, no sign, no leading zeros).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "net/netaddr.h"

static uint32_t mask_of(unsigned prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

/* "a.b.c.d/p" -> address and prefix; -1 if malformed. */
static int parse_cidr(const char *cidr, uint32_t *addr, unsigned *prefix)
{
	char buf[NETADDR_STRLEN + 1];
	const char *slash = strchr(cidr, '/'), *p;
	struct in_addr in;
	size_t len;
	unsigned v = 0;

	if (!slash || (size_t)(slash - cidr) >= sizeof(buf))
		return -1;
	len = (size_t)(slash - cidr);
	memcpy(buf, cidr, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &in) != 1)
		return -1;
	p = slash + 1;
	if (!*p || strlen(p) > 2 || (p[0] == '0' && p[1]))
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > 32)
		return -1;
	*addr = ntohl(in.s_addr);
	*prefix = v;
	return 0;
}

int netaddr_parse_subnet(const char *cidr, struct netaddr_subnet *out)
{
	uint32_t addr;
	unsigned prefix;

	if (!cidr || parse_cidr(cidr, &addr, &prefix) < 0)
		return vmc_error_set(VMC_EINVAL, "invalid subnet '%.80s': must be an ipv4 a.b.c.d/prefix",
				     cidr ? cidr : "");
	if (prefix < NETADDR_PREFIX_MIN || prefix > NETADDR_PREFIX_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid subnet '%.80s': the prefix must be %d..%d",
				     cidr, NETADDR_PREFIX_MIN, NETADDR_PREFIX_MAX);
	if (addr & ~mask_of(prefix))
		return vmc_error_set(VMC_EINVAL, "invalid subnet '%.80s': host bits are set", cidr);
	out->net = addr;
	out->prefix = prefix;
	return 0;
}

static void format_ip(uint32_t a, char out[NETADDR_STRLEN])
{
	snprintf(out, NETADDR_STRLEN, "%u.%u.%u.%u", (a >> 24) & 255u, (a >> 16) & 255u,
		 (a >> 8) & 255u, a & 255u);
}

void netaddr_format_subnet(const struct netaddr_subnet *s, char out[NETADDR_STRLEN])
{
	char ip[NETADDR_STRLEN];

	format_ip(s->net, ip);
	snprintf(out, NETADDR_STRLEN, "%.15s/%u", ip, s->prefix);
}

void netaddr_format_host(const struct netaddr_subnet *s, uint32_t index, char out[NETADDR_STRLEN])
{
	format_ip(s->net + index, out);
}

uint32_t netaddr_first_vm_host(const struct netaddr_subnet *s)
{
	(void)s;
	return 2; /* .1 is kept for a gateway */
}

uint32_t netaddr_last_vm_host(const struct netaddr_subnet *s)
{
	return (~mask_of(s->prefix)) - 1; /* the last is broadcast */
}

int netaddr_check_vm_addr(const struct netaddr_subnet *s, const char *addr, uint32_t *host)
{
	char net[NETADDR_STRLEN];
	uint32_t a, h;
	unsigned prefix;

	netaddr_format_subnet(s, net);
	if (!addr || parse_cidr(addr, &a, &prefix) < 0)
		return vmc_error_set(VMC_EINVAL, "invalid address '%.80s': must be a.b.c.d/prefix",
				     addr ? addr : "");
	if ((a & mask_of(s->prefix)) != s->net || prefix != s->prefix)
		return vmc_error_set(VMC_EINVAL, "address '%s' is not in the network's subnet %s",
				     addr, net);
	h = a - s->net;
	if (h < netaddr_first_vm_host(s) || h > netaddr_last_vm_host(s))
		return vmc_error_set(VMC_EINVAL, "address '%s' is reserved in %s (the network "
				     "address, .1 for a gateway, broadcast)", addr, net);
	*host = h;
	return 0;
}

int netaddr_overlap(const struct netaddr_subnet *a, const struct netaddr_subnet *b)
{
	uint32_t m = mask_of(a->prefix < b->prefix ? a->prefix : b->prefix);

	return (a->net & m) == (b->net & m);
}

int netaddr_pick_host(const struct netaddr_subnet *s,
		      int (*taken)(const struct netaddr_subnet *s, uint32_t host, void *payload),
		      void *payload, uint32_t *out)
{
	char net[NETADDR_STRLEN];
	uint32_t h, last = netaddr_last_vm_host(s);

	for (h = netaddr_first_vm_host(s); h <= last; h++) {
		int r = taken(s, h, payload);

		if (r < 0)
			return r;
		if (r == 0) {
			*out = h;
			return 0;
		}
	}
	netaddr_format_subnet(s, net);
	return vmc_error_set(VMC_EBUSY, "no free address left in %s", net);
}

int netaddr_pick_subnet(const struct netaddr_subnet *used, size_t n, struct netaddr_subnet *out)
{
	for (uint32_t i = 100u << 8; i < (256u << 8); i++) {
		struct netaddr_subnet c = { .net = (10u << 24) | (i << 8), .prefix = 24 };
		size_t k;

		for (k = 0; k < n && !netaddr_overlap(&c, &used[k]); k++)
			;
		if (k == n) {
			*out = c;
			return 0;
		}
	}
	return vmc_error_set(VMC_EBUSY, "no free 10.x.y.0/24 subnet left");
}
