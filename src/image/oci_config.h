/*
 * oci_config.h - the image configuration blob (OCI image config / Docker
 * container config): platform and the process to run (Entrypoint, Cmd,
 * Env, WorkingDir, User), parsed from untrusted bytes with bounded sizes
 * and strict types. What a VM needs to run the image's workload; the rest
 * (history, rootfs diff ids, healthchecks, ...) is ignored.
 */
#ifndef VMC_IMAGE_OCI_CONFIG_H
#define VMC_IMAGE_OCI_CONFIG_H

#include <stddef.h>

#include "image/oci_manifest.h"

#define OCI_CONFIG_MAX (4 * 1024 * 1024) /* bytes of the config blob */
#define OCI_CONFIG_ARGS_MAX 4096         /* entries of Entrypoint, Cmd, Env each */
#define OCI_CONFIG_STR_MAX (128 * 1024)  /* bytes of one string */

struct oci_config {
	struct oci_platform platform;
	char **entrypoint; /* NULL-terminated; NULL when absent */
	size_t n_entrypoint;
	char **cmd;
	size_t n_cmd;
	char **env;        /* "KEY=VALUE", KEY non-empty without '=' */
	size_t n_env;
	char *working_dir; /* NULL or an absolute path */
	char *user;        /* NULL or "user", "uid", "user:group", "uid:gid" */
};

/* Parses `len` bytes. *out is the caller's (oci_config_free). Returns 0,
 * VMC_EPROTO (malformed), VMC_EINVAL (larger than OCI_CONFIG_MAX) or
 * VMC_ENOMEM. */
int oci_config_parse(struct oci_config **out, const char *buf, size_t len);
void oci_config_free(struct oci_config *cfg);

#endif
