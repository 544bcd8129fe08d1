/*
 * main.c - vmc-shim's entry point: `vmc-shim --vm-dir DIR --report-fd N`.
 * Loads DIR/config.json, prepares the backend, starts the VM (the
 * hypervisor as the shim's own child, or in-process), writes one report
 * line to the starter on fd N ("ok <pid>" or "error <code> <msg>"), then
 * runs the single-threaded event loop until the VM has ended and its final
 * state is recorded. Portable: the loop and process handling are in
 * loop_epoll.c + hv_process.c (Linux) and loop_kqueue.c (macOS).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/proc.h"
#include "core/state.h"
#include "net/port_client.h"
#include "shim/shim.h"

#define SHIM_ATTACH_TIMEOUT_MS 10000

static int load_config(struct shim *shim)
{
	char *path = fs_join(shim->vm_dir, "config.json");
	char *text = NULL;
	int rc;

	if (!path)
		return vmc_error_oom();
	rc = fs_read_file(path, 1 << 20, &text, NULL);
	free(path);
	if (rc == 0)
		rc = vmc_config_from_json(&shim->cfg, text);
	free(text);
	return rc;
}

/* Picks the backend, reads a snapshot to restore, and starts the VM: a
 * hypervisor child (hv_process.c) or an in-process VM (hv_inproc.c). */
static int start_vm(struct shim *shim)
{
	struct backend_launch launch = { .vm_dir = shim->vm_dir, .console_fd = -1 };
	int rc;

	rc = backend_for_config(&shim->ops, shim->cfg);
	if (rc < 0)
		return rc;
	if (shim->restore_dir) {
		rc = shim_restore_read(shim, shim->restore_dir);
		if (rc < 0)
			return rc;
		launch.restore_dir = shim->restore_dir;
	}
	if (shim->ops->in_process)
		return shim_start_in_process(shim, &launch);
	return shim_start_process(shim, &launch);
}

static void report(int fd, int rc, pid_t pid)
{
	char line[1200];
	int n;

	if (fd < 0)
		return;
	if (rc == 0)
		n = snprintf(line, sizeof(line), "ok %d\n", (int)pid);
	else
		n = snprintf(line, sizeof(line), "error %d %s\n", rc, vmc_error_last());
	if (n > 0)
		(void)!write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	close(fd);
}

static int parse_args(int argc, char **argv, char **vm_dir, int *report_fd,
		      const char **restore_dir)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--vm-dir") && i + 1 < argc) {
			*vm_dir = argv[++i];
		} else if (!strcmp(argv[i], "--restore") && i + 1 < argc) {
			*restore_dir = argv[++i];
		} else if (!strcmp(argv[i], "--report-fd") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 3 || v > 1000)
				return -1;
			*report_fd = (int)v;
		} else {
			return -1;
		}
	}
	return *vm_dir ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct shim shim;
	char *vm_dir = NULL;
	int report_fd = -1, rc;

	memset(&shim, 0, sizeof(shim));
	shim.loop_fd = shim.console.fd = shim.backend.fd = shim.pidfd.fd = -1;
	shim.control.fd = shim.signals.fd = shim.stop_timer.fd = shim.boot_timer.fd = -1;
	shim.log_fd = shim.user_log_fd = -1;
	shim.fwd_watch.fd = -1;
	if (parse_args(argc, argv, &vm_dir, &report_fd, &shim.restore_dir) < 0) {
		fprintf(stderr, "usage: vmc-shim --vm-dir DIR [--report-fd N] [--restore SNAPSHOT]\n");
		return 2;
	}
	if (report_fd >= 0)
		fcntl(report_fd, F_SETFD, FD_CLOEXEC);
	shim.vm_dir = vm_dir;
	state_init(&shim.state, VMC_STATE_STARTING);
	ready_scanner_init(&shim.scanner);
	if (proc_start_time(getpid(), &shim.shim_start) < 0)
		vmc_error_clear();

	rc = load_config(&shim);
	if (rc == 0)
		rc = shim_loop_init(&shim);
	if (rc == 0)
		rc = shim_open_log(vm_dir, "serial.log", &shim.log_fd);
	if (rc == 0 && shim.cfg->serial_log) {
		shim.user_log_fd = open(shim.cfg->serial_log,
					O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (shim.user_log_fd < 0)
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot open serial log '%s'",
						 shim.cfg->serial_log);
	}
	if (rc == 0)
		rc = shim_control_listen(&shim);
	if (rc == 0)
		rc = shim_publish_start(&shim); /* before the hypervisor: hostfwd ports */
	if (rc == 0)
		rc = start_vm(&shim);
	if (rc < 0) {
		char why[VMC_STATE_REASON_MAX];

		/* the clean-up below clears the error it ignores: keep ours */
		snprintf(why, sizeof(why), "%s", vmc_error_last());
		shim_publish_stop(&shim);
		shim_stop_sidecars(&shim);
		if (shim.cfg)
			netport_detach_vm(vm_dir, shim.cfg);
		vmc_error_set(rc, "%s", why);
		state_init(&shim.state, VMC_STATE_FAILED);
		snprintf(shim.state.reason, sizeof(shim.state.reason), "%s", vmc_error_last());
		shim_write_state(&shim);
		report(report_fd, rc, 0);
		shim_control_close_all(&shim);
		return 1;
	}
	shim_write_state(&shim);
	report(report_fd, 0, shim.hv_pid);

	rc = shim.ops->attach(shim.bvm, shim.hv_pid, SHIM_ATTACH_TIMEOUT_MS, shim_backend_report,
			      &shim);
	if (rc < 0) {
		snprintf(shim.fail_reason, sizeof(shim.fail_reason),
			 "cannot attach to the hypervisor: %s", vmc_error_last());
		shim_request_kill(&shim);
		shim.kill_requested = 0;
	} else {
		shim.backend.fd = shim.ops->fd(shim.bvm);
		shim.backend.handler = shim_on_backend;
		if (shim.backend.fd >= 0)
			shim_watch_add(&shim, &shim.backend, SHIM_EV_IN);
		if (shim.restore_dir) {
			rc = shim_restore_finish(&shim);
			if (rc < 0) {
				snprintf(shim.fail_reason, sizeof(shim.fail_reason),
					 "cannot restore '%s': %s", shim.restore_dir, vmc_error_last());
				shim_request_kill(&shim);
				shim.kill_requested = 0;
			}
		} else if (shim.state.kind == VMC_STATE_STARTING) {
			shim_set_state(&shim, VMC_STATE_RUNNING, "");
		}
	}
	if (shim.cfg->boot_timeout_ms > 0 &&
	    shim_timer_arm(&shim, &shim.boot_timer, (int)shim.cfg->boot_timeout_ms) < 0)
		shim_log(&shim, "boot timer: %s", vmc_error_last());
	shim_loop_run(&shim);
	shim_publish_stop(&shim);
	shim_stop_sidecars(&shim);
	netport_detach_vm(vm_dir, shim.cfg); /* done at the hypervisor's exit; this is cheap */
	shim_control_close_all(&shim);
	shim.ops->free(shim.bvm);
	vmc_config_free(shim.cfg);
	return 0;
}
