/*
 * virtiofs.c - virtiofsd sidecars for shares (see virtiofs.h).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/virtiofs.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/unixsock.h"

static const char *const daemon_paths[] = {
	"/usr/lib/qemu/virtiofsd",   /* Debian 12: qemu-system-common */
	"/usr/libexec/virtiofsd",
	"/usr/lib/virtiofsd",
	"/usr/bin/virtiofsd",
};

const char *virtiofs_find_daemon(void)
{
	const char *env = getenv("VMC_VIRTIOFSD");

	if (env && *env)
		return access(env, X_OK) == 0 ? env : NULL;
	for (size_t i = 0; i < sizeof(daemon_paths) / sizeof(daemon_paths[0]); i++)
		if (access(daemon_paths[i], X_OK) == 0)
			return daemon_paths[i];
	return NULL;
}

int virtiofs_validate(const struct vmc_config *cfg)
{
	struct stat st;

	if (cfg->n_shares == 0)
		return 0;
	if (!virtiofs_find_daemon())
		return vmc_error_set(VMC_ENOTFOUND, "shared directories need virtiofsd "
				     "(install qemu-system-common, or set VMC_VIRTIOFSD)");
	if (geteuid() != 0)
		return vmc_error_set(VMC_EUNSUPPORTED, "shared directories need root: "
				     "QEMU's virtiofsd sandboxes itself with namespaces");
	for (size_t i = 0; i < cfg->n_shares; i++) {
		const char *p = cfg->shares[i].host_path;
		if (stat(p, &st) < 0)
			return vmc_error_set(VMC_ENOTFOUND, "shared directory '%s' does not exist", p);
		if (!S_ISDIR(st.st_mode))
			return vmc_error_set(VMC_EINVAL, "shared path '%s' is not a directory", p);
	}
	return 0;
}

int virtiofs_prepare_sidecars(struct virtiofs_daemon vfs[VMC_DEVICES_MAX], size_t *n_vfs,
			      const struct vmc_config *cfg, struct backend_launch *launch)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < cfg->n_shares; i++) {
		rc = virtiofs_prepare(&vfs[i], launch->vm_dir, i, &cfg->shares[i]);
		if (rc < 0)
			break;
		(*n_vfs)++;
		launch->sidecars[i].argv = vfs[i].argv;
		launch->sidecars[i].listen_fd = vfs[i].listen_fd;
		launch->sidecars[i].ro_path = cfg->shares[i].read_only ? cfg->shares[i].host_path
								       : NULL;
	}
	launch->n_sidecars = (int)*n_vfs;
	return rc;
}

void virtiofs_release(struct virtiofs_daemon *d)
{
	if (d->argv) {
		for (char **a = d->argv; *a; a++)
			free(*a);
		free(d->argv);
	}
	if (d->listen_fd >= 0)
		close(d->listen_fd);
	if (d->socket_path) {
		unlink(d->socket_path);
		free(d->socket_path);
	}
	memset(d, 0, sizeof(*d));
	d->listen_fd = -1;
}

int virtiofs_prepare(struct virtiofs_daemon *d, const char *vm_dir, size_t index,
		     const struct vmc_share *share)
{
	const char *bin = virtiofs_find_daemon();
	char name[64];
	int rc;

	memset(d, 0, sizeof(*d));
	d->listen_fd = -1;
	if (!bin)
		return vmc_error_set(VMC_ENOTFOUND, "virtiofsd not found");
	snprintf(name, sizeof(name), "virtiofs-%zu.sock", index);
	d->socket_path = fs_join(vm_dir, name);
	d->argv = calloc(8, sizeof(char *));
	if (!d->socket_path || !d->argv) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = unix_listen(d->socket_path, 1, 0, &d->listen_fd);
	if (rc < 0)
		goto out;
	if (asprintf(&d->argv[0], "%s", bin) < 0 || asprintf(&d->argv[1], "--fd=3") < 0 ||
	    asprintf(&d->argv[2], "-o") < 0 || asprintf(&d->argv[3], "source=%s", share->host_path) < 0 ||
	    asprintf(&d->argv[4], "-o") < 0 || asprintf(&d->argv[5], "cache=auto") < 0) {
		rc = vmc_error_oom();
		goto out;
	}
	return 0;
out:
	virtiofs_release(d);
	return rc;
}

int virtiofs_readonly_pre_exec(void *arg)
{
	const char *path = arg;

	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -errno;
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return -errno;
	return 0;
}
