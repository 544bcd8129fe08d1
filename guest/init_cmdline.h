/*
 * init_cmdline.h - vmc-init's settings and the parser that reads them from
 * the kernel command line (/proc/cmdline). The parser is pure: no syscalls,
 * no allocation, fixed-size fields, so it can be unit-tested on the host and
 * cannot take PID 1 down on hostile input. Acting on the settings (network,
 * mounts, the workload) belongs to the rest of vmc-init.
 *
 * Options (all optional). A malformed value is reported and that setting
 * skipped; an unknown vmc.* key is reported and ignored.
 *   vmc.hostname=NAME       RFC 1123 labels, at most 64 bytes
 *   vmc.net=<iface|mac>,<addr/prefix>[,<gateway>]   static; repeatable
 *   vmc.net=<iface|mac>,dhcp | vmc.net=dhcp          DHCPv4 (dhcp alone: first NIC)
 *   vmc.dns=ADDR[,ADDR...]                            repeatable
 *   vmc.mount=<tag>:<path>[:ro|:rw]                   virtiofs; repeatable
 *   vmc.exec=ARG[,ARG...]   argv; ',' separates arguments, %XX is the byte
 *                           0xXX (so %2C is a comma, %20 a space, %25 '%').
 *                           The host encodes every byte outside
 *                           [A-Za-z0-9._/:=+@^-]; other raw bytes are taken
 *                           as they are. %00 is refused.
 *   vmc.ready=init|exec     VMC_READY when init is done (default) or once
 *                           the workload has been exec'd
 *   vmc.halt=poweroff|stay  after the workload exits (default: poweroff
 *                           when vmc.exec is given, else stay)
 *   vmc.modules=NAME[,NAME...]  extra kernel modules to load (e.g. 9p)
 *   vmc.stop_timeout=SECONDS    grace between SIGTERM and SIGKILL (default 2)
 *   vmc.debug=0|1           log each step with its time since boot
 * The root filesystem of an image (see init_root.c):
 *   vmc.root=/dev/NAME | vmc.root=serial:ID   the disk to switch to; ID is
 *                           a virtio-blk serial ([A-Za-z0-9._-], <= 20 bytes)
 *   vmc.rootfstype=TYPE     its filesystem ([a-z0-9], default ext4)
 *   vmc.env=KEY=VALUE       the workload's environment, repeatable, %XX
 *                           encoded like vmc.exec (',' is a plain byte here)
 *   vmc.workdir=PATH        absolute, %XX encoded; the workload's cwd
 *   vmc.user=USER[:GROUP]   %XX encoded; names or numeric ids, names looked
 *                           up in the new root's /etc/passwd and /etc/group
 */
#ifndef VMC_INIT_CMDLINE_H
#define VMC_INIT_CMDLINE_H

#include <stddef.h>

#define INIT_MAX_NETS 16
#define INIT_MAX_DNS 4
#define INIT_MAX_MOUNTS 16
#define INIT_MAX_MODULES 16
#define INIT_MAX_ARGS 64
#define INIT_EXEC_BYTES 4096      /* decoded argv bytes, NULs not counted */
#define INIT_HOSTNAME_MAX 64
#define INIT_IFNAME_MAX 16        /* IFNAMSIZ, NUL included */
#define INIT_TAG_MAX 36           /* virtiofs tag limit */
#define INIT_PATH_MAX 256
#define INIT_MODNAME_MAX 56       /* MODULE_NAME_LEN - 8 */
#define INIT_ERR_MAX 160
#define INIT_MAX_WARN 8
#define INIT_MAX_ENV 128
#define INIT_ENV_BYTES 8192       /* decoded vmc.env bytes, NULs not counted */
#define INIT_SERIAL_MAX 20        /* VIRTIO_BLK_ID_BYTES */
#define INIT_FSTYPE_MAX 16
#define INIT_USER_MAX 256

struct init_addr {
	int family;                /* 0 (unset), AF_INET or AF_INET6 */
	unsigned char bytes[16];   /* network order */
	unsigned int prefix;       /* 0..32 or 0..128 */
};

struct init_net {
	char ifname[INIT_IFNAME_MAX];  /* "" when chosen by MAC or "first NIC" */
	unsigned char mac[6];
	int by_mac;
	int dhcp;
	struct init_addr addr;         /* static only */
	struct init_addr gateway;      /* family 0: none */
};

struct init_mount {
	char tag[INIT_TAG_MAX + 1];
	char path[INIT_PATH_MAX];
	int read_only;
};

enum init_ready { INIT_READY_INIT = 0, INIT_READY_EXEC };
enum init_halt { INIT_HALT_DEFAULT = 0, INIT_HALT_POWEROFF, INIT_HALT_STAY };

struct init_config {
	char hostname[INIT_HOSTNAME_MAX + 1];
	struct init_net nets[INIT_MAX_NETS];
	size_t n_nets;
	struct init_addr dns[INIT_MAX_DNS];
	size_t n_dns;
	struct init_mount mounts[INIT_MAX_MOUNTS];
	size_t n_mounts;
	char modules[INIT_MAX_MODULES][INIT_MODNAME_MAX];
	size_t n_modules;
	char exec_buf[INIT_EXEC_BYTES + INIT_MAX_ARGS];
	char *argv[INIT_MAX_ARGS + 1];  /* into exec_buf, NULL-terminated */
	size_t argc;                    /* 0: no workload */
	char root_dev[INIT_PATH_MAX];       /* "" or a /dev path */
	char root_serial[INIT_SERIAL_MAX + 1]; /* "" or a virtio-blk serial */
	char rootfstype[INIT_FSTYPE_MAX];   /* "ext4" unless given */
	char env_buf[INIT_ENV_BYTES + INIT_MAX_ENV];
	char *env[INIT_MAX_ENV + 1];    /* into env_buf, NULL-terminated */
	size_t n_env;
	char workdir[INIT_PATH_MAX];    /* "" : / */
	char user[INIT_USER_MAX];       /* "" : root */
	enum init_ready ready;
	enum init_halt halt;            /* never DEFAULT after parsing */
	unsigned int stop_timeout_s;
	int debug;
	/* what was wrong with the command line: the first INIT_MAX_WARN
	 * messages; n_problems counts them all */
	char warnings[INIT_MAX_WARN][INIT_ERR_MAX];
	size_t n_warnings;
	size_t n_problems;
};

/*
 * Parses a kernel command line (as in /proc/cmdline, quotes handled like the
 * kernel does) into *cfg, which is reset first. Every vmc.* option is
 * checked; a malformed one is skipped, an unknown key ignored, and each is
 * described in cfg->warnings. Returns cfg->n_problems (0: all good).
 * cmdline may be NULL (treated as empty).
 */
size_t init_cmdline_parse(struct init_config *cfg, const char *cmdline);

/* Formats an address (without prefix) into out; returns out, or "?" on error. */
const char *init_addr_format(const struct init_addr *a, char *out, size_t outlen);

#endif
