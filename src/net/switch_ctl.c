/*
 * switch_ctl.c - vmc-switch's control socket (<netdir>/switch.sock): one
 * JSON object per line in each direction, like the shim's. Requests:
 *   {"op":"add_port","name":N,"peer":PATH}  -> {"ok":true,"port":{...}}
 *   {"op":"add_port","name":N,"socketpair":true} -> the same, with the
 *       other end of a datagram socketpair attached (SCM_RIGHTS) for a
 *       hypervisor that takes a file handle (VZ)
 *   {"op":"remove_port","name":N}           -> {"ok":true}
 *   {"op":"ports"}   -> {"ok":true,"ports":[{...}],"macs":M,...}
 *   {"op":"shutdown"} -> {"ok":true}, then the switch exits cleanly
 * A port object: name, path (the switch's socket, which the peer sends
 * to; null for a socketpair port), peer (null likewise), connected, rx_frames, rx_bytes, rx_drops, tx_frames,
 * tx_bytes, tx_drops. Failures carry "ok":false, "code" and "error". The
 * protocol is internal to vmc. A client that sends garbage or too long a
 * line, or does not read its replies, is disconnected; the switch never
 * blocks on a client. Parsing a request is switch_req.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "core/unixsock.h"
#include "net/switch.h"

static void client_close(struct vswitch *vs, struct vsw_client *c)
{
	struct vsw_client **pp;

	for (pp = &vs->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	vsw_watch_del(vs, &c->watch);
	close(c->watch.fd);
	line_reader_free(&c->in);
	free(c);
	vs->n_clients--;
}

/* Sends obj + "\n", with `fd` attached (SCM_RIGHTS) unless it is -1, and
 * steals obj; on failure closes the client and returns 1. */
static int client_send_fd(struct vswitch *vs, struct vsw_client *c, json_t *obj, int fd)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov;
	struct msghdr msg;
	size_t len;
	ssize_t n;

	json_decref(obj);
	if (!text) {
		client_close(vs, c);
		return 1;
	}
	len = strlen(text);
	text[len] = '\n'; /* json_dumps leaves room for the NUL we overwrite */
	iov.iov_base = text;
	iov.iov_len = len + 1;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	n = sendmsg(c->watch.fd, &msg, UNIX_MSG_NOSIGNAL | MSG_DONTWAIT);
	free(text);
	if (n != (ssize_t)(len + 1)) {
		client_close(vs, c);
		return 1;
	}
	return 0;
}

static int client_send(struct vswitch *vs, struct vsw_client *c, json_t *obj)
{
	return client_send_fd(vs, c, obj, -1);
}

static json_t *error_reply(int code)
{
	return json_pack("{s:b, s:i, s:s}", "ok", 0, "code", code, "error", vmc_error_last());
}

static json_t *port_json(struct vswitch *vs, const struct vsw_port *p)
{
	const struct switch_port_counters *c = switch_core_counters(vs->core, p->id);
	struct switch_port_counters zero = { 0 };

	if (!c)
		c = &zero;
	return json_pack("{s:s, s:s?, s:s?, s:b, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "name", p->name, "path", p->path, "peer", p->peer,
			 "connected", p->connected,
			 "rx_frames", (json_int_t)c->rx_frames, "rx_bytes", (json_int_t)c->rx_bytes,
			 "rx_drops", (json_int_t)c->rx_drops, "tx_frames", (json_int_t)c->tx_frames,
			 "tx_bytes", (json_int_t)c->tx_bytes, "tx_drops", (json_int_t)c->tx_drops);
}

static json_t *ports_reply(struct vswitch *vs)
{
	struct switch_core_stats st;
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	for (unsigned i = 0; i < SWITCH_PORTS_MAX; i++)
		if (vs->ports[i])
			json_array_append_new(arr, port_json(vs, vs->ports[i]));
	switch_core_get_stats(vs->core, &st);
	return json_pack("{s:b, s:o, s:i, s:I, s:I, s:I}", "ok", 1, "ports", arr,
			 "macs", (int)st.n_macs, "mac_moves", (json_int_t)st.moves,
			 "macs_aged", (json_int_t)st.aged, "learn_full", (json_int_t)st.learn_full);
}

static int handle_request(struct vswitch *vs, struct vsw_client *c, const char *line)
{
	struct vsw_request reqbuf, *req = &reqbuf;
	json_t *rep;
	int r;

	r = vsw_request_parse(line, strlen(line), req);
	if (r == VMC_EPROTO) {
		vmc_error_clear();
		client_close(vs, c);
		return 1;
	}
	if (r < 0)
		return client_send(vs, c, error_reply(r));
	switch (req->op) {
	case VSW_OP_ADD_PORT: {
		struct vsw_port *p = NULL;
		int fd = -1, rc;

		r = vsw_port_add(vs, req->name, req->socketpair ? NULL : req->peer,
				 req->socketpair ? &fd : NULL, &p);
		rep = r < 0 ? error_reply(r)
			    : json_pack("{s:b, s:o}", "ok", 1, "port", port_json(vs, p));
		rc = client_send_fd(vs, c, rep, fd);
		if (fd >= 0)
			close(fd); /* the client has its copy, or is gone */
		return rc;
	}
	case VSW_OP_REMOVE_PORT:
		r = vsw_port_remove(vs, req->name);
		rep = r < 0 ? error_reply(r) : json_pack("{s:b}", "ok", 1);
		break;
	case VSW_OP_PORTS:
		rep = ports_reply(vs);
		break;
	case VSW_OP_SHUTDOWN:
	default:
		vs->stopping = 1;
		rep = json_pack("{s:b}", "ok", 1);
		break;
	}
	return client_send(vs, c, rep);
}

static int client_readable(struct vswitch *vs, struct vsw_watch *w, uint32_t events)
{
	struct vsw_client *c = (struct vsw_client *)w;
	char *line;
	int n;

	(void)events;
	n = line_reader_fill(&c->in, w->fd);
	if (n < 0 || (n == 0 && c->in.eof)) {
		client_close(vs, c);
		return 0;
	}
	while ((line = line_reader_next(&c->in)) != NULL)
		if (handle_request(vs, c, line))
			return 0; /* client closed */
	return 0;
}

static int control_accept(struct vswitch *vs, struct vsw_watch *w, uint32_t events)
{
	struct vsw_client *c;
	int fd;

	(void)events;
	if (unix_accept(w->fd, &fd) < 0)
		return 0;
	if (vs->n_clients >= VSW_MAX_CLIENTS) {
		close(fd);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c || line_reader_init(&c->in, VSW_CLIENT_LINE_MAX) < 0) {
		free(c);
		close(fd);
		return 0;
	}
	c->watch.fd = fd;
	c->watch.handler = client_readable;
	if (vsw_watch_add(vs, &c->watch, VSW_EV_IN) < 0) {
		vmc_error_clear();
		line_reader_free(&c->in);
		free(c);
		close(fd);
		return 0;
	}
	c->next = vs->clients;
	vs->clients = c;
	vs->n_clients++;
	return 0;
}

int vsw_control_listen(struct vswitch *vs)
{
	char *path = fs_join(vs->dir, "switch.sock");
	int rc;

	if (!path)
		return vmc_error_oom();
	rc = unix_listen(path, 16, 1, &vs->control.fd);
	free(path);
	if (rc < 0)
		return rc;
	vs->control.handler = control_accept;
	return vsw_watch_add(vs, &vs->control, VSW_EV_IN);
}

void vsw_control_close_all(struct vswitch *vs)
{
	char *path;

	while (vs->clients)
		client_close(vs, vs->clients);
	if (vs->control.fd < 0)
		return;
	vsw_watch_del(vs, &vs->control);
	close(vs->control.fd);
	vs->control.fd = -1;
	path = fs_join(vs->dir, "switch.sock");
	if (path)
		unlink(path);
	free(path);
}
