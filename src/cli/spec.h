/*
 * spec.h - parsers for the structured arguments of `vmc run` and the
 * default guest lookup.
 *
 * Each parser turns one command-line string into a plain struct with
 * bounded buffers and says what is wrong in `err`; it checks syntax only.
 * Whether a value is acceptable (a valid MAC, a usable port, an existing
 * file) is for the vmc_config setters to decide, so the CLI and embedding
 * programs get the same rules and messages.
 */
#ifndef VMC_CLI_SPEC_H
#define VMC_CLI_SPEC_H

#include <stddef.h>

#include <vmc.h>

#define CLI_SPEC_PATH_MAX 4096
#define CLI_SPEC_ERR_MAX 200

/* --disk PATH[:ro][:qcow2] (":rw" and ":raw" accepted too, in any order) */
struct cli_disk {
	char path[CLI_SPEC_PATH_MAX];
	int read_only;
	vmc_disk_format format;
};
int cli_parse_disk(const char *spec, struct cli_disk *out, char *err, size_t err_size);

/* --share HOSTPATH:TAG[:ro] */
struct cli_share {
	char host_path[CLI_SPEC_PATH_MAX];
	char tag[128];
	int read_only;
};
int cli_parse_share(const char *spec, struct cli_share *out, char *err, size_t err_size);

/* --net user|tap:NAME|switch:NETWORK[,mac=MAC][,ip=ADDR/PREFIX][,gw=ADDR];
 * unset fields are "" (mac, ip, gw passed as NULL to vmc_config_add_nic).
 * `tap` holds the TAP device or the switch network's name. */
struct cli_net {
	vmc_nic_kind kind;
	char tap[64];
	char mac[32];
	char ip[80];
	char gw[64];
	unsigned int queues;   /* 0: not given */
};
int cli_parse_net(const char *spec, struct cli_net *out, char *err, size_t err_size);

/* --publish [ADDR:]HOSTPORT:GUESTPORT[/udp|/tcp]; ADDR may be an IPv6
 * address in brackets. addr is "" when absent. */
struct cli_publish {
	char addr[64];
	unsigned int host_port;
	unsigned int guest_port;
	vmc_proto proto;
};
int cli_parse_publish(const char *spec, struct cli_publish *out, char *err, size_t err_size);

/* The default guest directory: $VMC_GUEST_DIR, else $VMC_DATA_DIR/guest,
 * else /var/lib/vmc/guest for root, else
 * ${XDG_DATA_HOME:-$HOME/.local/share}/vmc/guest. `getenv_fn` is getenv
 * (a parameter for the tests). Returns 0, or -1 when no directory can be
 * named or it does not fit. */
int cli_default_guest_dir(char *buf, size_t size, char *(*getenv_fn)(const char *), int is_root);

/* A fresh VM name, "vm-" and 6 random hex digits from getrandom(). */
int cli_random_name(char *buf, size_t size);

#endif /* VMC_CLI_SPEC_H */
