/*
 * switch_req.h - one request line of vmc-switch's control socket, parsed
 * without I/O or switch state (switch_ctl.c serves the socket; the fuzz
 * target tests/fuzz/switch_req_fuzzer.c feeds this arbitrary bytes). The
 * protocol itself is described in switch_ctl.c.
 */
#ifndef VMC_NET_SWITCH_REQ_H
#define VMC_NET_SWITCH_REQ_H

#include <stddef.h>

#define VSW_NAME_MAX 32        /* a port name: [A-Za-z0-9_.-], not starting with '.' */
#define VSW_PEER_MAX 4095      /* an absolute path */

enum vsw_op {
	VSW_OP_ADD_PORT = 1,
	VSW_OP_REMOVE_PORT,
	VSW_OP_PORTS,
	VSW_OP_SHUTDOWN,
};

struct vsw_request {
	enum vsw_op op;
	char name[VSW_NAME_MAX + 1];   /* add_port, remove_port */
	char peer[VSW_PEER_MAX + 1];   /* add_port unless socketpair; "" otherwise */
	int socketpair;                /* add_port: hand back a socketpair end */
};

/* 1 if `name` is a valid port name. */
int vsw_name_valid(const char *name);

/* Parses line[0..len) (no newline). Returns 0 with *out filled;
 * VMC_EPROTO when it is not a JSON object with a string "op" (a client
 * that sends it is disconnected); VMC_EINVAL, with a message for the
 * reply, for a request to refuse: unknown op, missing or invalid name,
 * add_port without an absolute peer path or with both peer and socketpair. */
int vsw_request_parse(const char *line, size_t len, struct vsw_request *out);

#endif
