/*
 * hv_inproc.c - a VM hosted inside the shim (in-process backends: vz on
 * macOS). There is no hypervisor process: the backend writes the guest
 * console into the shim's console pipe (the write end passed in the
 * launch, which the backend dups), reports the VM's end as
 * BACKEND_EV_EXITED, and the shim's own pid stands for the hypervisor's
 * in state.json, so killing it (the last resort) ends the VM. Portable
 * POSIX: built on Linux too, where no backend is in-process.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "shim/shim.h"

int shim_start_in_process(struct shim *shim, struct backend_launch *launch)
{
	int pipefd[2] = { -1, -1 }, rc;

	if (pipe(pipefd) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "pipe");
	for (int i = 0; i < 2; i++) {
		if (fcntl(pipefd[i], F_SETFD, FD_CLOEXEC) < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "fcntl");
			goto out;
		}
	}
	launch->console_fd = pipefd[1];
	shim->start_mono_ms = clock_mono_ms();
	rc = shim->ops->prepare(&shim->bvm, shim->cfg, launch);
	if (rc < 0)
		goto out;
	if (launch->argv) {
		rc = vmc_error_set(VMC_ERROR, "in-process backend %s gave a command line",
				   shim->ops->name);
		goto out;
	}
	shim->t_exec_us = clock_mono_us();
	shim->hv_pid = getpid();
	shim->hv_start = shim->shim_start;
	shim->state.pid = (int)shim->hv_pid;
	shim->console.fd = pipefd[0];
	pipefd[0] = -1;
	fcntl(shim->console.fd, F_SETFL, O_NONBLOCK);
	shim->console.handler = shim_console_readable;
	rc = shim_watch_add(shim, &shim->console, SHIM_EV_IN);
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]); /* the backend holds its own copy */
	return rc;
}
