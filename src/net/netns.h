/*
 * netns.h - named network namespaces for bridge networks created with
 * --netns: made the way `ip netns add` makes them (a file under
 * /run/netns bind-mounted over a new namespace, so it lives without a
 * process in it), entered by the calling thread for a few operations and
 * left again (setns affects only the calling thread), and deleted. Also
 * where a VM's shim learns a network's namespace. Internal to vmc.
 */
#ifndef VMC_NET_NETNS_H
#define VMC_NET_NETNS_H

#include <stddef.h>

#define NETNS_RUN_DIR "/run/netns"

/* Creates named namespace `name` (VMC_NAME_MAX charset). `made` (if not
 * NULL) is called once the new namespace exists, before it gets the
 * name, with its id (see netns_id): a record can name it before anyone
 * can see it; a failure there ends the creation with that error.
 * VMC_EEXISTS if /run/netns/<name> exists (it is left alone). The
 * caller's namespace is unchanged afterwards. */
int netns_create(const char *name, int (*made)(unsigned long long id, void *arg), void *arg);
/* The id of the namespace named `name` (its nsfs inode number, unique
 * while it lives): 0, or VMC_ENOTFOUND when there is no such name or no
 * namespace is mounted there. */
int netns_id(const char *name, unsigned long long *id);
/* Unmounts and removes /run/netns/<name>; the namespace goes once
 * nothing is in it. Missing: 0. */
int netns_delete(const char *name);
/* Moves the calling thread into `name`; *saved gets an fd of the one it
 * was in, for netns_leave(). VMC_ENOTFOUND if there is no such name. */
int netns_enter(const char *name, int *saved);
/* Back into *saved (closed and reset to -1); -1: nothing to do. */
int netns_leave(int *saved);
/* socket(domain, type | SOCK_CLOEXEC, protocol) made inside namespace
 * `name` (NULL or "": here): a socket stays in the namespace it was made
 * in, so e.g. a forwarder in vmc-shim can reach guests of a --netns
 * network. The fd, or < 0 with the error set. */
int netns_socket(const char *name, int domain, int type, int protocol);
/* The namespace of bridge network `network` as recorded in its
 * config.json, for the VM in vm_dir (<state>/<ns>/<name>): out = "" when
 * the network lives in vmc's own namespace. */
int netns_of_network(const char *vm_dir, const char *network, char *out, size_t len);

#endif
