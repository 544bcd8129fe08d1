/*
 * manager_ops.c - the requests a manager sends to a running VM's shim
 * (wait, stop, kill, pause, resume, reboot, snapshot, resize, disk add and
 * remove) and the ones it answers from the state directory (list, config,
 * console and vsock paths, remove). Waiting is a watch
 * connection to the shim: the shim pushes every state change, so a waiter
 * sees READY within a socket round trip of the console line arriving.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/proc.h"
#include "core/spawn.h"
#include "core/state.h"
#include "manager/manager.h"
#include "manager/network.h"
#include "manager/paths.h"
#include "manager/shim_client.h"

#define OPS_REQUEST_TIMEOUT_MS 15000
#define OPS_KILL_TIMEOUT_MS 15000
#define OPS_SHIM_EXIT_MS 5000
#define OPS_SNAPSHOT_TIMEOUT_MS 180000

int vmc_manager_state(vmc_manager *mgr, const char *vm, vmc_state *out)
{
	char ns[VMC_NAME_MAX + 1], name[VMC_NAME_MAX + 1];
	int rc = paths_parse_ref(vm, ns, name);

	return rc < 0 ? rc : mgr_vm_state(mgr, ns, name, out, NULL);
}

static int reached(vmc_state_kind want, vmc_state_kind have)
{
	if (have == want)
		return 1;
	return want == VMC_STATE_RUNNING && have == VMC_STATE_READY;
}

static int wait_result(vmc_state_kind want, const vmc_state *st, const char *vm)
{
	if (reached(want, st->kind))
		return 1;
	if (vmc_state_is_final(st->kind)) {
		vmc_error_set(VMC_EINVALSTATE, "vm '%s' is %s%s%s", vm, vmc_state_name(st->kind),
			      st->reason[0] ? ": " : "", st->reason);
		return -1;
	}
	return 0;
}

int vmc_manager_wait(vmc_manager *mgr, const char *vm, vmc_state_kind want, int timeout_ms,
		     vmc_state *out)
{
	char ns[VMC_NAME_MAX + 1], name[VMC_NAME_MAX + 1];
	int64_t deadline = clock_deadline(timeout_ms);
	struct shim_conn conn = { .fd = -1 };
	json_t *req = NULL, *msg = NULL;
	char *dir = NULL;
	vmc_state st;
	int rc, r, have_st = 0;

	state_init(&st, VMC_STATE_CREATED);
	rc = paths_parse_ref(vm, ns, name);
	if (rc < 0)
		return rc;
	dir = paths_vm(mgr->state_dir, ns, name, NULL);
	req = json_pack("{s:s}", "op", "watch");
	if (!dir || !req) {
		rc = vmc_error_oom();
		goto out;
	}
	for (;;) {
		if (conn.fd < 0) {
			rc = shim_conn_open(&conn, dir);
			if (rc == 0)
				rc = shim_conn_send(&conn, req);
			if (rc < 0) {
				/* no shim: the recorded state is final (or repaired) */
				shim_conn_close(&conn);
				rc = mgr_vm_state(mgr, ns, name, &st, NULL);
				if (rc < 0)
					goto out;
				r = wait_result(want, &st, vm);
				if (r == 0) {
					r = -1;
					vmc_error_set(VMC_EINVALSTATE, "vm '%s' is %s and has no supervisor",
						      vm, vmc_state_name(st.kind));
				}
				rc = r > 0 ? 0 : VMC_EINVALSTATE;
				goto out;
			}
		}
		rc = shim_conn_recv(&conn, deadline, &msg);
		if (rc == VMC_EIO) {
			/* the shim exited after its final event: read the record */
			shim_conn_close(&conn);
			vmc_error_clear();
			rc = mgr_vm_state(mgr, ns, name, &st, NULL);
			if (rc < 0)
				goto out;
			rc = wait_result(want, &st, vm) > 0 ? 0 : VMC_EINVALSTATE;
			if (rc < 0 && !vmc_state_is_final(st.kind))
				rc = vmc_error_set(VMC_EIO, "lost contact with vmc-shim of '%s'", vm);
			goto out;
		}
		if (rc == VMC_ETIMEOUT) {
			if (!have_st && mgr_vm_state(mgr, ns, name, &st, NULL) < 0)
				state_init(&st, VMC_STATE_CREATED);
			have_st = 1;
			rc = vmc_error_set(VMC_ETIMEOUT, "timed out waiting for vm '%s' to be %s (it is %s)",
					   vm, vmc_state_name(want), vmc_state_name(st.kind));
			goto out;
		}
		if (rc < 0)
			goto out;
		rc = shim_reply_state(msg, &st);
		have_st = (rc == 0);
		json_decref(msg);
		msg = NULL;
		if (rc < 0)
			goto out;
		r = wait_result(want, &st, vm);
		if (r != 0) {
			rc = r > 0 ? 0 : VMC_EINVALSTATE;
			goto out;
		}
	}
out:
	if (out && (rc == 0 || rc == VMC_EINVALSTATE || rc == VMC_ETIMEOUT))
		*out = st;
	shim_conn_close(&conn);
	json_decref(req);
	free(dir);
	return rc;
}

/* Sends {"op": op, ...} to the VM's shim. VMC_EINVALSTATE when the VM has
 * no shim any more (it has ended). */
static int vm_request(vmc_manager *mgr, const char *vm, json_t *req, int timeout_ms,
		      json_t **reply)
{
	char ns[VMC_NAME_MAX + 1], name[VMC_NAME_MAX + 1];
	char *dir = NULL;
	vmc_state st;
	int rc, answered = 0;

	*reply = NULL;
	rc = paths_parse_ref(vm, ns, name);
	if (rc < 0)
		goto out;
	rc = mgr_vm_state(mgr, ns, name, &st, NULL);
	if (rc < 0)
		goto out;
	if (vmc_state_is_final(st.kind)) {
		rc = vmc_error_set(VMC_EINVALSTATE, "vm '%s' is %s", vm, vmc_state_name(st.kind));
		goto out;
	}
	dir = paths_vm(mgr->state_dir, ns, name, NULL);
	if (!dir) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = shim_request_answered(dir, req, timeout_ms, reply, &answered);
	if (rc == VMC_ENOTFOUND && !answered)
		rc = vmc_error_set(VMC_EINVALSTATE, "vm '%s' is not running", vm);
out:
	json_decref(req);
	free(dir);
	return rc;
}

/* How long to wait for the shim: its own timeout plus `margin`, without
 * overflowing (< 0: no limit). */
static int plus_margin(int timeout_ms, int margin)
{
	if (timeout_ms < 0)
		return -1;
	return timeout_ms > INT_MAX - margin ? INT_MAX : timeout_ms + margin;
}

int vmc_manager_stop(vmc_manager *mgr, const char *vm, int timeout_ms, vmc_stop_result *how)
{
	json_t *reply = NULL;
	const char *result;
	int rc;

	if (how)
		*how = VMC_STOP_ALREADY;
	rc = vm_request(mgr, vm, json_pack("{s:s, s:i}", "op", "stop", "timeout_ms", timeout_ms),
			plus_margin(timeout_ms, OPS_KILL_TIMEOUT_MS), &reply);
	if (rc == VMC_EINVALSTATE) {
		vmc_error_clear();
		return 0; /* already ended: nothing to stop */
	}
	if (rc < 0)
		return rc;
	result = json_string_value(json_object_get(reply, "result"));
	if (how && result)
		*how = !strcmp(result, "graceful") ? VMC_STOP_GRACEFUL
		     : !strcmp(result, "killed") ? VMC_STOP_KILLED : VMC_STOP_ALREADY;
	json_decref(reply);
	return 0;
}

/* `path` made absolute against our working directory (the shim has its
 * own) into abs[PATH_MAX]; `what` names it in errors. */
static int absolute(const char *path, char abs[PATH_MAX], const char *what)
{
	char cwd[PATH_MAX];
	int n;

	if (path[0] == '/')
		n = snprintf(abs, PATH_MAX, "%s", path);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(abs, PATH_MAX, "%s/%s", cwd, path);
	else
		return vmc_error_set_errno(VMC_EIO, errno, "getcwd");
	if (n < 0 || n >= PATH_MAX)
		return vmc_error_set(VMC_EINVAL, "%s too long", what);
	return 0;
}

int vmc_manager_snapshot(vmc_manager *mgr, const char *vm, const char *dir)
{
	char abs[PATH_MAX];
	json_t *reply = NULL;
	int rc;

	if (!dir || !*dir)
		return vmc_error_set(VMC_EINVAL, "no snapshot directory given");
	rc = absolute(dir, abs, "snapshot path");
	if (rc < 0)
		return rc;
	rc = vm_request(mgr, vm, json_pack("{s:s, s:s}", "op", "snapshot", "dir", abs),
			OPS_SNAPSHOT_TIMEOUT_MS, &reply);
	json_decref(reply);
	return rc;
}

int vmc_manager_kill(vmc_manager *mgr, const char *vm)
{
	json_t *reply = NULL;
	int rc = vm_request(mgr, vm, json_pack("{s:s}", "op", "kill"), OPS_KILL_TIMEOUT_MS, &reply);

	json_decref(reply);
	return rc;
}

static int simple_op(vmc_manager *mgr, const char *vm, const char *op)
{
	json_t *reply = NULL;
	int rc = vm_request(mgr, vm, json_pack("{s:s}", "op", op), OPS_REQUEST_TIMEOUT_MS, &reply);

	json_decref(reply);
	return rc;
}

int vmc_manager_pause(vmc_manager *mgr, const char *vm)
{
	return simple_op(mgr, vm, "pause");
}

int vmc_manager_reboot(vmc_manager *mgr, const char *vm)
{
	return simple_op(mgr, vm, "reboot");
}

int vmc_manager_resume(vmc_manager *mgr, const char *vm)
{
	return simple_op(mgr, vm, "resume");
}

int vmc_manager_resize(vmc_manager *mgr, const char *vm, unsigned int cpus,
		       unsigned int memory_mib, int timeout_ms)
{
	json_t *reply = NULL;
	int rc;

	if (cpus > VMC_CPUS_MAX || memory_mib > VMC_MEMORY_MIB_MAX)
		return vmc_error_set(VMC_EINVAL, "resize: %u vCPUs / %u MiB is out of range", cpus,
				     memory_mib);
	rc = vm_request(mgr, vm, json_pack("{s:s, s:i, s:i, s:i}", "op", "resize", "cpus",
					   (int)cpus, "memory_mib", (int)memory_mib, "timeout_ms",
					   timeout_ms),
			plus_margin(timeout_ms, OPS_REQUEST_TIMEOUT_MS), &reply);
	json_decref(reply);
	return rc;
}

int vmc_manager_disk_add(vmc_manager *mgr, const char *vm, const char *path,
			 vmc_disk_format format, int read_only, char **id)
{
	char abs[PATH_MAX];
	json_t *reply = NULL;
	const char *got;
	int rc;

	if (id)
		*id = NULL;
	if (!path || !*path)
		return vmc_error_set(VMC_EINVAL, "no disk path given");
	if (format != VMC_DISK_RAW && format != VMC_DISK_QCOW2)
		return vmc_error_set(VMC_EINVAL, "unknown disk format %d", (int)format);
	rc = absolute(path, abs, "disk path");
	if (rc < 0)
		return rc;
	rc = vm_request(mgr, vm, json_pack("{s:s, s:s, s:i, s:b}", "op", "disk_add", "path", abs,
					   "format", (int)format, "read_only", read_only ? 1 : 0),
			OPS_REQUEST_TIMEOUT_MS, &reply);
	got = json_string_value(json_object_get(reply, "id"));
	if (rc == 0 && !got)
		rc = vmc_error_set(VMC_EPROTO, "vmc-shim did not say which id the disk got");
	if (rc == 0 && id && !(*id = strdup(got)))
		rc = vmc_error_oom();
	json_decref(reply);
	return rc;
}

int vmc_manager_disk_remove(vmc_manager *mgr, const char *vm, const char *id)
{
	json_t *reply = NULL;
	int rc;

	if (!id || !*id)
		return vmc_error_set(VMC_EINVAL, "no device id given");
	rc = vm_request(mgr, vm, json_pack("{s:s, s:s}", "op", "disk_remove", "id", id),
			OPS_REQUEST_TIMEOUT_MS, &reply);
	json_decref(reply);
	return rc;
}

/* A shim that has recorded the final state exits right after; removal
 * waits for it (pidfd, bounded), so nothing of the VM outlives `rm`. */
static void wait_shim_gone(const char *dir)
{
	struct shim_record rec;
	struct pollfd pfd;
	int fd;

	if (mgr_record_read(dir, &rec) < 0) {
		vmc_error_clear();
		return;
	}
	if (rec.shim_pid <= 0 || !proc_is_same(rec.shim_pid, rec.shim_start))
		return;
	fd = spawn_pidfd_open(rec.shim_pid);
	if (fd < 0)
		return;
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, OPS_SHIM_EXIT_MS) == 0) {
		spawn_pidfd_signal(fd, rec.shim_pid, SIGKILL);
		poll(&pfd, 1, OPS_SHIM_EXIT_MS);
	}
	close(fd);
}

int vmc_manager_remove(vmc_manager *mgr, const char *vm, int force)
{
	char ns[VMC_NAME_MAX + 1], name[VMC_NAME_MAX + 1];
	char *dir = NULL;
	vmc_state st;
	int rc;

	rc = paths_parse_ref(vm, ns, name);
	if (rc == 0)
		rc = mgr_vm_state(mgr, ns, name, &st, NULL);
	if (rc < 0)
		return rc;
	if (!vmc_state_is_final(st.kind) && st.kind != VMC_STATE_CREATED) {
		if (!force)
			return vmc_error_set(VMC_EINVALSTATE,
					     "vm '%s' is %s: stop it first or remove with force",
					     vm, vmc_state_name(st.kind));
		rc = vmc_manager_kill(mgr, vm);
		if (rc < 0 && rc != VMC_EINVALSTATE)
			return rc;
		rc = vmc_manager_wait(mgr, vm, VMC_STATE_STOPPED, OPS_KILL_TIMEOUT_MS, &st);
		if (rc < 0 && !vmc_state_is_final(st.kind))
			return rc;
		vmc_error_clear();
	}
	dir = paths_vm(mgr->state_dir, ns, name, NULL);
	if (!dir)
		return vmc_error_oom();
	wait_shim_gone(dir);
	mgr_net_release_vm(mgr, ns, name); /* its switch ports and addresses */
	rc = fs_remove_tree(dir);
	free(dir);
	return rc;
}

int vmc_manager_config(vmc_manager *mgr, const char *vm, vmc_config **out)
{
	char ns[VMC_NAME_MAX + 1], name[VMC_NAME_MAX + 1];
	char *path = NULL, *text = NULL;
	int rc;

	*out = NULL;
	rc = paths_parse_ref(vm, ns, name);
	if (rc < 0)
		return rc;
	path = paths_vm(mgr->state_dir, ns, name, "config.json");
	if (!path)
		return vmc_error_oom();
	rc = fs_read_file(path, 1 << 20, &text, NULL);
	if (rc == VMC_ENOTFOUND)
		rc = vmc_error_set(VMC_ENOTFOUND, "no vm '%s'", vm);
	if (rc == 0)
		rc = vmc_config_from_json(out, text);
	free(text);
	free(path);
	return rc;
}

int vmc_manager_vsock_path(vmc_manager *mgr, const char *vm, char **out)
{
	vmc_config *cfg = NULL;
	int rc;

	*out = NULL;
	rc = vmc_manager_config(mgr, vm, &cfg);
	if (rc < 0)
		return rc;
	if (!cfg->vsock_cid)
		rc = vmc_error_set(VMC_EINVAL, "vm '%s' has no vsock device", vm);
	else if (!(*out = paths_vm(mgr->state_dir, cfg->ns, cfg->name, "vsock.sock")))
		rc = vmc_error_oom();
	vmc_config_free(cfg);
	return rc;
}

int vmc_manager_console_path(vmc_manager *mgr, const char *vm, char **out)
{
	char ns[VMC_NAME_MAX + 1], name[VMC_NAME_MAX + 1];
	struct stat st;
	int rc;

	*out = NULL;
	rc = paths_parse_ref(vm, ns, name);
	if (rc < 0)
		return rc;
	*out = paths_vm(mgr->state_dir, ns, name, "serial.log");
	if (!*out)
		return vmc_error_oom();
	char *dir = paths_vm(mgr->state_dir, ns, name, NULL);
	if (!dir || stat(dir, &st) < 0) {
		free(dir);
		free(*out);
		*out = NULL;
		return vmc_error_set(VMC_ENOTFOUND, "no vm '%s'", vm);
	}
	free(dir);
	return 0;
}

static int cmp_info(const void *a, const void *b)
{
	const vmc_vm_info *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);

	return c ? c : strcmp(x->name, y->name);
}

static int list_ns(vmc_manager *mgr, const char *ns, vmc_vm_info **arr, size_t *n, size_t *cap)
{
	char *ns_dir = fs_join(mgr->state_dir, ns);
	DIR *d = ns_dir ? opendir(ns_dir) : NULL;
	struct dirent *e;
	int rc = 0;

	free(ns_dir);
	if (!d || !strcmp(ns, PATHS_NETWORKS_DIR)) {
		if (d)
			closedir(d);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		vmc_state st;

		if (e->d_name[0] == '.' || !config_name_valid(e->d_name))
			continue;
		if (mgr_vm_state(mgr, ns, e->d_name, &st, NULL) < 0) {
			vmc_error_clear();
			continue; /* removed meanwhile */
		}
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			vmc_vm_info *p = realloc(*arr, nc * sizeof(*p));
			if (!p) {
				rc = vmc_error_oom();
				break;
			}
			*arr = p;
			*cap = nc;
		}
		vmc_vm_info *info = &(*arr)[(*n)++];
		memset(info, 0, sizeof(*info));
		snprintf(info->ns, sizeof(info->ns), "%.*s", VMC_NAME_MAX, ns);
		snprintf(info->name, sizeof(info->name), "%.*s", VMC_NAME_MAX, e->d_name);
		info->state = st;
	}
	closedir(d);
	return rc;
}

int vmc_manager_list(vmc_manager *mgr, vmc_vm_info **out, size_t *count)
{
	vmc_vm_info *arr = NULL;
	size_t n = 0, cap = 0;
	DIR *d = opendir(mgr->state_dir);
	struct dirent *e;
	int rc = 0;

	*out = NULL;
	*count = 0;
	if (!d)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot read '%s'", mgr->state_dir);
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !config_name_valid(e->d_name))
			continue;
		rc = list_ns(mgr, e->d_name, &arr, &n, &cap);
	}
	closedir(d);
	if (rc < 0) {
		free(arr);
		return rc;
	}
	if (n > 1)
		qsort(arr, n, sizeof(*arr), cmp_info);
	*out = arr;
	*count = n;
	return 0;
}
