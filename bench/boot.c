/*
 * bench/boot.c - boot benchmark: vmc against raw QEMU, and vmc's own costs.
 *
 * One run boots a warm-up VM through `vmc run -d` (not counted; its QEMU
 * command line, read from /proc/<hv_pid>/cmdline, becomes the raw
 * baseline), then N rounds alternating raw qemu-system-x86_64 (same
 * arguments minus the QMP chardev/monitor pair, console on a pipe the bench
 * reads) and `vmc run -d` (console line seen through inotify on serial.log,
 * `vmc wait` and a vmc_manager_wait() client), then N rounds of
 * `vmc run -d ... -- /bin/true` whose guest powers off by itself, to time
 * hypervisor exit -> STOPPED. vmc's own costs come from the shim's
 * CLOCK_MONOTONIC timestamps in state.json ("timing_us"), compared with the
 * bench's own clock. Every wait is poll() on fds (pipes, pidfds, inotify,
 * eventfd); nothing sleeps. Exit 0 with results (even on MISS), 2 when no
 * guest is found or on usage errors, 1 when a round could not run.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "vmc.h"

#define MAX_ROUNDS 100
#define MAX_ARGS 256
#define NS "default"

static volatile sig_atomic_t g_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	g_interrupted = 1;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* snprintf for paths: false (and "") when it does not fit */
__attribute__((format(printf, 3, 4))) static bool pathf(char *out, size_t size, const char *fmt,
							...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		out[0] = '\0';
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ samples */

struct samples {
	double v[MAX_ROUNDS];
	int n;
};

static void add(struct samples *s, double v)
{
	if (s->n < MAX_ROUNDS)
		s->v[s->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* median, min, max; returns false when empty */
static bool stats(const struct samples *s, double *med, double *min, double *max)
{
	double v[MAX_ROUNDS];

	if (s->n == 0)
		return false;
	memcpy(v, s->v, sizeof(double) * (size_t)s->n);
	qsort(v, (size_t)s->n, sizeof(double), cmp_double);
	*med = s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
	*min = v[0];
	*max = v[s->n - 1];
	return true;
}

/* ------------------------------------------------------------ bench state */

struct bench {
	char vmc[PATH_MAX];
	char kernel[PATH_MAX];
	char initramfs[PATH_MAX];
	char state_dir[PATH_MAX];
	bool tmp_state;
	int rounds;
	int timeout_ms;
	int devnull;
	unsigned seq;
	char raw_exe[PATH_MAX];
	char *raw_argv[MAX_ARGS + 1];
	char accel[32];
	vmc_manager *mgr;
	bool raw_setsid;
};

/* Forks and execs `exe` with argv; stdin is /dev/null, stdout/stderr are
 * out_fd/err_fd (-1: inherited). Returns the pid and a pidfd in *pidfd. */
static pid_t spawn(const struct bench *b, const char *exe, char *const argv[], int out_fd,
		   int err_fd, bool new_session, int *pidfd)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("bench/boot: fork");
		return -1;
	}
	if (pid == 0) {
		dup2(b->devnull, STDIN_FILENO);
		if (out_fd >= 0)
			dup2(out_fd, STDOUT_FILENO);
		if (err_fd >= 0)
			dup2(err_fd, STDERR_FILENO);
		if (new_session)
			setsid();
		execv(exe, argv);
		_exit(127);
	}
	*pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (*pidfd < 0) {
		perror("bench/boot: pidfd_open");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs `vmc --state-dir S <args...>` to completion (not timed). */
static int vmc_cmd(const struct bench *b, const char *a1, const char *a2, const char *a3)
{
	char *argv[] = { (char *)"vmc", (char *)"--state-dir", (char *)b->state_dir, (char *)a1,
			 (char *)a2, (char *)a3, NULL };
	int pidfd, rc;
	pid_t pid = spawn(b, b->vmc, argv, b->devnull, -1, false, &pidfd);

	if (pid < 0)
		return -1;
	close(pidfd);
	rc = reap(pid);
	return rc;
}

/* ------------------------------------------------------------ console */

/* Finds a complete "VMC_READY" line (at the start of a line, ended by \n). */
struct scanner {
	char line[256];
	size_t len;
	bool overflow;
};

static bool scan(struct scanner *s, const char *buf, size_t n)
{
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (s->len < sizeof(s->line))
				s->line[s->len++] = buf[i];
			else
				s->overflow = true;
			continue;
		}
		size_t l = s->len;
		if (l && s->line[l - 1] == '\r')
			l--;
		if (!s->overflow && l >= 9 && memcmp(s->line, "VMC_READY", 9) == 0 &&
		    (l == 9 || s->line[9] == ' '))
			found = true;
		s->len = 0;
		s->overflow = false;
	}
	return found;
}

/* ------------------------------------------------------------ /proc */

static long proc_kib(const char *path, const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, kl) == 0) {
			char *end;
			errno = 0;
			v = strtol(line + kl, &end, 10);
			if (errno || end == line + kl)
				v = -1;
			break;
		}
	}
	fclose(f);
	return v;
}

/* CPU time a process has used so far, all threads, in ms (schedstat is
 * in ns, unlike the 10 ms ticks of /proc/<pid>/stat). -1 if unknown. */
static double proc_cpu_ms(int pid)
{
	char path[64], buf[128];
	int64_t sum = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char tpath[64 + 256];
		if (!pathf(tpath, sizeof(tpath), "%s/%s/schedstat", path, de->d_name))
			continue;
		int fd = open(tpath, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		sum += strtoll(buf, NULL, 10);
	}
	closedir(d);
	return (double)sum / 1e6;
}

/* Takes the raw baseline's argv from a running vmc-started QEMU: drops
 * the QMP chardev (socket on an inherited fd) and the -mon/-qmp using it. */
static int capture_argv(struct bench *b, int hv_pid)
{
	static char buf[65536];
	char path[64], qmp_id[64] = "";
	char *args[MAX_ARGS];
	int fd, n = 0, k = 0;
	ssize_t len, r;

	snprintf(path, sizeof(path), "/proc/%d/exe", hv_pid);
	len = readlink(path, b->raw_exe, sizeof(b->raw_exe) - 1);
	if (len <= 0) {
		fprintf(stderr, "bench/boot: readlink %s: %s\n", path, strerror(errno));
		return -1;
	}
	b->raw_exe[len] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", hv_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = 0;
	while ((r = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += r;
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	for (char *p = buf; p < buf + len && n < MAX_ARGS; p += strlen(p) + 1)
		args[n++] = p;
	for (int i = 0; i + 1 < n; i++) {
		const char *id;
		if (strcmp(args[i], "-chardev") == 0 && strncmp(args[i + 1], "socket,", 7) == 0 &&
		    strstr(args[i + 1], "fd=") && (id = strstr(args[i + 1], "id=")) != NULL)
			snprintf(qmp_id, sizeof(qmp_id), "%.*s", (int)strcspn(id + 3, ","), id + 3);
	}
	for (int i = 0; i < n; i++) {
		char want[80];
		snprintf(want, sizeof(want), "chardev=%s", qmp_id);
		if (i + 1 < n && qmp_id[0] && strcmp(args[i], "-chardev") == 0 &&
		    strstr(args[i + 1], "fd=") && strncmp(args[i + 1], "socket,", 7) == 0) {
			i++;
			continue;
		}
		if (i + 1 < n && qmp_id[0] && strcmp(args[i], "-mon") == 0 &&
		    strstr(args[i + 1], want)) {
			i++;
			continue;
		}
		if (i + 1 < n && strcmp(args[i], "-qmp") == 0) {
			i++;
			continue;
		}
		if (strcmp(args[i], "-S") == 0)
			continue;
		if (i + 1 < n && strcmp(args[i], "-accel") == 0)
			snprintf(b->accel, sizeof(b->accel), "%s", args[i + 1]);
		b->raw_argv[k] = strdup(args[i]);
		if (!b->raw_argv[k])
			return -1;
		k++;
	}
	b->raw_argv[k] = NULL;
	return 0;
}

/* ------------------------------------------------------------ raw round */

static int raw_round(struct bench *b, struct samples *out, struct samples *cpu)
{
	struct scanner sc = { 0 };
	int p[2], pidfd, rc = -1;
	int64_t t0, deadline;
	pid_t pid;
	char buf[4096];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	t0 = now_us();
	pid = spawn(b, b->raw_exe, b->raw_argv, p[1], -1, b->raw_setsid, &pidfd);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	deadline = t0 + (int64_t)b->timeout_ms * 1000;
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int64_t left = deadline - now_us();
		if (g_interrupted || left <= 0) {
			fprintf(stderr, "bench/boot: raw qemu: %s\n",
				g_interrupted ? "interrupted" : "no VMC_READY before the timeout");
			break;
		}
		if (poll(&pfd, 1, (int)(left / 1000) + 1) < 0 && errno != EINTR)
			break;
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		ssize_t n = read(p[0], buf, sizeof(buf));
		if (n > 0 && scan(&sc, buf, (size_t)n)) {
			add(out, (double)(now_us() - t0) / 1e3);
			double c = proc_cpu_ms(pid);
			if (c >= 0)
				add(cpu, c);
			rc = 0;
			break;
		}
		if (n == 0 || (n < 0 && errno != EINTR)) {
			fprintf(stderr, "bench/boot: raw qemu ended before VMC_READY\n");
			break;
		}
	}
	kill(pid, SIGKILL); /* our unreaped child: the pid cannot be reused */
	reap(pid);
	close(pidfd);
	close(p[0]);
	return rc;
}

/* ------------------------------------------------------------ vmc round */

struct waiter {
	pthread_t th;
	bool started;
	const char *state_dir;
	char name[VMC_NAME_MAX + 1];
	vmc_state_kind want;
	int timeout_ms;
	int efd;
	int rc;
	char err[256];
	int64_t t_us;
};

/* A client of the public API waiting for the state, in its own thread. */
static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	vmc_manager *m = NULL;
	uint64_t one = 1;

	w->rc = vmc_manager_open(&m, w->state_dir);
	if (w->rc == 0)
		w->rc = vmc_manager_wait(m, w->name, w->want, w->timeout_ms, NULL);
	w->t_us = now_us();
	if (w->rc < 0)
		snprintf(w->err, sizeof(w->err), "%s", vmc_error_last());
	vmc_manager_free(m);
	(void)!write(w->efd, &one, sizeof(one));
	return NULL;
}

struct vmc_result {
	int64_t t0, t_run, t_console, t_cli, t_lib;
	int64_t exec_us, ready_us, exit_us;
	int shim_pid, hv_pid;
	char state[16]; /* "state" in state.json, as last read */
	double hv_cpu_ms; /* QEMU's CPU time when the bench saw VMC_READY */
};

struct vmwatch {
	int ifd;
	int wd_vm;
	int serial_fd;
	char vm_dir[PATH_MAX];
	struct scanner sc;
};

static void read_state_json(const struct vmwatch *vw, struct vmc_result *r)
{
	char path[PATH_MAX + 16];
	json_t *root, *t;

	snprintf(path, sizeof(path), "%s/state.json", vw->vm_dir);
	root = json_load_file(path, 0, NULL);
	if (!root)
		return;
	r->shim_pid = (int)json_integer_value(json_object_get(root, "shim_pid"));
	r->hv_pid = (int)json_integer_value(json_object_get(root, "hv_pid"));
	t = json_object_get(json_object_get(root, "state"), "state");
	snprintf(r->state, sizeof(r->state), "%s", json_is_string(t) ? json_string_value(t) : "");
	t = json_object_get(root, "timing_us");
	r->exec_us = json_integer_value(json_object_get(t, "exec"));
	r->ready_us = json_integer_value(json_object_get(t, "ready_line"));
	r->exit_us = json_integer_value(json_object_get(t, "exit"));
	json_decref(root);
}

/* Follows the VM directory as it appears: watch it, open serial.log,
 * read new console bytes, stamp the VMC_READY line. */
static void vm_progress(struct vmwatch *vw, struct vmc_result *r)
{
	char path[PATH_MAX + 16], buf[4096];
	ssize_t n;

	if (vw->wd_vm < 0) {
		vw->wd_vm = inotify_add_watch(vw->ifd, vw->vm_dir,
					      IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
		if (vw->wd_vm < 0)
			return;
	}
	if (vw->serial_fd < 0) {
		snprintf(path, sizeof(path), "%s/serial.log", vw->vm_dir);
		vw->serial_fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (vw->serial_fd < 0)
			return;
		inotify_add_watch(vw->ifd, path, IN_MODIFY);
	}
	while (!r->t_console && (n = read(vw->serial_fd, buf, sizeof(buf))) > 0)
		if (scan(&vw->sc, buf, (size_t)n)) {
			r->t_console = now_us();
			r->hv_cpu_ms = r->hv_pid > 0 ? proc_cpu_ms(r->hv_pid) : -1;
		}
}

/* The waiting clients, started once the VM exists: a library thread and
 * a `vmc wait` process. */
static int start_clients(struct bench *b, const char *name, bool to_stop, struct waiter *w,
			 pid_t *pid_wait, int *pid_wait_fd)
{
	sigset_t all, old;
	char tmo[16];

	w->state_dir = b->state_dir;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->want = to_stop ? VMC_STATE_STOPPED : VMC_STATE_READY;
	w->timeout_ms = b->timeout_ms;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old); /* signals go to the main thread */
	w->started = pthread_create(&w->th, NULL, waiter_main, w) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!w->started)
		return -1;
	snprintf(tmo, sizeof(tmo), "%d", b->timeout_ms / 1000 + 1);
	char *wait_argv[] = { "vmc", "--state-dir", b->state_dir, "wait", (char *)name, "--state",
			      to_stop ? "stopped" : "ready", "--timeout", tmo, NULL };
	*pid_wait = spawn(b, b->vmc, wait_argv, b->devnull, -1, false, pid_wait_fd);
	return *pid_wait < 0 ? -1 : 0;
}

/* vmc_manager_start() in-process, as an embedding program would (the
 * guest powers off after its /bin/true workload). */
static int lib_start(struct bench *b, const char *name, struct vmc_result *r)
{
	const char *exec_argv[] = { "/bin/true" };
	vmc_config *cfg = NULL;
	int rc;

	rc = vmc_config_new(&cfg, name);
	if (rc == 0)
		rc = vmc_config_set_kernel(cfg, b->kernel);
	if (rc == 0)
		rc = vmc_config_set_initramfs(cfg, b->initramfs);
	if (rc == 0)
		rc = vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL);
	if (rc == 0)
		rc = vmc_config_set_exec(cfg, 1, exec_argv);
	r->t0 = now_us();
	if (rc == 0)
		rc = vmc_manager_start(b->mgr, cfg);
	r->t_run = now_us();
	if (rc < 0)
		fprintf(stderr, "bench/boot: vmc_manager_start: %s\n", vmc_error_last());
	vmc_config_free(cfg);
	return rc < 0 ? -1 : 0;
}

static int vmc_round(struct bench *b, bool to_stop, bool use_lib, bool capture,
		     struct vmc_result *r, long *rss_kib, long *pss_kib, long *uss_kib)
{
	char name[VMC_NAME_MAX + 1], ns_dir[PATH_MAX];
	struct vmwatch vw = { .ifd = -1, .wd_vm = -1, .serial_fd = -1 };
	struct waiter w = { .efd = -1 };
	int pid_run_fd = -1, pid_wait_fd = -1, rc = -1;
	pid_t pid_run = -1, pid_wait = -1;
	int64_t deadline;
	bool run_done = false, cli_done = false, started = false;
	char alignas_buf[sizeof(struct inotify_event) + NAME_MAX + 1]
		__attribute__((aligned(__alignof__(struct inotify_event))));

	memset(r, 0, sizeof(*r));
	*rss_kib = *pss_kib = *uss_kib = -1;
	snprintf(name, sizeof(name), "bench-%d-%u", (int)getpid(), b->seq++);
	if (!pathf(ns_dir, sizeof(ns_dir), "%s/" NS, b->state_dir) ||
	    !pathf(vw.vm_dir, sizeof(vw.vm_dir), "%s/%s", ns_dir, name))
		return -1;
	if (mkdir(ns_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "bench/boot: mkdir %s: %s\n", ns_dir, strerror(errno));
		return -1;
	}
	vw.ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	w.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vw.ifd < 0 || w.efd < 0 ||
	    inotify_add_watch(vw.ifd, ns_dir, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
		perror("bench/boot: inotify/eventfd");
		goto out;
	}

	char *run_argv[] = { "vmc", "--state-dir", b->state_dir, "run", "-d", "--name", name,
			     "--kernel", b->kernel, "--initramfs", b->initramfs, "--net", "user",
			     to_stop ? "--" : NULL, "/bin/true", NULL };
	if (use_lib) {
		started = lib_start(b, name, r) == 0;
		run_done = true;
		if (!started || start_clients(b, name, to_stop, &w, &pid_wait, &pid_wait_fd) < 0)
			goto out;
	} else {
		r->t0 = now_us();
		pid_run = spawn(b, b->vmc, run_argv, b->devnull, -1, false, &pid_run_fd);
		if (pid_run < 0)
			goto out;
		started = true;
	}
	deadline = r->t0 + (int64_t)b->timeout_ms * 1000;

	for (;;) {
		struct pollfd pfd[4] = {
			{ .fd = vw.ifd, .events = POLLIN },
			{ .fd = run_done ? -1 : pid_run_fd, .events = POLLIN },
			{ .fd = (pid_wait < 0 || cli_done) ? -1 : pid_wait_fd, .events = POLLIN },
			{ .fd = w.efd, .events = POLLIN },
		};
		bool have_timing = to_stop ? r->exit_us > 0 : r->ready_us > 0;

		if (run_done && cli_done && r->t_lib && have_timing && (to_stop || r->t_console)) {
			rc = 0;
			break;
		}
		if (!have_timing && strcmp(r->state, to_stop ? "stopped" : "ready") == 0) {
			fprintf(stderr, "bench/boot: %s/state.json is %s without timing_us.%s "
					"(does this vmc-shim record timings?)\n",
				vw.vm_dir, r->state, to_stop ? "exit" : "ready_line");
			break;
		}
		int64_t left = deadline - now_us();
		if (g_interrupted || left <= 0) {
			fprintf(stderr, "bench/boot: vmc %s: %s\n", name,
				g_interrupted ? "interrupted" : "timed out");
			break;
		}
		if (poll(pfd, 4, (int)(left / 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			ssize_t n;
			bool state_changed = false;
			while ((n = read(vw.ifd, alignas_buf, sizeof(alignas_buf))) > 0) {
				for (char *p = alignas_buf; p < alignas_buf + n;) {
					struct inotify_event *ev = (struct inotify_event *)(void *)p;
					if (ev->len && strcmp(ev->name, "state.json") == 0)
						state_changed = true;
					p += sizeof(*ev) + ev->len;
				}
			}
			vm_progress(&vw, r);
			if (state_changed)
				read_state_json(&vw, r);
		}
		if (pfd[1].revents & POLLIN) {
			int st = reap(pid_run);
			r->t_run = now_us();
			run_done = true;
			if (st != 0) {
				fprintf(stderr, "bench/boot: vmc run exited with %d\n", st);
				break;
			}
			if (start_clients(b, name, to_stop, &w, &pid_wait, &pid_wait_fd) < 0)
				break;
			vm_progress(&vw, r);
			read_state_json(&vw, r);
		}
		if (pfd[2].revents & POLLIN) {
			int st = reap(pid_wait);
			r->t_cli = now_us();
			cli_done = true;
			if (st != 0) {
				fprintf(stderr, "bench/boot: vmc wait exited with %d\n", st);
				break;
			}
		}
		if (pfd[3].revents & POLLIN) {
			uint64_t v;
			(void)!read(w.efd, &v, sizeof(v));
			if (w.rc < 0) {
				fprintf(stderr, "bench/boot: vmc_manager_wait: %s\n", w.err);
				break;
			}
			r->t_lib = w.t_us;
		}
	}
	if (rc == 0 && capture && capture_argv(b, r->hv_pid) < 0) {
		fprintf(stderr, "bench/boot: cannot read the hypervisor's command line\n");
		rc = -1;
	}
	if (rc == 0 && !to_stop) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/status", r->shim_pid);
		*rss_kib = proc_kib(path, "VmRSS:");
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", r->shim_pid);
		*pss_kib = proc_kib(path, "Pss:");
		long pc = proc_kib(path, "Private_Clean:"), pd = proc_kib(path, "Private_Dirty:");
		*uss_kib = pc >= 0 && pd >= 0 ? pc + pd : -1;
	}
out:
	if (pid_run_fd >= 0 && !run_done) {
		kill(pid_run, SIGKILL);
		reap(pid_run);
	}
	if (pid_run_fd >= 0)
		close(pid_run_fd);
	if (started) {
		if (rc == 0 && !to_stop)
			vmc_cmd(b, "kill", name, NULL);
		if (vmc_cmd(b, "rm", rc == 0 ? name : "-f", rc == 0 ? NULL : name) != 0 && rc == 0)
			fprintf(stderr, "bench/boot: vmc rm %s failed\n", name);
	}
	if (pid_wait >= 0) {
		if (!cli_done) {
			kill(pid_wait, SIGKILL);
			reap(pid_wait);
		}
		close(pid_wait_fd);
	}
	if (w.started)
		pthread_join(w.th, NULL); /* the VM is gone: the wait has returned */
	if (vw.serial_fd >= 0)
		close(vw.serial_fd);
	if (vw.ifd >= 0)
		close(vw.ifd);
	if (w.efd >= 0)
		close(w.efd);
	return rc;
}

/* ------------------------------------------------------------ set-up */

static bool is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool find_in_path(const char *prog, char *out, size_t size)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX];

	while (path && *path) {
		size_t l = strcspn(path, ":");
		snprintf(dir, sizeof(dir), "%.*s", (int)l, path);
		if (l && (size_t)snprintf(out, size, "%s/%s", dir, prog) < size &&
		    access(out, X_OK) == 0)
			return true;
		path += l + (path[l] == ':');
	}
	return false;
}

static bool find_vmc(char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if ((size_t)snprintf(out, size, "%s/../src/cli/vmc", self) < size &&
			    access(out, X_OK) == 0)
				return true;
		}
	}
	return find_in_path("vmc", out, size);
}

/* The default guest, searched like `vmc run` does. */
static bool find_guest(struct bench *b)
{
	char dirs[4][PATH_MAX];
	int n = 0;
	const char *e;

	if ((e = getenv("VMC_GUEST_DIR")) && *e)
		snprintf(dirs[n++], PATH_MAX, "%s", e);
	if ((e = getenv("VMC_DATA_DIR")) && *e)
		snprintf(dirs[n++], PATH_MAX, "%s/guest", e);
	snprintf(dirs[n++], PATH_MAX, "/var/lib/vmc/guest");
	if ((e = getenv("XDG_DATA_HOME")) && *e)
		snprintf(dirs[n++], PATH_MAX, "%s/vmc/guest", e);
	else if ((e = getenv("HOME")) && *e)
		snprintf(dirs[n++], PATH_MAX, "%s/.local/share/vmc/guest", e);
	for (int i = 0; i < n; i++) {
		char k[PATH_MAX + 16], i1[PATH_MAX + 32], i2[PATH_MAX + 32];
		if (!pathf(k, sizeof(k), "%s/vmlinux", dirs[i]) ||
		    !pathf(i1, sizeof(i1), "%s/initramfs.cpio", dirs[i]) ||
		    !pathf(i2, sizeof(i2), "%s/initramfs", dirs[i]) || !is_file(k) || (!is_file(i1) && !is_file(i2)))
			continue;
		if (!b->kernel[0])
			pathf(b->kernel, sizeof(b->kernel), "%s", k);
		if (!b->initramfs[0])
			pathf(b->initramfs, sizeof(b->initramfs), "%s", is_file(i1) ? i1 : i2);
		return true;
	}
	return false;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench/boot [--rounds N] [--kernel PATH] [--initramfs PATH]\n"
		"                  [--vmc PATH] [--state-dir DIR] [--timeout SEC] [--raw-setsid]\n"
		"Boots N (default 5) VMs with raw qemu and N with `vmc run -d`, alternating,\n"
		"plus N that power off by themselves, and prints medians, min/max and goals.\n"
		"--raw-setsid starts raw QEMU in a session of its own, as vmc-shim's QEMU is.\n"
		"Guest default: $VMC_GUEST_DIR or /var/lib/vmc/guest (vmlinux, initramfs[.cpio]).\n");
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int secs;
		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(o, "--raw-setsid") == 0) {
			b->raw_setsid = true;
			continue;
		}
		if (!v) {
			usage(stderr);
			return -1;
		}
		i++;
		if (strcmp(o, "--rounds") == 0 && parse_int(v, 1, MAX_ROUNDS, &b->rounds))
			continue;
		if (strcmp(o, "--timeout") == 0 && parse_int(v, 1, 3600, &secs)) {
			b->timeout_ms = secs * 1000;
			continue;
		}
		if (strcmp(o, "--kernel") == 0 && realpath(v, b->kernel))
			continue;
		if (strcmp(o, "--initramfs") == 0 && realpath(v, b->initramfs))
			continue;
		if (strcmp(o, "--vmc") == 0 && realpath(v, b->vmc))
			continue;
		if (strcmp(o, "--state-dir") == 0 &&
		    (size_t)snprintf(b->state_dir, sizeof(b->state_dir), "%s", v) <
			    sizeof(b->state_dir))
			continue;
		fprintf(stderr, "bench/boot: bad option or value: %s %s\n", o, v);
		usage(stderr);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ report */

/* The load average and CPU count: boot times under TCG follow them. */
static void print_load(const char *when)
{
	char buf[128] = "";
	int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("load average at %s: %s (%ld CPUs online)\n", when, buf, cpus);
	char *end;
	double load1 = strtod(buf, &end);
	if (end != buf && cpus > 0 && load1 > 0.5 * (double)cpus)
		printf("  note: the machine is busy; TCG boot times (and their ratio) follow the "
		       "load\n");
}

static int g_pass, g_miss;
static char g_missed[256];

static void line(const char *label, const struct samples *s, double scale, const char *unit)
{
	double med, min, max;

	if (!stats(s, &med, &min, &max)) {
		printf("  %-46s (no samples)\n", label);
		return;
	}
	printf("  %-46s median %9.3f %s  (min %.3f, max %.3f, n=%d)\n", label, med * scale,
	       unit, min * scale, max * scale, s->n);
}

static void goal(const char *what, const struct samples *s, double scale, double limit,
		 const char *unit)
{
	double med, min, max;
	bool ok;

	if (!stats(s, &med, &min, &max)) {
		printf("  goal %-38s no samples                MISS\n", what);
		g_miss++;
		return;
	}
	ok = med * scale <= limit;
	printf("  goal %-38s %9.3f %-4s <= %g %-4s  %s\n", what, med * scale, unit, limit, unit,
	       ok ? "PASS" : "MISS");
	if (ok) {
		g_pass++;
	} else {
		g_miss++;
		size_t l = strlen(g_missed);
		snprintf(g_missed + l, sizeof(g_missed) - l, "%s%s", l ? ", " : "", what);
	}
}

int main(int argc, char **argv)
{
	struct bench b = { .rounds = 5, .timeout_ms = 120000 };
	struct samples raw = { 0 }, v_console = { 0 }, v_cli = { 0 }, v_lib = { 0 },
		       v_run = { 0 }, a_exec = { 0 }, b_lib = { 0 }, b_cli = { 0 },
		       b_console = { 0 }, c_lib = { 0 }, c_cli = { 0 }, rss = { 0 }, pss = { 0 },
		       ratio = { 0 }, a_lib = { 0 }, a_lib_ret = { 0 }, uss = { 0 },
		       b_stamp = { 0 }, raw_cpu = { 0 }, vmc_cpu = { 0 };
	struct vmc_result r;
	struct sigaction sa = { .sa_handler = on_signal };
	const char *env;
	long rss_k = -1, pss_k = -1, uss_k = -1;
	int failed = 0;

	if (parse_args(&b, argc, argv) < 0)
		return 2;
	if ((b.kernel[0] && !is_file(b.kernel)) || (b.initramfs[0] && !is_file(b.initramfs)) ||
	    ((!b.kernel[0] || !b.initramfs[0]) && !find_guest(&b))) {
		fprintf(stderr, "bench/boot: no guest found: pass --kernel and --initramfs, or build "
				"the default guest (guest/build) into $VMC_GUEST_DIR or "
				"/var/lib/vmc/guest\n");
		return 2;
	}
	if (!b.vmc[0] && !find_vmc(b.vmc, sizeof(b.vmc))) {
		fprintf(stderr, "bench/boot: vmc CLI not found (build it, or pass --vmc)\n");
		return 2;
	}
	if (!b.state_dir[0] && (env = getenv("VMC_STATE_DIR")) && *env)
		snprintf(b.state_dir, sizeof(b.state_dir), "%s", env);
	if (!b.state_dir[0]) {
		snprintf(b.state_dir, sizeof(b.state_dir), "/tmp/vmc-bench-XXXXXX");
		if (!mkdtemp(b.state_dir)) {
			perror("bench/boot: mkdtemp");
			return 1;
		}
		b.tmp_state = true;
	} else if (mkdir(b.state_dir, 0700) < 0 && errno != EEXIST) {
		perror("bench/boot: state dir");
		return 1;
	}
	b.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (b.devnull < 0)
		return 1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	print_load("start");
	printf("bench/boot: %d rounds; vmc %s\n  kernel %s\n  initramfs %s\n  state dir %s\n",
	       b.rounds, b.vmc, b.kernel, b.initramfs, b.state_dir);

	if (vmc_manager_open(&b.mgr, b.state_dir) < 0) {
		fprintf(stderr, "bench/boot: %s\n", vmc_error_last());
		failed = 1;
		goto out;
	}
	/* warm-up (not counted): page cache, and the raw baseline's argv */
	if (vmc_round(&b, false, false, true, &r, &rss_k, &pss_k, &uss_k) < 0) {
		fprintf(stderr, "bench/boot: the warm-up VM did not reach READY\n");
		failed = 1;
		goto out;
	}
	printf("  raw baseline:");
	for (char **a = b.raw_argv; *a; a++)
		printf(" %s", *a);
	printf("\n\n");

	for (int i = 0; i < b.rounds && !failed; i++) {
		double raw_ms;
		/* ABBA order so a drifting machine does not favour one side */
		for (int half = 0; half < 2 && !failed; half++) {
			if ((half == 0) == (i % 2 == 0)) {
				if (raw_round(&b, &raw, &raw_cpu) < 0)
					failed = 1;
				continue;
			}
			if (vmc_round(&b, false, false, false, &r, &rss_k, &pss_k, &uss_k) < 0) {
				failed = 1;
				continue;
			}
			add(&v_console, (double)(r.t_console - r.t0) / 1e3);
			if (r.hv_cpu_ms >= 0)
				add(&vmc_cpu, r.hv_cpu_ms);
			add(&v_cli, (double)(r.t_cli - r.t0) / 1e3);
			add(&v_lib, (double)(r.t_lib - r.t0) / 1e3);
			add(&v_run, (double)(r.t_run - r.t0) / 1e3);
			add(&a_exec, (double)(r.exec_us - r.t0) / 1e3);
			/* the line's arrival: the shim's stamp, or the bench's own sight
			 * of it in serial.log if that came first (the shim logs, then
			 * scans and stamps; under load it can be preempted between) */
			int64_t arrived = r.t_console < r.ready_us ? r.t_console : r.ready_us;
			add(&b_lib, (double)(r.t_lib - arrived) / 1e3);
			add(&b_cli, (double)(r.t_cli - arrived) / 1e3);
			add(&b_stamp, (double)(r.t_lib - r.ready_us) / 1e3);
			add(&b_console, (double)(r.t_console - r.ready_us) / 1e3);
			if (rss_k >= 0)
				add(&rss, (double)rss_k);
			if (pss_k >= 0)
				add(&pss, (double)pss_k);
			if (uss_k >= 0)
				add(&uss, (double)uss_k);
		}
		if (!failed && raw.n == i + 1 && v_console.n == i + 1) {
			raw_ms = raw.v[i];
			add(&ratio, v_console.v[i] / raw_ms);
			printf("round %d: raw %.1f ms, vmc %.1f ms (vmc wait %.1f, library %.1f)\n",
			       i + 1, raw_ms, v_console.v[i], v_cli.v[i], v_lib.v[i]);
		}
	}
	for (int i = 0; i < b.rounds && !failed; i++) {
		if (vmc_round(&b, true, true, false, &r, &rss_k, &pss_k, &uss_k) < 0) {
			failed = 1;
			break;
		}
		add(&a_lib, (double)(r.exec_us - r.t0) / 1e3);
		add(&a_lib_ret, (double)(r.t_run - r.t0) / 1e3);
		add(&c_lib, (double)(r.t_lib - r.exit_us) / 1e3);
		add(&c_cli, (double)(r.t_cli - r.exit_us) / 1e3);
		printf("stop round %d: vmc_manager_start -> exec %.1f ms; exit -> STOPPED %.3f ms "
		       "(library), %.3f ms (vmc wait)\n",
		       i + 1, a_lib.v[a_lib.n - 1], c_lib.v[c_lib.n - 1], c_cli.v[c_cli.n - 1]);
	}
	if (failed)
		goto out;

	double med_raw, med_vmc, mn, mx;
	stats(&raw, &med_raw, &mn, &mx);
	stats(&v_console, &med_vmc, &mn, &mx);
	printf("\n1. boot to READY (accel %s), spawn -> VMC_READY line seen by the bench\n",
	       b.accel[0] ? b.accel : "?");
	line("raw qemu (console pipe)", &raw, 1, "ms");
	line("vmc run -d (serial.log via inotify)", &v_console, 1, "ms");
	line("vmc run -d -> `vmc wait --state ready` exits", &v_cli, 1, "ms");
	line("vmc run -d -> vmc_manager_wait() returns", &v_lib, 1, "ms");
	line("vmc run -d returns (VM STARTING)", &v_run, 1, "ms");
	line("per-round ratio vmc/raw", &ratio, 1, "");
	struct samples med_ratio = { .v = { med_vmc / med_raw }, .n = 1 };
	double med_cli = 0, med_a = 0, med_b = 0;
	stats(&v_cli, &med_cli, &mn, &mx);
	stats(&a_exec, &med_a, &mn, &mx);
	stats(&b_lib, &med_b, &mn, &mx);
	printf("  %-46s %.3f (`vmc wait` exits: %.3f)\n", "ratio of medians vmc/raw", med_vmc / med_raw,
	       med_cli / med_raw);
	line("QEMU CPU time to READY, raw (all threads)", &raw_cpu, 1, "ms");
	line("QEMU CPU time to READY, vmc (all threads)", &vmc_cpu, 1, "ms");
	double cpu_raw = 0, cpu_vmc = 0;
	if (stats(&raw_cpu, &cpu_raw, &mn, &mx) && stats(&vmc_cpu, &cpu_vmc, &mn, &mx))
		printf("  %-46s %.3f (the guest's work, less sensitive to load)\n",
		       "CPU time ratio of medians vmc/raw", cpu_vmc / cpu_raw);
	printf("  %-46s %.3f (1 + ((a) + (b)) / raw median: vmc's own\n"
	       "  %-46s time on the boot path, insensitive to TCG noise)\n",
	       "ratio implied by vmc's own costs", 1 + (med_a + med_b) / med_raw, "");

	printf("\n2. vmc's own costs (shim timestamps, CLOCK_MONOTONIC)\n");
	line("(a) vmc run spawn -> hypervisor exec'd", &a_exec, 1, "ms");
	line("    vmc_manager_start() -> hypervisor exec'd", &a_lib, 1, "ms");
	line("    vmc_manager_start() returns", &a_lib_ret, 1, "ms");
	line("(b) ready line -> vmc_manager_wait() returns", &b_lib, 1, "ms");
	line("    ready line -> `vmc wait` has exited", &b_cli, 1, "ms");
	line("    shim's ready_line stamp -> library returns", &b_stamp, 1, "ms");
	line("    shim's ready_line stamp -> serial.log seen", &b_console, 1, "ms");
	line("(c) hv exit -> vmc_manager_wait(STOPPED) ret.", &c_lib, 1, "ms");
	line("    hv exit -> `vmc wait --state stopped` exits", &c_cli, 1, "ms");
	line("(d) vmc-shim VmRSS at READY", &rss, 1.0 / 1024, "MiB");
	line("    vmc-shim Pss at READY", &pss, 1.0 / 1024, "MiB");
	line("    vmc-shim private (USS) at READY", &uss, 1.0 / 1024, "MiB");
	printf("\n3. goals\n");
	goal("boot ratio vmc/raw (console line)", &med_ratio, 1, 1.02, "");
	goal("(a) run -> hypervisor exec", &a_exec, 1, 5, "ms");
	goal("(b) ready line -> client sees READY", &b_lib, 1, 1, "ms");
	goal("(c) hypervisor exit -> STOPPED", &c_lib, 1, 5, "ms");
	goal("(d) vmc-shim RSS", &rss, 1.0 / 1024, 1, "MiB");
	goal("(d) vmc-shim Pss", &pss, 1.0 / 1024, 1, "MiB");
	print_load("end");
	printf("\nsummary: %d/%d goals met%s%s; boot median raw %.1f ms, vmc %.1f ms, ratio %.3f\n",
	       g_pass, g_pass + g_miss, g_miss ? "; MISS: " : "", g_missed, med_raw, med_vmc,
	       med_vmc / med_raw);
out:
	vmc_manager_free(b.mgr);
	for (char **a = b.raw_argv; *a; a++)
		free(*a);
	if (b.tmp_state) {
		char ns_dir[PATH_MAX + 16];
		snprintf(ns_dir, sizeof(ns_dir), "%s/" NS, b.state_dir);
		rmdir(ns_dir);
		rmdir(b.state_dir);
	}
	close(b.devnull);
	return failed ? 1 : 0;
}
