/*
 * seed.h - the inside of vmc_seed, shared by the builder (seed.c, which
 * validates every value), the document renderer (seed_doc.c: meta-data,
 * user-data, network-config as YAML text) and the ISO writer (seed_iso.c).
 * Only seed.c changes a seed. Internal to src/image.
 */
#ifndef VMC_IMAGE_SEED_H
#define VMC_IMAGE_SEED_H

#include <stddef.h>

#include "core/config.h"
#include "vmc.h"

#define SEED_INSTANCE_ID_LEN 34 /* "i-" + 32 hex digits */
#define SEED_PATH_MAX 4095

struct seed_user {
	char name[VMC_SEED_USER_MAX + 1];
	unsigned int flags;
};

struct seed_key {
	int user;  /* index into users, -1: the image's default user */
	char *key;
};

struct seed_file {
	char *path;
	unsigned char *content;
	size_t len;
	unsigned int mode;
};

struct seed_argv {
	char **argv; /* NULL-terminated */
	int argc;
};

struct seed_nic {
	char mac[VMC_MAC_STRLEN]; /* lower case */
	char *addr;               /* "addr/prefix", NULL: DHCPv4 */
	char *gateway;            /* NULL: no default route */
};

struct vmc_seed {
	char instance_id[SEED_INSTANCE_ID_LEN + 1];
	char *hostname;
	struct seed_user users[VMC_SEED_USERS_MAX];
	size_t n_users;
	struct seed_key keys[VMC_SEED_KEYS_MAX];
	size_t n_keys;
	struct seed_file files[VMC_SEED_FILES_MAX];
	size_t n_files;
	struct seed_argv cmds[VMC_SEED_CMDS_MAX];
	size_t n_cmds;
	struct seed_argv workload;
	struct seed_nic nics[VMC_DEVICES_MAX];
	size_t n_nics;
	char *dns[VMC_SEED_DNS_MAX];
	size_t n_dns;
};

enum seed_doc {
	SEED_META_DATA = 0,
	SEED_USER_DATA = 1,
	SEED_NETWORK_CONFIG = 2,
};
#define SEED_N_DOCS 3

/* The file name of a document on the ISO ("meta-data", ...). */
const char *seed_doc_name(enum seed_doc doc);

/* Renders one document as YAML text into *out (NUL-terminated, caller
 * frees) of *len bytes. Returns 0, VMC_ENOMEM or VMC_EINVAL. */
int seed_render(const struct vmc_seed *seed, enum seed_doc doc, char **out, size_t *len);

/* The fixed shell script of the last runcmd step: $1 is the ready address
 * (or ""), the rest the workload argv. Exposed for the tests. */
extern const char seed_ready_script[];

#endif
