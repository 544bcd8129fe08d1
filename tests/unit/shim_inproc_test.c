/*
 * shim_inproc_test.c - vmc-shim hosting an in-process VM, as it does with
 * the vz backend on macOS, run on Linux with the real shim code (state
 * machine, console and ready scanner, epoll loop and timers, hv_inproc.c)
 * and a TEST DOUBLE in place of Virtualization.framework: `dbl_ops`, an
 * in-process backend that writes a console line, and reports pause,
 * resume and the VM's end (BACKEND_EV_EXITED, with or without the
 * framework's error text) through an event pipe, as vz.c does. Checks:
 * the guest powering off is STOPPED, a framework error is FAILED with its
 * text (through vz_state_map), kill uses the forced stop and, when that
 * fails, ends the VM with the shim, the stop timeout escalates to the
 * forced stop, pause/resume, and the shim's pid stands for the
 * hypervisor's.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/spawn.h"
#include "backend/vz_plan.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/state.h"
#include "shim/shim.h"

/* ------------------------------------------------------------ the double */

struct dbl_event {
	int kind;
	int has_text;
	char text[200];
};

struct backend_vm {
	int console, ev_rd, ev_wr;
	int quit_fails;         /* the forced stop fails */
	int powerdown_ignored;  /* the guest ignores the power button */
	int quits;
	void (*report)(enum backend_event ev, const char *detail, void *p);
	void *p;
};

static void dbl_post(struct backend_vm *vm, enum backend_event kind, const char *text)
{
	struct dbl_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = (int)kind;
	if (text) {
		ev.has_text = 1;
		snprintf(ev.text, sizeof(ev.text), "%s", text);
	}
	assert_int_equal(write(vm->ev_wr, &ev, sizeof(ev)), (ssize_t)sizeof(ev));
}

static void dbl_free(struct backend_vm *vm)
{
	if (!vm)
		return;
	close(vm->console);
	close(vm->ev_rd);
	close(vm->ev_wr);
	free(vm);
}

static int dbl_prepare(struct backend_vm **out, const struct vmc_config *cfg,
		       struct backend_launch *launch)
{
	struct backend_vm *vm = calloc(1, sizeof(*vm));
	int fds[2];

	(void)cfg;
	assert_non_null(vm);
	assert_true(launch->console_fd >= 0);
	vm->console = fcntl(launch->console_fd, F_DUPFD_CLOEXEC, 3);
	assert_true(vm->console >= 0);
	assert_int_equal(spawn_pipe_cloexec(fds, 1), 0);
	vm->ev_rd = fds[0];
	vm->ev_wr = fds[1];
	launch->argv = NULL;
	*out = vm;
	return 0;
}

static int dbl_attach(struct backend_vm *vm, pid_t pid, int timeout_ms,
		      void (*report)(enum backend_event ev, const char *detail, void *p), void *p)
{
	static const char boot[] = "booting\nVMC_READY ip=10.1.2.3\n";

	(void)timeout_ms;
	assert_int_equal(pid, getpid()); /* the shim hosts the VM */
	vm->report = report;
	vm->p = p;
	assert_int_equal(write(vm->console, boot, sizeof(boot) - 1), (ssize_t)sizeof(boot) - 1);
	return 0;
}

static int dbl_fd(struct backend_vm *vm)
{
	return vm->ev_rd;
}

static int dbl_on_readable(struct backend_vm *vm)
{
	struct dbl_event ev;

	while (read(vm->ev_rd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev))
		vm->report((enum backend_event)ev.kind, ev.has_text ? ev.text : NULL, vm->p);
	return 0;
}

static int dbl_powerdown(struct backend_vm *vm)
{
	if (!vm->powerdown_ignored)
		dbl_post(vm, BACKEND_EV_EXITED, NULL); /* the guest powered off */
	return 0;
}

static int dbl_pause(struct backend_vm *vm)
{
	dbl_post(vm, BACKEND_EV_PAUSED, NULL);
	return 0;
}

static int dbl_resume(struct backend_vm *vm)
{
	dbl_post(vm, BACKEND_EV_RESUMED, NULL);
	return 0;
}

static int dbl_quit(struct backend_vm *vm)
{
	vm->quits++;
	if (vm->quit_fails)
		return vmc_error_set(VMC_ERROR, "double: the forced stop failed");
	dbl_post(vm, BACKEND_EV_EXITED, NULL);
	return 0;
}

static const struct backend_ops dbl_ops = {
	.name = "inproc-double",
	.kind = VMC_BACKEND_VZ,
	.in_process = 1,
	.prepare = dbl_prepare,
	.attach = dbl_attach,
	.fd = dbl_fd,
	.on_readable = dbl_on_readable,
	.powerdown = dbl_powerdown,
	.pause = dbl_pause,
	.resume = dbl_resume,
	.quit = dbl_quit,
	.free = dbl_free,
};

/* ------------------------------------------------------------ the shim */

static char dir[64];
static struct shim shim;

static int setup(void **state)
{
	struct backend_launch launch;
	char *log;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/shiminproc.XXXXXX");
	assert_non_null(mkdtemp(dir));
	memset(&shim, 0, sizeof(shim));
	shim.loop_fd = shim.console.fd = shim.backend.fd = shim.pidfd.fd = -1;
	shim.control.fd = shim.signals.fd = shim.stop_timer.fd = shim.boot_timer.fd = -1;
	shim.log_fd = shim.user_log_fd = -1;
	shim.fwd_watch.fd = -1;
	shim.vm_dir = dir;
	assert_int_equal(vmc_config_new(&shim.cfg, "web"), 0);
	state_init(&shim.state, VMC_STATE_STARTING);
	ready_scanner_init(&shim.scanner);
	assert_int_equal(shim_loop_init(&shim), 0);
	log = fs_join(dir, "serial.log");
	shim.log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	free(log);
	assert_true(shim.log_fd >= 0);
	shim.ops = &dbl_ops;
	memset(&launch, 0, sizeof(launch));
	launch.vm_dir = dir;
	launch.console_fd = -1;
	assert_int_equal(shim_start_in_process(&shim, &launch), 0);
	assert_int_equal(shim.state.pid, getpid());
	assert_int_equal(shim.hv_pid, getpid());
	assert_int_equal(shim.ops->attach(shim.bvm, shim.hv_pid, 1000, shim_backend_report, &shim),
			 0);
	shim.backend.fd = shim.ops->fd(shim.bvm);
	shim.backend.handler = shim_on_backend;
	assert_int_equal(shim_watch_add(&shim, &shim.backend, SHIM_EV_IN), 0);
	assert_int_equal(shim_set_state(&shim, VMC_STATE_RUNNING, ""), 0);
	/* the console line is in the pipe: READY arrives with it */
	shim_console_readable(&shim, &shim.console, SHIM_EV_IN);
	assert_int_equal(shim.state.kind, VMC_STATE_READY);
	assert_string_equal(shim.state.ip[0], "10.1.2.3");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	shim.ops->free(shim.bvm);
	vmc_config_free(shim.cfg);
	for (int *fd = (int[]){ shim.loop_fd, shim.signals.fd, shim.stop_timer.fd,
				 shim.boot_timer.fd, shim.log_fd, shim.console.fd, -2 }; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
	fs_remove_tree(dir);
	return 0;
}

static void expect_final(vmc_state_kind kind, const char *reason)
{
	char *json = NULL, *path = fs_join(dir, "state.json");

	assert_int_equal(shim.hv_gone, 1);
	assert_int_equal(shim.state.kind, kind);
	assert_string_equal(shim.state.reason, reason);
	assert_int_equal(shim.state.pid, 0);
	assert_int_equal(fs_read_file(path, 1 << 16, &json, NULL), 0);
	assert_non_null(strstr(json, vmc_state_name(kind)));
	free(json);
	free(path);
}

static void shim_inproc__guest_power_off_is_stopped(void **state)
{
	char *log = fs_join(dir, "serial.log"), *text = NULL;

	(void)state;
	assert_int_equal(shim_request_stop(&shim, 5000), 0);
	assert_int_equal(shim.state.kind, VMC_STATE_STOPPING);
	shim_loop_run(&shim);
	expect_final(VMC_STATE_STOPPED, "stopped");
	assert_int_equal(shim.state.exit_code, 0);
	assert_int_equal(fs_read_file(log, 1 << 16, &text, NULL), 0);
	assert_non_null(strstr(text, "booting"));
	free(text);
	free(log);
}

static void shim_inproc__framework_error_is_failed_with_its_text(void **state)
{
	char reason[200]; /* VZ_TEXT_MAX in vz_vm.h */

	(void)state;
	/* what vz.c's delegate sends for virtualMachine:didStopWithError: */
	vz_state_map(VZ_STATE_ERROR, 1, "The virtual machine stopped unexpectedly.", reason,
		     sizeof(reason));
	dbl_post(shim.bvm, BACKEND_EV_EXITED, reason);
	shim_loop_run(&shim);
	expect_final(VMC_STATE_FAILED, "Virtualization.framework: The virtual machine stopped "
		     "unexpectedly.");
}

static void shim_inproc__kill_is_the_forced_stop(void **state)
{
	(void)state;
	assert_int_equal(shim_request_kill(&shim), 0);
	assert_int_equal(shim.bvm->quits, 1);
	shim_loop_run(&shim);
	expect_final(VMC_STATE_STOPPED, "killed");
}

static void shim_inproc__kill_ends_with_the_shim_when_the_forced_stop_fails(void **state)
{
	(void)state;
	shim.bvm->quit_fails = 1;
	assert_int_equal(shim_request_kill(&shim), 0);
	/* nothing more to wait for: the VM ends with this process */
	assert_int_equal(shim.hv_gone, 1);
	shim_loop_run(&shim);
	expect_final(VMC_STATE_STOPPED, "killed");
	assert_int_equal(shim.state.signal, SIGKILL);
}

static void shim_inproc__stop_timeout_escalates_to_the_forced_stop(void **state)
{
	(void)state;
	shim.bvm->powerdown_ignored = 1;
	assert_int_equal(shim_request_stop(&shim, 50), 0);
	shim_loop_run(&shim); /* the stop timer fires, quit() ends the VM */
	assert_int_equal(shim.bvm->quits, 1);
	expect_final(VMC_STATE_STOPPED, "stopped by the hypervisor: the guest did not power off "
		     "in time");
}

static void shim_inproc__pause_resume(void **state)
{
	(void)state;
	assert_int_equal(shim_pause(&shim), 0);
	assert_int_equal(shim.state.kind, VMC_STATE_PAUSED);
	shim_on_backend(&shim, &shim.backend, SHIM_EV_IN); /* the PAUSED event: no change */
	assert_int_equal(shim.state.kind, VMC_STATE_PAUSED);
	assert_int_equal(shim_resume(&shim), 0);
	assert_int_equal(shim.state.kind, VMC_STATE_READY);
	shim_on_backend(&shim, &shim.backend, SHIM_EV_IN);
	assert_int_equal(shim.state.kind, VMC_STATE_READY);
	assert_int_equal(shim.hv_gone, 0);
	/* end it so teardown finds a finished VM */
	assert_int_equal(shim_request_kill(&shim), 0);
	shim_loop_run(&shim);
	expect_final(VMC_STATE_STOPPED, "killed");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(shim_inproc__guest_power_off_is_stopped),
		T(shim_inproc__framework_error_is_failed_with_its_text),
		T(shim_inproc__kill_is_the_forced_stop),
		T(shim_inproc__kill_ends_with_the_shim_when_the_forced_stop_fails),
		T(shim_inproc__stop_timeout_escalates_to_the_forced_stop),
		T(shim_inproc__pause_resume),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
