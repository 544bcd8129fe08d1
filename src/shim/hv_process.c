/*
 * hv_process.c - the hypervisor as the shim's child (Linux backends: QEMU,
 * Cloud Hypervisor): prepares the backend's argv, starts its sidecars
 * (virtiofsd), spawns the hypervisor with its stdout on the console pipe
 * and its stderr in vmm.log (killed with the shim through
 * PR_SET_PDEATHSIG), and watches its exit through a pidfd. In-process
 * backends use hv_inproc.c instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/virtiofs.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/proc.h"
#include "core/spawn.h"
#include "shim/shim.h"

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

int shim_start_process(struct shim *shim, struct backend_launch *launch)
{
	struct spawn_opts so;
	int pipefd[2] = { -1, -1 }, vmm_fd = -1, rc;

	rc = shim->ops->prepare(&shim->bvm, shim->cfg, launch);
	if (rc < 0)
		return rc;
	rc = shim_open_log(shim->vm_dir, "vmm.log", &vmm_fd);
	if (rc < 0)
		goto out;
	rc = start_sidecars(shim, launch, vmm_fd);
	if (rc < 0)
		goto out;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "pipe");
		goto out;
	}
	memset(&so, 0, sizeof(so));
	so.argv = (const char *const *)launch->argv;
	so.stdin_fd = -1;
	so.stdout_fd = pipefd[1];
	so.stderr_fd = vmm_fd;
	for (int i = 0; i < launch->n_pass_fds; i++) {
		so.pass_fds[i] = launch->pass_fds[i];
		so.pass_to[i] = launch->pass_to[i];
	}
	so.n_pass_fds = launch->n_pass_fds;
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
	rc = shim_watch_add(shim, &shim->pidfd, SHIM_EV_IN);
	if (rc == 0)
		rc = shim_watch_add(shim, &shim->console, SHIM_EV_IN);
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (vmm_fd >= 0)
		close(vmm_fd);
	return rc;
}

void shim_kill_process(struct shim *shim)
{
	if (!shim->hv_gone)
		spawn_pidfd_signal(shim->pidfd.fd, shim->hv_pid, SIGKILL);
}
