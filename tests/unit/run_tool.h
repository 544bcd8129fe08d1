/*
 * run_tool.h - for unit tests that check vmc's output with independent
 * tools (isoinfo, ssh-keygen, python3): runs an argv (spawn_process, no
 * shell) with its stdout captured. Include after cmocka.h, core/spawn.h,
 * core/error.h, <fcntl.h>, <stdio.h>, <stdlib.h>, <sys/wait.h>, <unistd.h>.
 */
#ifndef VMC_TEST_RUN_TOOL_H
#define VMC_TEST_RUN_TOOL_H

/* Runs argv with stdout captured into *out (NUL-terminated, caller
 * frees). Returns the exit status, or -1 if it could not run. */
static int run_tool(const char *const *argv, char **out, size_t *out_len)
{
	struct spawn_opts o = { .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = 2 };
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int p[2], status = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	o.stdout_fd = p[1];
	if (spawn_process(&o, &pid) < 0) {
		fprintf(stderr, "spawn %s: %s\n", argv[0], vmc_error_last());
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	for (;;) {
		ssize_t n;

		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 131072;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = read(p[0], buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		;
	if (out) {
		*out = buf;
		if (out_len)
			*out_len = len;
	} else {
		free(buf);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#endif
