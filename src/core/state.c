/*
 * state.c - the VM state machine (which transitions are legal), the names
 * of the states (vmc_state_name and friends) and the JSON form of a
 * vmc_state. state_from_json() reads bytes another process wrote, so every
 * key is type-checked, bounded and range-checked before *out is touched.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/state.h"

static const char *const state_names[] = {
	[VMC_STATE_CREATED] = "created",   [VMC_STATE_STARTING] = "starting",
	[VMC_STATE_RUNNING] = "running",   [VMC_STATE_READY] = "ready",
	[VMC_STATE_PAUSED] = "paused",     [VMC_STATE_STOPPING] = "stopping",
	[VMC_STATE_STOPPED] = "stopped",   [VMC_STATE_FAILED] = "failed",
};

#define STATE_COUNT ((int)(sizeof(state_names) / sizeof(state_names[0])))

static int state_kind_known(vmc_state_kind k)
{
	return (int)k >= 0 && (int)k < STATE_COUNT;
}

const char *vmc_state_name(vmc_state_kind kind)
{
	return state_kind_known(kind) ? state_names[kind] : "unknown";
}

int vmc_state_from_name(vmc_state_kind *out, const char *name)
{
	int i;

	if (!out || !name)
		return vmc_error_set(VMC_EINVAL, "invalid state name: NULL");
	for (i = 0; i < STATE_COUNT; i++) {
		if (strcmp(state_names[i], name) == 0) {
			*out = (vmc_state_kind)i;
			return 0;
		}
	}
	return vmc_error_set(VMC_EINVAL, "invalid state name '%.64s'", name);
}

int vmc_state_is_final(vmc_state_kind kind)
{
	return kind == VMC_STATE_STOPPED || kind == VMC_STATE_FAILED;
}

int state_transition_valid(vmc_state_kind from, vmc_state_kind to)
{
	if (!state_kind_known(from) || !state_kind_known(to) || from == to)
		return 0;
	if (vmc_state_is_final(from))
		return 0;
	if (to == VMC_STATE_STOPPED || to == VMC_STATE_FAILED)
		return 1;
	switch (from) {
	case VMC_STATE_CREATED:
		return to == VMC_STATE_STARTING;
	case VMC_STATE_STARTING:
		/* PAUSED: restored from a snapshot of a paused VM */
		return to == VMC_STATE_RUNNING || to == VMC_STATE_PAUSED;
	case VMC_STATE_RUNNING:
		return to == VMC_STATE_READY || to == VMC_STATE_PAUSED || to == VMC_STATE_STOPPING;
	case VMC_STATE_READY:
		/* RUNNING again: rebooted in place (vmc_manager_reboot) */
		return to == VMC_STATE_RUNNING || to == VMC_STATE_PAUSED ||
		       to == VMC_STATE_STOPPING;
	case VMC_STATE_PAUSED:
		return to == VMC_STATE_RUNNING || to == VMC_STATE_READY ||
		       to == VMC_STATE_STOPPING;
	default:
		return 0;
	}
}

int64_t state_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void state_init(vmc_state *s, vmc_state_kind kind)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->exit_code = -1;
	s->boot_ms = -1;
	s->since_ms = state_now_ms();
}

/* The reason as a JSON string. jansson refuses invalid UTF-8, and a state
 * must always be writable, so such a reason falls back to ASCII with '?'. */
static json_t *state_reason_json(const char *reason)
{
	char ascii[VMC_STATE_REASON_MAX];
	size_t i, len = strnlen(reason, VMC_STATE_REASON_MAX - 1);
	json_t *v = json_stringn(reason, len);

	if (v)
		return v;
	for (i = 0; i < len; i++)
		ascii[i] = (unsigned char)reason[i] < 0x80 ? reason[i] : '?';
	return json_stringn(ascii, len);
}

json_t *state_to_json(const vmc_state *s)
{
	json_t *obj = NULL, *ips = NULL;
	int i, bad = 0;

	obj = json_object();
	ips = json_array();
	if (!obj || !ips)
		goto fail;
	for (i = 0; i < VMC_STATE_IP_MAX; i++) {
		size_t len = strnlen(s->ip[i], sizeof(s->ip[i]));

		if (len == 0 || len >= sizeof(s->ip[i]))
			continue;
		bad |= json_array_append_new(ips, json_string(s->ip[i]));
	}
	bad |= json_object_set_new(obj, "state", json_string(vmc_state_name(s->kind)));
	bad |= json_object_set_new(obj, "reason", state_reason_json(s->reason));
	bad |= json_object_set(obj, "ip", ips);
	bad |= json_object_set_new(obj, "exit_code", json_integer(s->exit_code));
	bad |= json_object_set_new(obj, "signal", json_integer(s->signal));
	bad |= json_object_set_new(obj, "since_ms", json_integer(s->since_ms));
	bad |= json_object_set_new(obj, "pid", json_integer(s->pid));
	bad |= json_object_set_new(obj, "boot_ms", json_integer(s->boot_ms));
	if (bad)
		goto fail;
	json_decref(ips);
	return obj;
fail:
	json_decref(ips);
	json_decref(obj);
	vmc_error_oom();
	return NULL;
}

static int state_get_int(const json_t *obj, const char *key, json_int_t min, json_int_t max,
			 json_int_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return vmc_error_set(VMC_EPROTO, "state json: missing '%s'", key);
	if (!json_is_integer(v))
		return vmc_error_set(VMC_EPROTO, "state json: '%s' is not an integer", key);
	*out = json_integer_value(v);
	if (*out < min || *out > max)
		return vmc_error_set(VMC_EPROTO, "state json: '%s' %lld out of range %lld..%lld",
				     key, (long long)*out, (long long)min, (long long)max);
	return 0;
}

/* Copies string `key` into buf[size] (NUL-free, shorter than size). */
static int state_get_str(const json_t *obj, const char *key, char *buf, size_t size)
{
	json_t *v = json_object_get(obj, key);
	size_t len;

	if (!v)
		return vmc_error_set(VMC_EPROTO, "state json: missing '%s'", key);
	if (!json_is_string(v))
		return vmc_error_set(VMC_EPROTO, "state json: '%s' is not a string", key);
	len = json_string_length(v);
	if (len >= size)
		return vmc_error_set(VMC_EPROTO, "state json: '%s' longer than %zu bytes", key,
				     size - 1);
	if (memchr(json_string_value(v), '\0', len))
		return vmc_error_set(VMC_EPROTO, "state json: '%s' contains a NUL byte", key);
	memcpy(buf, json_string_value(v), len);
	buf[len] = '\0';
	return 0;
}

static int state_ip_valid(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static const char *const state_keys[] = {
	"state", "reason", "ip", "exit_code", "signal", "since_ms", "pid", "boot_ms",
};

int state_from_json(const json_t *obj, vmc_state *out)
{
	vmc_state s;
	char name[16];
	const char *key;
	json_t *v, *ips;
	json_int_t n = 0;
	size_t i, k;
	int rc;

	if (!json_is_object(obj))
		return vmc_error_set(VMC_EPROTO, "state json: not an object");
	memset(&s, 0, sizeof(s));
	json_object_foreach((json_t *)obj, key, v) {
		for (k = 0; k < sizeof(state_keys) / sizeof(state_keys[0]); k++)
			if (strcmp(key, state_keys[k]) == 0)
				break;
		if (k == sizeof(state_keys) / sizeof(state_keys[0]))
			return vmc_error_set(VMC_EPROTO, "state json: unknown key '%.64s'", key);
	}
	rc = state_get_str(obj, "state", name, sizeof(name));
	if (rc < 0)
		return rc;
	if (vmc_state_from_name(&s.kind, name) < 0)
		return vmc_error_set(VMC_EPROTO, "state json: unknown state '%s'", name);
	rc = state_get_str(obj, "reason", s.reason, sizeof(s.reason));
	if (rc < 0)
		return rc;
	ips = json_object_get(obj, "ip");
	if (!ips)
		return vmc_error_set(VMC_EPROTO, "state json: missing 'ip'");
	if (!json_is_array(ips) || json_array_size(ips) > VMC_STATE_IP_MAX)
		return vmc_error_set(VMC_EPROTO, "state json: 'ip' is not an array of at most %d",
				     VMC_STATE_IP_MAX);
	json_array_foreach(ips, i, v) {
		size_t len;

		if (!json_is_string(v))
			return vmc_error_set(VMC_EPROTO, "state json: 'ip' holds a non-string");
		len = json_string_length(v);
		if (len == 0 || len >= sizeof(s.ip[i]) || memchr(json_string_value(v), '\0', len))
			return vmc_error_set(VMC_EPROTO, "state json: bad 'ip' entry");
		memcpy(s.ip[i], json_string_value(v), len + 1);
		if (!state_ip_valid(s.ip[i]))
			return vmc_error_set(VMC_EPROTO, "state json: bad ip '%s'", s.ip[i]);
	}
	rc = state_get_int(obj, "exit_code", -1, 255, &n);
	if (rc < 0)
		return rc;
	s.exit_code = (int)n;
	rc = state_get_int(obj, "signal", 0, 128, &n);
	if (rc < 0)
		return rc;
	s.signal = (int)n;
	rc = state_get_int(obj, "since_ms", 0, INT64_MAX, &n);
	if (rc < 0)
		return rc;
	s.since_ms = n;
	rc = state_get_int(obj, "pid", 0, INT_MAX, &n);
	if (rc < 0)
		return rc;
	s.pid = (int)n;
	rc = state_get_int(obj, "boot_ms", -1, INT64_MAX, &n);
	if (rc < 0)
		return rc;
	s.boot_ms = n;
	*out = s;
	return 0;
}
