/*
 * bridge_name.c - the interface name of a bridge network's bridge (see
 * bridge.h): a pure function of the network's name, in a file of its own
 * so vmc-shim (tap.c) gets it without linking netlink or nftables.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/error.h"
#include "net/bridge.h"

int bridge_name(const char *network, char out[IFNAMSIZ])
{
	size_t n = network ? strlen(network) : 0;
	uint32_t h = 2166136261u; /* FNV-1a */

	if (!network || !config_name_valid(network))
		return vmc_error_set(VMC_EINVAL, "invalid network name '%.80s'",
				     network ? network : "");
	if (strlen(BRIDGE_PREFIX) + n < IFNAMSIZ) {
		snprintf(out, IFNAMSIZ, "%s%s", BRIDGE_PREFIX, network);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)network[i];
		h *= 16777619u;
	}
	snprintf(out, IFNAMSIZ, "%s%.5s-%05x", BRIDGE_PREFIX, network, (unsigned)(h & 0xfffff));
	return 0;
}
