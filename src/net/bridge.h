/*
 * bridge.h - the host side of a bridge network: a Linux bridge named
 * after the network (bridge_name), holding the subnet's .1, with NAT
 * (nat.h) and IP forwarding when asked. Every host object is recorded in
 * the network's host.rec (hostrec.h) before it is made; bridge_net_undo()
 * deletes exactly what a record names, so `vmc net rm` and the
 * crash-recovery pass (bridge_net_abandoned + undo, run by the manager on
 * net create/ls/rm) leave the host as it was. The prior value of a
 * forwarding sysctl is kept by the first network that changes it and
 * written back when the last network needing it is undone, counting the
 * networks of every state directory in that network namespace (under
 * /run/vmc-hostnet/, whose per-namespace lock also serialises changes to
 * the shared nft table). Works
 * in the caller's network namespace, or with `netns` in a named one vmc
 * creates first (netns.h) and enters for each step; everything in it
 * goes with it, so no sysctl is saved there. Internal to vmc.
 */
#ifndef VMC_NET_BRIDGE_H
#define VMC_NET_BRIDGE_H

#include <net/if.h>

#include "net/netaddr.h"

#define BRIDGE_PREFIX "vmc-"
/* Test hook: VMC_TEST_CRASH_AT=netns|link|bridge|nat makes the creating
 * process SIGKILL itself right after that step (a crash mid-create;
 * netns: the new namespace is recorded but has no name yet; link: the
 * bridge is recorded but not made yet). */
#define BRIDGE_CRASH_ENV "VMC_TEST_CRASH_AT"

/* The bridge of network `network`: "vmc-<network>" when that fits in
 * IFNAMSIZ, else "vmc-" + its first 5 characters + "-" + 5 hex digits of
 * a hash of the whole name. A pure function of the name. VMC_EINVAL for
 * an invalid network name. */
int bridge_name(const char *network, char out[IFNAMSIZ]);

struct bridge_net {
	const char *name;          /* the network's name */
	const char *dir;           /* its directory (host.rec goes here) */
	struct netaddr_subnet subnet;
	int nat;
	const char *uplink;        /* NULL: masquerade out of any interface */
	const char *netns;         /* NULL: the caller's namespace; else a new
				    * named one vmc makes (and deletes) */
};

/* Appends the IPv4 subnets of this namespace's interfaces (address &
 * prefix) to *list (realloc'd, *n entries): a bridge network must not
 * take one, or the host would lose its route there. */
int bridge_host_subnets(struct netaddr_subnet **list, size_t *n);

/* Writes the record's first lines (owner: this process). Call before
 * anything else may see the network's directory. */
int bridge_net_begin(const struct bridge_net *b);
/* Makes the bridge (and NAT, forwarding), recording each object first,
 * then marks the record complete. VMC_EEXISTS if a link of the bridge's
 * name exists (it is not touched). On failure, what was made is undone. */
int bridge_net_create(const struct bridge_net *b);
/* Deletes what dir's record names (missing objects are fine), restores
 * sysctls no other network needs, and removes the record. A record
 * without one (or none at all) is 0. On failure the record is kept so
 * the undo can be run again. */
int bridge_net_undo(const char *dir);
/* 1 if dir's record exists, is not complete and its creator is gone. */
int bridge_net_abandoned(const char *dir);
/* 1 if dir's record is not complete and its creator still runs. */
int bridge_net_in_progress(const char *dir);

#endif
