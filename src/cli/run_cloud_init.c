/*
 * run_cloud_init.c - `vmc run --cloud-init`: builds the NoCloud seed the VM
 * gets as a read-only disk. The seed authorizes vmc's own SSH key (so
 * `vmc ssh` works) and each --ssh-key file, for --user (created with
 * passwordless sudo) or, without it, for the image's default user; the
 * workload after `--` becomes the seed's workload too, so the same command
 * runs under cloud-init or under vmc-init. The network-config and host
 * name are filled in by the library when the VM starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "run_cloud_init.h"

#define KEY_FILE_MAX 16384

/* Reads the first line of a public key file into buf. Returns 0 or -1
 * after printing why. */
static int read_key_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	size_t len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cli_error("--ssh-key '%s': %s", path, strerror(errno));
		return -1;
	}
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		cli_error("--ssh-key '%s': empty file", path);
		return -1;
	}
	return 0;
}

int run_cloud_init_apply(const struct cli_command *cmd, vmc_config *cfg,
			 const struct run_cloud_init *ci, int exec_argc, char **exec_argv)
{
	vmc_seed *seed = NULL;
	char *own_key = NULL, *buf = NULL;
	int rc, exit_rc = 0, i;

	if (!ci->enabled) {
		if (ci->user || ci->n_keys > 0)
			return cli_usage_error(cmd, "--user and --ssh-key need --cloud-init");
		return 0;
	}
	rc = vmc_seed_new(&seed);
	if (rc < 0)
		return cli_fail(rc, "cloud-init seed");
	if (ci->user) {
		rc = vmc_seed_add_user(seed, ci->user, VMC_SEED_USER_SUDO);
		if (rc < 0) {
			exit_rc = cli_fail(rc, "--user");
			goto out;
		}
	}
	rc = vmc_ssh_key_ensure(NULL, NULL, &own_key);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "vmc's ssh key");
		goto out;
	}
	rc = vmc_seed_add_ssh_key(seed, ci->user, own_key);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "vmc's ssh key");
		goto out;
	}
	buf = malloc(KEY_FILE_MAX + 1);
	if (!buf) {
		exit_rc = cli_error("out of memory");
		goto out;
	}
	for (i = 0; i < ci->n_keys; i++) {
		if (read_key_file(ci->keys[i], buf, KEY_FILE_MAX + 1) < 0) {
			exit_rc = CLI_EXIT_USAGE;
			goto out;
		}
		rc = vmc_seed_add_ssh_key(seed, ci->user, buf);
		if (rc < 0) {
			exit_rc = cli_fail(rc, "--ssh-key '%s'", ci->keys[i]);
			goto out;
		}
	}
	if (exec_argc > 0) {
		rc = vmc_seed_set_workload(seed, exec_argc, (const char *const *)exec_argv);
		if (rc < 0) {
			exit_rc = cli_fail(rc, "workload");
			goto out;
		}
	}
	rc = vmc_config_set_cloud_init(cfg, seed);
	if (rc < 0)
		exit_rc = cli_fail(rc, "--cloud-init");
out:
	free(buf);
	vmc_free(own_key);
	vmc_seed_free(seed);
	return exit_rc;
}
