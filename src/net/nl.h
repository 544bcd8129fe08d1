/*
 * nl.h - a small rtnetlink client over libmnl for host networks: links
 * (bridge, veth) created and deleted, set up/down, enslaved to a bridge,
 * given a MAC; IPv4/IPv6 addresses and routes added; links found by name
 * or index and listed. Every request waits for the kernel's ack, and a
 * failure sets a message with what was attempted and the kernel's errno
 * ("netlink: create bridge 'vmc-lan': File exists"). It works in the
 * network namespace of the calling thread. No `ip` command, no shell.
 * Internal to vmc.
 */
#ifndef VMC_NET_NL_H
#define VMC_NET_NL_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

struct mnl_socket;

struct nl {
	struct mnl_socket *sock;
	unsigned int seq;
	unsigned int portid;
};

struct nl_link {
	int index;
	char name[IFNAMSIZ];
	char kind[16];          /* "bridge", "veth", "tun", "" when none */
	int master;             /* ifindex of the bridge it is in, 0 if none */
	unsigned int flags;     /* IFF_UP ... */
	unsigned char mac[6];
};

/* Opens a NETLINK_ROUTE socket (CLOEXEC) in the current network namespace. */
int nl_open(struct nl *nl);
void nl_close(struct nl *nl);

/* The link called `name`: 0, VMC_ENOTFOUND (no such link), VMC_EIO. */
int nl_link_get(struct nl *nl, const char *name, struct nl_link *out);
/* The link with index `index`: 0, VMC_ENOTFOUND, VMC_EIO. */
int nl_link_get_index(struct nl *nl, int index, struct nl_link *out);
/* Calls fn for every link; fn returns < 0 to stop with that code. */
int nl_link_list(struct nl *nl, int (*fn)(const struct nl_link *l, void *payload),
		 void *payload);

/* Creates a new link of `kind` ("bridge", or "veth" with `peer` the name
 * of the other end), down, with MAC `mac` from its first moment (NULL:
 * the kernel picks one). VMC_EEXISTS if a link of that name exists
 * (nothing is changed then). */
int nl_link_create(struct nl *nl, const char *name, const char *kind, const char *peer,
		   const unsigned char *mac);
/* Deletes link `name` (a veth takes its peer along). VMC_ENOTFOUND if
 * there is none. */
int nl_link_delete(struct nl *nl, const char *name);
/* Sets link `index` up (up = 1) or down (0). */
int nl_link_set_up(struct nl *nl, int index, int up);
/* Puts link `index` into bridge `master` (an ifindex), or out of any
 * bridge with master = 0. */
int nl_link_set_master(struct nl *nl, int index, int master);
/* Sets link `index`'s MAC address. */
int nl_link_set_mac(struct nl *nl, int index, const unsigned char mac[6]);
/* Moves link `index` into the network namespace whose fd is netns_fd. */
int nl_link_set_netns(struct nl *nl, int index, int netns_fd);

/* Adds address `addr` ("10.0.0.1" or "fd00::1") with `prefix` to link
 * `index`. VMC_EEXISTS if the link has it already, VMC_EINVAL for a bad
 * address. */
int nl_addr_add(struct nl *nl, int index, const char *addr, unsigned int prefix);
/* Calls fn for every IPv4 address in this namespace: the address (host
 * byte order), its prefix and link. fn returns < 0 to stop with that code. */
int nl_addr_list4(struct nl *nl, int (*fn)(uint32_t addr, unsigned int prefix, int index,
					   void *payload), void *payload);
/* Adds a route to `dst`/`prefix` ("0.0.0.0"/0 for a default route) via
 * gateway `gw` (NULL: on-link) out of link `oif` (0: any). */
int nl_route_add(struct nl *nl, const char *dst, unsigned int prefix, const char *gw, int oif);

#endif
