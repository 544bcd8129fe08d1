/*
 * init_root.c - switching vmc-init to an image's root filesystem
 * (vmc.root=, vmc.rootfstype=) and reading the image's user database for
 * the workload (vmc.user=, parsed by init_user.c).
 *
 * vmc-init stays PID 1 across the switch, like busybox switch_root but
 * without an exec: it finds the disk (by /dev path or virtio-blk serial),
 * mounts it on /newroot, moves /dev, /proc, /sys and /run into it, drops
 * the initramfs /tmp (the image's /tmp is used), deletes the initramfs
 * contents to give their memory back (never crossing a mount), then moves
 * /newroot onto / and chroots into it. vmc-init's code is already in
 * memory, so it keeps supervising: the workload runs in the new root, and
 * the VMC_READY / VMC_EXIT lines and the power-off path are unchanged.
 */
#include "init.h"
#include "init_user.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define NEWROOT "/newroot"
#define DEVICE_WAIT_MS 5000
#define USERDB_MAX (1024 * 1024)
#define RAMFS_MAGIC 0x858458f6
#define TMPFS_MAGIC 0x01021994

/* The /dev path of the virtio-blk disk whose serial is `serial`. */
static int find_by_serial(const char *serial, char *dev, size_t devlen)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	int found = -1;

	if (!d)
		return -1;
	while (found < 0 && (e = readdir(d)) != NULL) {
		char path[300], buf[64];
		ssize_t n;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/serial", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
			n--;
		buf[n] = '\0';
		if (strcmp(buf, serial) == 0) {
			snprintf(dev, devlen, "/dev/%.200s", e->d_name);
			found = 0;
		}
	}
	closedir(d);
	return found;
}

/* The disk's node, if it is there yet: 0, or -1. */
static int find_device(const struct init_config *cfg, char *dev, size_t devlen)
{
	struct stat sb;

	if (cfg->root_serial[0])
		return find_by_serial(cfg->root_serial, dev, devlen) == 0 && stat(dev, &sb) == 0 ?
		       0 : -1;
	snprintf(dev, devlen, "%s", cfg->root_dev);
	return stat(dev, &sb) == 0 ? 0 : -1;
}

/*
 * The disk's driver was loaded by the module coldplug, but its probe and
 * devtmpfs node may trail the module load a little. The kernel announces
 * every new device on the uevent netlink group after devtmpfs made its
 * node, so: listen first, look, and look again after each uevent, for a
 * bounded time.
 */
static int wait_device(const struct init_config *cfg, char *dev, size_t devlen)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	long deadline = init_now_ms() + DEVICE_WAIT_MS;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_KOBJECT_UEVENT);
	int rc = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char buf[4096];
		long left;

		if (find_device(cfg, dev, devlen) == 0) {
			rc = 0;
			break;
		}
		left = deadline - init_now_ms();
		if (left <= 0 || fd < 0)
			break;
		if (poll(&pfd, 1, (int)left) > 0)
			while (recv(fd, buf, sizeof(buf), 0) > 0)
				; /* which device does not matter: look again */
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Deletes everything under dirfd that lives on device `dev`. */
static void delete_tree(int dirfd, dev_t dev, int depth)
{
	DIR *d;
	struct dirent *e;

	if (depth > 64)
		return;
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat sb;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || sb.st_dev != dev)
			continue; /* a mount point (the new root): not ours */
		if (S_ISDIR(sb.st_mode)) {
			int sub = openat(dirfd, e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0)
				delete_tree(sub, dev, depth + 1);
			unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dirfd, e->d_name, 0);
		}
	}
	closedir(d);
}

/* Frees the initramfs: only when / really is one (ramfs or tmpfs). */
static void free_initramfs(void)
{
	struct statfs sfs;
	struct stat sb;
	int fd;

	if (statfs("/", &sfs) < 0 || stat("/", &sb) < 0 ||
	    ((unsigned long)sfs.f_type != RAMFS_MAGIC && (unsigned long)sfs.f_type != TMPFS_MAGIC))
		return;
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		delete_tree(fd, sb.st_dev, 0);
}

static int move_into_root(const char *dir, char *err, size_t errlen)
{
	char target[64];

	snprintf(target, sizeof(target), NEWROOT "%s", dir);
	if (mkdir(target, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "root: mkdir %s: %s", target, strerror(errno));
		return -1;
	}
	if (mount(dir, target, NULL, MS_MOVE, NULL) < 0) {
		snprintf(err, errlen, "root: move %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int root_switch(const struct init_config *cfg, char *err, size_t errlen)
{
	static const char *const moved[] = { "/dev", "/proc", "/sys", "/run" };
	char dev[INIT_PATH_MAX];
	size_t i;

	if (wait_device(cfg, dev, sizeof(dev)) < 0) {
		if (cfg->root_serial[0])
			snprintf(err, errlen, "root: no disk with serial '%s'", cfg->root_serial);
		else
			snprintf(err, errlen, "root: no device %s", cfg->root_dev);
		return -1;
	}
	if (mkdir(NEWROOT, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "root: mkdir " NEWROOT ": %s", strerror(errno));
		return -1;
	}
	if (mount(dev, NEWROOT, cfg->rootfstype, 0, NULL) < 0) {
		snprintf(err, errlen, "root: mount %s (%s): %s", dev, cfg->rootfstype,
			 strerror(errno));
		return -1;
	}
	init_debug(cfg->debug, "root: %s mounted", dev);
	for (i = 0; i < sizeof(moved) / sizeof(moved[0]); i++)
		if (move_into_root(moved[i], err, errlen) < 0)
			return -1;
	umount2("/tmp", MNT_DETACH); /* the image's own /tmp from here on */
	free_initramfs();
	if (chdir(NEWROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0) {
		snprintf(err, errlen, "root: switch to %s: %s", dev, strerror(errno));
		return -1;
	}
	init_debug(cfg->debug, "root: switched");
	return 0;
}

/* Reads at most USERDB_MAX bytes of `path` into buf; a missing file is
 * empty. -1 only when it exists and cannot be read, is too large or is
 * not a regular file (the image's: a FIFO there would block vmc-init
 * forever instead of failing the boot with VMC_ERROR). */
static int read_userdb(const char *path, char *buf, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	size_t used = 0;
	struct stat sb;
	ssize_t n;

	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	while ((n = read(fd, buf + used, USERDB_MAX - used)) > 0) {
		used += (size_t)n;
		if (used == USERDB_MAX) {
			close(fd);
			snprintf(err, errlen, "%s: larger than %d bytes", path, USERDB_MAX);
			return -1;
		}
	}
	close(fd);
	*len = used;
	return 0;
}

int root_workload_ids(const struct init_config *cfg, struct init_ids *ids, char *err,
		      size_t errlen)
{
	static char passwd[USERDB_MAX], group[USERDB_MAX];
	size_t plen, glen;

	if (read_userdb("/etc/passwd", passwd, &plen, err, errlen) < 0 ||
	    read_userdb("/etc/group", group, &glen, err, errlen) < 0)
		return -1;
	return init_user_resolve(cfg->user[0] ? cfg->user : "0", passwd, plen, group, glen, ids,
				 err, errlen);
}
