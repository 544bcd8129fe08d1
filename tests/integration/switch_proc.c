/*
 * switch_proc.c - drives a vmc-switch process for the integration tests
 * (see switch_proc.h): start with a report pipe, JSON-lines requests on
 * its control socket, datagram "NICs" made by the test, clean shutdown
 * with a check that no socket file is left. Failures are cmocka failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/spawn.h"
#include "core/unixsock.h"
#include "switch_proc.h"

static uint8_t frame[65536 + 16];

static const char *switch_bin(void)
{
	const char *p = getenv("VMC_SWITCH");

	return p && p[0] ? p : "vmc-switch";
}

/* Starts vmc-switch on dir/net and waits for its report line; returns
 * the line's first word ("ok" -> 0). */
int sw_start(struct sw *s, const char *dir, char *line, size_t line_len)
{
	const char *argv[] = { switch_bin(), "--dir", s->net, "--report-fd", "3", NULL };
	struct spawn_opts so;
	struct pollfd pfd;
	int pipefd[2], rc;
	size_t got = 0;

	memset(s, 0, sizeof(*s));
	s->ctl = -1;
	s->pidfd = -1;
	for (int i = 0; i < NPORTS; i++)
		s->nic[i] = -1;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	snprintf(s->net, sizeof(s->net), "%s/net", dir);
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = -1;
	so.stdout_fd = -1;
	so.stderr_fd = STDERR_FILENO;
	so.pass_fds[0] = pipefd[1];
	so.pass_to[0] = 3;
	so.n_pass_fds = 1;
	so.death_signal = SIGKILL;
	assert_int_equal(spawn_process(&so, &s->pid), 0);
	close(pipefd[1]);
	s->pidfd = spawn_pidfd_open(s->pid);
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	while (got < line_len - 1 && poll(&pfd, 1, 5000) == 1) {
		ssize_t n = read(pipefd[0], line + got, line_len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	line[got] = '\0';
	close(pipefd[0]);
	rc = strncmp(line, "ok ", 3) == 0 ? 0 : -1;
	if (rc == 0) {
		char path[128];
		snprintf(path, sizeof(path), "%s/switch.sock", s->net);
		assert_int_equal(unix_connect(path, &s->ctl), 0);
	}
	return rc;
}

/* Sends one request line and returns the reply (caller decrefs). */
/* Sends text, reads one reply line; an fd passed along with it (SCM_RIGHTS)
 * goes to *fd when fd is not NULL. */
static json_t *request(struct sw *s, const char *text, size_t tlen, int *fd)
{
	struct pollfd pfd = { .fd = s->ctl, .events = POLLIN };
	int64_t deadline = clock_deadline(5000);
	char *nl;

	if (fd)
		*fd = -1;
	assert_int_equal(unix_send_all(s->ctl, text, tlen), 0);
	while ((nl = memchr(s->buf, '\n', s->len)) == NULL) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int))];
		} ctl;
		struct iovec iov = { .iov_base = s->buf + s->len, .iov_len = sizeof(s->buf) - s->len };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				      .msg_controllen = sizeof(ctl.buf) };
		struct cmsghdr *cm;
		ssize_t n;

		assert_int_equal(poll(&pfd, 1, clock_remaining_ms(deadline)), 1);
		n = recvmsg(s->ctl, &msg, MSG_CMSG_CLOEXEC);
		assert_true(n > 0);
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
				int got;

				memcpy(&got, CMSG_DATA(cm), sizeof(got));
				if (fd && *fd < 0)
					*fd = got;
				else
					close(got);
			}
		}
		s->len += (size_t)n;
	}
	*nl = '\0';
	json_t *rep = json_loads(s->buf, 0, NULL);
	assert_non_null(rep);
	s->len -= (size_t)(nl + 1 - s->buf);
	memmove(s->buf, nl + 1, s->len);
	return rep;
}

json_t *sw_req(struct sw *s, const char *fmt, ...)
{
	char text[1024];
	size_t tlen;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text) - 1, fmt, ap);
	va_end(ap);
	tlen = strlen(text);
	text[tlen++] = '\n';
	return request(s, text, tlen, NULL);
}

json_t *sw_req_fd(struct sw *s, int *fd, const char *line)
{
	char text[1024];
	size_t tlen = strlen(line);

	assert_true(tlen + 1 < sizeof(text));
	memcpy(text, line, tlen);
	text[tlen++] = '\n';
	return request(s, text, tlen, fd);
}

int sw_reply_ok(json_t *rep)
{
	int ok = json_is_true(json_object_get(rep, "ok"));

	json_decref(rep);
	return ok;
}

int sw_reply_code(json_t *rep)
{
	int code = (int)json_integer_value(json_object_get(rep, "code"));

	json_decref(rep);
	return code;
}

/* Makes the test's end of port i: a bound datagram socket (what QEMU's
 * local.path is) connected to the switch's port socket. */
void sw_nic_attach(struct sw *s, int i)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	json_t *rep;
	const char *path;

	s->nic[i] = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s->nic[i] >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/vm%d.sock", s->dir, i);
	unlink(a.sun_path);
	assert_int_equal(bind(s->nic[i], (struct sockaddr *)&a, sizeof(a)), 0);
	rep = sw_req(s, "{\"op\":\"add_port\",\"name\":\"p%d\",\"peer\":\"%s\"}", i, a.sun_path);
	path = json_string_value(json_object_get(json_object_get(rep, "port"), "path"));
	assert_non_null(path);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	json_decref(rep);
	assert_int_equal(connect(s->nic[i], (struct sockaddr *)&a, sizeof(a)), 0);
}

void sw_nic_send(struct sw *s, int i, const uint8_t *dst, const uint8_t *src, size_t len)
{
	memset(frame, 0, len > 14 ? len : 14);
	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	frame[12] = 0x88; /* local experimental EtherType */
	frame[13] = 0xb5;
	if (len > 14)
		frame[14] = (uint8_t)(len & 0xff);
	assert_int_equal(send(s->nic[i], frame, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Length of the next frame on port i within ms, or -1. */
ssize_t sw_nic_recv(struct sw *s, int i, int ms, uint8_t *src_out)
{
	static uint8_t buf[65536 + 16];
	struct pollfd pfd = { .fd = s->nic[i], .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	n = recv(s->nic[i], buf, sizeof(buf), MSG_DONTWAIT);
	if (n >= 12 && src_out)
		memcpy(src_out, buf + 6, 6);
	return n;
}

json_t *sw_port_stats(struct sw *s, const char *name)
{
	json_t *rep = sw_req(s, "{\"op\":\"ports\"}"), *arr = json_object_get(rep, "ports"), *p;
	size_t i;

	json_array_foreach(arr, i, p) {
		if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0) {
			json_incref(p);
			json_decref(rep);
			return p;
		}
	}
	json_decref(rep);
	return NULL;
}

long long sw_stat(struct sw *s, const char *port, const char *key)
{
	json_t *p = sw_port_stats(s, port);
	long long v;

	assert_non_null(p);
	v = json_integer_value(json_object_get(p, key));
	json_decref(p);
	return v;
}

/* Waits for the switch to exit; returns its exit status or -1. */
int sw_wait_exit(struct sw *s, int ms)
{
	struct pollfd pfd = { .fd = s->pidfd, .events = POLLIN };
	int status;

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	if (waitpid(s->pid, &status, 0) != s->pid)
		return -1;
	s->pid = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void sw_close_nics(struct sw *s)
{
	for (int i = 0; i < NPORTS; i++) {
		if (s->nic[i] >= 0)
			close(s->nic[i]);
		s->nic[i] = -1;
	}
}

/* Shuts down (request), checks no socket file is left, removes dir. */
void sw_finish(struct sw *s)
{
	struct stat st;
	char path[128];

	assert_true(sw_reply_ok(sw_req(s, "{\"op\":\"shutdown\"}")));
	assert_int_equal(sw_wait_exit(s, 5000), 0);
	snprintf(path, sizeof(path), "%s/switch.sock", s->net);
	assert_int_equal(lstat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/ports", s->net);
	assert_int_equal(lstat(path, &st), -1); /* and no port socket in it */
	close(s->ctl);
	close(s->pidfd);
	sw_close_nics(s);
	fs_remove_tree(s->dir);
}

void sw_make_dir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/vmc-swtest-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

void sw_start3(struct sw *s)
{
	char dir[64], line[256];

	sw_make_dir(dir, sizeof(dir));
	if (sw_start(s, dir, line, sizeof(line)) != 0)
		fail_msg("vmc-switch did not start: '%s'", line);
	for (int i = 0; i < NPORTS; i++)
		sw_nic_attach(s, i);
}
