/*
 * tap.c - TAP devices through /dev/net/tun (see tap.h): TUNSETIFF with
 * IFF_TAP|IFF_NO_PI (+IFF_VNET_HDR, +IFF_MULTI_QUEUE for several queues,
 * each queue one more open of the same name), TUNSETOWNER to the
 * effective uid, no TUNSETPERSIST. The TAP joins its bridge through the
 * bridge ioctls (SIOCBRADDIF, SIOCSIFFLAGS) rather than nl.c: this file
 * runs in vmc-shim, which is linked statically, and Debian ships libmnl
 * as a shared library only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/sockios.h>

#include <sys/socket.h>

#include "core/error.h"
#include "net/bridge.h"
#include "net/netns.h"
#include "net/tap.h"

static int tap_open_one(const char *name, short flags, int *fd, char ifname[IFNAMSIZ])
{
	struct ifreq ifr;
	int e;

	*fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (*fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "tap: open /dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = flags;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(*fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		close(*fd);
		*fd = -1;
		return vmc_error_set_errno(e == EBUSY || e == EEXIST ? VMC_EEXISTS : VMC_EIO, e,
					   "tap: create '%s'", name);
	}
	if (ioctl(*fd, TUNSETOWNER, (unsigned long)geteuid()) < 0) {
		e = errno;
		close(*fd);
		*fd = -1;
		return vmc_error_set_errno(VMC_EIO, e, "tap: set owner of '%s'", ifr.ifr_name);
	}
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[IFNAMSIZ - 1] = '\0';
	return 0;
}

int tap_open(const char *name, unsigned int queues, int vnet_hdr, int *fds,
	     char ifname[IFNAMSIZ])
{
	short flags = IFF_TAP | IFF_NO_PI;
	unsigned int i;
	int rc = 0;

	if (!name || !*name || strlen(name) >= IFNAMSIZ)
		return vmc_error_set(VMC_EINVAL, "tap: invalid name '%.40s'", name ? name : "");
	if (queues < 1 || queues > TAP_MAX_QUEUES)
		return vmc_error_set(VMC_EINVAL, "tap: %u queues (1..%d)", queues, TAP_MAX_QUEUES);
	if (vnet_hdr)
		flags |= IFF_VNET_HDR;
	if (queues > 1)
		flags |= IFF_MULTI_QUEUE;
	for (i = 0; i < queues; i++)
		fds[i] = -1;
	rc = tap_open_one(name, flags, &fds[0], ifname);
	/* the other queues attach to the device the first open made */
	for (i = 1; rc == 0 && i < queues; i++) {
		char again[IFNAMSIZ];

		rc = tap_open_one(ifname, flags, &fds[i], again);
	}
	if (rc < 0) {
		for (i = 0; i < queues; i++)
			if (fds[i] >= 0) {
				close(fds[i]);
				fds[i] = -1;
			}
	}
	return rc;
}

int tap_attach(const char *ifname, const char *bridge)
{
	struct ifreq ifr;
	unsigned int idx;
	int fd, rc = 0;

	if (strlen(ifname) >= IFNAMSIZ || strlen(bridge) >= IFNAMSIZ)
		return vmc_error_set(VMC_EINVAL, "tap: invalid interface name");
	idx = if_nametoindex(ifname);
	if (idx == 0)
		return vmc_error_set_errno(VMC_EIO, errno, "tap: find '%s'", ifname);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "tap: socket");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
	ifr.ifr_ifindex = (int)idx;
	if (ioctl(fd, SIOCBRADDIF, &ifr) < 0) {
		int e = errno;

		rc = e == ENODEV ? vmc_error_set(VMC_ENOTFOUND, "bridge '%s' is gone (was the network "
						 "removed?)", bridge)
				 : vmc_error_set_errno(VMC_EIO, e, "tap: add '%s' to bridge '%s'",
						       ifname, bridge);
		goto out;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "tap: get flags of '%s'", ifname);
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "tap: set '%s' up", ifname);
out:
	close(fd);
	return rc;
}

int tap_open_for_nic(const struct vmc_nic *nic, const char *netns, unsigned int queues, int *fds,
		     char ifname[IFNAMSIZ])
{
	char bridge[IFNAMSIZ];
	int rc, saved = -1;

	if (nic->kind != VMC_NIC_BRIDGE || !nic->tap)
		return vmc_error_set(VMC_EINVAL, "tap: not a bridge nic");
	rc = bridge_name(nic->tap, bridge);
	if (rc == 0 && netns && *netns)
		rc = netns_enter(netns, &saved);
	if (rc == 0)
		rc = tap_open(TAP_NAME_TEMPLATE, queues, 1, fds, ifname);
	if (rc < 0) {
		netns_leave(&saved);
		return vmc_error_prefix(rc, "network '%s'", nic->tap);
	}
	rc = tap_attach(ifname, bridge);
	if (netns_leave(&saved) < 0 && rc == 0)
		rc = VMC_EIO;
	if (rc < 0) {
		for (unsigned int i = 0; i < queues; i++) {
			close(fds[i]);
			fds[i] = -1;
		}
		return vmc_error_prefix(rc, "network '%s'", nic->tap);
	}
	return 0;
}
