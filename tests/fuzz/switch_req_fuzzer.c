/*
 * switch_req_fuzzer.c - vmc-switch's control request parser
 * (src/net/switch_req.c) on arbitrary lines. What it accepts must be a
 * request the switch can act on as is: a known op, a valid port name for
 * add_port and remove_port, an absolute, bounded peer path for an
 * add_port that is not a socketpair (and none for one), and it must
 * survive a trip back through JSON unchanged. A refusal has a message.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/error.h"
#include "fuzz.h"
#include "net/switch_req.h"

#define LINE_MAX_BYTES 4096 /* the switch's line limit (VSW_CLIENT_LINE_MAX) */

static const char *op_name(enum vsw_op op)
{
	switch (op) {
	case VSW_OP_ADD_PORT: return "add_port";
	case VSW_OP_REMOVE_PORT: return "remove_port";
	case VSW_OP_PORTS: return "ports";
	case VSW_OP_SHUTDOWN: return "shutdown";
	}
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vsw_request r, back;
	json_t *obj;
	char *text;
	int rc;

	if (size > LINE_MAX_BYTES)
		size = LINE_MAX_BYTES;
	rc = vsw_request_parse((const char *)data, size, &r);
	if (rc < 0) {
		if (rc != VMC_EPROTO && rc != VMC_EINVAL)
			abort();
		if (!vmc_error_last()[0])
			abort();
		return 0;
	}
	if (r.op == VSW_OP_ADD_PORT || r.op == VSW_OP_REMOVE_PORT) {
		if (!vsw_name_valid(r.name))
			abort();
	} else if (r.name[0]) {
		abort();
	}
	if (r.op == VSW_OP_ADD_PORT && !r.socketpair &&
	    (r.peer[0] != '/' || strnlen(r.peer, sizeof(r.peer)) > VSW_PEER_MAX))
		abort();
	if ((r.op != VSW_OP_ADD_PORT || r.socketpair) && (r.peer[0] || (r.socketpair && r.op != VSW_OP_ADD_PORT)))
		abort();
	obj = json_pack("{s:s}", "op", op_name(r.op));
	if (!obj)
		abort();
	if (r.name[0])
		json_object_set_new(obj, "name", json_string(r.name));
	if (r.peer[0])
		json_object_set_new(obj, "peer", json_string(r.peer));
	if (r.socketpair)
		json_object_set_new(obj, "socketpair", json_true());
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (!text || vsw_request_parse(text, strlen(text), &back) != 0)
		abort();
	if (back.op != r.op || strcmp(back.name, r.name) || strcmp(back.peer, r.peer) ||
	    back.socketpair != r.socketpair)
		abort();
	free(text);
	return 0;
}
