/*
 * switch_host.c - the host port of a switch network created with a host
 * port (config.json "host": true): a TAP device owned by this vmc-switch
 * (never persistent: it vanishes when the switch exits), given the
 * subnet's gateway address (.1) and set up with netlink (net/nl.c), so
 * that the host routes to the network's guests and `--publish` works for
 * switch NICs. Frames move between the TAP fd and an ordinary socketpair
 * port of this switch named "host": read() one frame, send() it on; a
 * frame the other side cannot take right now is dropped (TCP resends),
 * so the host can never stall the switch. Needs CAP_NET_ADMIN (root).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "net/netaddr.h"
#include "net/nl.h"
#include "net/switch.h"
#include "net/tap.h"

#define HOST_TAP_TEMPLATE "vmcs%d"
#define HOST_BATCH 64 /* frames per wake-up, each way */

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "fcntl");
	return 0;
}

/* TAP -> switch */
static int tap_readable(struct vswitch *vs, struct vsw_watch *w, uint32_t events)
{
	(void)events;
	for (int i = 0; i < HOST_BATCH; i++) {
		ssize_t n = read(w->fd, vs->rxbuf, SWITCH_FRAME_MAX);

		if (n <= 0)
			break;
		(void)!send(vs->host_pair.fd, vs->rxbuf, (size_t)n, MSG_DONTWAIT);
	}
	return 0;
}

/* switch -> TAP */
static int pair_readable(struct vswitch *vs, struct vsw_watch *w, uint32_t events)
{
	(void)events;
	for (int i = 0; i < HOST_BATCH; i++) {
		ssize_t n = recv(w->fd, vs->rxbuf, SWITCH_FRAME_MAX, MSG_DONTWAIT);

		if (n <= 0)
			break;
		(void)!write(vs->host_tap.fd, vs->rxbuf, (size_t)n);
	}
	return 0;
}

/* The network's subnet if its config asks for a host port; 0 = no. */
static int wants_host(const char *dir, struct netaddr_subnet *s)
{
	char *path = fs_join(dir, "config.json");
	json_error_t jerr;
	json_t *cfg = path ? json_load_file(path, 0, &jerr) : NULL;
	const char *subnet = json_string_value(json_object_get(cfg, "subnet"));
	int want = json_is_true(json_object_get(cfg, "host")), rc = 0;

	free(path);
	if (want)
		rc = subnet && netaddr_parse_subnet(subnet, s) == 0
			? 1 : vmc_error_set(VMC_EPROTO, "config.json: bad subnet for the host port");
	json_decref(cfg);
	return rc;
}

int vsw_host_open(struct vswitch *vs)
{
	struct netaddr_subnet s;
	char ip[NETADDR_STRLEN];
	struct nl_link link;
	struct vsw_port *p = NULL;
	struct nl nl = { 0 };
	int rc, nl_open_ok = 0;

	rc = wants_host(vs->dir, &s);
	if (rc <= 0)
		return rc;
	rc = tap_open(HOST_TAP_TEMPLATE, 1, 0, &vs->host_tap.fd, vs->host_if);
	if (rc == 0)
		rc = set_nonblock(vs->host_tap.fd);
	if (rc == 0) {
		rc = nl_open(&nl);
		nl_open_ok = rc == 0;
	}
	netaddr_format_host(&s, 1, ip);
	if (rc == 0)
		rc = nl_link_get(&nl, vs->host_if, &link);
	if (rc == 0)
		rc = nl_addr_add(&nl, link.index, ip, s.prefix);
	if (rc == 0)
		rc = nl_link_set_up(&nl, link.index, 1);
	if (nl_open_ok)
		nl_close(&nl);
	if (rc == 0)
		rc = vsw_port_add(vs, "host", NULL, &vs->host_pair.fd, &p);
	if (rc == 0)
		rc = set_nonblock(vs->host_pair.fd);
	vs->host_tap.handler = tap_readable;
	vs->host_pair.handler = pair_readable;
	if (rc == 0)
		rc = vsw_watch_add(vs, &vs->host_tap, VSW_EV_IN);
	if (rc == 0)
		rc = vsw_watch_add(vs, &vs->host_pair, VSW_EV_IN);
	if (rc < 0)
		return vmc_error_prefix(rc, "host port %s (%s/%u)", vs->host_if, ip, s.prefix);
	fprintf(stderr, "vmc-switch: host port %s with %s/%u\n", vs->host_if, ip, s.prefix);
	return 0;
}

void vsw_host_close(struct vswitch *vs)
{
	if (vs->host_tap.fd >= 0) {
		vsw_watch_del(vs, &vs->host_tap);
		close(vs->host_tap.fd); /* the device goes with its last fd */
		vs->host_tap.fd = -1;
	}
	if (vs->host_pair.fd >= 0) {
		vsw_watch_del(vs, &vs->host_pair);
		close(vs->host_pair.fd);
		vs->host_pair.fd = -1;
	}
}
