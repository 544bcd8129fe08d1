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
#include <sys/un.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/line_reader.h"
#include "core/unixsock.h"
#include "net/port_client.h"

#define REPLY_MAX (256 * 1024)

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
