/*
 * snapshot.c - the shim's half of snapshots. Saving: pause the guest (if
 * it runs), let the backend write its memory and device state into the
 * directory, add snapshot.json (format, backend, the VM's state at that
 * moment) and config.json, then resume. Restoring: read snapshot.json
 * before the hypervisor starts, let the backend load the state after
 * attach, and put the VM back in the state it was saved in (READY keeps
 * its addresses: the guest will not print its ready line again).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/state.h"
#include "shim/shim.h"

#define SNAPSHOT_TIMEOUT_MS 120000
#define SNAPSHOT_FORMAT 1

static int write_json(const char *dir, const char *name, json_t *obj)
{
	char *text = obj ? json_dumps(obj, JSON_INDENT(2)) : NULL;
	char *path = fs_join(dir, name);
	int rc;

	if (!text || !path)
		rc = vmc_error_oom();
	else
		rc = fs_write_atomic(path, text, strlen(text), 0600, 1);
	free(text);
	free(path);
	return rc;
}

static int write_metadata(struct shim *shim, const char *dir, const vmc_state *saved)
{
	char *cfg_text = NULL;
	json_t *meta;
	int rc;

	meta = json_pack("{s:i, s:s, s:o, s:I}", "format", SNAPSHOT_FORMAT, "backend",
			 shim->ops->name, "state", state_to_json(saved), "created_ms",
			 (json_int_t)clock_real_ms());
	rc = write_json(dir, "snapshot.json", meta);
	json_decref(meta);
	if (rc < 0)
		return rc;
	rc = vmc_config_to_json(shim->cfg, &cfg_text);
	if (rc == 0) {
		char *path = fs_join(dir, "config.json");
		rc = path ? fs_write_atomic(path, cfg_text, strlen(cfg_text), 0600, 1) : vmc_error_oom();
		free(path);
	}
	free(cfg_text);
	return rc;
}

int shim_snapshot(struct shim *shim, const char *dir)
{
	vmc_state saved = shim->state;
	int was_paused = shim->state.kind == VMC_STATE_PAUSED;
	int rc;

	if (!shim->ops->snapshot)
		return vmc_error_set(VMC_EUNSUPPORTED, "the %s backend cannot take snapshots",
				     shim->ops->name);
	if (shim->state.kind != VMC_STATE_RUNNING && shim->state.kind != VMC_STATE_READY &&
	    !was_paused)
		return vmc_error_set(VMC_EINVALSTATE, "cannot snapshot a vm that is %s",
				     vmc_state_name(shim->state.kind));
	if (!dir || dir[0] != '/')
		return vmc_error_set(VMC_EINVAL, "snapshot directory must be an absolute path");
	if (mkdir(dir, 0700) < 0)
		return errno == EEXIST
			? vmc_error_set(VMC_EEXISTS, "'%s' already exists", dir)
			: vmc_error_set_errno(VMC_EIO, errno, "cannot create '%s'", dir);
	if (!was_paused) {
		rc = shim_pause(shim);
		if (rc < 0)
			goto out;
	}
	rc = shim->ops->snapshot(shim->bvm, dir, SNAPSHOT_TIMEOUT_MS);
	if (rc == 0)
		rc = write_metadata(shim, dir, &saved);
	if (!was_paused) {
		int r = shim_resume(shim);
		if (rc == 0)
			rc = r;
	}
out:
	if (rc < 0) {
		int keep = rc;
		char *msg = strdup(vmc_error_last());
		fs_remove_tree(dir); /* no half snapshot left behind */
		vmc_error_set(keep, "%s", msg ? msg : "snapshot failed");
		free(msg);
		return keep;
	}
	return 0;
}

int shim_restore_read(struct shim *shim, const char *dir)
{
	char *path = fs_join(dir, "snapshot.json"), *text = NULL;
	json_t *meta = NULL;
	const char *backend;
	int rc;

	if (!path)
		return vmc_error_oom();
	rc = fs_read_file(path, 1 << 20, &text, NULL);
	free(path);
	if (rc < 0)
		return vmc_error_prefix(rc, "snapshot '%s'", dir);
	meta = json_loads(text, 0, NULL);
	free(text);
	backend = json_string_value(json_object_get(meta, "backend"));
	if (!json_is_object(meta) || json_integer_value(json_object_get(meta, "format")) != SNAPSHOT_FORMAT ||
	    !backend) {
		rc = vmc_error_set(VMC_EPROTO, "'%s' is not a vmc snapshot (format %d)", dir,
				   SNAPSHOT_FORMAT);
		goto out;
	}
	if (strcmp(backend, shim->ops->name) != 0) {
		rc = vmc_error_set(VMC_EUNSUPPORTED, "snapshot '%s' was taken with the %s backend, "
				   "not %s", dir, backend, shim->ops->name);
		goto out;
	}
	rc = state_from_json(json_object_get(meta, "state"), &shim->restored);
out:
	json_decref(meta);
	return rc;
}

int shim_restore_finish(struct shim *shim)
{
	vmc_state_kind target = shim->restored.kind;
	int rc;

	if (!shim->ops->restore)
		return vmc_error_set(VMC_EUNSUPPORTED, "the %s backend cannot restore snapshots",
				     shim->ops->name);
	rc = shim->ops->restore(shim->bvm, SNAPSHOT_TIMEOUT_MS);
	if (rc < 0)
		return rc;
	/* the guest is paused with the state it had; give it back its status */
	memcpy(shim->state.ip, shim->restored.ip, sizeof(shim->state.ip));
	shim->state.boot_ms = shim->restored.boot_ms;
	if (target == VMC_STATE_PAUSED) {
		shim->resume_to = shim->restored.ip[0][0] || shim->restored.boot_ms >= 0
					  ? VMC_STATE_READY : VMC_STATE_RUNNING;
		return shim_set_state(shim, VMC_STATE_PAUSED, "restored");
	}
	/* resumed before it is said to run: a failed resume leaves the VM
	 * STARTING (and the caller fails it), never RUNNING while paused */
	rc = shim->ops->resume(shim->bvm);
	if (rc < 0)
		return rc;
	shim_set_state(shim, VMC_STATE_RUNNING, "restored");
	if (target == VMC_STATE_READY)
		shim_set_state(shim, VMC_STATE_READY, "restored");
	return 0;
}
