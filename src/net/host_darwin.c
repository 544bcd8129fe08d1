/*
 * host_darwin.c - host networking on macOS: there are no bridges, TAP
 * devices, netlink, nftables or network namespaces, so bridge networks
 * (net/bridge.h) and their namespaces (net/netns.h's netns_of_network)
 * fail with "not available on macOS". bridge.c, nat.c, nl.c, tap.c and netns.c are
 * Linux-only (src/meson.build). Switch networks, which VZ's file-handle
 * NICs attach to, need none of this and work on macOS.
 */
#include <stdlib.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "net/bridge.h"
#include "net/hostrec.h"
#include "net/netns.h"

#define NOT_HERE(what) vmc_error_set(VMC_EUNSUPPORTED, "%s are not available on macOS", what)

int bridge_host_subnets(struct netaddr_subnet **list, size_t *n)
{
	(void)list;
	(void)n;
	return NOT_HERE("bridge networks");
}

int bridge_net_begin(const struct bridge_net *b)
{
	(void)b;
	return NOT_HERE("bridge networks");
}

int bridge_net_create(const struct bridge_net *b)
{
	(void)b;
	return NOT_HERE("bridge networks");
}

/* No host objects can exist: nothing to undo unless a record says so (a
 * state directory carried over from Linux), which a Mac cannot act on. */
int bridge_net_undo(const char *dir)
{
	char *rec = fs_join(dir, HOSTREC_FILE);
	int rc = 0;

	if (!rec)
		return vmc_error_oom();
	if (access(rec, F_OK) == 0)
		rc = vmc_error_set(VMC_EUNSUPPORTED, "'%s' records Linux host objects (bridge, "
				   "NAT); bridge networks are not available on macOS", rec);
	free(rec);
	return rc;
}

int bridge_net_abandoned(const char *dir)
{
	(void)dir;
	return 0;
}

int bridge_net_in_progress(const char *dir)
{
	(void)dir;
	return 0;
}

/* The only netns.h call outside Linux-only files (forward_plan.c, for a
 * bridge NIC, which vz_plan refuses before the shim gets this far). */
int netns_of_network(const char *vm_dir, const char *network, char *out, size_t len)
{
	(void)vm_dir;
	if (len)
		out[0] = '\0';
	return vmc_error_set(VMC_EUNSUPPORTED, "network '%s': bridge networks are not available "
			     "on macOS", network);
}
