/*
 * control.c - the shim's control socket (shim.sock): one JSON object per
 * line in each direction. Requests: {"op":"state"}, {"op":"watch"} (the
 * reply, then {"event":"state","state":{...}} on every change until the
 * VM ends), {"op":"pause"}, {"op":"resume"}, {"op":"snapshot","dir":D}
 * (answered once the snapshot is written), {"op":"resize","cpus":N,
 * "memory_mib":M,"timeout_ms":T}, {"op":"disk_add","path":P,"format":F,
 * "read_only":B} (the reply carries the device "id"),
 * {"op":"disk_remove","id":I}, {"op":"reboot"}, {"op":"stop","timeout_ms":N}
 * and {"op":"kill"} (answered when the hypervisor has exited, with
 * "result": "graceful" | "killed" | "already"). Replies carry "ok", and
 * "code" + "error" on failure. The protocol is internal to vmc; managers
 * and shims of one build speak it. A client that sends garbage, too long
 * a line, or does not read its events is disconnected; the shim never
 * blocks on a client.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "core/state.h"
#include "core/unixsock.h"
#include "shim/shim.h"

static int client_readable(struct shim *shim, struct shim_watch *w, uint32_t events);

static int client_gone(struct shim *shim, struct shim_watch *w, uint32_t events)
{
	(void)shim;
	(void)w;
	(void)events;
	return 0; /* closed earlier in this batch of events */
}

/* The client's fd is closed now, its memory at the end of the loop's
 * batch (shim_control_reap): the batch may still hold an event for it
 * (a peer that hung up is readable and fails a broadcast at once). */
static void client_close(struct shim *shim, struct shim_client *c)
{
	struct shim_client **pp;

	for (pp = &shim->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	shim_watch_del(shim, &c->watch);
	close(c->watch.fd);
	c->watch.fd = -1;
	c->watch.handler = client_gone;
	line_reader_free(&c->in);
	c->next = shim->closed_clients;
	shim->closed_clients = c;
	shim->n_clients--;
}

void shim_control_reap(struct shim *shim)
{
	while (shim->closed_clients) {
		struct shim_client *c = shim->closed_clients;

		shim->closed_clients = c->next;
		free(c);
	}
}

/* Sends obj + "\n"; steals obj. On failure the client is closed and 1 is
 * returned. */
static int client_send(struct shim *shim, struct shim_client *c, json_t *obj)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	size_t len;
	ssize_t n;
	int dead = 0;

	json_decref(obj);
	if (!text) {
		client_close(shim, c);
		return 1;
	}
	len = strlen(text);
	text[len] = '\n'; /* json_dumps leaves room for the NUL we overwrite */
	n = send(c->watch.fd, text, len + 1, UNIX_MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n != (ssize_t)(len + 1))
		dead = 1; /* gone, or not reading: never block the shim */
	free(text);
	if (dead) {
		client_close(shim, c);
		return 1;
	}
	return 0;
}

static json_t *state_reply(struct shim *shim)
{
	return json_pack("{s:b, s:o}", "ok", 1, "state", state_to_json(&shim->state));
}

static json_t *error_reply(int code)
{
	return json_pack("{s:b, s:i, s:s}", "ok", 0, "code", code, "error", vmc_error_last());
}

static int handle_request(struct shim *shim, struct shim_client *c, const char *line)
{
	json_error_t jerr;
	json_t *req = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	const char *op = req ? json_string_value(json_object_get(req, "op")) : NULL;
	int rc = 0;

	if (!op) {
		json_decref(req);
		client_close(shim, c);
		return 1;
	}
	if (!strcmp(op, "state")) {
		rc = client_send(shim, c, state_reply(shim));
	} else if (!strcmp(op, "watch")) {
		c->watching = 1;
		rc = client_send(shim, c, state_reply(shim));
	} else if (!strcmp(op, "pause") || !strcmp(op, "resume")) {
		int r = !strcmp(op, "pause") ? shim_pause(shim) : shim_resume(shim);
		rc = client_send(shim, c, r < 0 ? error_reply(r) : state_reply(shim));
	} else if (!strcmp(op, "snapshot")) {
		int r = shim_snapshot(shim, json_string_value(json_object_get(req, "dir")));
		rc = client_send(shim, c, r < 0 ? error_reply(r) : state_reply(shim));
	} else if (!strcmp(op, "resize")) {
		json_t *t = json_object_get(req, "timeout_ms");
		int r = shim_resize(shim, (unsigned int)json_integer_value(json_object_get(req, "cpus")),
				    (unsigned int)json_integer_value(json_object_get(req, "memory_mib")),
				    json_is_integer(t) ? (int)json_integer_value(t) : 10000);
		rc = client_send(shim, c, r < 0 ? error_reply(r) : state_reply(shim));
	} else if (!strcmp(op, "disk_add")) {
		char id[64] = "";
		int r = shim_disk_add(shim, json_string_value(json_object_get(req, "path")),
				      (vmc_disk_format)json_integer_value(json_object_get(req, "format")),
				      json_is_true(json_object_get(req, "read_only")), id, sizeof(id));
		json_t *rep = r < 0 ? error_reply(r) : state_reply(shim);
		if (r == 0)
			json_object_set_new(rep, "id", json_string(id));
		rc = client_send(shim, c, rep);
	} else if (!strcmp(op, "reboot")) {
		int r = shim_reboot(shim);
		rc = client_send(shim, c, r < 0 ? error_reply(r) : state_reply(shim));
	} else if (!strcmp(op, "disk_remove")) {
		int r = shim_disk_remove(shim, json_string_value(json_object_get(req, "id")));
		rc = client_send(shim, c, r < 0 ? error_reply(r) : state_reply(shim));
	} else if (!strcmp(op, "stop") || !strcmp(op, "kill")) {
		int is_stop = !strcmp(op, "stop");
		json_t *t = json_object_get(req, "timeout_ms");
		int timeout = json_is_integer(t) ? (int)json_integer_value(t) : 10000;
		int r;

		if (vmc_state_is_final(shim->state.kind) || shim->hv_gone) {
			json_t *rep = state_reply(shim);
			json_object_set_new(rep, "result", json_string("already"));
			rc = client_send(shim, c, rep);
		} else {
			r = is_stop ? shim_request_stop(shim, timeout) : shim_request_kill(shim);
			if (r < 0)
				rc = client_send(shim, c, error_reply(r));
			else
				c->pending = is_stop ? 1 : 2;
		}
	} else {
		vmc_error_set(VMC_EINVAL, "unknown operation '%s'", op);
		rc = client_send(shim, c, error_reply(VMC_EINVAL));
	}
	json_decref(req);
	return rc;
}

static int client_readable(struct shim *shim, struct shim_watch *w, uint32_t events)
{
	struct shim_client *c = (struct shim_client *)w;
	char *line;
	int n;

	(void)events;
	n = line_reader_fill(&c->in, w->fd);
	if (n < 0 || (n == 0 && c->in.eof)) {
		/* a client waiting for stop/kill may hang up; the stop goes on */
		client_close(shim, c);
		return 0;
	}
	while ((line = line_reader_next(&c->in)) != NULL)
		if (handle_request(shim, c, line))
			return 0; /* client closed */
	return 0;
}

int shim_control_accept(struct shim *shim, struct shim_watch *w, uint32_t events)
{
	struct shim_client *c;
	int fd;

	(void)events;
	if (unix_accept(w->fd, &fd) < 0)
		return 0;
	if (shim->n_clients >= SHIM_MAX_CLIENTS) {
		close(fd);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c || line_reader_init(&c->in, SHIM_CLIENT_LINE_MAX) < 0) {
		free(c);
		close(fd);
		return 0;
	}
	c->watch.fd = fd;
	c->watch.handler = client_readable;
	if (shim_watch_add(shim, &c->watch, SHIM_EV_IN) < 0) {
		line_reader_free(&c->in);
		free(c);
		close(fd);
		return 0;
	}
	c->next = shim->clients;
	shim->clients = c;
	shim->n_clients++;
	return 0;
}

int shim_control_listen(struct shim *shim)
{
	char *path = fs_join(shim->vm_dir, "shim.sock");
	int rc;

	if (!path)
		return vmc_error_oom();
	rc = unix_listen(path, 16, 1, &shim->control.fd);
	free(path);
	if (rc < 0)
		return rc;
	shim->control.handler = shim_control_accept;
	return shim_watch_add(shim, &shim->control, SHIM_EV_IN);
}

void shim_control_broadcast(struct shim *shim)
{
	struct shim_client *c = shim->clients, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->watching)
			client_send(shim, c, json_pack("{s:s, s:o}", "event", "state", "state",
						       state_to_json(&shim->state)));
	}
}

void shim_control_finish(struct shim *shim, const char *result)
{
	struct shim_client *c = shim->clients, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->pending) {
			json_t *rep = state_reply(shim);
			const char *r = result;
			if (c->pending == 2)
				r = "killed";
			json_object_set_new(rep, "result", json_string(r));
			c->pending = 0;
			client_send(shim, c, rep);
		}
	}
}

void shim_control_close_all(struct shim *shim)
{
	char *path;

	while (shim->clients)
		client_close(shim, shim->clients);
	shim_control_reap(shim);
	if (shim->control.fd >= 0) {
		shim_watch_del(shim, &shim->control);
		close(shim->control.fd);
		shim->control.fd = -1;
		path = fs_join(shim->vm_dir, "shim.sock");
		if (path)
			unlink(path);
		free(path);
	}
}
