/*
 * guest_cmdline.h - the host side of the vmc guest contract: turns a
 * vmc_config into the kernel command line vmc-init reads from /proc/cmdline
 * (vmc.hostname=, vmc.net=, vmc.dns=, vmc.exec=, vmc.halt=), and the
 * percent-encoding of vmc.exec arguments with its decoder. The guest side
 * (guest/init_cmdline.c) parses the same format.
 */
#ifndef VMC_BACKEND_GUEST_CMDLINE_H
#define VMC_BACKEND_GUEST_CMDLINE_H

#include <stddef.h>
#include "core/config.h"

/* The kernel command line when the config has none. */
#define GUEST_CMDLINE_DEFAULT "console=ttyS0 quiet cryptomgr.notests panic=-1"
/* Limits of vmc.exec in the guest contract. */
#define GUEST_EXEC_ARGS_MAX 64
#define GUEST_EXEC_BYTES_MAX 4096  /* decoded bytes of all arguments */
/* QEMU user-mode networking defaults. */
#define GUEST_USER_NET_ADDR "10.0.2.15/24"
#define GUEST_USER_NET_GW "10.0.2.2"
#define GUEST_USER_NET_DNS "10.0.2.3"

/* Builds the command line into *out (malloc'd, the caller frees it):
 * cfg->cmdline or GUEST_CMDLINE_DEFAULT, then `accel_extra` (e.g.
 * "tsc_early_khz=2596122"; NULL or "" for none), then for each NIC with an
 * address `vmc.net=<mac>,<addr>[,<gw>]` (user NICs default to
 * 10.0.2.15/24 via 10.0.2.2, plus one vmc.dns=10.0.2.3; an address of
 * "dhcp" gives `vmc.net=<mac>,dhcp`; TAP NICs without an address get
 * nothing), `vmc.hostname=<name>` ('_' written as '-'; left out when
 * the name is not a valid RFC 1123 hostname, e.g. "a..b"), and with a
 * workload
 * `vmc.exec=<args> vmc.halt=poweroff`. With an image (core/config_image.h):
 * `vmc.root=serial:vmc-root vmc.rootfstype=ext4`, a %XX-encoded vmc.env=
 * per Env entry, vmc.workdir= and vmc.user= when set, and the workload
 * (the config's argv, else the image's Entrypoint + Cmd; VMC_EINVAL when
 * neither exists or the line reaches the kernel's 2048 bytes, the size
 * named). VMC_EINVAL if a value cannot be
 * written as one command-line word, the workload has an empty program
 * name or exceeds the contract's limits, or the result exceeds
 * VMC_CMDLINE_MAX; VMC_ENOMEM. */
int guest_cmdline_build(const struct vmc_config *cfg, const char *accel_extra, char **out);

/* Percent-encodes one vmc.exec argument into out (NUL-terminated): bytes
 * in [A-Za-z0-9._/:=+@^-] are kept, every other byte becomes %XX
 * (uppercase). Returns the encoded length, or VMC_EINVAL if out_len is too
 * small (3 * strlen(arg) + 1 always suffices). */
int guest_cmdline_encode_arg(const char *arg, char *out, size_t out_len);

/* Decodes a vmc.exec value (without "vmc.exec=") into a NULL-terminated
 * argv: *argv_out is one allocation holding pointers and strings (free()
 * it once), *argc_out its count. Either hex case is accepted. VMC_EINVAL
 * for a bad or %00 escape, a byte that must have been encoded, more than
 * GUEST_EXEC_ARGS_MAX arguments or GUEST_EXEC_BYTES_MAX decoded bytes;
 * VMC_ENOMEM. */
int guest_cmdline_decode_exec(const char *value, char ***argv_out, int *argc_out);

#endif
