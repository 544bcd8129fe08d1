/*
 * manager.c - vmc_manager: the state directory and the VMs in it. Each VM
 * is a directory <state>/<ns>/<name> holding config.json (written here)
 * and what its vmc-shim writes (state.json, shim.sock, logs). The manager
 * keeps no VM state in memory: every call asks the VM's shim over its
 * control socket, or reads state.json once the shim has gone, so any
 * number of processes can manage the same VMs. A shim that died without
 * recording a final state is detected here (pid + start time) and its VM
 * marked FAILED, with the hypervisor killed if it somehow survived.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "backend/backend.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/config_image.h"
#include "core/daemon.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/proc.h"
#include "core/spawn.h"
#include "core/state.h"
#include "image/seed_attach.h"
#include "manager/manager.h"
#include "manager/network.h"
#include "manager/paths.h"
#include "manager/shim_client.h"
#include "net/forward.h"

#define MGR_START_TIMEOUT_MS 30000
#define MGR_REQUEST_TIMEOUT_MS 10000
#define MGR_CONFIG_MAX (1 << 20)

int vmc_manager_open(vmc_manager **out, const char *state_dir)
{
	vmc_manager *mgr = calloc(1, sizeof(*mgr));
	int rc;

	*out = NULL;
	if (!mgr)
		return vmc_error_oom();
	mgr->epfd = mgr->inofd = mgr->root_wd = -1;
	if (state_dir) {
		mgr->state_dir = strdup(state_dir);
		rc = mgr->state_dir ? 0 : vmc_error_oom();
	} else {
		rc = paths_default_state_dir(&mgr->state_dir);
	}
	if (rc == 0)
		rc = fs_mkdir_p(mgr->state_dir, 0700);
	if (rc < 0) {
		vmc_manager_free(mgr);
		return rc;
	}
	*out = mgr;
	return 0;
}

void vmc_manager_free(vmc_manager *mgr)
{
	if (!mgr)
		return;
	mgr_events_free(mgr);
	free(mgr->state_dir);
	free(mgr->shim_path);
	free(mgr);
}

const char *vmc_manager_state_dir(const vmc_manager *mgr)
{
	return mgr->state_dir;
}

int vmc_manager_set_shim_path(vmc_manager *mgr, const char *path)
{
	char *p = path ? strdup(path) : NULL;

	if (path && !p)
		return vmc_error_oom();
	free(mgr->shim_path);
	mgr->shim_path = p;
	return 0;
}

/* ------------------------------------------------------------ records */

int mgr_record_read(const char *vm_dir, struct shim_record *out)
{
	char *path = fs_join(vm_dir, "state.json"), *text = NULL;
	json_t *obj = NULL;
	json_error_t jerr;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!path)
		return vmc_error_oom();
	rc = fs_read_file(path, 65536, &text, NULL);
	free(path);
	if (rc < 0)
		return rc;
	obj = json_loads(text, 0, &jerr);
	free(text);
	if (!json_is_object(obj)) {
		rc = vmc_error_set(VMC_EPROTO, "corrupt state.json in '%s'", vm_dir);
		goto out;
	}
	rc = state_from_json(json_object_get(obj, "state"), &out->state);
	if (rc < 0)
		goto out;
	out->shim_pid = (pid_t)json_integer_value(json_object_get(obj, "shim_pid"));
	out->shim_start = (unsigned long long)json_integer_value(json_object_get(obj, "shim_start"));
	out->hv_pid = (pid_t)json_integer_value(json_object_get(obj, "hv_pid"));
	out->hv_start = (unsigned long long)json_integer_value(json_object_get(obj, "hv_start"));
out:
	json_decref(obj);
	return rc;
}

/* The shim is gone but never recorded an end: mark the VM FAILED. */
static int mgr_repair_dead_shim(const char *vm_dir, struct shim_record *rec)
{
	json_t *obj;
	char *text, *path;
	char *sock;

	if (rec->hv_pid > 0 && proc_is_same(rec->hv_pid, rec->hv_start))
		kill(rec->hv_pid, SIGKILL);
	state_init(&rec->state, VMC_STATE_FAILED);
	snprintf(rec->state.reason, sizeof(rec->state.reason),
		 "vmc-shim (pid %d) died unexpectedly; the hypervisor was stopped", (int)rec->shim_pid);
	obj = json_pack("{s:i, s:o, s:i, s:I, s:i, s:I}", "version", 1, "state",
			state_to_json(&rec->state), "shim_pid", (int)rec->shim_pid, "shim_start",
			(json_int_t)rec->shim_start, "hv_pid", (int)rec->hv_pid, "hv_start",
			(json_int_t)rec->hv_start);
	text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	path = fs_join(vm_dir, "state.json");
	if (text && path)
		fs_write_atomic(path, text, strlen(text), 0600, 0);
	free(text);
	free(path);
	sock = fs_join(vm_dir, "shim.sock");
	if (sock)
		unlink(sock);
	free(sock);
	sock = fs_join(vm_dir, "qmp.sock");
	if (sock)
		unlink(sock);
	free(sock);
	return 0;
}

static int vm_dir_for(vmc_manager *mgr, const char *ns, const char *name, char **out)
{
	struct stat st;

	*out = paths_vm(mgr->state_dir, ns, name, NULL);
	if (!*out)
		return vmc_error_oom();
	if (stat(*out, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(*out);
		*out = NULL;
		if (!strcmp(ns, "default"))
			return vmc_error_set(VMC_ENOTFOUND, "no vm '%s'", name);
		return vmc_error_set(VMC_ENOTFOUND, "no vm '%s/%s'", ns, name);
	}
	return 0;
}

int mgr_vm_state(vmc_manager *mgr, const char *ns, const char *name, vmc_state *out,
		 struct shim_record *rec_out)
{
	struct shim_record rec;
	json_t *req = NULL, *reply = NULL;
	char *dir = NULL;
	int rc;

	rc = vm_dir_for(mgr, ns, name, &dir);
	if (rc < 0)
		return rc;
	req = json_pack("{s:s}", "op", "state");
	rc = shim_request(dir, req, MGR_REQUEST_TIMEOUT_MS, &reply);
	if (rc == 0) {
		rc = shim_reply_state(reply, out);
		if (rc == 0 && rec_out)
			rc = mgr_record_read(dir, rec_out);
		goto out;
	}
	/* No shim listening, or one that closed without answering because it
	 * is exiting after the final state: the record tells the rest. */
	if (rc != VMC_ENOTFOUND && rc != VMC_EIO)
		goto out;
	vmc_error_clear();
	rc = mgr_record_read(dir, &rec);
	if (rc == VMC_ENOTFOUND) {
		/* created, its shim not yet up */
		vmc_error_clear();
		state_init(out, VMC_STATE_CREATED);
		if (rec_out)
			memset(rec_out, 0, sizeof(*rec_out));
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	if (!vmc_state_is_final(rec.state.kind) && !proc_is_same(rec.shim_pid, rec.shim_start))
		mgr_repair_dead_shim(dir, &rec);
	*out = rec.state;
	if (rec_out)
		*rec_out = rec;
out:
	json_decref(req);
	json_decref(reply);
	free(dir);
	return rc;
}

/* ------------------------------------------------------------ start */

static int write_config(const char *dir, const vmc_config *cfg)
{
	char *json = NULL, *path = fs_join(dir, "config.json");
	int rc;

	if (!path)
		return vmc_error_oom();
	rc = vmc_config_to_json(cfg, &json);
	if (rc == 0)
		rc = fs_write_atomic(path, json, strlen(json), 0600, 0);
	free(json);
	free(path);
	return rc;
}

/* The VM's own copy-on-write clone of its image's cached disk; it lives
 * in the VM's directory, so removing the VM removes it. */
static int clone_image_disk(const char *dir, const vmc_config *cfg)
{
	char *path = fs_join(dir, CONFIG_IMAGE_ROOT_FILE);
	int rc;

	if (!path)
		return vmc_error_oom();
	rc = vmc_disk_clone(cfg->image->disk, path, NULL);
	free(path);
	if (rc < 0)
		rc = vmc_error_prefix(rc, "image '%s'", cfg->image->ref);
	return rc;
}

/* Starts cfg's shim; with restore_dir, from that snapshot. */
static int start_vm(vmc_manager *mgr, const vmc_config *cfg, const char *restore_dir)
{
	const struct backend_ops *ops;
	char *ns_dir = NULL, *dir = NULL, *vmm_log = NULL, *shim = NULL;
	int rc, created = 0;
	vmc_config *net_cfg = NULL; /* cfg with switch NIC addresses filled in */

	/* the snapshot holds the guest's memory, not its image disk clone: a
	 * fresh clone under a running filesystem would corrupt it */
	if (restore_dir && cfg->image)
		return vmc_error_set(VMC_EUNSUPPORTED, "vm '%s' was booted from image '%s': "
				     "restoring it is not supported (its disk is not part of the "
				     "snapshot)", cfg->name, cfg->image->ref);
	rc = backend_for_config(&ops, cfg);
	if (rc == 0)
		rc = ops->validate(cfg);
	if (rc == 0)
		rc = mgr_net_validate(mgr, cfg);
	if (rc == 0)
		rc = fwd_plan_check(cfg, mgr->state_dir);
	if (rc < 0)
		return vmc_error_prefix(rc, "vm '%s'", cfg->name);
	rc = paths_find_shim(mgr->shim_path, &shim);
	if (rc < 0)
		return rc;
	ns_dir = fs_join(mgr->state_dir, cfg->ns);
	dir = paths_vm(mgr->state_dir, cfg->ns, cfg->name, NULL);
	vmm_log = paths_vm(mgr->state_dir, cfg->ns, cfg->name, "vmm.log");
	if (!ns_dir || !dir || !vmm_log) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = fs_mkdir_p(ns_dir, 0700);
	if (rc < 0)
		goto out;
	if (mkdir(dir, 0700) < 0) {
		rc = errno == EEXIST
			? vmc_error_set(VMC_EEXISTS, "vm '%s' already exists in namespace '%s' "
				        "(remove it first with `vmc rm`)", cfg->name, cfg->ns)
			: vmc_error_set_errno(VMC_EIO, errno, "cannot create '%s'", dir);
		goto out;
	}
	created = 1;
	rc = mgr_net_attach(mgr, dir, cfg, ops->kind, &net_cfg);
	if (net_cfg)
		cfg = net_cfg; /* from here on, with the switch NICs' addresses */
	if (rc == 0)
		rc = write_config(dir, cfg);
	if (rc == 0)
		rc = seed_attach_write(dir, cfg); /* the backend attaches <dir>/seed.iso */
	if (rc == 0 && cfg->image)
		rc = clone_image_disk(dir, cfg); /* and <dir>/rootfs.ext4 */
	if (rc < 0)
		goto out;
	const char *argv[] = { shim, "--vm-dir", dir, "--report-fd", "3",
			       restore_dir ? "--restore" : NULL, restore_dir, NULL };
	rc = daemon_start(argv, vmm_log, "vmc-shim", MGR_START_TIMEOUT_MS, NULL);
out:
	if (rc < 0 && net_cfg)
		mgr_net_detach(mgr, dir, net_cfg);
	vmc_config_free(net_cfg);
	if (rc < 0 && created)
		fs_remove_tree(dir);
	free(ns_dir);
	free(dir);
	free(vmm_log);
	free(shim);
	return rc;
}

int vmc_manager_start(vmc_manager *mgr, const vmc_config *cfg)
{
	return start_vm(mgr, cfg, NULL);
}

int vmc_manager_restore(vmc_manager *mgr, const char *dir, const char *name, char **out)
{
	char abs[PATH_MAX], *path = NULL, *text = NULL;
	vmc_config *cfg = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!dir || !realpath(dir, abs))
		return vmc_error_set(VMC_ENOTFOUND, "no snapshot at '%s'", dir ? dir : "");
	path = fs_join(abs, "config.json");
	if (!path)
		return vmc_error_oom();
	rc = fs_read_file(path, MGR_CONFIG_MAX, &text, NULL);
	if (rc == VMC_ENOTFOUND)
		rc = vmc_error_set(VMC_ENOTFOUND, "'%s' is not a vmc snapshot (no config.json)", abs);
	if (rc == 0)
		rc = vmc_config_from_json(&cfg, text);
	if (rc == 0 && name)
		rc = vmc_config_set_name(cfg, name);
	if (rc == 0)
		rc = start_vm(mgr, cfg, abs);
	if (rc == 0 && out && asprintf(out, "%s/%s", cfg->ns, cfg->name) < 0) {
		*out = NULL;
		rc = vmc_error_oom();
	}
	vmc_config_free(cfg);
	free(text);
	free(path);
	return rc;
}
