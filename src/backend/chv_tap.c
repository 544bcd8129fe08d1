/*
 * chv_tap.c - TAP devices for Cloud Hypervisor NICs, handed over as fds:
 * the shim opens the existing TAP by name (TUNSETIFF with IFF_TAP |
 * IFF_NO_PI | IFF_VNET_HDR, plus IFF_MULTI_QUEUE when the device was made
 * multi-queue, as CH itself would), so CH needs no CAP_NET_ADMIN and never
 * creates a TAP of its own. The fd goes to CH as --net fd=N at launch and
 * through SCM_RIGHTS on vm.restore.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backend/chv_vm.h"
#include "core/error.h"
#include "core/fsutil.h"

/* The device's tun_flags from sysfs. */
static int tap_flags(const char *name, unsigned long *flags)
{
	char path[64 + IFNAMSIZ], *text = NULL, *end;
	int rc;

	if (!name || !*name || strlen(name) >= IFNAMSIZ || strchr(name, '/'))
		return vmc_error_set(VMC_EINVAL, "'%s' is not a network interface name",
				     name ? name : "");
	snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", name);
	rc = fs_read_file(path, 64, &text, NULL);
	if (rc == VMC_ENOTFOUND)
		return vmc_error_set(VMC_ENOTFOUND, "no TAP device '%s' (create it first, e.g. "
				     "`ip tuntap add %s mode tap`)", name, name);
	if (rc < 0)
		return rc;
	*flags = strtoul(text, &end, 16);
	free(text);
	if (!(*flags & IFF_TAP))
		return vmc_error_set(VMC_EINVAL, "'%s' is a TUN device, not a TAP", name);
	return 0;
}

int chv_tap_check(const char *name)
{
	unsigned long flags;

	return tap_flags(name, &flags);
}

int chv_tap_open(const char *name, int *out)
{
	struct ifreq ifr;
	unsigned long flags;
	int fd, rc;

	rc = tap_flags(name, &flags);
	if (rc < 0)
		return rc;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot open /dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (flags & IFF_MULTI_QUEUE));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		rc = vmc_error_set_errno(errno == EBUSY ? VMC_EBUSY : VMC_EIO, errno,
					 "cannot attach to TAP device '%s'%s", name,
					 errno == EBUSY ? " (in use by another process)" : "");
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}
