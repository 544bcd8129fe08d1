/*
 * switch_peer_darwin.c - path-mode ports on macOS: refused. A path-mode
 * port sends to a socket its peer binds (QEMU's `-netdev dgram`, Linux
 * only); switch_peer.c follows the peer's socket file with inotify. VZ's
 * file-handle NICs use socketpair ports, which are connected from birth
 * and need none of this, so on macOS vsw_port_add() with a peer path
 * fails with "not available on macOS" before a socket is made.
 */
#include "core/error.h"
#include "net/switch.h"

int vsw_peer_watch_start(struct vswitch *vs)
{
	vs->peers.fd = -1;
	return 0;
}

int vsw_peer_init(struct vswitch *vs, struct vsw_port *p, const char *peer)
{
	(void)vs;
	(void)p;
	return vmc_error_set(VMC_EUNSUPPORTED, "port to '%s': path-mode ports (QEMU's -netdev "
			     "dgram) are not available on macOS; use a socketpair port", peer);
}

void vsw_peer_fini(struct vswitch *vs, struct vsw_port *p)
{
	(void)vs;
	(void)p;
}

int vsw_peer_connect(struct vsw_port *p)
{
	return p->connected ? 0 : -1;
}
