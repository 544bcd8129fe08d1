/*
 * netaddr.h - IPv4 subnet arithmetic for switch networks: parsing and
 * printing "a.b.c.d/p", the host addresses a network hands out (.1 is
 * kept for a gateway, VMs get .2 onwards), picking the first free one,
 * and picking a free 10.x.y.0/24 for a network created without a subnet.
 * Pure functions: no files, no processes; internal to libvmc.
 */
#ifndef VMC_NET_NETADDR_H
#define VMC_NET_NETADDR_H

#include <stddef.h>
#include <stdint.h>

#define NETADDR_STRLEN 19   /* "255.255.255.255/32" + NUL */
#define NETADDR_PREFIX_MIN 8
#define NETADDR_PREFIX_MAX 29

struct netaddr_subnet {
	uint32_t net;       /* host byte order, host bits zero */
	unsigned prefix;
};

/* "10.1.2.0/24" -> *out. VMC_EINVAL (with a message) for anything but an
 * IPv4 network with prefix NETADDR_PREFIX_MIN..MAX and no host bits set. */
int netaddr_parse_subnet(const char *cidr, struct netaddr_subnet *out);
void netaddr_format_subnet(const struct netaddr_subnet *s, char out[NETADDR_STRLEN]);
/* "a.b.c.d" of host number `index` of s (no prefix). */
void netaddr_format_host(const struct netaddr_subnet *s, uint32_t index, char out[NETADDR_STRLEN]);
/* First and last host numbers handed to VMs: 2 and the one before broadcast. */
uint32_t netaddr_first_vm_host(const struct netaddr_subnet *s);
uint32_t netaddr_last_vm_host(const struct netaddr_subnet *s);
/* Checks an address given for a NIC on s ("a.b.c.d/p", p = s's prefix) is
 * one a VM may have: 0, or VMC_EINVAL saying why. *host gets its number. */
int netaddr_check_vm_addr(const struct netaddr_subnet *s, const char *addr, uint32_t *host);
/* 1 if the two subnets share an address. */
int netaddr_overlap(const struct netaddr_subnet *a, const struct netaddr_subnet *b);
/* The first host number from netaddr_first_vm_host() on for which
 * taken(host, payload) is 0; VMC_EBUSY when every one is taken. taken()
 * may return < 0 to stop with that error. */
int netaddr_pick_host(const struct netaddr_subnet *s,
		      int (*taken)(const struct netaddr_subnet *s, uint32_t host, void *payload),
		      void *payload, uint32_t *out);
/* The first 10.x.y.0/24 (from 10.100.0.0/24 up) overlapping none of
 * used[0..n-1]; VMC_EBUSY if there is none. */
int netaddr_pick_subnet(const struct netaddr_subnet *used, size_t n, struct netaddr_subnet *out);

#endif
