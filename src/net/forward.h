/*
 * forward.h - host port forwards (`vmc run --publish`) served by vmc-shim
 * for NICs whose guest address the host routes to (TAP and bridge NICs),
 * and the IPv6 side of user-mode forwards (QEMU 7.2's hostfwd takes IPv4
 * host addresses only, so the shim listens on [::1] and relays to the IPv4
 * hostfwd port). One `struct fwd` owns the listening sockets, the TCP
 * connections (splice through a pipe per direction), the UDP flows (one
 * connected socket per client towards the guest, idle timeout) and its own
 * epoll fd, which the shim's loop watches as one fd and hands back to
 * fwd_dispatch(): the forwarder needs no shim and is unit-tested alone.
 *
 * Sockets are bound when a rule is added (so a port in use is an error at
 * start, before the shim reports success). A rule whose guest address is
 * not known yet (no static address: it comes with the ready line) keeps
 * its socket bound but unpolled until fwd_set_guest(): TCP clients wait in
 * the listen backlog and UDP datagrams in the socket buffer until then.
 * A rule with a known address serves at once; a connection the guest
 * refuses (nothing listening yet) closes only that client, with a reset.
 *
 * Which NIC the forwards go through and what each rule listens on is
 * decided from the VM's config by forward_plan.c.
 */
#ifndef VMC_NET_FORWARD_H
#define VMC_NET_FORWARD_H

#include <stddef.h>
#include <sys/socket.h>

#include "vmc.h"

#define FWD_TCP_MAX_CONNS 128  /* concurrent TCP connections per VM */
#define FWD_UDP_MAX_FLOWS 256  /* concurrent UDP clients per VM */
#define FWD_UDP_IDLE_MS 60000  /* a UDP flow without traffic ends */
#define FWD_MAX_RULES (2 * VMC_DEVICES_MAX) /* a default address is two */
#define FWD_LABEL_MAX 64

struct fwd;

struct fwd_limits {
	unsigned int max_conns;    /* 0: FWD_TCP_MAX_CONNS */
	unsigned int max_flows;    /* 0: FWD_UDP_MAX_FLOWS */
	unsigned int udp_idle_ms;  /* 0: FWD_UDP_IDLE_MS */
	/* Optional: told about clients turned away and unexpected errors. */
	void (*log)(void *arg, const char *msg);
	void *log_arg;
};

struct fwd_stats {
	unsigned int conns;              /* open TCP connections */
	unsigned int flows;              /* open UDP flows */
	unsigned long long accepted;     /* TCP clients accepted */
	unsigned long long refused;      /* TCP clients closed: guest refused, cap */
	unsigned long long udp_dropped;  /* datagrams dropped: flow cap, errors */
	unsigned long long expired;      /* UDP flows ended by the idle timeout */
};

/* lim may be NULL (defaults). Returns 0, VMC_EIO or VMC_ENOMEM. */
int fwd_new(struct fwd **out, const struct fwd_limits *lim);
/* Closes every socket, connection and flow. NULL: no-op. */
void fwd_free(struct fwd *f);
/* The fd to poll for input; then call fwd_dispatch(). */
int fwd_fd(const struct fwd *f);
/* Handles what is ready, without blocking. */
void fwd_dispatch(struct fwd *f);

/* Listens on `host` (IPv4 or IPv6, port set) and forwards to `target`, or,
 * with target NULL, to port `guest_port` of the address given later to
 * fwd_set_guest(). `label` names the rule in errors ("--publish 8080").
 * Returns 0; VMC_EBUSY with "<label>: 127.0.0.1:8080/tcp is already in
 * use" when the port is taken; VMC_EINVAL past FWD_MAX_RULES; VMC_EIO. */
int fwd_listen(struct fwd *f, vmc_proto proto, const struct sockaddr *host, socklen_t host_len,
	       const struct sockaddr *target, socklen_t target_len, unsigned int guest_port,
	       const char *label);
/* The guest's address (IPv4 or IPv6 literal) for the rules added without
 * a target; they start serving. Returns 0 or VMC_EINVAL. */
int fwd_set_guest(struct fwd *f, const char *ip);
/* Creates the sockets towards the guest inside network namespace
 * /run/netns/<name> (a bridge network made with --netns): the listening
 * sockets stay where the caller is. Returns 0, VMC_ENOTFOUND or VMC_EIO. */
int fwd_set_guest_netns(struct fwd *f, const char *name);
/* A socket towards the guest, in its namespace; -1 with errno set. */
int fwd_guest_socket(struct fwd *f, int family, int type);
/* Number of rules still waiting for fwd_set_guest(). */
size_t fwd_waiting(const struct fwd *f);
void fwd_get_stats(const struct fwd *f, struct fwd_stats *out);

/* "127.0.0.1:8080" or "[::1]:8080" into buf. */
void fwd_format_addr(const struct sockaddr *sa, char *buf, size_t len);

/* ---- forward_plan.c: from a VM config ---- */

/* The NIC a config's forwards go through: the first user-mode NIC (QEMU's
 * hostfwd), else the first NIC the host can route to: TAP, bridge, or a
 * switch network with a host port (looked up under state_dir, the
 * manager's; NULL: switch networks count as unreachable). -1 if none
 * (then fwd_plan_check() fails). */
int fwd_plan_nic(const struct vmc_config *cfg, const char *state_dir);
/* Refuses forwards no NIC can carry, before anything starts: none at all,
 * or only switch networks (the host has no way into them). Returns 0 or
 * VMC_EINVAL with a message. */
int fwd_plan_check(const struct vmc_config *cfg, const char *state_dir);
/* Binds every forward of cfg the shim serves and checks the ports QEMU's
 * hostfwd will bind are free. For an IPv6 host address on a user-mode NIC
 * it picks a free IPv4 loopback port for hostfwd and records it in the
 * forward's relay_port (read by the QEMU backend). For a bridge NIC whose
 * network lives in its own namespace, the guest side is made in it
 * (vm_dir, <state>/<ns>/<name>, finds the network; NULL: no bridge
 * lookup). Returns 0 or the error of the first port that cannot be had. */
int fwd_plan_apply(struct fwd *f, struct vmc_config *cfg, const char *vm_dir);

#endif
