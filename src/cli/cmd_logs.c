/*
 * cmd_logs.c - `vmc logs [-f]` and the console follower that `vmc run`
 * shares with it.
 *
 * The follower is one poll() loop over three descriptors: a file watch
 * (watch.h: inotify IN_MODIFY on Linux, kqueue EVFILT_VNODE on macOS) on
 * the VM's console log, which wakes it when the shim appends bytes, the
 * manager's event fd, whose callback records the VM's state, and
 * optionally a signal watch owned by the caller. New bytes are read from where
 * the last read ended (a shorter file means it was truncated: start over),
 * so nothing is re-read or slept on. It ends when the VM is final, after one
 * last read so the tail written before the final state is not lost. If the
 * log does not exist yet, the VM's directory is watched for its creation.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "watch.h"

struct follower {
	char ns[VMC_NAME_MAX + 1];
	char name[VMC_NAME_MAX + 1];
	vmc_state st;
	int ready_reported;
};

static void on_event(const char *ns, const char *name, const vmc_state *state, void *payload)
{
	struct follower *fl = payload;

	if (!ns || !name || !state)
		return;
	if (strcmp(ns, fl->ns) == 0 && strcmp(name, fl->name) == 0)
		fl->st = *state;
}

/* Copies everything from fd's position to its end to stdout. */
static int drain(int fd)
{
	char buf[65536];
	struct stat sb;
	off_t pos;
	ssize_t n;

	pos = lseek(fd, 0, SEEK_CUR);
	if (pos > 0 && fstat(fd, &sb) == 0 && sb.st_size < pos)
		lseek(fd, 0, SEEK_SET);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cli_error("cannot read the console log: %s", strerror(errno));
		if (n == 0)
			break;
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return cli_error("cannot write output");
	}
	if (fflush(stdout) == EOF)
		return cli_error("cannot write output");
	return 0;
}

/* Opens the console log and watches it; when it does not exist yet,
 * watches its directory instead (*log_fd stays -1). */
static int watch_log(int ino, const char *path, int *log_fd, int *wd)
{
	char dir[PATH_MAX];
	const char *slash;

	*log_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (*log_fd >= 0) {
		if (cli_fwatch_add(ino, path, 0, wd) < 0)
			return cli_error("cannot watch '%s': %s", path, strerror(errno));
		return 0;
	}
	if (errno != ENOENT)
		return cli_error("cannot open '%s': %s", path, strerror(errno));
	slash = strrchr(path, '/');
	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return cli_error("cannot watch '%s'", path);
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (cli_fwatch_add(ino, dir[0] ? dir : "/", 1, wd) < 0)
		return cli_error("cannot watch '%s': %s", dir, strerror(errno));
	return 0;
}

static void report_ready(const struct cli_follow *f, struct follower *fl)
{
	if (fl->ready_reported || fl->st.kind != VMC_STATE_READY)
		return;
	fl->ready_reported = 1;
	if (fl->st.ip[0][0])
		fprintf(stderr, "vmc: %s ready in %lld ms (ip %s)\n", f->vm,
			(long long)fl->st.boot_ms, fl->st.ip[0]);
	else
		fprintf(stderr, "vmc: %s ready in %lld ms\n", f->vm, (long long)fl->st.boot_ms);
}

int cli_follow_console(struct cli_ctx *ctx, struct cli_follow *f)
{
	struct follower fl;
	struct pollfd pfd[3];
	char *path = NULL;
	int ino = -1, log_fd = -1, wd = -1, mfd, rc, exit_rc = CLI_EXIT_OK;

	memset(&fl, 0, sizeof(fl));
	f->signo = 0;
	if (cli_split_name(f->vm, fl.ns, sizeof(fl.ns), fl.name, sizeof(fl.name)) < 0)
		return cli_error("bad VM name '%s'", f->vm);
	rc = vmc_manager_set_event_callback(ctx->mgr, on_event, &fl);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "cannot watch '%s'", f->vm);
		goto out;
	}
	mfd = vmc_manager_fd(ctx->mgr);
	if (mfd < 0) {
		exit_rc = cli_fail(mfd, "cannot watch '%s'", f->vm);
		goto out;
	}
	rc = vmc_manager_state(ctx->mgr, f->vm, &fl.st);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "'%s'", f->vm);
		goto out;
	}
	if (f->echo) {
		rc = vmc_manager_console_path(ctx->mgr, f->vm, &path);
		if (rc < 0) {
			exit_rc = cli_fail(rc, "console of '%s'", f->vm);
			goto out;
		}
		ino = cli_fwatch_open();
		if (ino < 0) {
			exit_rc = cli_error("cannot watch files: %s", strerror(errno));
			goto out;
		}
		exit_rc = watch_log(ino, path, &log_fd, &wd);
		if (exit_rc)
			goto out;
		if (log_fd >= 0) {
			exit_rc = drain(log_fd);
			if (exit_rc)
				goto out;
		}
	}
	while (!vmc_state_is_final(fl.st.kind)) {
		if (f->report_ready)
			report_ready(f, &fl);
		pfd[0] = (struct pollfd){ .fd = mfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = ino, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = f->sig ? f->sig->fd : -1, .events = POLLIN };
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			exit_rc = cli_error("poll: %s", strerror(errno));
			goto out;
		}
		if (pfd[2].revents & POLLIN) {
			f->signo = cli_sig_read(f->sig);
			if (f->signo)
				break;
		}
		if (pfd[1].revents & POLLIN) {
			cli_fwatch_drain(ino);
			if (log_fd < 0) {
				cli_fwatch_rm(ino, wd);
				wd = -1;
				exit_rc = watch_log(ino, path, &log_fd, &wd);
				if (exit_rc)
					goto out;
			}
			if (log_fd >= 0) {
				exit_rc = drain(log_fd);
				if (exit_rc)
					goto out;
			}
		}
		if (pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) {
			rc = vmc_manager_dispatch(ctx->mgr, 0);
			if (rc < 0) {
				exit_rc = cli_fail(rc, "events of '%s'", f->vm);
				goto out;
			}
			/* A hung-up event fd with nothing to deliver would spin:
			 * take the state directly and give up if it is not final. */
			if (rc == 0 && (pfd[0].revents & (POLLERR | POLLHUP))) {
				rc = vmc_manager_state(ctx->mgr, f->vm, &fl.st);
				if (rc < 0) {
					exit_rc = cli_fail(rc, "'%s'", f->vm);
					goto out;
				}
				if (!vmc_state_is_final(fl.st.kind)) {
					exit_rc = cli_error("lost the events of '%s'", f->vm);
					goto out;
				}
			}
		}
	}
	if (log_fd < 0 && path) {
		log_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	}
	if (log_fd >= 0) {
		exit_rc = drain(log_fd);
		if (exit_rc)
			goto out;
	}
	if (f->report_ready)
		report_ready(f, &fl);
	f->final = fl.st;
out:
	vmc_manager_set_event_callback(ctx->mgr, NULL, NULL);
	if (log_fd >= 0)
		close(log_fd);
	if (ino >= 0) {
		if (wd >= 0)
			cli_fwatch_rm(ino, wd);
		close(ino);
	}
	vmc_free(path);
	return exit_rc;
}

enum {
	OPT_FOLLOW = 1,
};

static const struct cli_option logs_options[] = {
	{ "follow", 'f', 0, OPT_FOLLOW },
	{ NULL, 0, 0, 0 },
};

static int cmd_logs(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	struct cli_follow f = { .echo = 1 };
	const char *values[CLI_COLLECT_MAX_ID] = { NULL };
	char vm[2 * VMC_NAME_MAX + 2];
	char *path = NULL;
	vmc_state st;
	int rc, fd = -1, exit_rc = CLI_EXIT_OK;

	rc = cli_vm_arg(ctx, cmd, argc, argv, logs_options, values, vm, sizeof(vm));
	if (rc >= 0)
		return rc;
	exit_rc = cli_manager(ctx);
	if (exit_rc)
		return exit_rc;
	if (values[OPT_FOLLOW]) {
		f.vm = vm;
		return cli_follow_console(ctx, &f);
	}
	rc = vmc_manager_state(ctx->mgr, vm, &st);
	if (rc < 0)
		return cli_fail(rc, "logs '%s'", vm);
	rc = vmc_manager_console_path(ctx->mgr, vm, &path);
	if (rc < 0)
		return cli_fail(rc, "logs '%s'", vm);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		/* The shim has not written anything yet: an empty log. */
		if (errno != ENOENT)
			exit_rc = cli_error("cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	exit_rc = drain(fd);
out:
	if (fd >= 0)
		close(fd);
	vmc_free(path);
	return exit_rc;
}

const struct cli_command cli_cmd_logs = {
	.name = "logs",
	.usage = "logs NAME [-f]",
	.help = "Prints the VM's console log. With -f (--follow), keeps printing what\n"
		"the guest writes until the VM stops or fails.\n",
	.fn = cmd_logs,
};
