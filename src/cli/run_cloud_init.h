/*
 * run_cloud_init.h - the cloud-init options of `vmc run` (--cloud-init,
 * --ssh-key, --user): collected by cmd_run.c, turned into a vmc_seed on
 * the config by run_cloud_init.c.
 */
#ifndef VMC_CLI_RUN_CLOUD_INIT_H
#define VMC_CLI_RUN_CLOUD_INIT_H

#include <vmc.h>

#include "cli.h"

#define RUN_CI_KEYS_MAX 16

struct run_cloud_init {
	int enabled;                        /* --cloud-init */
	const char *user;                   /* --user NAME, or NULL */
	const char *keys[RUN_CI_KEYS_MAX];  /* --ssh-key PATH.pub */
	int n_keys;
};

/* Attaches a seed to cfg when ci->enabled: the user (passwordless sudo)
 * if given, vmc's own public key (created on first use) and every
 * --ssh-key for that user or else the image's default user, and the
 * workload. Returns 0 or an exit code after printing why. */
int run_cloud_init_apply(const struct cli_command *cmd, vmc_config *cfg,
			 const struct run_cloud_init *ci, int exec_argc, char **exec_argv);

#endif
