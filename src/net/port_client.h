/*
 * port_client.h - the client side of a switch network, shared by the
 * manager (which adds a VM's ports before its shim starts), vmc-shim
 * (which removes them when the VM ends), the QEMU backend (which needs
 * the socket paths) and the VZ plan (which asks for socketpair ports): where a network's files are, the port a NIC gets,
 * and requests on the switch's control socket (switch_ctl.c). A network
 * lives in <state>/networks/<name>/, which is also the switch's NETDIR:
 *
 *   config.json        {"subnet": "10.100.0.0/24"}
 *   switch.json        the switch's pid and start time (re-adoption)
 *   switch.sock        its control socket; ports/<port>.sock its ports
 *   addrs/<a.b.c.d>    one file per address given to a VM NIC: "ns/name idx"
 *
 * A NIC's port is named after its address (unique in its network), its
 * QEMU end is <vm_dir>/net<N>.sock; a VZ NIC's port is a socketpair port,
 * added by its shim. Internal to vmc.
 */
#ifndef VMC_NET_PORT_CLIENT_H
#define VMC_NET_PORT_CLIENT_H

#include <jansson.h>

#include "core/config.h"
#include "net/netaddr.h"

#define PORT_CLIENT_TIMEOUT_MS 5000

/* malloc'd "<state>/networks[/<network>]" (network may be NULL), or NULL. */
char *netport_net_dir(const char *state_dir, const char *network);
/* The state directory of the VM directory <state>/<ns>/<name>; malloc'd. */
int netport_state_dir_of_vm(const char *vm_dir, char **out);
/* The port name of a switch NIC: its address without the prefix.
 * VMC_EINVAL if it has none (the manager assigns one before start). */
int netport_port_name(const struct vmc_nic *nic, char out[NETADDR_STRLEN]);
/* malloc'd paths of switch NIC `index` of the VM in vm_dir: QEMU's end
 * (*local) and the switch's (*remote). VMC_EINVAL if either is longer
 * than a unix socket address can hold. */
int netport_paths(const char *vm_dir, const struct vmc_nic *nic, size_t index, char **local,
		  char **remote);

/* One request on <net_dir>/switch.sock; *reply is the caller's. A reply
 * with "ok":false becomes its code and message. VMC_ENOTFOUND when no
 * switch listens. */
int port_client_request(const char *net_dir, json_t *req, int timeout_ms, json_t **reply);
/* Adds port `port` whose peer binds `peer`; an existing port of that name
 * is replaced. */
int port_client_add(const char *net_dir, const char *port, const char *peer);
/* Adds port `port` as a socketpair port (for VZ's file-handle NICs): the
 * switch keeps one end of an AF_UNIX datagram socketpair and passes the
 * other along with its reply (SCM_RIGHTS); it lands in *fd_out, close-on-
 * exec, the caller's (-1 on failure). An existing port of that name is
 * replaced. VMC_ENOTFOUND when no switch listens, VMC_EPROTO for a reply
 * without a socket (the port is removed again) or a malformed reply. */
int port_client_add_socketpair(const char *net_dir, const char *port, int *fd_out);
/* Removes port `port`; a missing port or switch is not an error. */
int port_client_remove(const char *net_dir, const char *port);
/* Number of ports on the network's switch. */
int port_client_count(const char *net_dir, unsigned *out);
/* Removes the ports of every switch NIC of cfg (the VM in vm_dir); errors
 * are cleared: the VM is ending and a dead switch has no ports anyway. */
void netport_detach_vm(const char *vm_dir, const struct vmc_config *cfg);

#endif
