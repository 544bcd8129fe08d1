/*
 * persistent_tap.h - for tests that need a TAP device by name (the chv
 * backend's TAP NICs): makes or removes a persistent TAP with the ioctls
 * of /dev/net/tun (vmc's own TAPs, src/net/tap.c, are never persistent).
 * Include after <errno.h>, <fcntl.h>, <stdio.h>, <string.h>,
 * <sys/ioctl.h>, <unistd.h>, <linux/if.h> and <linux/if_tun.h>.
 */
#ifndef VMC_TEST_PERSISTENT_TAP_H
#define VMC_TEST_PERSISTENT_TAP_H

/* Makes (persist 1) or removes (0) the persistent TAP `name`; 0, or -1
 * with why filled. */
static int persistent_tap(const char *name, int persist, char *why, size_t len)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, len, "/dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, persist) < 0) {
		snprintf(why, len, "TUNSETIFF/TUNSETPERSIST: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

#endif
