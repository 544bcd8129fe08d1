/*
 * shim_client.h - the manager's side of the shim control protocol (see
 * src/shim/control.c): one request, one reply line, within a deadline;
 * or a watch connection that streams state events.
 */
#ifndef VMC_MANAGER_SHIM_CLIENT_H
#define VMC_MANAGER_SHIM_CLIENT_H

#include <jansson.h>
#include <stdint.h>

#include "core/line_reader.h"
#include "vmc.h"

struct shim_conn {
	int fd;
	struct line_reader in;
};

/* Connects to <vm_dir>/shim.sock. VMC_ENOTFOUND when no shim listens. */
int shim_conn_open(struct shim_conn *c, const char *vm_dir);
void shim_conn_close(struct shim_conn *c);
int shim_conn_send(struct shim_conn *c, json_t *req);
/* Next message before the deadline (clock_deadline()); *out is owned by
 * the caller. VMC_ETIMEOUT, VMC_EIO (shim went away), VMC_EPROTO. */
int shim_conn_recv(struct shim_conn *c, int64_t deadline, json_t **out);

/* One request, one reply. A reply with "ok": false becomes its code and
 * message. */
int shim_request(const char *vm_dir, json_t *req, int timeout_ms, json_t **reply);
/* The same; *answered (may be NULL) says whether the shim replied, so an
 * error code of its reply can be told from a failed connection. */
int shim_request_answered(const char *vm_dir, json_t *req, int timeout_ms, json_t **reply,
			  int *answered);
/* The "state" member of a reply or event. */
int shim_reply_state(json_t *msg, vmc_state *out);

#endif
