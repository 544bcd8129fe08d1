/*
 * main.c - vmc-shim's entry point: `vmc-shim --vm-dir DIR --report-fd N`.
 * Loads DIR/config.json, prepares the backend, spawns the hypervisor as its
 * own child (killed with the shim through PR_SET_PDEATHSIG), writes one
 * report line to the starter on fd N ("ok <pid>" or "error <code> <msg>"),
 * then runs a single-threaded epoll loop until the hypervisor has exited
 * and its final state is recorded.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/proc.h"
#include "core/spawn.h"
#include "core/state.h"
#include "backend/virtiofs.h"
#include "net/port_client.h"
#include "shim/shim.h"

#define SHIM_ATTACH_TIMEOUT_MS 10000
#define SHIM_SIGTERM_STOP_MS 10000

static int open_log(const char *dir, const char *name, int *out)
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

static int on_signal(struct shim *shim, struct shim_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	if (read(w->fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT || si.ssi_signo == SIGHUP) {
		if (!vmc_state_is_final(shim->state.kind) && !shim->stop_requested)
			shim_request_stop(shim, SHIM_SIGTERM_STOP_MS);
	}
	return 0;
}

static int make_timer(struct shim_watch *w)
{
	w->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (w->fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "timerfd_create");
	w->handler = shim_on_timer;
	return 0;
}

static int setup_loop(struct shim *shim)
{
	sigset_t mask;
	int rc;

	shim->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (shim->epfd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "epoll_create1");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigaction(SIGPIPE, &ign, NULL);
	shim->signals.fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (shim->signals.fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "signalfd");
	shim->signals.handler = on_signal;
	rc = shim_watch_add(shim, &shim->signals, EPOLLIN);
	if (rc == 0)
		rc = make_timer(&shim->stop_timer);
	if (rc == 0)
		rc = make_timer(&shim->boot_timer);
	if (rc == 0)
		rc = shim_watch_add(shim, &shim->stop_timer, EPOLLIN);
	if (rc == 0)
		rc = shim_watch_add(shim, &shim->boot_timer, EPOLLIN);
	return rc;
}

/* The helper processes the hypervisor connects to (virtiofsd): started
 * first, each with its listening socket as fd 3. */
static int start_sidecars(struct shim *shim, const struct backend_launch *launch, int log_fd)
{
	struct spawn_opts so;
	int rc;

	for (int i = 0; i < launch->n_sidecars; i++) {
		const struct backend_sidecar *sc = &launch->sidecars[i];

		memset(&so, 0, sizeof(so));
		so.argv = (const char *const *)sc->argv;
		so.stdin_fd = -1;
		so.stdout_fd = log_fd;
		so.stderr_fd = log_fd;
		so.pass_fds[0] = sc->listen_fd;
		so.pass_to[0] = 3;
		so.n_pass_fds = 1;
		so.death_signal = SIGKILL;
		if (sc->ro_path) {
			so.pre_exec = virtiofs_readonly_pre_exec;
			so.pre_exec_arg = (void *)sc->ro_path;
		}
		rc = spawn_process(&so, &shim->sidecars[shim->n_sidecars]);
		if (rc < 0) {
			shim_stop_sidecars(shim);
			return vmc_error_prefix(rc, "share %d", i);
		}
		shim->n_sidecars++;
	}
	return 0;
}

/* Prepares the backend and spawns the hypervisor. */
static int start_hypervisor(struct shim *shim)
{
	struct backend_launch launch = { .vm_dir = shim->vm_dir };
	struct spawn_opts so;
	int pipefd[2] = { -1, -1 }, vmm_fd = -1, rc;

	rc = backend_for_config(&shim->ops, shim->cfg);
	if (rc < 0)
		return rc;
	if (shim->restore_dir) {
		rc = shim_restore_read(shim, shim->restore_dir);
		if (rc < 0)
			return rc;
		launch.restore_dir = shim->restore_dir;
	}
	rc = shim->ops->prepare(&shim->bvm, shim->cfg, &launch);
	if (rc < 0)
		return rc;
	rc = open_log(shim->vm_dir, "vmm.log", &vmm_fd);
	if (rc < 0)
		goto out;
	rc = start_sidecars(shim, &launch, vmm_fd);
	if (rc < 0)
		goto out;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "pipe");
		goto out;
	}
	memset(&so, 0, sizeof(so));
	so.argv = (const char *const *)launch.argv;
	so.stdin_fd = -1;
	so.stdout_fd = pipefd[1];
	so.stderr_fd = vmm_fd;
	for (int i = 0; i < launch.n_pass_fds; i++) {
		so.pass_fds[i] = launch.pass_fds[i];
		so.pass_to[i] = launch.pass_to[i];
	}
	so.n_pass_fds = launch.n_pass_fds;
	so.death_signal = SIGKILL; /* never a hypervisor without its supervisor */
	shim->start_mono_ms = clock_mono_ms();
	rc = spawn_process(&so, &shim->hv_pid);
	if (rc < 0)
		goto out;
	shim->t_exec_us = clock_mono_us(); /* spawn returns once exec succeeded */
	shim->pidfd.fd = spawn_pidfd_open(shim->hv_pid);
	if (shim->pidfd.fd < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "pidfd_open");
		kill(shim->hv_pid, SIGKILL);
		goto out;
	}
	shim->pidfd.handler = shim_on_hypervisor_exit;
	if (proc_start_time(shim->hv_pid, &shim->hv_start) < 0)
		vmc_error_clear();
	shim->console.fd = pipefd[0];
	pipefd[0] = -1;
	fcntl(shim->console.fd, F_SETFL, O_NONBLOCK);
	shim->console.handler = shim_console_readable;
	shim->state.pid = (int)shim->hv_pid;
	rc = shim_watch_add(shim, &shim->pidfd, EPOLLIN);
	if (rc == 0)
		rc = shim_watch_add(shim, &shim->console, EPOLLIN);
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (vmm_fd >= 0)
		close(vmm_fd);
	return rc;
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

static void run_loop(struct shim *shim)
{
	struct epoll_event evs[16];

	for (;;) {
		int n = epoll_wait(shim->epfd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			shim_log(shim, "epoll_wait: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++) {
			struct shim_watch *w = evs[i].data.ptr;
			if (w->handler(shim, w, evs[i].events) == 1)
				return;
		}
	}
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
	shim.epfd = shim.console.fd = shim.backend.fd = shim.pidfd.fd = -1;
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
		rc = setup_loop(&shim);
	if (rc == 0)
		rc = open_log(vm_dir, "serial.log", &shim.log_fd);
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
		rc = start_hypervisor(&shim);
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
			shim_watch_add(&shim, &shim.backend, EPOLLIN);
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
	if (shim.cfg->boot_timeout_ms > 0) {
		struct itimerspec its = { 0 };
		its.it_value.tv_sec = shim.cfg->boot_timeout_ms / 1000;
		its.it_value.tv_nsec = (long)(shim.cfg->boot_timeout_ms % 1000) * 1000000L;
		timerfd_settime(shim.boot_timer.fd, 0, &its, NULL);
	}
	run_loop(&shim);
	shim_publish_stop(&shim);
	shim_stop_sidecars(&shim);
	netport_detach_vm(vm_dir, shim.cfg); /* done at the hypervisor's exit; this is cheap */
	shim_control_close_all(&shim);
	shim.ops->free(shim.bvm);
	vmc_config_free(shim.cfg);
	return 0;
}
