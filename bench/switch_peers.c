/*
 * switch_peers.c - starts vmc-switch and vde_switch for bench-switch and
 * gives each two NICs (see switch_peers.h). vmc-switch: spawned with a
 * report pipe, ports added with {"op":"add_port"} naming our bound
 * datagram sockets, which then connect to the port sockets. vde_switch
 * (`vde_switch -s DIR`, its console on a pipe whose EOF ends it): what
 * libvdeplug does, a stream connection to DIR/ctl per port carrying a
 * request_v3 that names our bound datagram socket; the reply is the
 * address of the switch's data socket for the port, which we connect to.
 * The control connection must stay open for the port to live.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "core/clock.h"
#include "core/spawn.h"
#include "core/unixsock.h"
#include "switch_peers.h"
#include "vmc.h"

#define VDE_MAGIC 0xfeedfaceu

/* vde2's connection request (libvdeplug's struct request_v3, packed) */
struct vde_request {
	uint32_t magic;
	uint32_t version;
	uint32_t type;              /* REQ_NEW_CONTROL = 0 */
	struct sockaddr_un sock;
	char description[16];
} __attribute__((packed));

static int bind_dgram(const char *path, int *out)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	*out = fd;
	return 0;
}

static int connect_dgram(int fd, const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

/* One JSON-lines request to vmc-switch; returns the reply or NULL. */
static json_t *vmc_req(struct sw *s, const char *text)
{
	char buf[8192];
	size_t len = 0;
	struct pollfd pfd = { .fd = s->ctl, .events = POLLIN };

	if (unix_send_all(s->ctl, text, strlen(text)) < 0)
		return NULL;
	while (len < sizeof(buf) - 1 && !memchr(buf, '\n', len)) {
		ssize_t n;
		if (poll(&pfd, 1, 5000) != 1)
			return NULL;
		n = read(s->ctl, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return NULL;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
}

int bsw_start_vmc(struct sw *s, const char *bin, char *why, size_t why_len)
{
	char line[256] = "", net[80], path[100];
	const char *argv[] = { bin, "--dir", net, "--report-fd", "3", NULL };
	struct spawn_opts so;
	struct pollfd pfd;
	int pipefd[2];
	ssize_t n;

	snprintf(net, sizeof(net), "%s/net", s->dir);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = so.stdout_fd = -1;
	so.stderr_fd = STDERR_FILENO;
	so.pass_fds[0] = pipefd[1];
	so.pass_to[0] = 3;
	so.n_pass_fds = 1;
	so.death_signal = SIGKILL;
	if (spawn_process(&so, &s->pid) < 0) {
		snprintf(why, why_len, "%s", vmc_error_last());
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	close(pipefd[1]);
	s->pidfd = spawn_pidfd_open(s->pid);
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	n = poll(&pfd, 1, 5000) == 1 ? read(pipefd[0], line, sizeof(line) - 1) : -1;
	close(pipefd[0]);
	if (n <= 0 || strncmp(line, "ok ", 3) != 0) {
		snprintf(why, why_len, "vmc-switch did not start: %s", n > 0 ? line : "no report");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/switch.sock", net);
	if (unix_connect(path, &s->ctl) < 0) {
		snprintf(why, why_len, "%s", vmc_error_last());
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		char peer[100], req[200];
		const char *port;
		json_t *rep;

		snprintf(peer, sizeof(peer), "%s/nic%d.sock", s->dir, i);
		if (bind_dgram(peer, &s->data[i]) < 0)
			return -1;
		snprintf(req, sizeof(req), "{\"op\":\"add_port\",\"name\":\"p%d\",\"peer\":\"%s\"}\n",
			 i, peer);
		rep = vmc_req(s, req);
		port = json_string_value(json_object_get(json_object_get(rep, "port"), "path"));
		if (!port || connect_dgram(s->data[i], port) < 0) {
			snprintf(why, why_len, "vmc-switch: add_port failed");
			json_decref(rep);
			return -1;
		}
		json_decref(rep);
	}
	return 0;
}

/* Waits (inotify, no polling of the file system) until dir/name exists. */
static int wait_for_file(const char *dir, const char *name, int timeout_ms)
{
	char path[PATH_MAX + 64], ev[4096];
	int64_t deadline = clock_deadline(timeout_ms);
	struct pollfd pfd;
	int fd, rc = -1;

	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0 || inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (access(path, F_OK) != 0) { /* checked after the watch exists: no race */
		if (poll(&pfd, 1, clock_remaining_ms(deadline)) != 1)
			goto out;
		while (read(fd, ev, sizeof(ev)) > 0)
			;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int bsw_start_vde(struct sw *s, char *why, size_t why_len)
{
	char dir[80];
	const char *argv[] = { "vde_switch", "-s", dir, NULL };
	struct spawn_opts so;
	int pipefd[2];

	snprintf(dir, sizeof(dir), "%s/vde", s->dir);
	if (mkdir(dir, 0700) < 0 || pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = pipefd[0]; /* its console: EOF when we close our end */
	so.stdout_fd = -1;
	so.stderr_fd = -1; /* it says goodbye on EOF */
	so.death_signal = SIGKILL;
	if (spawn_process(&so, &s->pid) < 0) {
		snprintf(why, why_len, "cannot run vde_switch: %s", vmc_error_last());
		close(pipefd[0]);
		close(pipefd[1]);
		s->pid = -1;
		return -1;
	}
	close(pipefd[0]);
	s->stdin_w = pipefd[1];
	s->pidfd = spawn_pidfd_open(s->pid);
	if (wait_for_file(dir, "ctl", 5000) < 0) {
		snprintf(why, why_len, "vde_switch did not create %s/ctl", dir);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		struct vde_request req;
		struct sockaddr_un data;
		char ctl[100], mine[100];
		struct pollfd pfd;
		ssize_t n;

		snprintf(ctl, sizeof(ctl), "%s/ctl", dir);
		snprintf(mine, sizeof(mine), "%s/vde%d.sock", s->dir, i);
		if (unix_connect(ctl, &s->port_ctl[i]) < 0 || bind_dgram(mine, &s->data[i]) < 0) {
			snprintf(why, why_len, "vde_switch: cannot connect to %s", ctl);
			return -1;
		}
		memset(&req, 0, sizeof(req));
		req.magic = VDE_MAGIC;
		req.version = 3;
		req.type = 0;
		req.sock.sun_family = AF_UNIX;
		memcpy(req.sock.sun_path, mine, strlen(mine) + 1); /* < 100 bytes */
		snprintf(req.description, sizeof(req.description), "bench%d", i);
		if (unix_send_all(s->port_ctl[i], &req,
				  sizeof(req) - sizeof(req.description) + strlen(req.description)) < 0)
			return -1;
		pfd.fd = s->port_ctl[i];
		pfd.events = POLLIN;
		memset(&data, 0, sizeof(data));
		n = poll(&pfd, 1, 5000) == 1 ? recv(s->port_ctl[i], &data, sizeof(data), 0) : -1;
		if (n < (ssize_t)sizeof(sa_family_t) + 1 || data.sun_family != AF_UNIX ||
		    connect(s->data[i], (struct sockaddr *)&data, sizeof(data)) < 0) {
			snprintf(why, why_len, "vde_switch: handshake failed (reply %zd bytes)", n);
			return -1;
		}
	}
	return 0;
}

void bsw_stop(struct sw *s)
{
	struct pollfd pfd = { .fd = s->pidfd, .events = POLLIN };

	if (s->ctl >= 0) {
		json_decref(vmc_req(s, "{\"op\":\"shutdown\"}\n"));
		close(s->ctl);
	}
	for (int i = 0; i < 2; i++) {
		if (s->data[i] >= 0)
			close(s->data[i]);
		if (s->port_ctl[i] >= 0)
			close(s->port_ctl[i]);
	}
	if (s->stdin_w >= 0)
		close(s->stdin_w);
	if (s->pid > 0) {
		if (s->pidfd < 0 || poll(&pfd, 1, 2000) != 1)
			kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	if (s->pidfd >= 0)
		close(s->pidfd);
}

void bsw_init(struct sw *s, const char *label, int is_vde, const char *base)
{
	memset(s, 0, sizeof(*s));
	s->label = label;
	s->is_vde = is_vde;
	s->pid = -1;
	s->pidfd = s->stdin_w = s->ctl = -1;
	s->port_ctl[0] = s->port_ctl[1] = s->data[0] = s->data[1] = -1;
	snprintf(s->dir, sizeof(s->dir), "%s/%s", base, is_vde ? "v" : "m");
	mkdir(s->dir, 0700);
}
