/*
 * chv_snapshot.c - snapshots on the Cloud Hypervisor backend. Saving: the
 * shim has paused the VM; PUT vm.snapshot with destination_url
 * file://<dir>/chv, where CH writes config.json, state.json and
 * memory-ranges (a subdirectory, so they do not collide with vmc's own
 * config.json and snapshot.json), and the VM's directory at that moment is
 * recorded in <dir>/chv-vm-dir. Restoring: CH was started with no VM
 * (chv.c leaves out every VM option for a restore launch); the backend
 * builds <vm dir>/chv-restore with CH's config.json rewritten so that
 * paths inside the old VM's directory (the cloud-init seed) point into the
 * new one, and the other files linked (symlinks) to the snapshot's, then
 * PUT vm.restore from there, with each NIC's TAP fd (opened again by
 * chv_tap.c) in SCM_RIGHTS and "net_fds" naming the NIC's device id from
 * the snapshot's config. CH leaves the restored VM paused; the shim
 * resumes it if it was running when saved.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "backend/chv_vm.h"
#include "core/error.h"
#include "core/fsutil.h"

#define CHV_CONFIG_DEPTH_MAX 64

int chv_snapshot(struct backend_vm *vm, const char *dir, int timeout_ms)
{
	char *sub = fs_join(dir, CHV_SNAPSHOT_SUBDIR);
	char *origin = fs_join(dir, CHV_SNAPSHOT_ORIGIN);
	int rc;

	if (!sub || !origin) {
		rc = vmc_error_oom();
		goto out;
	}
	if (mkdir(sub, 0700) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot create '%s'", sub);
		goto out;
	}
	rc = chv_api_vm_snapshot(vm->api, sub, timeout_ms);
	if (rc == 0)
		rc = fs_write_atomic(origin, vm->vm_dir, strlen(vm->vm_dir), 0600, 1);
out:
	free(sub);
	free(origin);
	return rc;
}

/* Replaces, in every string below j, the prefix "<from>/" by "<to>/"
 * (jansson bounds the nesting it parses; depth is checked all the same). */
static int rewrite_paths(json_t *j, const char *from, const char *to, int depth)
{
	size_t flen = strlen(from), i;
	const char *key;
	json_t *v;
	int rc;

	if (depth > CHV_CONFIG_DEPTH_MAX)
		return vmc_error_set(VMC_EPROTO, "config nested deeper than %d", CHV_CONFIG_DEPTH_MAX);
	if (json_is_object(j)) {
		json_object_foreach(j, key, v)
			if ((rc = rewrite_paths(v, from, to, depth + 1)) < 0)
				return rc;
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if ((rc = rewrite_paths(v, from, to, depth + 1)) < 0)
				return rc;
	} else if (json_is_string(j)) {
		const char *s = json_string_value(j);
		char *n = NULL;

		if (strncmp(s, from, flen) != 0 || s[flen] != '/')
			return 0;
		if (asprintf(&n, "%s%s", to, s + flen) < 0)
			return vmc_error_oom();
		if (json_string_set(j, n) < 0) {
			free(n);
			return vmc_error_oom();
		}
		free(n);
	}
	return 0;
}

int chv_restore_config(const char *text, size_t len, const char *old_dir, const char *new_dir,
		       char **out, char ids[VMC_DEVICES_MAX][CHV_DEVICE_ID_MAX], size_t *n_ids)
{
	json_error_t jerr;
	json_t *cfg, *nic;
	size_t i;
	int rc = 0;

	*out = NULL;
	*n_ids = 0;
	if (len > CHV_CONFIG_MAX)
		return vmc_error_set(VMC_EINVAL, "Cloud Hypervisor config larger than %d bytes",
				     CHV_CONFIG_MAX);
	cfg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(cfg)) {
		json_decref(cfg);
		return vmc_error_set(VMC_EPROTO, "not a Cloud Hypervisor config (%s)",
				     cfg ? "not an object" : jerr.text);
	}
	if (old_dir && *old_dir)
		rc = rewrite_paths(cfg, old_dir, new_dir, 0);
	json_array_foreach(json_object_get(cfg, "net"), i, nic) {
		const char *id = json_string_value(json_object_get(nic, "id"));

		if (rc < 0)
			break;
		if (!id || !*id || strlen(id) >= CHV_DEVICE_ID_MAX || *n_ids >= VMC_DEVICES_MAX)
			rc = vmc_error_set(VMC_EPROTO, "a NIC without a valid id, or too many NICs");
		else
			snprintf(ids[(*n_ids)++], CHV_DEVICE_ID_MAX, "%s", id);
	}
	if (rc == 0 && !(*out = json_dumps(cfg, JSON_COMPACT)))
		rc = vmc_error_oom();
	json_decref(cfg);
	return rc;
}

/* <restore>/config.json: the snapshot's, through chv_restore_config(). */
static int write_config(const char *src, const char *dst, const char *old_dir,
			const char *new_dir, char ids[VMC_DEVICES_MAX][CHV_DEVICE_ID_MAX],
			size_t *n_ids)
{
	char *in = fs_join(src, "config.json"), *outp = fs_join(dst, "config.json");
	char *text = NULL, *cfg = NULL;
	size_t len = 0;
	int rc;

	if (!in || !outp) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = fs_read_file(in, CHV_CONFIG_MAX, &text, &len);
	if (rc == 0)
		rc = chv_restore_config(text, len, old_dir, new_dir, &cfg, ids, n_ids);
	if (rc == 0)
		rc = fs_write_atomic(outp, cfg, strlen(cfg), 0600, 0);
	else
		rc = vmc_error_prefix(rc, "%s", in);
out:
	free(cfg);
	free(text);
	free(in);
	free(outp);
	return rc;
}

/* Symlinks every file of src but config.json into dst. */
static int link_rest(const char *src, const char *dst)
{
	DIR *d = opendir(src);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return vmc_error_set_errno(errno == ENOENT ? VMC_ENOTFOUND : VMC_EIO, errno,
					   "snapshot '%s'", src);
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char *from, *to;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "config.json"))
			continue;
		from = fs_join(src, e->d_name);
		to = fs_join(dst, e->d_name);
		if (!from || !to)
			rc = vmc_error_oom();
		else if (symlink(from, to) < 0)
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot link '%s'", to);
		free(from);
		free(to);
	}
	closedir(d);
	return rc;
}

int chv_restore(struct backend_vm *vm, int timeout_ms)
{
	char *src = NULL, *dst = NULL, *origin = NULL, *old_dir = NULL;
	char ids[VMC_DEVICES_MAX][CHV_DEVICE_ID_MAX];
	const char *id_ptrs[VMC_DEVICES_MAX];
	size_t n_ids = 0;
	int rc;

	if (!vm->restore_dir)
		return vmc_error_set(VMC_EINVAL, "not started for a restore");
	src = fs_join(vm->restore_dir, CHV_SNAPSHOT_SUBDIR);
	dst = fs_join(vm->vm_dir, CHV_RESTORE_SUBDIR);
	origin = fs_join(vm->restore_dir, CHV_SNAPSHOT_ORIGIN);
	if (!src || !dst || !origin) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = fs_read_file(origin, 4096, &old_dir, NULL);
	if (rc < 0)
		goto out;
	fs_remove_tree(dst); /* a previous attempt's */
	vmc_error_clear();
	if (mkdir(dst, 0700) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot create '%s'", dst);
		goto out;
	}
	rc = write_config(src, dst, old_dir, vm->vm_dir, ids, &n_ids);
	if (rc == 0 && n_ids != vm->n_taps)
		rc = vmc_error_set(VMC_EINVAL, "the snapshot has %zu NICs, the VM's config %zu",
				   n_ids, vm->n_taps);
	if (rc == 0)
		rc = link_rest(src, dst);
	for (size_t i = 0; i < n_ids; i++)
		id_ptrs[i] = ids[i];
	/* each NIC gets its TAP again, as a fresh fd in SCM_RIGHTS */
	if (rc == 0)
		rc = chv_api_vm_restore_net(vm->api, dst, 0, id_ptrs, vm->nic_fds, n_ids,
					    vm->tap_fds, timeout_ms);
	for (size_t i = 0; i < vm->n_tap_fds; i++) {
		if (vm->tap_fds[i] >= 0)
			close(vm->tap_fds[i]); /* CH has its copies */
		vm->tap_fds[i] = -1;
	}
out:
	if (rc < 0)
		rc = vmc_error_prefix(rc, "restore from '%s'", vm->restore_dir);
	free(src);
	free(dst);
	free(origin);
	free(old_dir);
	return rc;
}
