/*
 * network.h - the manager's side of switch networks, shared by network.c
 * (the public vmc_network_* calls and the switch processes) and
 * network_attach.c (addresses and ports of VM NICs). The files of a
 * network are described in net/port_client.h.
 */
#ifndef VMC_MANAGER_NETWORK_H
#define VMC_MANAGER_NETWORK_H

#include <stddef.h>

#include "core/config.h"
#include "net/netaddr.h"
#include "vmc.h"

/* network.c */
/* The network's subnet; VMC_ENOTFOUND (saying how to create it) if there
 * is no network `name`. */
int net_read_subnet(const char *net_dir, const char *name, struct netaddr_subnet *out);
/* The network's type from its config.json (switch when it says none)
 * and, if nat is not NULL, whether it has NAT. */
int net_read_type(const char *net_dir, vmc_network_type *type, int *nat);
/* The same, and the bridge's namespace into netns ("" for vmc's own). */
int net_read_bridge(const char *net_dir, vmc_network_type *type, int *nat, char *netns,
		    size_t len);
/* The crash-recovery pass: undoes and removes every bridge network whose
 * creation never completed and whose creator is gone (errors are cleared:
 * what fails is tried again next time). */
void net_recover(vmc_manager *mgr);
/* Starts the network's switch unless it runs; a switch started here gets
 * the ports of the network's running VMs back. */
int net_switch_ensure(vmc_manager *mgr, const char *net_dir);

/* network_attach.c */
/* Checks cfg's namespace is not the networks directory and its switch
 * and bridge NICs name existing networks of their kind. */
int mgr_net_validate(vmc_manager *mgr, const vmc_config *cfg);
/* Before the shim of the VM in vm_dir starts: for every switch NIC, makes
 * sure its switch runs, takes its address (the given one, or the next free
 * one) and adds its port (not for `backend` VZ, resolved: its shim adds
 * socketpair ports itself); for every bridge NIC, takes its address and
 * fills the gateway (the bridge's .1) unless one was given. *out is a copy of cfg with the addresses filled
 * in, the caller's, or NULL when cfg has no switch NIC. On failure nothing
 * is left taken. */
int mgr_net_attach(vmc_manager *mgr, const char *vm_dir, const vmc_config *cfg,
		   vmc_backend backend, vmc_config **out);
/* Takes the address of switch NIC i of cfg on the network in net_dir
 * (subnet s): the given one (VMC_EEXISTS naming the VM holding it, or
 * VMC_EINVAL if it is not a VM address of s), or the next free one, which
 * is filled in cfg. No port, no switch. */
int net_addr_take(vmc_manager *mgr, const char *net_dir, vmc_config *cfg, size_t i,
		  const struct netaddr_subnet *s);
/* Removes the ports and releases the addresses of cfg's switch NICs. */
void mgr_net_detach(vmc_manager *mgr, const char *vm_dir, const vmc_config *cfg);
/* mgr_net_detach() for ns/name from its config.json (no config: nothing). */
void mgr_net_release_vm(vmc_manager *mgr, const char *ns, const char *name);
/* Counts the addresses held by VMs that still exist (forgetting the rest);
 * *who gets one holder's "ns/name". */
int net_leases_count(vmc_manager *mgr, const char *net_dir, unsigned *n, char *who, size_t len);
/* Adds the ports of the network's running VMs (after a switch restart);
 * not a VZ VM's: its socketpair port cannot be given back to its shim. */
void net_reattach_running(vmc_manager *mgr, const char *net_dir);

#endif
