/*
 * harness.c - integration-test plumbing (see harness.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "core/spawn.h"
#include "harness.h"

static const char *default_guest_dir(char *buf, size_t len)
{
	const char *env = getenv("VMC_GUEST_DIR");
	const char *data = getenv("VMC_DATA_DIR");

	if (env && *env)
		return env;
	if (data && *data) {
		snprintf(buf, len, "%s/guest", data);
		return buf;
	}
	return "/var/lib/vmc/guest";
}

int harness_init(struct harness *h)
{
	char buf[4096];
	const char *dir = default_guest_dir(buf, sizeof(buf));
	const char *cli = getenv("VMC_CLI");

	memset(h, 0, sizeof(*h));
	if (strlen(dir) > 1024 || (cli && strlen(cli) > 1024)) {
		snprintf(h->why_not, sizeof(h->why_not), "VMC_GUEST_DIR or VMC_CLI too long");
		return -1;
	}
	snprintf(h->guest_kernel, sizeof(h->guest_kernel), "%.1024s/vmlinux", dir);
	snprintf(h->guest_initramfs, sizeof(h->guest_initramfs), "%.1024s/initramfs.cpio", dir);
	snprintf(h->cli, sizeof(h->cli), "%.1024s", cli ? cli : "vmc");
	if (access(h->guest_kernel, R_OK) != 0 || access(h->guest_initramfs, R_OK) != 0) {
		snprintf(h->why_not, sizeof(h->why_not),
			 "no default guest in %.160s (run guest/build, or set VMC_GUEST_DIR)", dir);
		return -1;
	}
	if (access("/usr/bin/qemu-system-x86_64", X_OK) != 0) {
		snprintf(h->why_not, sizeof(h->why_not), "qemu-system-x86_64 is not installed");
		return -1;
	}
	snprintf(h->state_dir, sizeof(h->state_dir), "/tmp/vmc-it-XXXXXX");
	if (!mkdtemp(h->state_dir)) {
		snprintf(h->why_not, sizeof(h->why_not), "mkdtemp: %s", strerror(errno));
		return -1;
	}
	h->have_guest = 1;
	return 0;
}

void harness_fini(struct harness *h)
{
	if (h->state_dir[0])
		fs_remove_tree(h->state_dir);
}

vmc_config *harness_config(const struct harness *h, const char *name, const char *const *exec)
{
	vmc_config *cfg = NULL;
	int argc = 0;

	if (vmc_config_new(&cfg, name) < 0)
		return NULL;
	if (vmc_config_set_kernel(cfg, h->guest_kernel) < 0 ||
	    vmc_config_set_initramfs(cfg, h->guest_initramfs) < 0 ||
	    vmc_config_add_nic(cfg, VMC_NIC_USER, NULL, NULL, NULL, NULL) < 0)
		goto fail;
	if (getenv("VMC_TEST_ACCEL") && !strcmp(getenv("VMC_TEST_ACCEL"), "kvm"))
		vmc_config_set_accel(cfg, VMC_ACCEL_KVM);
	else
		vmc_config_set_accel(cfg, VMC_ACCEL_TCG);
	while (exec && exec[argc])
		argc++;
	if (argc && vmc_config_set_exec(cfg, argc, exec) < 0)
		goto fail;
	return cfg;
fail:
	fprintf(stderr, "harness_config: %s\n", vmc_error_last());
	vmc_config_free(cfg);
	return NULL;
}

int harness_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

int harness_count_procs(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[8192];
		ssize_t len;
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue; /* zombies have an empty cmdline */
		for (ssize_t i = 0; i < len; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[len] = '\0';
		if (strstr(buf, needle))
			n++;
	}
	closedir(d);
	return n;
}

int harness_run(const char *const *argv, char *out, size_t out_len, enum harness_stderr err)
{
	struct spawn_opts o = { .argv = argv, .stdin_fd = -1, .stdout_fd = 2, .stderr_fd = 2 };
	int pipefd[2] = { -1, -1 }, status;
	size_t got = 0;
	pid_t pid;

	if (err == HARNESS_STDERR_DROP)
		o.stderr_fd = -1;
	if (out) {
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return -1;
		o.stdout_fd = pipefd[1];
		if (err == HARNESS_STDERR_CAPTURE)
			o.stderr_fd = pipefd[1];
	}
	if (spawn_process(&o, &pid) < 0) {
		fprintf(stderr, "spawn %s: %s\n", argv[0], vmc_error_last());
		if (out) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return -1;
	}
	if (out) {
		close(pipefd[1]);
		for (;;) {
			char tmp[4096];
			ssize_t r = read(pipefd[0], tmp, sizeof(tmp));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			if (got + 1 < out_len) {
				size_t take = (size_t)r < out_len - 1 - got ? (size_t)r : out_len - 1 - got;

				memcpy(out + got, tmp, take);
				got += take;
			}
		}
		out[got] = '\0';
		close(pipefd[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int harness_cli_err(const struct harness *h, char *out, size_t out_len, enum harness_stderr err,
		    const char *const *args)
{
	const char *argv[40];
	int n = 0;

	argv[n++] = h->cli;
	argv[n++] = "--state-dir";
	argv[n++] = h->state_dir;
	for (int i = 0; args[i] && n < 39; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return harness_run(argv, out, out_len, err);
}

int harness_cli(const struct harness *h, char *out, size_t out_len, const char *const *args)
{
	return harness_cli_err(h, out, out_len, HARNESS_STDERR_INHERIT, args);
}

long harness_console_size(const struct harness *h, const char *ns, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/%s/serial.log", h->state_dir, ns, name);
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

void harness_pause_ms(int ms)
{
	poll(NULL, 0, ms);
}

long harness_record_int(const struct harness *h, const char *name, const char *key)
{
	char path[512];
	json_t *obj;
	long v;

	snprintf(path, sizeof(path), "%s/default/%s/state.json", h->state_dir, name);
	obj = json_load_file(path, 0, NULL);
	v = obj ? (long)json_integer_value(json_object_get(obj, key)) : -1;
	json_decref(obj);
	return v;
}

int harness_console_wait(const struct harness *h, const char *name, const char *text,
			 int timeout_ms)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/default/%s/serial.log", h->state_dir, name);
	for (int waited = 0; waited <= timeout_ms; waited += 50) {
		char *buf = NULL;
		size_t len = 0;
		int found = 0;

		if (fs_read_file(path, 16 << 20, &buf, &len) == 0)
			found = memmem(buf, len, text, strlen(text)) != NULL;
		free(buf);
		if (found)
			return 0;
		harness_pause_ms(50);
	}
	return -1;
}
