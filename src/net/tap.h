/*
 * tap.h - TAP devices for VM NICs on host (bridge) networks: opened
 * through /dev/net/tun, one fd per queue (IFF_MULTI_QUEUE when more than
 * one), owned by the caller's uid, never made persistent: the device
 * exists while an fd is open and vanishes when the hypervisor holding the
 * fds exits, so nothing is left to clean up. tap_open_for_nic() is what a
 * backend calls (QEMU passes the fds as -netdev tap,fd=N; Cloud
 * Hypervisor can take them the same way). Internal to vmc.
 */
#ifndef VMC_NET_TAP_H
#define VMC_NET_TAP_H

#include <net/if.h>

#include "core/config.h"

#define TAP_MAX_QUEUES 8
#define TAP_NAME_TEMPLATE "vmct%d"   /* the kernel picks the number */

/* Opens a new TAP device (name: a template with %d, or an exact name)
 * with `queues` fds (1..TAP_MAX_QUEUES) into fds[], IFF_NO_PI, with
 * IFF_VNET_HDR if vnet_hdr, owned by the effective uid. *ifname gets the
 * device's name. VMC_EEXISTS if an exact name is taken, VMC_EIO. On
 * failure no fd is left open. */
int tap_open(const char *name, unsigned int queues, int vnet_hdr, int *fds,
	     char ifname[IFNAMSIZ]);
/* Puts TAP `ifname` into bridge `bridge` and sets it up. */
int tap_attach(const char *ifname, const char *bridge);
/* For a bridge NIC of a VM: a new TAP (TAP_NAME_TEMPLATE, vnet header
 * on) in the bridge of the NIC's network, up. With `netns` (not NULL or
 * ""), the network's namespace (netns_of_network()), the calling thread
 * makes the TAP in there and comes back; the fds work from anywhere. The
 * fds are the caller's; closing the last one removes the device. */
int tap_open_for_nic(const struct vmc_nic *nic, const char *netns, unsigned int queues, int *fds,
		     char ifname[IFNAMSIZ]);

#endif
