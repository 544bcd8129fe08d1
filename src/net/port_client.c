/*
 * port_client.c - paths of switch networks and requests on a switch's
 * control socket (see port_client.h). A request is one connection: the
 * switch serves few clients and they are short-lived, so there is no
 * connection to keep alive.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/line_reader.h"
#include "core/unixsock.h"
#include "net/port_client.h"

#define REPLY_MAX (256 * 1024)
/* an add_port reply is one port object: far below this */
#define FD_REPLY_MAX (16 * 1024)

#ifdef MSG_CMSG_CLOEXEC
#define RECV_CLOEXEC MSG_CMSG_CLOEXEC
#else
#define RECV_CLOEXEC 0 /* macOS: FD_CLOEXEC is set right after recvmsg */
#endif

char *netport_net_dir(const char *state_dir, const char *network)
{
	char *p = NULL;

	if (asprintf(&p, "%s/networks%s%s", state_dir, network ? "/" : "",
		     network ? network : "") < 0)
		return NULL;
	return p;
}

int netport_state_dir_of_vm(const char *vm_dir, char **out)
{
	char *p = strdup(vm_dir), *slash;

	*out = NULL;
	if (!p)
		return vmc_error_oom();
	for (int i = 0; i < 2; i++) {
		size_t len = strlen(p);

		while (len > 1 && p[len - 1] == '/')
			p[--len] = '\0';
		slash = strrchr(p, '/');
		if (!slash || slash == p) {
			free(p);
			return vmc_error_set(VMC_EINVAL, "'%s' is not a vm directory", vm_dir);
		}
		*slash = '\0';
	}
	*out = p;
	return 0;
}

int netport_port_name(const struct vmc_nic *nic, char out[NETADDR_STRLEN])
{
	const char *slash = nic->addr ? strchr(nic->addr, '/') : NULL;
	size_t len = slash ? (size_t)(slash - nic->addr) : 0;

	if (!slash || len == 0 || len >= NETADDR_STRLEN)
		return vmc_error_set(VMC_EINVAL, "switch nic on '%s' has no address",
				     nic->tap ? nic->tap : "");
	memcpy(out, nic->addr, len);
	out[len] = '\0';
	return 0;
}

int netport_paths(const char *vm_dir, const struct vmc_nic *nic, size_t index, char **local,
		  char **remote)
{
	char port[NETADDR_STRLEN], *state = NULL, *net = NULL;
	struct sockaddr_un sa;
	int rc;

	*local = *remote = NULL;
	rc = netport_port_name(nic, port);
	if (rc == 0)
		rc = netport_state_dir_of_vm(vm_dir, &state);
	if (rc < 0)
		return rc;
	net = netport_net_dir(state, nic->tap);
	if (!net || asprintf(local, "%s/net%zu.sock", vm_dir, index) < 0 ||
	    asprintf(remote, "%s/ports/%s.sock", net, port) < 0) {
		rc = vmc_error_oom();
		goto out;
	}
	/* QEMU's dgram netdev takes plain paths: they must fit sun_path */
	if (strlen(*local) >= sizeof(sa.sun_path) || strlen(*remote) >= sizeof(sa.sun_path))
		rc = vmc_error_set(VMC_EINVAL, "socket path of switch nic %zu is longer than %zu "
				   "bytes: use a shorter state directory", index,
				   sizeof(sa.sun_path) - 1);
out:
	if (rc < 0) {
		free(*local);
		free(*remote);
		*local = *remote = NULL;
	}
	free(state);
	free(net);
	return rc;
}

static int recv_line(int fd, struct line_reader *in, int64_t deadline, json_t **out)
{
	json_error_t jerr;
	char *line;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int n;

		line = line_reader_next(in);
		if (line) {
			*out = json_loads(line, 0, &jerr);
			if (!json_is_object(*out)) {
				json_decref(*out);
				*out = NULL;
				return vmc_error_set(VMC_EPROTO, "malformed reply from vmc-switch");
			}
			return 0;
		}
		if (in->eof)
			return vmc_error_set(VMC_EIO, "vmc-switch closed the connection");
		n = poll(&pfd, 1, clock_remaining_ms(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vmc_error_set_errno(VMC_EIO, errno, "poll");
		if (n == 0)
			return vmc_error_set(VMC_ETIMEOUT, "timed out waiting for vmc-switch");
		n = line_reader_fill(in, fd);
		if (n < 0)
			return n;
	}
}

int port_client_request(const char *net_dir, json_t *req, int timeout_ms, json_t **reply)
{
	int64_t deadline = clock_deadline(timeout_ms);
	char *path = fs_join(net_dir, "switch.sock"), *text = NULL;
	struct line_reader in = { 0 };
	int fd = -1, rc;
	size_t len;

	*reply = NULL;
	text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if (!path || !text) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = unix_connect(path, &fd);
	if (rc < 0)
		goto out;
	rc = line_reader_init(&in, REPLY_MAX);
	if (rc < 0)
		goto out;
	len = strlen(text);
	text[len] = '\n'; /* json_dumps leaves room: the NUL is overwritten */
	rc = unix_send_all(fd, text, len + 1);
	if (rc == 0)
		rc = recv_line(fd, &in, deadline, reply);
	if (rc == 0 && !json_is_true(json_object_get(*reply, "ok"))) {
		json_int_t code = json_integer_value(json_object_get(*reply, "code"));
		const char *msg = json_string_value(json_object_get(*reply, "error"));

		if (code >= 0 || code < -100)
			code = VMC_ERROR;
		rc = vmc_error_set((int)code, "vmc-switch: %s", msg ? msg : "request refused");
		json_decref(*reply);
		*reply = NULL;
	}
out:
	if (fd >= 0)
		close(fd);
	line_reader_free(&in);
	free(text);
	free(path);
	return rc;
}

static int simple_request(const char *net_dir, json_t *req)
{
	json_t *reply = NULL;
	int rc;

	if (!req)
		return vmc_error_oom();
	rc = port_client_request(net_dir, req, PORT_CLIENT_TIMEOUT_MS, &reply);
	json_decref(reply);
	json_decref(req);
	return rc;
}

int port_client_remove(const char *net_dir, const char *port)
{
	int rc = simple_request(net_dir, json_pack("{s:s, s:s}", "op", "remove_port", "name", port));

	if (rc == VMC_ENOTFOUND) {
		vmc_error_clear();
		rc = 0;
	}
	return rc;
}

int port_client_add(const char *net_dir, const char *port, const char *peer)
{
	int rc = simple_request(net_dir, json_pack("{s:s, s:s, s:s}", "op", "add_port", "name",
						    port, "peer", peer));

	if (rc == VMC_EEXISTS) {
		/* left by a VM that ended without its shim: replace it */
		vmc_error_clear();
		rc = port_client_remove(net_dir, port);
		if (rc == 0)
			rc = simple_request(net_dir, json_pack("{s:s, s:s, s:s}", "op", "add_port",
								"name", port, "peer", peer));
	}
	return rc;
}

/* The fds of one received message: the first is kept in *fd (if *fd is
 * still -1), every other is closed. */
static int take_fds(struct msghdr *msg, int *fd)
{
	int rc = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		size_t n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int got;

			memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*fd < 0 && got >= 0 && rc == 0) {
				*fd = got;
				if (fcntl(got, F_SETFD, FD_CLOEXEC) < 0)
					rc = vmc_error_set_errno(VMC_EIO, errno, "fcntl FD_CLOEXEC");
			} else if (got >= 0) {
				close(got);
			}
		}
	}
	if (msg->msg_flags & MSG_CTRUNC)
		rc = rc < 0 ? rc : vmc_error_set(VMC_EPROTO, "vmc-switch sent too many fds");
	return rc;
}

/* One reply line of at most FD_REPLY_MAX bytes with the fd passed along
 * with it (SCM_RIGHTS) in *fd (-1 if none). */
static int recv_line_fd(int sock, int64_t deadline, json_t **out, int *fd)
{
	char *buf = malloc(FD_REPLY_MAX + 1), *nl = NULL;
	size_t len = 0;
	int rc = 0;

	*out = NULL;
	*fd = -1;
	if (!buf)
		return vmc_error_oom();
	while (!nl) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(4 * sizeof(int))];
		} ctl;
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		struct iovec iov = { .iov_base = buf + len, .iov_len = FD_REPLY_MAX - len };
		struct msghdr msg;
		ssize_t n;
		int p;

		if (len == FD_REPLY_MAX) {
			rc = vmc_error_set(VMC_EPROTO, "reply from vmc-switch is longer than %d bytes",
					   FD_REPLY_MAX);
			goto out;
		}
		p = poll(&pfd, 1, clock_remaining_ms(deadline));
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "poll");
			goto out;
		}
		if (p == 0) {
			rc = vmc_error_set(VMC_ETIMEOUT, "timed out waiting for vmc-switch");
			goto out;
		}
		memset(&msg, 0, sizeof(msg));
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(sock, &msg, RECV_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = vmc_error_set_errno(VMC_EIO, errno, "recvmsg from vmc-switch");
			goto out;
		}
		rc = take_fds(&msg, fd);
		if (rc < 0)
			goto out;
		if (n == 0) {
			rc = vmc_error_set(VMC_EIO, "vmc-switch closed the connection");
			goto out;
		}
		nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
	}
	*nl = '\0';
	*out = json_loads(buf, 0, NULL);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		rc = vmc_error_set(VMC_EPROTO, "malformed reply from vmc-switch");
	}
out:
	if (rc < 0 && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	free(buf);
	return rc;
}

static int socketpair_request(const char *net_dir, const char *port, int *fd_out)
{
	int64_t deadline = clock_deadline(PORT_CLIENT_TIMEOUT_MS);
	json_t *req = json_pack("{s:s, s:s, s:b}", "op", "add_port", "name", port,
				"socketpair", 1), *reply = NULL;
	char *path = fs_join(net_dir, "switch.sock"), *text = NULL;
	int sock = -1, fd = -1, rc;
	size_t len;

	text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if (!path || !text) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = unix_connect(path, &sock);
	if (rc < 0)
		goto out;
	len = strlen(text);
	text[len] = '\n'; /* json_dumps leaves room: the NUL is overwritten */
	rc = unix_send_all(sock, text, len + 1);
	if (rc == 0)
		rc = recv_line_fd(sock, deadline, &reply, &fd);
	if (rc == 0 && !json_is_true(json_object_get(reply, "ok"))) {
		json_int_t code = json_integer_value(json_object_get(reply, "code"));
		const char *msg = json_string_value(json_object_get(reply, "error"));

		if (code >= 0 || code < -100)
			code = VMC_ERROR;
		rc = vmc_error_set((int)code, "vmc-switch: %s", msg ? msg : "request refused");
	} else if (rc == 0 && fd < 0) {
		/* a port nobody holds: take it back */
		if (port_client_remove(net_dir, port) < 0)
			vmc_error_clear();
		rc = vmc_error_set(VMC_EPROTO, "vmc-switch added port '%s' but passed no socket",
				   port);
	}
	if (rc == 0) {
		*fd_out = fd;
		fd = -1;
	}
out:
	if (fd >= 0)
		close(fd);
	if (sock >= 0)
		close(sock);
	json_decref(reply);
	json_decref(req);
	free(text);
	free(path);
	return rc;
}

int port_client_add_socketpair(const char *net_dir, const char *port, int *fd_out)
{
	int rc;

	*fd_out = -1;
	rc = socketpair_request(net_dir, port, fd_out);
	if (rc == VMC_EEXISTS) {
		/* left by a VM that ended without its shim: replace it */
		vmc_error_clear();
		rc = port_client_remove(net_dir, port);
		if (rc == 0)
			rc = socketpair_request(net_dir, port, fd_out);
	}
	return rc;
}

int port_client_count(const char *net_dir, unsigned *out)
{
	json_t *req = json_pack("{s:s}", "op", "ports"), *reply = NULL;
	int rc;

	*out = 0;
	if (!req)
		return vmc_error_oom();
	rc = port_client_request(net_dir, req, PORT_CLIENT_TIMEOUT_MS, &reply);
	if (rc == 0)
		*out = (unsigned)json_array_size(json_object_get(reply, "ports"));
	json_decref(reply);
	json_decref(req);
	return rc;
}

void netport_detach_vm(const char *vm_dir, const struct vmc_config *cfg)
{
	char *state = NULL;

	if (netport_state_dir_of_vm(vm_dir, &state) < 0) {
		vmc_error_clear();
		return;
	}
	for (size_t i = 0; i < cfg->n_nics; i++) {
		const struct vmc_nic *nic = &cfg->nics[i];
		char port[NETADDR_STRLEN], *net;

		if (nic->kind != VMC_NIC_SWITCH || netport_port_name(nic, port) < 0)
			continue;
		net = netport_net_dir(state, nic->tap);
		if (net && port_client_remove(net, port) < 0)
			vmc_error_clear();
		free(net);
	}
	vmc_error_clear();
	free(state);
}
