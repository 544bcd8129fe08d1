/*
 * switch_req.c - parsing one control request of vmc-switch (see
 * switch_req.h): JSON with duplicate keys refused, every field checked and
 * copied into bounded buffers, so that the switch only ever acts on a
 * request whose names and paths it can use as they are.
 */
#include <string.h>

#include <jansson.h>

#include "core/error.h"
#include "net/switch_req.h"

int vsw_name_valid(const char *name)
{
	size_t len = strnlen(name, VSW_NAME_MAX + 1);

	if (len == 0 || len > VSW_NAME_MAX || name[0] == '.')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int get_name(json_t *req, const char *op, struct vsw_request *out)
{
	json_t *v = json_object_get(req, "name");
	const char *name = json_string_value(v);

	if (!name)
		return vmc_error_set(VMC_EINVAL, "%s needs a name", op);
	/* a NUL inside the JSON string would cut the name short: refuse */
	if (json_string_length(v) != strlen(name) || !vsw_name_valid(name))
		return vmc_error_set(VMC_EINVAL, "invalid port name '%.*s'", VSW_NAME_MAX, name);
	memcpy(out->name, name, strlen(name) + 1);
	return 0;
}

static int get_peer(json_t *req, struct vsw_request *out)
{
	json_t *pv = json_object_get(req, "peer"), *sv = json_object_get(req, "socketpair");
	const char *peer = json_string_value(pv);

	if (sv && !json_is_boolean(sv))
		return vmc_error_set(VMC_EINVAL, "socketpair must be true or false");
	out->socketpair = json_is_true(sv);
	if (pv && !json_is_null(pv) && !peer)
		return vmc_error_set(VMC_EINVAL, "peer must be a path");
	if (out->socketpair) {
		if (peer)
			return vmc_error_set(VMC_EINVAL, "a socketpair port has no peer");
		return 0;
	}
	if (!peer || peer[0] != '/')
		return vmc_error_set(VMC_EINVAL, "peer socket path must be absolute");
	if (json_string_length(pv) != strlen(peer) || strlen(peer) > VSW_PEER_MAX)
		return vmc_error_set(VMC_EINVAL, "peer socket path too long or not a string");
	memcpy(out->peer, peer, strlen(peer) + 1);
	return 0;
}

int vsw_request_parse(const char *line, size_t len, struct vsw_request *out)
{
	json_error_t jerr;
	json_t *req;
	const char *op;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	op = json_is_object(req) ? json_string_value(json_object_get(req, "op")) : NULL;
	if (!op) {
		json_decref(req);
		return vmc_error_set(VMC_EPROTO, "not a request (a JSON object with \"op\")");
	}
	if (!strcmp(op, "add_port")) {
		out->op = VSW_OP_ADD_PORT;
		rc = get_name(req, op, out);
		if (rc == 0)
			rc = get_peer(req, out);
	} else if (!strcmp(op, "remove_port")) {
		out->op = VSW_OP_REMOVE_PORT;
		rc = get_name(req, op, out);
	} else if (!strcmp(op, "ports")) {
		out->op = VSW_OP_PORTS;
	} else if (!strcmp(op, "shutdown")) {
		out->op = VSW_OP_SHUTDOWN;
	} else {
		rc = vmc_error_set(VMC_EINVAL, "unknown operation '%.32s'", op);
	}
	json_decref(req);
	return rc;
}
