/*
 * shim.c - the VM's state and what changes it: requests from the control
 * socket (pause, resume, stop, kill), events from the backend, timers
 * (stop timeout, boot timeout) and the hypervisor's exit. Every change goes
 * through shim_set_state(), which checks the transition, tells watching
 * clients first (lowest latency for waiters) and then replaces state.json.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/state.h"
#include "net/port_client.h"
#include "shim/shim.h"

void shim_log(struct shim *shim, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	(void)shim;
	n = snprintf(buf, sizeof(buf), "vmc-shim[%d]: ", (int)getpid());
	if (n < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strncat(buf, "\n", sizeof(buf) - strlen(buf) - 1);
	(void)!write(STDERR_FILENO, buf, strlen(buf));
}

int shim_open_log(const char *dir, const char *name, int *out)
{
	char *path = fs_join(dir, name);
	int fd;

	if (!path)
		return vmc_error_oom();
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(path);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot open %s", name);
	*out = fd;
	return 0;
}

int shim_write_state(struct shim *shim)
{
	json_t *obj;
	char *text, *path;
	int rc;

	obj = json_pack("{s:i, s:o, s:i, s:I, s:i, s:I, s:s, s:{s:I, s:I, s:I}}", "version", 1,
			"state", state_to_json(&shim->state), "shim_pid", (int)getpid(),
			"shim_start", (json_int_t)shim->shim_start, "hv_pid", (int)shim->hv_pid,
			"hv_start", (json_int_t)shim->hv_start, "backend",
			shim->ops ? shim->ops->name : "", "timing_us", "exec",
			(json_int_t)shim->t_exec_us, "ready_line", (json_int_t)shim->t_ready_us,
			"exit", (json_int_t)shim->t_exit_us);
	text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	path = fs_join(shim->vm_dir, "state.json");
	if (!text || !path) {
		free(text);
		free(path);
		return vmc_error_oom();
	}
	/* Runtime state: atomic rename, no fsync (it is void after a reboot). */
	rc = fs_write_atomic(path, text, strlen(text), 0600, 0);
	free(text);
	free(path);
	return rc;
}

int shim_set_state(struct shim *shim, vmc_state_kind kind, const char *reason)
{
	if (!state_transition_valid(shim->state.kind, kind))
		return vmc_error_set(VMC_EINVALSTATE, "vm is %s, cannot become %s",
				     vmc_state_name(shim->state.kind), vmc_state_name(kind));
	shim->state.kind = kind;
	shim->state.since_ms = clock_real_ms();
	snprintf(shim->state.reason, sizeof(shim->state.reason), "%s", reason ? reason : "");
	if (vmc_state_is_final(kind))
		shim->state.pid = 0;
	if (kind == VMC_STATE_READY)
		shim_publish_ready(shim); /* before anyone is told it is ready */
	shim_control_broadcast(shim);
	if (shim_write_state(shim) < 0)
		shim_log(shim, "cannot write state: %s", vmc_error_last());
	return 0;
}

void shim_stop_sidecars(struct shim *shim)
{
	for (int i = 0; i < shim->n_sidecars; i++) {
		kill(shim->sidecars[i], SIGKILL);
		while (waitpid(shim->sidecars[i], NULL, 0) < 0 && errno == EINTR)
			;
	}
	shim->n_sidecars = 0;
}

static void kill_hypervisor(struct shim *shim)
{
	siginfo_t si;

	if (shim->hv_gone)
		return;
	if (!shim->ops || !shim->ops->in_process) {
		shim_kill_process(shim);
		return;
	}
	/* In-process: the framework's forced stop (EXITED follows). Failing
	 * that, the VM ends with this process, which returns from its loop. */
	if (shim->bvm && shim->ops->quit(shim->bvm) == 0)
		return;
	shim_log(shim, "forced stop failed: %s; the vm ends with the shim", vmc_error_last());
	vmc_error_clear();
	memset(&si, 0, sizeof(si));
	si.si_code = CLD_KILLED;
	si.si_status = SIGKILL;
	shim_vm_ended(shim, &si);
}

int shim_request_kill(struct shim *shim)
{
	shim->kill_requested = 1;
	kill_hypervisor(shim);
	return 0;
}

int shim_request_stop(struct shim *shim, int timeout_ms)
{
	int rc;

	if (shim->stop_requested)
		return 0; /* already stopping: this caller waits for the same end */
	if (shim->state.kind == VMC_STATE_PAUSED) {
		/* a paused guest cannot see the power button */
		rc = shim->ops->resume(shim->bvm);
		if (rc < 0)
			shim_log(shim, "resume before stop: %s", vmc_error_last());
	}
	shim->stop_requested = 1;
	shim_set_state(shim, VMC_STATE_STOPPING, "stop requested");
	rc = shim->bvm ? shim->ops->powerdown(shim->bvm) : VMC_EINVALSTATE;
	if (rc < 0) {
		shim_log(shim, "powerdown: %s", vmc_error_last());
		shim->powerdown_failed = 1;
		timeout_ms = 0; /* cannot ask the guest: quit, then kill, now */
	}
	if (timeout_ms < 0)
		return 0;
	return shim_timer_arm(shim, &shim->stop_timer, timeout_ms);
}

int shim_pause(struct shim *shim)
{
	vmc_state_kind from = shim->state.kind;
	int rc;

	if (from == VMC_STATE_PAUSED)
		return 0;
	if (from != VMC_STATE_RUNNING && from != VMC_STATE_READY)
		return vmc_error_set(VMC_EINVALSTATE, "cannot pause a vm that is %s",
				     vmc_state_name(from));
	rc = shim->ops->pause(shim->bvm);
	if (rc < 0)
		return rc;
	/* the STOP event may already have moved us */
	if (shim->state.kind != VMC_STATE_PAUSED) {
		shim->resume_to = from;
		shim_set_state(shim, VMC_STATE_PAUSED, "");
	}
	return 0;
}

int shim_resume(struct shim *shim)
{
	int rc;

	if (shim->state.kind != VMC_STATE_PAUSED)
		return vmc_error_set(VMC_EINVALSTATE, "cannot resume a vm that is %s",
				     vmc_state_name(shim->state.kind));
	rc = shim->ops->resume(shim->bvm);
	if (rc < 0)
		return rc;
	if (shim->state.kind == VMC_STATE_PAUSED)
		shim_set_state(shim, shim->resume_to, "");
	return 0;
}

/* ------------------------------------------------------------ events */

void shim_backend_report(enum backend_event ev, const char *detail, void *p)
{
	struct shim *shim = p;

	switch (ev) {
	case BACKEND_EV_PAUSED:
		if (shim->state.kind == VMC_STATE_RUNNING || shim->state.kind == VMC_STATE_READY) {
			shim->resume_to = shim->state.kind;
			shim_set_state(shim, VMC_STATE_PAUSED, "");
		}
		break;
	case BACKEND_EV_RESUMED:
		if (shim->state.kind == VMC_STATE_PAUSED)
			shim_set_state(shim, shim->resume_to, "");
		break;
	case BACKEND_EV_RESET:
		shim->reset_seen = 1;
		break;
	case BACKEND_EV_PANICKED:
		if (!shim->panic[0])
			snprintf(shim->panic, sizeof(shim->panic), "%s", detail ? detail : "panic");
		break;
	case BACKEND_EV_POWERDOWN:
	case BACKEND_EV_SHUTDOWN:
	case BACKEND_EV_REBOOTED: /* shim_reboot() has set the state */
		break;
	case BACKEND_EV_EXITED: {
		/* an in-process VM ended: detail is the framework's error, if any */
		siginfo_t si;

		if (shim->hv_gone)
			break;
		if (detail && !shim->fail_reason[0])
			snprintf(shim->fail_reason, sizeof(shim->fail_reason), "%s", detail);
		memset(&si, 0, sizeof(si));
		si.si_code = CLD_EXITED;
		si.si_status = 0;
		shim_vm_ended(shim, &si);
		break;
	}
	}
}

void shim_on_terminate(struct shim *shim)
{
	if (!vmc_state_is_final(shim->state.kind) && !shim->stop_requested)
		shim_request_stop(shim, SHIM_SIGTERM_STOP_MS);
}

int shim_on_backend(struct shim *shim, struct shim_watch *w, uint32_t events)
{
	(void)events;
	if (shim->ops->on_readable(shim->bvm) < 0) {
		/* QMP or the event monitor gone (the hypervisor is exiting; the
		 * pidfd tells the rest) or unreadable: commands still go through
		 * the backend, but its events are lost from here on */
		shim_log(shim, "%s", vmc_error_last());
		shim_watch_del(shim, w);
		w->fd = -1;
	}
	return shim->hv_gone ? 1 : 0; /* an in-process VM reported its end */
}

int shim_on_timer(struct shim *shim, struct shim_watch *w, uint32_t events)
{
	(void)events;
	shim_timer_ack(w);
	if (w == &shim->stop_timer) {
		if (shim->hv_gone)
			return 0;
		shim->stop_timed_out = 1;
		/* The guest ignored the power button: ask the hypervisor to quit
		 * (QMP quit; CH vm.shutdown + vmm.shutdown), then SIGKILL. */
		if (!shim->quit_sent && shim->bvm && shim->ops->quit(shim->bvm) == 0) {
			shim->quit_sent = 1;
			shim_timer_arm(shim, &shim->stop_timer, SHIM_QUIT_GRACE_MS);
			return 0;
		}
		vmc_error_clear();
		kill_hypervisor(shim);
	} else if (w == &shim->boot_timer) {
		if (shim->state.kind == VMC_STATE_STARTING || shim->state.kind == VMC_STATE_RUNNING) {
			shim->boot_timed_out = 1;
			kill_hypervisor(shim);
		}
	}
	return 0;
}

/* The last non-empty line the hypervisor wrote to vmm.log, for reasons. */
static void shim_vmm_log_tail(struct shim *shim, char *out, size_t len)
{
	char buf[2048], *path = fs_join(shim->vm_dir, "vmm.log");
	ssize_t n = -1;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;

	free(path);
	out[0] = '\0';
	if (fd < 0)
		return;
	off_t size = lseek(fd, 0, SEEK_END);
	if (size > 0)
		n = pread(fd, buf, sizeof(buf) - 1, size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	char *line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	size_t j = 0;
	for (; *line && j + 1 < len; line++)
		out[j++] = (*line >= 0x20 && *line < 0x7f) ? *line : '?';
	out[j] = '\0';
}

/* How the VM ended, from the hypervisor's wait status and what we saw. */
static void final_state(struct shim *shim, const siginfo_t *si, vmc_state_kind *kind,
			char *reason, size_t len, const char **result)
{
	char tail[160] = "";
	int code = si->si_status;
	int by_signal = si->si_code == CLD_KILLED || si->si_code == CLD_DUMPED;

	*result = "graceful";
	shim->state.exit_code = -1;
	shim->state.signal = 0;
	if (shim->fail_reason[0]) {
		*kind = VMC_STATE_FAILED;
		shim->state.signal = by_signal ? code : 0;
		snprintf(reason, len, "%s", shim->fail_reason);
	} else if (shim->kill_requested) {
		*kind = VMC_STATE_STOPPED;
		*result = "killed";
		shim->state.signal = by_signal ? code : 0;
		snprintf(reason, len, "killed");
	} else if (shim->stop_timed_out) {
		*kind = VMC_STATE_STOPPED;
		*result = "killed";
		shim->state.signal = by_signal ? code : 0;
		snprintf(reason, len, "%s: %s",
			 shim->quit_sent && !by_signal ? "stopped by the hypervisor" : "killed",
			 shim->powerdown_failed ? "the guest could not be asked to power off"
						: "the guest did not power off in time");
	} else if (shim->boot_timed_out) {
		*kind = VMC_STATE_FAILED;
		shim->state.signal = by_signal ? code : 0;
		snprintf(reason, len, "boot timed out after %u ms", shim->cfg->boot_timeout_ms);
	} else if (by_signal) {
		*kind = VMC_STATE_FAILED;
		shim->state.signal = code;
		snprintf(reason, len, "hypervisor killed by signal %d (%s)", code, strsignal(code));
	} else if (code != 0) {
		*kind = VMC_STATE_FAILED;
		shim->state.exit_code = code;
		shim_vmm_log_tail(shim, tail, sizeof(tail));
		snprintf(reason, len, "hypervisor exited with status %d%s%s", code,
			 tail[0] ? ": " : " (see vmm.log)", tail);
	} else if (shim->panic[0]) {
		*kind = VMC_STATE_FAILED;
		snprintf(reason, len, "guest panicked: %s", shim->panic);
	} else if (shim->guest_error[0] && !shim->guest_exit_seen) {
		/* vmc-init's setup failed (root disk, network, mounts) and it
		 * powered off: no workload ran, so this is no clean exit 0 */
		*kind = VMC_STATE_FAILED;
		snprintf(reason, len, "guest setup failed: %s", shim->guest_error);
	} else {
		*kind = VMC_STATE_STOPPED;
		if (shim->guest_exit_seen) {
			shim->state.exit_code = shim->guest_exit_signal ? 128 + shim->guest_exit_signal
									 : shim->guest_exit_status;
			if (shim->guest_error[0])
				snprintf(reason, len, "workload failed: %s", shim->guest_error);
			else if (shim->guest_exit_signal)
				snprintf(reason, len, "workload killed by signal %d",
					 shim->guest_exit_signal);
			else
				snprintf(reason, len, "workload exited with status %d",
					 shim->guest_exit_status);
		} else {
			shim->state.exit_code = 0;
			snprintf(reason, len, "%s", shim->reset_seen ? "guest reset" :
				 shim->stop_requested ? "stopped" : "guest powered off");
		}
	}
}

int shim_on_hypervisor_exit(struct shim *shim, struct shim_watch *w, uint32_t events)
{
	siginfo_t si;

	(void)events;
	memset(&si, 0, sizeof(si));
	/* We are its parent and nobody else reaps it: the pid cannot be reused. */
	if (waitid(P_PID, (id_t)shim->hv_pid, &si, WEXITED | WNOHANG) < 0)
		return 0;
	if (si.si_pid == 0)
		return 0; /* not yet */
	shim_watch_del(shim, w);
	return shim_vm_ended(shim, &si);
}

int shim_vm_ended(struct shim *shim, const siginfo_t *si)
{
	char reason[VMC_STATE_REASON_MAX];
	vmc_state_kind kind;
	const char *result;

	shim->hv_gone = 1;
	shim->t_exit_us = clock_mono_us();
	shim_console_drain(shim);
	/* the VM's switch ports go before its end is recorded, so whoever
	 * sees the final state sees no stale port */
	netport_detach_vm(shim->vm_dir, shim->cfg);
	shim_publish_stop(shim); /* likewise no forwarded port */
	final_state(shim, si, &kind, reason, sizeof(reason), &result);
	shim_set_state(shim, kind, reason);
	shim_control_finish(shim, result);
	return 1; /* the loop ends */
}
