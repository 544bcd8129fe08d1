/*
 * daemon.c - start a detached vmc helper and read its report (see
 * daemon.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/daemon.h"
#include "core/error.h"
#include "core/spawn.h"

#define DAEMON_REPORT_MAX 1400

static int read_report(int fd, const char *who, const char *log_path, int timeout_ms)
{
	char buf[DAEMON_REPORT_MAX];
	int64_t deadline = clock_deadline(timeout_ms);
	size_t got = 0;

	while (got < sizeof(buf) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, clock_remaining_ms(deadline));
		ssize_t r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return vmc_error_set(VMC_ETIMEOUT, "%s did not report", who);
		r = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (memchr(buf, '\n', got))
			break;
	}
	buf[got] = '\0';
	if (!strncmp(buf, "ok ", 3) || !strcmp(buf, "ok\n"))
		return 0;
	if (!strncmp(buf, "error ", 6)) {
		char *end, *nl;
		long code = strtol(buf + 6, &end, 10);

		nl = strchr(end, '\n');
		if (nl)
			*nl = '\0';
		if (code >= 0 || code < -100)
			code = VMC_ERROR;
		return vmc_error_set((int)code, "%s", *end == ' ' ? end + 1 : end);
	}
	return vmc_error_set(VMC_ERROR, "%s exited without reporting (see %s)", who, log_path);
}

int daemon_start(const char *const *argv, const char *log_path, const char *who,
		 int timeout_ms, pid_t *pid_out)
{
	int report[2] = { -1, -1 }, log_fd = -1, rc;
	struct spawn_opts so;
	pid_t pid = 0;

	log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (log_fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot open '%s'", log_path);
	if (spawn_pipe_cloexec(report, 0) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "pipe");
		goto out;
	}
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = -1;
	so.stdout_fd = log_fd;
	so.stderr_fd = log_fd;
	so.pass_fds[0] = report[1];
	so.pass_to[0] = 3;
	so.n_pass_fds = 1;
	so.new_session = 1;
	so.detach = 1; /* it outlives us and is never our zombie */
	rc = spawn_process(&so, &pid);
	if (rc < 0)
		goto out;
	close(report[1]);
	report[1] = -1;
	rc = read_report(report[0], who, log_path, timeout_ms);
	if (rc == VMC_ETIMEOUT)
		kill(pid, SIGKILL); /* one that never reported is not left running */
	if (pid_out)
		*pid_out = pid;
out:
	if (report[0] >= 0)
		close(report[0]);
	if (report[1] >= 0)
		close(report[1]);
	close(log_fd);
	return rc;
}
