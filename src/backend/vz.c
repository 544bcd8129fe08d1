/*
 * vz.c - the Virtualization.framework backend (macOS only): executes a
 * vz_plan (vz_plan.c decides everything) through the Objective-C runtime
 * from plain C. Every message is objc_msgSend cast to the exact function
 * type of its selector (docs/vz-selectors.md lists them all with their
 * classes and macOS versions); completion handlers are blocks (-fblocks).
 *
 * The VM runs inside vmc-shim (backend_ops.in_process): VZ objects live on
 * one serial dispatch queue per VM and every VZ call is made on it. The
 * shim's thread asks for an operation with dispatch_async and waits on a
 * semaphore with its deadline; a call struct shared by the two sides is
 * reference-counted, so a completion that arrives after the deadline
 * touches no freed memory. Each operation checks canStart / canPause /
 * canResume / canRequestStop / canStop first and refuses with the VZ state.
 *
 * State observation: a delegate object of a class made at run time
 * (objc_allocateClassPair + class_addMethod) receives guestDidStop... and
 * virtualMachine:didStopWithError:. Chosen over polling `state` from a
 * dispatch timer because the delegate is told at once and is the only
 * place the framework hands over the NSError of a failed VM, whose text
 * becomes the FAILED reason. Pause/resume/stop outcomes come from their
 * own completion handlers. Everything the queue learns is written as
 * fixed-size records (< PIPE_BUF, so atomic) to a pipe whose read end is
 * this backend's fd() in the shim's loop, which reports them on the
 * shim's thread: no shim state is touched from the queue.
 *
 * vz_config.c builds the VZ objects, vz_objc.c wraps objc_msgSend. Not
 * compiled on Linux; CI syntax-checks it with clang against
 * tests/macos-stubs (tests/macos_syntax_check.py).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/vz_kernel.h"
#include "backend/vz_vm.h"
#include "core/error.h"
#include "core/fsutil.h"

#define VZ_CMD_TIMEOUT_MS 10000

/* ------------------------------------------------------------ calls */

/* An operation the shim's thread waits for (see the header comment). */
struct vz_call {
	int refs;
	dispatch_semaphore_t done;
	int rc;
	char err[VZ_TEXT_MAX + 64];
};

static struct vz_call *call_new(void)
{
	struct vz_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->refs = 2; /* the waiter and the queue side */
	c->done = dispatch_semaphore_create(0);
	if (!c->done) {
		free(c);
		return NULL;
	}
	return c;
}

static void call_put(struct vz_call *c)
{
	if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		dispatch_release(c->done);
		free(c);
	}
}

/* Queue side: the outcome (error: an NSError or NULL), then let go. */
static void call_finish(struct vz_call *c, id error)
{
	if (error) {
		c->rc = VMC_ERROR;
		vz_error_text(error, c->err, sizeof(c->err));
	}
	dispatch_semaphore_signal(c->done);
	call_put(c);
}

static void call_refuse(struct vz_call *c, int rc, const char *what, long state)
{
	c->rc = rc;
	snprintf(c->err, sizeof(c->err), "the VM cannot %s while Virtualization.framework "
		 "reports it %s", what, vz_state_name(state));
	dispatch_semaphore_signal(c->done);
	call_put(c);
}

static void call_fail(struct vz_call *c, int rc, const char *msg)
{
	c->rc = rc;
	snprintf(c->err, sizeof(c->err), "%s", msg);
	dispatch_semaphore_signal(c->done);
	call_put(c);
}

/* Shim side: waits up to timeout_ms, then lets go. */
static int call_wait(struct vz_call *c, int timeout_ms, const char *what)
{
	dispatch_time_t until = timeout_ms < 0 ? DISPATCH_TIME_FOREVER :
		dispatch_time(DISPATCH_TIME_NOW, (int64_t)timeout_ms * (int64_t)NSEC_PER_MSEC);
	int rc = 0;

	if (dispatch_semaphore_wait(c->done, until) != 0)
		rc = vmc_error_set(VMC_ETIMEOUT, "%s: no answer from Virtualization.framework in "
				   "%d ms", what, timeout_ms);
	else if (c->rc < 0)
		rc = vmc_error_set(c->rc, "%s: %s", what, c->err);
	call_put(c);
	return rc;
}

/* ------------------------------------------------------------ events */

/* Queue side: one record to the shim (atomic: smaller than PIPE_BUF). */
void vz_post_event(struct backend_vm *vm, enum backend_event kind, const char *text)
{
	struct vz_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = (int)kind;
	if (text) {
		ev.has_text = 1;
		snprintf(ev.text, sizeof(ev.text), "%s", text);
	}
	while (write(vm->ev_wr, &ev, sizeof(ev)) < 0 && errno == EINTR)
		;
}

/* Queue side: the VM ended (at most one EXITED). */
void vz_vm_ended(struct backend_vm *vm, const char *error)
{
	if (vm->ended)
		return;
	vm->ended = 1;
	vz_post_event(vm, BACKEND_EV_EXITED, error);
}

/* ------------------------------------------------------------ ops */

/* The framework's limits, from VZVirtualMachineConfiguration's class
 * properties. */
static int query_limits(struct vz_limits *l)
{
	id c = vz_cls("VZVirtualMachineConfiguration"), vmc = vz_cls("VZVirtualMachine");

	if (!c || !vmc || !vz_cls("VZGenericMachineIdentifier"))
		return vmc_error_set(VMC_EUNSUPPORTED, "Virtualization.framework on macOS 13 or "
				     "later is needed (VZGenericMachineIdentifier is missing)");
	if (!vz_msg_bool(vmc, "isSupported"))
		return vmc_error_set(VMC_EUNSUPPORTED, "Virtualization.framework is not supported "
				     "on this Mac (VZVirtualMachine.isSupported is NO)");
	l->cpu_min = (unsigned int)vz_msg_uint(c, "minimumAllowedCPUCount");
	l->cpu_max = (unsigned int)vz_msg_uint(c, "maximumAllowedCPUCount");
	l->mem_min = vz_msg_u64(c, "minimumAllowedMemorySize");
	l->mem_max = vz_msg_u64(c, "maximumAllowedMemorySize");
	return 0;
}

static int vz_validate(const struct vmc_config *cfg)
{
	struct vz_plan_input in = { .cfg = cfg };
	struct vz_plan plan;
	id pool = vz_pool_push();
	int rc;

	rc = query_limits(&in.limits);
	vz_pool_pop(pool);
	if (rc < 0)
		return rc;
	rc = vz_plan_build(&plan, &in);
	vz_plan_free(&plan);
	return rc;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void vz_free(struct backend_vm *vm)
{
	if (!vm)
		return;
	if (vm->queue) {
		/* on the queue: VZ objects are released where they are used */
		dispatch_sync(vm->queue, ^{
			id pool = vz_pool_push();

			if (vm->vm)
				vz_msg_void_id(vm->vm, "setDelegate:", (id)NULL);
			vz_release(vm->vm);
			vz_release(vm->delegate);
			vz_release(vm->config);
			vm->vm = vm->delegate = vm->config = NULL;
			vz_pool_pop(pool);
		});
		dispatch_release(vm->queue);
	}
	vz_plan_free(&vm->plan);
	close_fd(&vm->console_fd);
	close_fd(&vm->ev_rd);
	close_fd(&vm->ev_wr);
	free(vm->machine_id);
	free(vm);
}

static int cloexec_pipe(int fds[2])
{
	if (pipe(fds) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "pipe");
	for (int i = 0; i < 2; i++) {
		if (fcntl(fds[i], F_SETFD, FD_CLOEXEC) < 0 ||
		    fcntl(fds[i], F_SETFL, O_NONBLOCK) < 0) {
			int e = errno;

			close(fds[0]);
			close(fds[1]);
			return vmc_error_set_errno(VMC_EIO, e, "fcntl");
		}
	}
	return 0;
}

static int vz_prepare(struct backend_vm **out, const struct vmc_config *cfg,
		      struct backend_launch *launch)
{
	struct backend_vm *vm = calloc(1, sizeof(*vm));
	struct vz_plan_input in = { .cfg = cfg };
	char *cache = NULL, label[160];
	/* thread-local errors do not cross threads: the block carries it */
	__block struct { int rc; char msg[512]; } built = { 0, "" };
	int fds[2], rc;

	if (!vm)
		return vmc_error_oom();
	vm->console_fd = vm->ev_rd = vm->ev_wr = -1;
	for (size_t i = 0; i < VMC_DEVICES_MAX; i++)
		vm->plan.nics[i].fd = -1;
	id pool = vz_pool_push();
	rc = query_limits(&in.limits);
	vz_pool_pop(pool);
	if (rc == 0)
		rc = vz_kernel_cache_dir(&cache);
	if (rc < 0)
		goto out;
	in.vm_dir = launch->vm_dir;
	in.kernel_cache = cache;
	in.restore_dir = launch->restore_dir;
	rc = vz_plan_build(&vm->plan, &in);
	if (rc == 0)
		rc = vz_plan_open_nics(&vm->plan);
	if (rc < 0)
		goto out;
	vm->console_fd = fcntl(launch->console_fd, F_DUPFD_CLOEXEC, 3);
	if (vm->console_fd < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "dup console");
		goto out;
	}
	rc = cloexec_pipe(fds);
	if (rc < 0)
		goto out;
	vm->ev_rd = fds[0];
	vm->ev_wr = fds[1];
	snprintf(label, sizeof(label), "vmc.vz.%s.%s", cfg->ns, cfg->name);
	vm->queue = dispatch_queue_create(label, DISPATCH_QUEUE_SERIAL);
	if (!vm->queue) {
		rc = vmc_error_set(VMC_ERROR, "dispatch_queue_create failed");
		goto out;
	}
	dispatch_sync(vm->queue, ^{
		id p = vz_pool_push();

		built.rc = vz_build_vm(vm);
		if (built.rc < 0)
			snprintf(built.msg, sizeof(built.msg), "%s", vmc_error_last());
		vz_pool_pop(p);
	});
	if (built.rc < 0) {
		rc = vmc_error_set(built.rc, "%s", built.msg);
		goto out;
	}
	launch->argv = NULL; /* nothing to spawn: the VM runs in the shim */
	launch->n_pass_fds = 0;
	*out = vm;
	vm = NULL;
out:
	free(cache);
	vz_free(vm);
	return rc;
}

/* Starts the VM (a restore launch leaves it stopped for restore()). */
static int vz_attach(struct backend_vm *vm, pid_t pid, int timeout_ms,
		     void (*report)(enum backend_event ev, const char *detail, void *p), void *p)
{
	struct vz_call *c;

	(void)pid;
	vm->report = report;
	vm->report_payload = p;
	if (vm->plan.restore_path)
		return 0;
	c = call_new();
	if (!c)
		return vmc_error_oom();
	dispatch_async(vm->queue, ^{
		id pool = vz_pool_push();

		if (!vz_msg_bool(vm->vm, "canStart")) {
			call_refuse(c, VMC_EINVALSTATE, "start",
				    (long)((vz_int (*)(id, SEL))objc_msgSend)(vm->vm, vz_sel("state")));
		} else {
			((void (*)(id, SEL, void (^)(id)))objc_msgSend)(
				vm->vm, vz_sel("startWithCompletionHandler:"), ^(id error) {
					call_finish(c, error);
				});
		}
		vz_pool_pop(pool);
	});
	return call_wait(c, timeout_ms, "start");
}

static int vz_fd(struct backend_vm *vm)
{
	return vm->ev_rd;
}

static int vz_on_readable(struct backend_vm *vm)
{
	struct vz_event ev;

	for (;;) {
		ssize_t n = read(vm->ev_rd, &ev, sizeof(ev));

		if (n == (ssize_t)sizeof(ev)) {
			ev.text[sizeof(ev.text) - 1] = '\0';
			if (vm->report)
				vm->report((enum backend_event)ev.kind, ev.has_text ? ev.text : NULL,
					   vm->report_payload);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n == 0)
			return vmc_error_set(VMC_EIO, "vz event pipe closed");
		return vmc_error_set_errno(VMC_EIO, n < 0 ? errno : EPROTO, "vz event pipe");
	}
}

static long vz_vm_state(struct backend_vm *vm)
{
	return (long)((vz_int (*)(id, SEL))objc_msgSend)(vm->vm, vz_sel("state"));
}

/* pause / resume: check, call, wait for the completion handler. */
static int vz_pause_resume(struct backend_vm *vm, int pause)
{
	struct vz_call *c = call_new();
	const char *can = pause ? "canPause" : "canResume";
	const char *call = pause ? "pauseWithCompletionHandler:" : "resumeWithCompletionHandler:";
	enum backend_event ev = pause ? BACKEND_EV_PAUSED : BACKEND_EV_RESUMED;

	if (!c)
		return vmc_error_oom();
	dispatch_async(vm->queue, ^{
		id pool = vz_pool_push();

		if (!vz_msg_bool(vm->vm, can)) {
			call_refuse(c, VMC_EINVALSTATE, pause ? "pause" : "resume", vz_vm_state(vm));
		} else {
			((void (*)(id, SEL, void (^)(id)))objc_msgSend)(vm->vm, vz_sel(call), ^(id error) {
				if (!error)
					vz_post_event(vm, ev, NULL);
				call_finish(c, error);
			});
		}
		vz_pool_pop(pool);
	});
	return call_wait(c, VZ_CMD_TIMEOUT_MS, pause ? "pause" : "resume");
}

static int vz_pause(struct backend_vm *vm)
{
	return vz_pause_resume(vm, 1);
}

static int vz_resume(struct backend_vm *vm)
{
	return vz_pause_resume(vm, 0);
}

/* Graceful: asks the guest to power off (requestStopWithError:). */
static int vz_powerdown(struct backend_vm *vm)
{
	struct vz_call *c = call_new();

	if (!c)
		return vmc_error_oom();
	dispatch_async(vm->queue, ^{
		id pool = vz_pool_push(), err = NULL;

		if (!vz_msg_bool(vm->vm, "canRequestStop"))
			call_refuse(c, VMC_EINVALSTATE, "request a stop", vz_vm_state(vm));
		else if (!((BOOL (*)(id, SEL, id *))objc_msgSend)(vm->vm, vz_sel("requestStopWithError:"),
								   &err) && err)
			call_finish(c, err);
		else if (err == NULL && vz_vm_state(vm) == VZ_STATE_ERROR)
			call_fail(c, VMC_ERROR, "requestStopWithError: failed");
		else
			call_finish(c, NULL);
		vz_pool_pop(pool);
	});
	return call_wait(c, VZ_CMD_TIMEOUT_MS, "stop request");
}

/* Forced: stopWithCompletionHandler: (the guest is not asked). The
 * delegate is not told of a stop the host made, so EXITED is sent here. */
static int vz_quit(struct backend_vm *vm)
{
	struct vz_call *c = call_new();

	if (!c)
		return vmc_error_oom();
	dispatch_async(vm->queue, ^{
		id pool = vz_pool_push();

		if (vm->ended) {
			call_finish(c, NULL);
		} else if (!vz_msg_bool(vm->vm, "canStop")) {
			call_refuse(c, VMC_EINVALSTATE, "stop", vz_vm_state(vm));
		} else {
			((void (*)(id, SEL, void (^)(id)))objc_msgSend)(
				vm->vm, vz_sel("stopWithCompletionHandler:"), ^(id error) {
					if (!error)
						vz_vm_ended(vm, NULL);
					call_finish(c, error);
				});
		}
		vz_pool_pop(pool);
	});
	return call_wait(c, VZ_CMD_TIMEOUT_MS, "stop");
}

/* save/restoreMachineState: macOS 14; checked at run time. */
static int save_restore_available(void)
{
	Class c = (Class)objc_getClass("VZVirtualMachine");

	if (!c || !class_respondsToSelector(c, vz_sel("saveMachineStateToURL:completionHandler:")) ||
	    !class_respondsToSelector(c, vz_sel("restoreMachineStateFromURL:completionHandler:")))
		return vmc_error_set(VMC_EUNSUPPORTED, "snapshots of vz VMs need macOS 14 or later "
				     "(saveMachineStateToURL:)");
	return 0;
}

static int vz_snapshot(struct backend_vm *vm, const char *dir, int timeout_ms)
{
	struct vz_call *c;
	char *state_path = NULL, *id_path = NULL;
	id outer, url = NULL;
	int rc;

	rc = save_restore_available();
	if (rc < 0)
		return rc;
	state_path = fs_join(dir, VZ_SAVE_FILE);
	id_path = fs_join(dir, VZ_MACHINE_ID_FILE);
	c = state_path && id_path ? call_new() : NULL;
	if (!c) {
		rc = vmc_error_oom();
		goto out;
	}
	/* the block may outlive this call (deadline): it gets its own URL */
	outer = vz_pool_push();
	url = vz_msg_id(vz_url(state_path), "retain");
	vz_pool_pop(outer);
	dispatch_async(vm->queue, ^{
		id pool = vz_pool_push(), err = NULL;

		if (vz_vm_state(vm) != VZ_STATE_PAUSED) {
			call_refuse(c, VMC_EINVALSTATE, "save its state (it must be paused)",
				    vz_vm_state(vm));
		} else if (!((BOOL (*)(id, SEL, id *))objc_msgSend)(
				   vm->config, vz_sel("validateSaveRestoreSupportWithError:"), &err)) {
			char text[VZ_TEXT_MAX];

			vz_error_text(err, text, sizeof(text));
			call_fail(c, VMC_EUNSUPPORTED, text);
		} else {
			((void (*)(id, SEL, id, void (^)(id)))objc_msgSend)(
				vm->vm, vz_sel("saveMachineStateToURL:completionHandler:"), url,
				^(id error) {
					call_finish(c, error);
				});
		}
		vz_release(url);
		vz_pool_pop(pool);
	});
	rc = call_wait(c, timeout_ms, "save machine state");
	/* a restore needs the same identity: the identifier goes along */
	if (rc == 0)
		rc = vz_machine_id_save(id_path, vm->machine_id, vm->machine_id_len);
out:
	free(state_path);
	free(id_path);
	return rc;
}

static int vz_restore(struct backend_vm *vm, int timeout_ms)
{
	struct vz_call *c;
	int rc;

	if (!vm->plan.restore_path)
		return vmc_error_set(VMC_EINVAL, "not a restore launch");
	rc = save_restore_available();
	if (rc < 0)
		return rc;
	c = call_new();
	if (!c)
		return vmc_error_oom();
	dispatch_async(vm->queue, ^{
		id pool = vz_pool_push();

		if (vz_vm_state(vm) != VZ_STATE_STOPPED) {
			call_refuse(c, VMC_EINVALSTATE, "restore a saved state", vz_vm_state(vm));
		} else {
			((void (*)(id, SEL, id, void (^)(id)))objc_msgSend)(
				vm->vm, vz_sel("restoreMachineStateFromURL:completionHandler:"),
				vz_url(vm->plan.restore_path), ^(id error) {
					call_finish(c, error); /* the VM is left paused */
				});
		}
		vz_pool_pop(pool);
	});
	return call_wait(c, timeout_ms, "restore machine state");
}

const struct backend_ops backend_vz_ops = {
	.name = "vz",
	.kind = VMC_BACKEND_VZ,
	.in_process = 1,
	.validate = vz_validate,
	.prepare = vz_prepare,
	.attach = vz_attach,
	.fd = vz_fd,
	.on_readable = vz_on_readable,
	.powerdown = vz_powerdown,
	.pause = vz_pause,
	.resume = vz_resume,
	.quit = vz_quit,
	.snapshot = vz_snapshot,
	.restore = vz_restore,
	.free = vz_free,
};
