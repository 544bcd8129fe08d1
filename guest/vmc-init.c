/*
 * vmc-init.c - PID 1 of the vmc default guest. It mounts the pseudo
 * filesystems, loads the drivers for the devices present, reads its vmc.*
 * settings from /proc/cmdline (init_cmdline.c), configures the network
 * (init_net.c), switches to an image's root disk when vmc.root= names one
 * (init_root.c), mounts virtiofs shares, prints "VMC_READY [ip=...]" on every
 * console, starts the workload, reaps zombies, and powers the VM off when
 * the workload exits (vmc.halt=poweroff) or when it is asked to stop:
 * SIGTERM, SIGINT (ctrl-alt-del), SIGPWR or the ACPI power button. All
 * waiting is one poll() over a signalfd and the power-button evdev fds.
 *
 * Lines it prints for the host, each at the start of a line:
 *   VMC_READY [ip=<addr>]...    setup done (or workload exec'd)
 *   VMC_EXIT status=<n> | VMC_EXIT signal=<n>   the workload ended
 *   VMC_ERROR <message>         setup failed (no VMC_READY will follow)
 * Anything else it prints starts with "vmc-init: ".
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_BUTTONS 8
#define KILL_WAIT_MS 2000
#define CONSOLE_DRAIN_MS 1000 /* the longest a console may take to send its last lines */

struct init_state {
	struct init_config cfg;
	int sigfd;
	int buttons[MAX_BUTTONS];
	size_t n_buttons;
	pid_t workload;            /* 0: none running */
	int stopping;              /* SIGTERM sent to everyone */
	int killed;                /* SIGKILL sent to everyone */
	long deadline_ms;          /* when to escalate; valid while stopping */
	struct init_addr up[INIT_MAX_NETS];
	size_t n_up;
	int switched;              /* running on the image's root disk */
	struct init_ids ids;       /* the workload's user, groups, home */
	char cmdline[8192];        /* /proc/cmdline; COMMAND_LINE_SIZE is 2048 on x86 */
};

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[INIT_PATH_MAX];
	size_t i, len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}

static void mount_one(const char *src, const char *dir, const char *type,
		      unsigned long flags, const char *data, mode_t mode)
{
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		init_log("mkdir %s: %s", dir, strerror(errno));
	if (mount(src, dir, type, flags, data) < 0 && errno != EBUSY)
		init_log("mount %s on %s: %s", type, dir, strerror(errno));
}

static void mount_basics(void)
{
	const unsigned long nosuid = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	mount_one("proc", "/proc", "proc", nosuid, NULL, 0555);
	mount_one("sysfs", "/sys", "sysfs", nosuid, NULL, 0555);
	mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 0755);
	mount_one("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "gid=5,mode=0620,ptmxmode=0666", 0755);
	mount_one("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777);
	mount_one("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", 0755);
	mount_one("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777);
	/* devtmpfs has no /dev/fd; programs and shells expect it */
	if (symlink("/proc/self/fd", "/dev/fd") < 0 && errno != EEXIST)
		init_log("/dev/fd: %s", strerror(errno));
	if (symlink("/proc/self/fd/0", "/dev/stdin") < 0 && errno != EEXIST)
		init_log("/dev/stdin: %s", strerror(errno));
	if (symlink("/proc/self/fd/1", "/dev/stdout") < 0 && errno != EEXIST)
		init_log("/dev/stdout: %s", strerror(errno));
	if (symlink("/proc/self/fd/2", "/dev/stderr") < 0 && errno != EEXIST)
		init_log("/dev/stderr: %s", strerror(errno));
}

/* Hosts keep lines up to 512 bytes (READY_LINE_MAX); only whole tokens fit. */
#define READY_LINE_BUDGET 500

static void announce_ready(struct init_state *st, int after_output)
{
	char line[READY_LINE_BUDGET + 2], token[80], a[64];
	size_t off, i;

	/* after the workload started, it may have left a partial line */
	off = (size_t)snprintf(line, sizeof(line), "%sVMC_READY", after_output ? "\n" : "");
	for (i = 0; i < st->n_up; i++) {
		size_t n = (size_t)snprintf(token, sizeof(token), " ip=%s",
					    init_addr_format(&st->up[i], a, sizeof(a)));

		if (off + n > READY_LINE_BUDGET)
			break;
		memcpy(line + off, token, n);
		off += n;
	}
	line[off++] = '\n';
	line[off] = '\0';
	console_announce(line);
}

/* "VMC_ERROR <message>": the host stops waiting for VMC_READY. */
static void announce_error(const char *msg)
{
	char line[INIT_ERR_MAX + 16];

	snprintf(line, sizeof(line), "\nVMC_ERROR %s\n", msg);
	console_announce(line);
}

static void find_power_buttons(struct init_state *st)
{
	unsigned long keys[KEY_MAX / (8 * sizeof(long)) + 1];
	char path[32];
	int i;

	for (i = 0; i < 32 && st->n_buttons < MAX_BUTTONS; i++) {
		int fd;
		size_t bit = KEY_POWER, word = bit / (8 * sizeof(long));

		snprintf(path, sizeof(path), "/dev/input/event%d", i);
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(keys, 0, sizeof(keys));
		if (ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(keys)), keys) >= 0 &&
		    (keys[word] >> (bit % (8 * sizeof(long)))) & 1) {
			st->buttons[st->n_buttons++] = fd;
			init_debug(st->cfg.debug, "power button: %s", path);
		} else {
			close(fd);
		}
	}
}

static int mount_shares(const struct init_config *cfg, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < cfg->n_mounts; i++) {
		const struct init_mount *m = &cfg->mounts[i];
		unsigned long flags = m->read_only ? MS_RDONLY : 0;

		if (mkdir_p(m->path, 0755) < 0 || mount(m->tag, m->path, "virtiofs", flags, NULL) < 0) {
			snprintf(err, errlen, "vmc.mount %s on %s: %s", m->tag, m->path, strerror(errno));
			init_log("%s", err);
			return -1;
		}
	}
	return 0;
}

#define ENV_MAX (INIT_MAX_ENV + 4)

/* Why the child could not start the workload, sent to PID 1 on the
 * status pipe. */
enum exec_stage { STAGE_EXEC, STAGE_WORKDIR, STAGE_USER };
struct exec_status {
	int stage;
	int err;
};

static void exec_failed(int status_fd, enum exec_stage stage)
{
	struct exec_status es = { .stage = stage, .err = errno };

	if (write(status_fd, &es, sizeof(es)) < 0) {
		/* the parent then sees EOF and a 127 exit */
	}
	_exit(127);
}

/* Defaults, then vmc.env entries, a later entry replacing one with the
 * same KEY (as the image's Env replaces Docker's defaults). */
static void build_env(const struct init_state *st, char **envp, char *home, size_t homelen)
{
	static char path[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	static char term[] = "TERM=linux";
	size_t n = 0, i, k;

	snprintf(home, homelen, "HOME=%s", st->ids.home);
	envp[n++] = path;
	envp[n++] = home;
	envp[n++] = term;
	for (i = 0; i < st->cfg.n_env && n < ENV_MAX; i++) {
		char *e = st->cfg.env[i];
		size_t klen = (size_t)(strchr(e, '=') - e) + 1;

		for (k = 0; k < n && strncmp(envp[k], e, klen) != 0; k++)
			;
		envp[k] = e;
		if (k == n)
			n++;
	}
	envp[n] = NULL;
}

/* Child side of the workload: new session, console as controlling tty,
 * its environment, working directory and user. */
static void exec_workload(const struct init_state *st, int status_fd)
{
	const struct init_config *cfg = &st->cfg;
	const struct init_ids *ids = &st->ids;
	char names[INIT_MAX_CONSOLES][INIT_TTY_NAME], path[32];
	char *envp[ENV_MAX + 1], home[INIT_PATH_MAX + 8];
	gid_t groups[INIT_GROUPS_MAX];
	sigset_t all;
	size_t i;
	int fd;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	setsid();
	/* the console the kernel gave us, as a real tty so a shell gets job control */
	console_names(names, INIT_MAX_CONSOLES);
	snprintf(path, sizeof(path), "/dev/%s", names[0]);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		ioctl(fd, TIOCSCTTY, 0);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	if (cfg->workdir[0] && (mkdir_p(cfg->workdir, 0755) < 0 || chdir(cfg->workdir) < 0))
		exec_failed(status_fd, STAGE_WORKDIR);
	if (!cfg->workdir[0] && chdir("/") < 0)
		exec_failed(status_fd, STAGE_WORKDIR);
	for (i = 0; i < ids->n_groups; i++)
		groups[i] = (gid_t)ids->groups[i];
	if (setgroups(ids->n_groups, groups) < 0 || setgid((gid_t)ids->gid) < 0 ||
	    setuid((uid_t)ids->uid) < 0)
		exec_failed(status_fd, STAGE_USER);
	build_env(st, envp, home, sizeof(home));
	/* execvpe() searches the caller's PATH, and the kernel gives init none */
	environ = envp;
	execvp(cfg->argv[0], cfg->argv);
	exec_failed(status_fd, STAGE_EXEC);
}

/* Starts the workload; returns 0 once it has exec'd, -1 if it could not. */
static int start_workload(struct init_state *st)
{
	struct exec_status es = { 0, 0 };
	int pipefd[2];
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		init_log("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		init_log("fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pipefd[0]);
		exec_workload(st, pipefd[1]);
	}
	close(pipefd[1]);
	st->workload = pid;
	/* EOF: exec succeeded (the CLOEXEC end closed); data: its errno */
	do {
		n = read(pipefd[0], &es, sizeof(es));
	} while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == (ssize_t)sizeof(es)) {
		char msg[INIT_ERR_MAX];

		if (es.stage == STAGE_WORKDIR)
			snprintf(msg, sizeof(msg), "workdir %.100s: %s", st->cfg.workdir, strerror(es.err));
		else if (es.stage == STAGE_USER)
			snprintf(msg, sizeof(msg), "user %u:%u: %s", st->ids.uid, st->ids.gid,
				 strerror(es.err));
		else
			snprintf(msg, sizeof(msg), "exec %s: %s", st->cfg.argv[0], strerror(es.err));
		announce_error(msg);
		return -1;
	}
	return 0;
}

static void power_off(struct init_state *st)
{
	init_debug(st->cfg.debug, "powering off");
	console_drain(CONSOLE_DRAIN_MS);
	sync();
	/* leave the image's filesystem clean; failure (busy) changes nothing */
	if (st->switched)
		mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL);
	reboot(RB_POWER_OFF);
	init_log("power off: %s; halting", strerror(errno));
	reboot(RB_HALT_SYSTEM);
	for (;;)
		pause();
}

/* Asks every process to stop; power off once they are gone or killed. */
static void begin_shutdown(struct init_state *st, const char *why)
{
	if (st->stopping)
		return;
	init_debug(st->cfg.debug, "stopping: %s", why);
	st->stopping = 1;
	st->deadline_ms = init_now_ms() + (long)st->cfg.stop_timeout_s * 1000L;
	kill(-1, SIGTERM);
	kill(-1, SIGCONT);
}

static void reap(struct init_state *st)
{
	char line[64];
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != st->workload)
			continue;
		st->workload = 0;
		if (WIFEXITED(status))
			snprintf(line, sizeof(line), "\nVMC_EXIT status=%d\n", WEXITSTATUS(status));
		else
			snprintf(line, sizeof(line), "\nVMC_EXIT signal=%d\n", WTERMSIG(status));
		console_announce(line);
		if (st->cfg.halt == INIT_HALT_POWEROFF)
			begin_shutdown(st, "workload exited");
	}
	if (pid < 0 && errno == ECHILD && st->stopping)
		power_off(st);
}

static void on_signals(struct init_state *st)
{
	struct signalfd_siginfo si;

	while (read(st->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			break; /* reaped below, once for all queued */
		case SIGTERM:
			begin_shutdown(st, "SIGTERM");
			break;
		case SIGINT:
			begin_shutdown(st, "ctrl-alt-del");
			break;
		case SIGPWR:
			begin_shutdown(st, "SIGPWR");
			break;
		default:
			break;
		}
	}
	reap(st);
}

static void on_button(struct init_state *st, int fd)
{
	struct input_event ev[16];
	ssize_t n = read(fd, ev, sizeof(ev));
	size_t i;

	for (i = 0; n > 0 && i < (size_t)n / sizeof(ev[0]); i++)
		if (ev[i].type == EV_KEY && ev[i].code == KEY_POWER && ev[i].value == 1)
			begin_shutdown(st, "power button");
	reap(st);
}

static void loop(struct init_state *st)
{
	for (;;) {
		struct pollfd pfd[1 + MAX_BUTTONS];
		int timeout = -1, n;
		size_t i;

		pfd[0].fd = st->sigfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < st->n_buttons; i++) {
			pfd[1 + i].fd = st->buttons[i];
			pfd[1 + i].events = POLLIN;
		}
		if (st->stopping) {
			long left = st->deadline_ms - init_now_ms();

			reap(st); /* powers off once no process is left */

			timeout = left > 0 ? (int)left : 0;
		}
		n = poll(pfd, 1 + st->n_buttons, timeout);
		if (n < 0 && errno != EINTR) {
			init_log("poll: %s", strerror(errno));
			continue;
		}
		if (st->stopping && init_now_ms() >= st->deadline_ms) {
			if (st->killed)
				power_off(st); /* something survived SIGKILL: give up on it */
			init_log("processes still running after %u s: killing them",
				 st->cfg.stop_timeout_s);
			kill(-1, SIGKILL);
			st->killed = 1;
			st->deadline_ms = init_now_ms() + KILL_WAIT_MS;
			continue;
		}
		if (pfd[0].revents)
			on_signals(st);
		for (i = 0; i < st->n_buttons; i++)
			if (pfd[1 + i].revents)
				on_button(st, st->buttons[i]);
	}
}

static void read_cmdline(char *buf, size_t len)
{
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
}

/*
 * Everything before the workload. A malformed or unknown option is only
 * reported (the setting is skipped); a network or mount that cannot be set
 * up is fatal: VMC_ERROR instead of VMC_READY.
 */
static int setup(struct init_state *st)
{
	const char *extra[INIT_MAX_MODULES + 1];
	char err[INIT_ERR_MAX];
	size_t n_extra = 0, i;

	read_cmdline(st->cmdline, sizeof(st->cmdline));
	init_cmdline_parse(&st->cfg, st->cmdline);
	for (i = 0; i < st->cfg.n_warnings; i++)
		init_log("kernel command line: %s", st->cfg.warnings[i]);
	if (st->cfg.n_problems > st->cfg.n_warnings)
		init_log("kernel command line: %zu more problems",
			 st->cfg.n_problems - st->cfg.n_warnings);
	init_debug(st->cfg.debug, "start");
	for (i = 0; i < st->cfg.n_modules; i++)
		extra[n_extra++] = st->cfg.modules[i];
	extra[n_extra++] = "evdev"; /* for the power button; no device alias loads it */
	modules_coldplug(extra, n_extra, st->cfg.debug);
	init_debug(st->cfg.debug, "modules loaded");
	find_power_buttons(st);
	if (st->cfg.root_dev[0] || st->cfg.root_serial[0]) {
		if (root_switch(&st->cfg, err, sizeof(err)) < 0) {
			init_log("%s", err);
			announce_error(err);
			return -1;
		}
		st->switched = 1;
	}
	if (net_setup(&st->cfg, st->up, &st->n_up, err, sizeof(err)) < 0 ||
	    mount_shares(&st->cfg, err, sizeof(err)) < 0) {
		announce_error(err);
		return -1;
	}
	memcpy(st->ids.home, "/root", 6); /* the default guest: root, no passwd needed */
	if ((st->switched || st->cfg.user[0]) && st->cfg.argc > 0 &&
	    root_workload_ids(&st->cfg, &st->ids, err, sizeof(err)) < 0) {
		init_log("%s", err);
		announce_error(err);
		return -1;
	}
	init_debug(st->cfg.debug, "network and mounts up");
	return 0;
}

int main(int argc, char **argv)
{
	static struct init_state st = { .sigfd = -1 };
	sigset_t mask;

	if (getpid() != 1)
		return init_tool_main(argc, argv); /* `/init TOOL ...` (init_tools.c) */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGPWR);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	st.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	reboot(RB_DISABLE_CAD); /* ctrl-alt-del becomes SIGINT to us */
	umask(022);
	mount_basics();
	console_ensure_stdio();
	if (setup(&st) < 0) {
		if (st.cfg.halt == INIT_HALT_POWEROFF)
			power_off(&st);
	} else if (st.cfg.argc == 0 || st.cfg.ready == INIT_READY_INIT) {
		announce_ready(&st, 0);
		if (st.cfg.argc > 0)
			start_workload(&st);
	} else if (start_workload(&st) == 0) {
		announce_ready(&st, 1);
	}
	/* no child to report an exit (fork failed): halt as if it had exited */
	if (st.cfg.argc > 0 && st.workload == 0 && st.cfg.halt == INIT_HALT_POWEROFF)
		begin_shutdown(&st, "workload did not start");
	if (st.sigfd < 0) {
		init_log("signalfd: %s; cannot wait for anything", strerror(errno));
		for (;;)
			pause();
	}
	loop(&st);
	return 0;
}
