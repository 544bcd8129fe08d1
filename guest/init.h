/*
 * init.h - what vmc-init's pieces share: logging and console lines
 * (init_console.c) and the entry points of the module loader
 * (init_modules.c), the network setup (init_net.c) and the DHCP client
 * (init_dhcp.c) and the switch to an image's root (init_root.c). The main
 * loop, mounts and the workload live in vmc-init.c.
 */
#ifndef VMC_INIT_H
#define VMC_INIT_H

#include <stddef.h>
#include <stdint.h>

#include "init_cmdline.h"
#include "init_user.h"

#define INIT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define INIT_MAX_CONSOLES 4
#define INIT_TTY_NAME 16

/* init_tools.c: `/init TOOL ARGS` when not PID 1 (udp-echo PORT).
 * Returns the exit status. */
int init_tool_main(int argc, char **argv);

/* CLOCK_MONOTONIC in milliseconds. */
long init_now_ms(void);
/* "vmc-init: <message>\n" on stderr (the console), errno preserved. */
void init_log(const char *fmt, ...) INIT_PRINTF(1, 2);
/* Same, prefixed with the seconds since boot, only when `on`. */
void init_debug(int on, const char *fmt, ...) INIT_PRINTF(2, 3);
/* Points fds 0-2 at /dev/console if the kernel could not (call after
 * devtmpfs is mounted). */
void console_ensure_stdio(void);
/* The console ttys (names under /dev): the kernel's active consoles first,
 * then ttyS0 and hvc0 if not listed. At most max. */
size_t console_names(char names[][INIT_TTY_NAME], size_t max);
/* Writes `line` (a complete line) to every console tty that opens, or to
 * stdout if none does. */
void console_announce(const char *line);
/* Waits until every console has sent its buffered output, at most
 * timeout_ms (call before powering off). */
void console_drain(int timeout_ms);

/*
 * Loads, with their dependencies from modules.dep, the modules whose
 * modules.alias patterns match the modalias of a device on a bus,
 * repeating until a pass loads nothing new (a bus driver makes new devices
 * appear), then the `extra` modules by name. Missing /lib/modules/<release>
 * means a kernel with everything built in: returns 0. Returns the number of
 * modules loaded, or -1 if an extra module could not be loaded.
 */
int modules_coldplug(const char *const *extra, size_t n_extra, int verbose);

/* One lease from a DHCPv4 server. */
struct dhcp_lease {
	struct init_addr addr;      /* with prefix from the subnet mask */
	struct init_addr router;    /* family 0 if none offered */
	struct init_addr dns[INIT_MAX_DNS];
	size_t n_dns;
	uint32_t lease_s;
};

/* DISCOVER/OFFER/REQUEST/ACK on an interface that is up. 0 or -1. */
int dhcp_acquire(const char *ifname, const unsigned char mac[6], int timeout_ms,
		 struct dhcp_lease *out, int verbose);

/*
 * Brings up lo and every NIC in cfg->nets (by name, by MAC, or the first
 * ethernet NIC), assigns its address (static or DHCP) and default route,
 * sets the hostname and writes /etc/resolv.conf and /etc/hosts. The
 * addresses it assigned, in order, go to up[] (*n_up of them).
 * Returns 0, or -1 after logging what failed; the first failure is also
 * written to err (for the VMC_ERROR line).
 */
int net_setup(const struct init_config *cfg, struct init_addr *up, size_t *n_up,
	      char *err, size_t errlen);

/*
 * Mounts the disk named by vmc.root= (waiting briefly for it to appear),
 * moves /dev, /proc, /sys and /run into it, frees the initramfs and makes
 * it the root. Returns 0, or -1 with the reason in err.
 */
int root_switch(const struct init_config *cfg, char *err, size_t errlen);
/* The workload's ids and home from vmc.user= (root when empty) and the
 * root's /etc/passwd and /etc/group. 0, or -1 with the reason in err. */
int root_workload_ids(const struct init_config *cfg, struct init_ids *ids, char *err,
		      size_t errlen);

#endif
