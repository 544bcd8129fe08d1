/*
 * config_json.c - the JSON form of vmc_config: a stable object with the
 * keys in a fixed order (version 1), and the reader, which accepts only
 * that object (unknown keys, wrong types, other versions, NUL bytes and
 * inputs over 1 MiB are rejected) and builds the config through the same
 * setters as the C API, so both validate identically. A NIC's MAC is
 * always written and read back as given, so a round trip is byte-exact.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/config_image.h"
#include "core/config_json.h"
#include "core/error.h"
#include "image/seed_config.h"

#define CONFIG_JSON_VERSION 1
#define CONFIG_JSON_MAX (1024 * 1024)
#define CONFIG_JSON_ARGC_MAX 64

static const char *const backend_names[] = { "auto", "qemu", "chv", "vz" };
static const char *const accel_names[] = { "auto", "kvm", "tcg" };
static const char *const nic_kind_names[] = { "user", "tap", "switch", "bridge" };
#define NIC_ON_NETWORK(k) ((k) == VMC_NIC_SWITCH || (k) == VMC_NIC_BRIDGE)
static const char *const proto_names[] = { "tcp", "udp" };
static const char *const disk_format_names[] = { "raw", "qcow2" };

#define NAMES_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *json_enum_name(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? names[v] : "invalid";
}

/* Adds `key` unless `s` is NULL; returns nonzero on allocation failure. */
static int json_set_str(json_t *obj, const char *key, const char *s)
{
	if (!s)
		return 0;
	return json_object_set_new(obj, key, json_string(s));
}

json_t *config_to_json_t(const vmc_config *cfg)
{
	json_t *obj = json_object(), *arr, *o;
	int bad = 0, j;
	size_t i;

	if (!obj)
		goto oom;
	bad |= json_object_set_new(obj, "version", json_integer(CONFIG_JSON_VERSION));
	bad |= json_object_set_new(obj, "name", json_string(cfg->name));
	bad |= json_object_set_new(obj, "namespace", json_string(cfg->ns));
	bad |= json_set_str(obj, "kernel", cfg->kernel);
	bad |= json_set_str(obj, "initramfs", cfg->initramfs);
	bad |= json_set_str(obj, "cmdline", cfg->cmdline);
	bad |= json_set_str(obj, "serial_log", cfg->serial_log);
	bad |= json_object_set_new(obj, "cpus", json_integer(cfg->cpus));
	bad |= json_object_set_new(obj, "memory_mib", json_integer(cfg->memory_mib));
	if (cfg->max_cpus)
		bad |= json_object_set_new(obj, "max_cpus", json_integer(cfg->max_cpus));
	if (cfg->max_memory_mib)
		bad |= json_object_set_new(obj, "max_memory_mib", json_integer(cfg->max_memory_mib));
	if (cfg->vsock_cid)
		bad |= json_object_set_new(obj, "vsock_cid", json_integer(cfg->vsock_cid));
	bad |= json_object_set_new(obj, "boot_timeout_ms", json_integer(cfg->boot_timeout_ms));
	bad |= json_object_set_new(
		obj, "backend",
		json_string(json_enum_name(backend_names, NAMES_LEN(backend_names), cfg->backend)));
	bad |= json_object_set_new(
		obj, "accel",
		json_string(json_enum_name(accel_names, NAMES_LEN(accel_names), cfg->accel)));

	arr = json_array();
	bad |= json_object_set_new(obj, "exec", arr);
	for (j = 0; arr && j < cfg->exec_argc; j++)
		bad |= json_array_append_new(arr, json_string(cfg->exec_argv[j]));

	arr = json_array();
	bad |= json_object_set_new(obj, "disks", arr);
	for (i = 0; arr && i < cfg->n_disks; i++) {
		o = json_object();
		bad |= json_array_append_new(arr, o);
		if (!o)
			break;
		bad |= json_object_set_new(o, "path", json_string(cfg->disks[i].path));
		bad |= json_object_set_new(o, "read_only", json_boolean(cfg->disks[i].read_only));
		if (cfg->disks[i].format != VMC_DISK_RAW)
			bad |= json_object_set_new(
				o, "format",
				json_string(json_enum_name(disk_format_names,
							   NAMES_LEN(disk_format_names),
							   cfg->disks[i].format)));
	}

	arr = json_array();
	bad |= json_object_set_new(obj, "nics", arr);
	for (i = 0; arr && i < cfg->n_nics; i++) {
		const struct vmc_nic *n = &cfg->nics[i];

		o = json_object();
		bad |= json_array_append_new(arr, o);
		if (!o)
			break;
		bad |= json_object_set_new(
			o, "kind",
			json_string(json_enum_name(nic_kind_names, NAMES_LEN(nic_kind_names),
						   n->kind)));
		/* a switch NIC keeps its network's name where a TAP NIC has its device */
		bad |= json_set_str(o, NIC_ON_NETWORK(n->kind) ? "network" : "tap", n->tap);
		bad |= json_object_set_new(o, "mac", json_string(n->mac));
		bad |= json_set_str(o, "addr", n->addr);
		bad |= json_set_str(o, "gateway", n->gateway);
		if (n->queues > 1)
			bad |= json_object_set_new(o, "queues", json_integer(n->queues));
	}

	arr = json_array();
	bad |= json_object_set_new(obj, "shares", arr);
	for (i = 0; arr && i < cfg->n_shares; i++) {
		o = json_object();
		bad |= json_array_append_new(arr, o);
		if (!o)
			break;
		bad |= json_object_set_new(o, "host_path", json_string(cfg->shares[i].host_path));
		bad |= json_object_set_new(o, "tag", json_string(cfg->shares[i].tag));
		bad |= json_object_set_new(o, "read_only", json_boolean(cfg->shares[i].read_only));
	}

	arr = json_array();
	bad |= json_object_set_new(obj, "forwards", arr);
	for (i = 0; arr && i < cfg->n_forwards; i++) {
		const struct vmc_forward *f = &cfg->forwards[i];

		o = json_object();
		bad |= json_array_append_new(arr, o);
		if (!o)
			break;
		bad |= json_object_set_new(
			o, "proto",
			json_string(json_enum_name(proto_names, NAMES_LEN(proto_names), f->proto)));
		bad |= json_set_str(o, "host_addr", f->host_addr);
		bad |= json_object_set_new(o, "host_port", json_integer(f->host_port));
		bad |= json_object_set_new(o, "guest_port", json_integer(f->guest_port));
	}
	if (cfg->cloud_init) {
		o = seed_to_json_t(cfg->cloud_init);
		bad |= o ? json_object_set_new(obj, "cloud_init", o) : -1;
	}
	if (cfg->image) {
		o = config_image_to_json(cfg->image);
		bad |= o ? json_object_set_new(obj, "image", o) : -1;
	}
	if (bad)
		goto oom;
	return obj;
oom:
	json_decref(obj);
	vmc_error_oom();
	return NULL;
}

int vmc_config_to_json(const vmc_config *cfg, char **out)
{
	json_t *obj;
	char *s;

	if (!cfg || !out)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	obj = config_to_json_t(cfg);
	if (!obj)
		return VMC_ENOMEM;
	s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (!s)
		return vmc_error_oom();
	*out = s;
	return 0;
}

/* ---------------------------------------------------------------- reader */

/* Fails on a key of `obj` that is not in the NULL-terminated `allowed`. */
static int json_check_keys(const json_t *obj, const char *where, const char *const *allowed)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (!allowed[i])
			return vmc_error_set(VMC_EINVAL, "config json: unknown key '%.64s' in %s",
					     key, where);
	}
	return 0;
}

/* *out = the string at `key` (NULL if absent and !required). */
static int json_get_str(const json_t *obj, const char *where, const char *key, int required,
			const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v) {
		if (required)
			return vmc_error_set(VMC_EINVAL, "config json: missing '%s' in %s", key,
					     where);
		return 0;
	}
	if (!json_is_string(v))
		return vmc_error_set(VMC_EINVAL, "config json: '%s' in %s is not a string", key,
				     where);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return vmc_error_set(VMC_EINVAL, "config json: '%s' in %s contains a NUL byte",
				     key, where);
	*out = json_string_value(v);
	return 0;
}

/* *out = the unsigned integer at `key`; *present = 0 when absent. */
static int json_get_uint(const json_t *obj, const char *where, const char *key, int required,
			 unsigned int *out, int *present)
{
	json_t *v = json_object_get(obj, key);
	json_int_t n;

	*present = 0;
	if (!v) {
		if (required)
			return vmc_error_set(VMC_EINVAL, "config json: missing '%s' in %s", key,
					     where);
		return 0;
	}
	if (!json_is_integer(v))
		return vmc_error_set(VMC_EINVAL, "config json: '%s' in %s is not an integer", key,
				     where);
	n = json_integer_value(v);
	if (n < 0 || n > (json_int_t)UINT_MAX)
		return vmc_error_set(VMC_EINVAL, "config json: '%s' %lld in %s out of range", key,
				     (long long)n, where);
	*out = (unsigned int)n;
	*present = 1;
	return 0;
}

static int json_get_bool(const json_t *obj, const char *where, const char *key, int *out)
{
	json_t *v = json_object_get(obj, key);

	*out = 0;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return vmc_error_set(VMC_EINVAL, "config json: '%s' in %s is not a boolean", key,
				     where);
	*out = json_is_true(v);
	return 0;
}

/* *out = the index of string `key` in `names`; unchanged when absent. */
static int json_get_enum(const json_t *obj, const char *where, const char *key, int required,
			 const char *const *names, size_t n, int *out)
{
	const char *s;
	size_t i;
	int rc;

	rc = json_get_str(obj, where, key, required, &s);
	if (rc < 0 || !s)
		return rc;
	for (i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return vmc_error_set(VMC_EINVAL, "config json: invalid %s '%.64s'", key, s);
}

/* The array at `key` (NULL when absent). */
static int json_get_array(const json_t *obj, const char *key, json_t **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return vmc_error_set(VMC_EINVAL, "config json: '%s' is not an array", key);
	if (json_array_size(v) > VMC_DEVICES_MAX && strcmp(key, "exec") != 0)
		return vmc_error_set(VMC_EINVAL, "config json: more than %d %s", VMC_DEVICES_MAX,
				     key);
	*out = v;
	return 0;
}

static int json_read_exec(vmc_config *cfg, const json_t *arr)
{
	const char *argv[CONFIG_JSON_ARGC_MAX];
	size_t i;
	json_t *v;

	if (json_array_size(arr) > CONFIG_JSON_ARGC_MAX)
		return vmc_error_set(VMC_EINVAL, "invalid exec argc %zu: must be 0..%d",
				     json_array_size(arr), CONFIG_JSON_ARGC_MAX);
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
			return vmc_error_set(VMC_EINVAL, "config json: exec[%zu] is not a string "
							 "without NUL bytes", i);
		argv[i] = json_string_value(v);
	}
	return vmc_config_set_exec(cfg, (int)json_array_size(arr), argv);
}

static const char *const disk_keys[] = { "path", "read_only", "format", NULL };
static const char *const nic_keys[] = { "kind", "tap", "network", "mac", "addr", "gateway",
					 "queues", NULL };
static const char *const share_keys[] = { "host_path", "tag", "read_only", NULL };
static const char *const fwd_keys[] = { "proto", "host_addr", "host_port", "guest_port", NULL };

static int json_read_devices(vmc_config *cfg, const json_t *obj)
{
	json_t *arr, *v;
	size_t i;
	int rc;

	rc = json_get_array(obj, "disks", &arr);
	json_array_foreach(rc == 0 ? arr : NULL, i, v) {
		const char *path;
		int ro, format = VMC_DISK_RAW;

		if (!json_is_object(v))
			return vmc_error_set(VMC_EINVAL, "config json: disks[%zu] is not an object", i);
		rc = json_check_keys(v, "disk", disk_keys);
		if (rc == 0)
			rc = json_get_str(v, "disk", "path", 1, &path);
		if (rc == 0)
			rc = json_get_bool(v, "disk", "read_only", &ro);
		if (rc == 0)
			rc = json_get_enum(v, "disk", "format", 0, disk_format_names,
					   NAMES_LEN(disk_format_names), &format);
		if (rc == 0)
			rc = vmc_config_add_disk_format(cfg, path, ro, (vmc_disk_format)format);
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return rc;

	rc = json_get_array(obj, "nics", &arr);
	json_array_foreach(rc == 0 ? arr : NULL, i, v) {
		const char *tap, *mac, *addr, *gw;
		unsigned int queues = 1;
		int kind = -1, has_queues = 0;

		if (!json_is_object(v))
			return vmc_error_set(VMC_EINVAL, "config json: nics[%zu] is not an object", i);
		rc = json_check_keys(v, "nic", nic_keys);
		if (rc == 0)
			rc = json_get_enum(v, "nic", "kind", 1, nic_kind_names,
					   NAMES_LEN(nic_kind_names), &kind);
		if (rc == 0)
			rc = json_get_str(v, "nic", NIC_ON_NETWORK(kind) ? "network" : "tap", 0,
					  &tap);
		if (rc == 0 && json_object_get(v, NIC_ON_NETWORK(kind) ? "tap" : "network"))
			rc = vmc_error_set(VMC_EINVAL, "config json: nics[%zu]: %s", i,
					   NIC_ON_NETWORK(kind) ? "a switch or bridge nic has no tap"
								  : "only a switch or bridge nic has a network");
		if (rc == 0)
			rc = json_get_str(v, "nic", "mac", 0, &mac);
		if (rc == 0)
			rc = json_get_str(v, "nic", "addr", 0, &addr);
		if (rc == 0)
			rc = json_get_str(v, "nic", "gateway", 0, &gw);
		if (rc == 0)
			rc = json_get_uint(v, "nic", "queues", 0, &queues, &has_queues);
		if (rc == 0)
			rc = vmc_config_add_nic(cfg, (vmc_nic_kind)kind, tap, mac, addr, gw);
		if (rc == 0 && has_queues)
			rc = vmc_config_set_nic_queues(cfg, cfg->n_nics - 1, queues);
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return rc;

	rc = json_get_array(obj, "shares", &arr);
	json_array_foreach(rc == 0 ? arr : NULL, i, v) {
		const char *path, *tag;
		int ro;

		if (!json_is_object(v))
			return vmc_error_set(VMC_EINVAL, "config json: shares[%zu] is not an object", i);
		rc = json_check_keys(v, "share", share_keys);
		if (rc == 0)
			rc = json_get_str(v, "share", "host_path", 1, &path);
		if (rc == 0)
			rc = json_get_str(v, "share", "tag", 1, &tag);
		if (rc == 0)
			rc = json_get_bool(v, "share", "read_only", &ro);
		if (rc == 0)
			rc = vmc_config_add_share(cfg, path, tag, ro);
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return rc;

	rc = json_get_array(obj, "forwards", &arr);
	json_array_foreach(rc == 0 ? arr : NULL, i, v) {
		const char *addr;
		unsigned int hp = 0, gp = 0;
		int proto = -1, present;

		if (!json_is_object(v))
			return vmc_error_set(VMC_EINVAL, "config json: forwards[%zu] is not an object",
					     i);
		rc = json_check_keys(v, "forward", fwd_keys);
		if (rc == 0)
			rc = json_get_enum(v, "forward", "proto", 1, proto_names,
					   NAMES_LEN(proto_names), &proto);
		if (rc == 0)
			rc = json_get_str(v, "forward", "host_addr", 0, &addr);
		if (rc == 0)
			rc = json_get_uint(v, "forward", "host_port", 1, &hp, &present);
		if (rc == 0)
			rc = json_get_uint(v, "forward", "guest_port", 1, &gp, &present);
		if (rc == 0)
			rc = vmc_config_add_port_forward(cfg, (vmc_proto)proto, addr, hp, gp);
		if (rc < 0)
			return rc;
	}
	return rc;
}

static const char *const top_keys[] = {
	"version", "name",       "namespace", "kernel",          "initramfs",
	"cmdline", "serial_log", "cpus",      "memory_mib",      "boot_timeout_ms",
	"backend", "accel",      "exec",      "disks",           "nics",
	"shares",  "forwards",   "cloud_init", "image", "max_cpus", "max_memory_mib", "vsock_cid", NULL,
};

static int json_read_cloud_init(vmc_config *cfg, const json_t *v)
{
	vmc_seed *seed = NULL;
	int rc;

	rc = seed_from_json_t(&seed, v);
	if (rc < 0)
		return rc;
	vmc_seed_free(cfg->cloud_init);
	cfg->cloud_init = seed; /* already a content copy with its own id */
	return 0;
}

static int json_read_top(vmc_config *cfg, const json_t *obj)
{
	const char *s;
	unsigned int u;
	json_t *arr;
	int rc, present, e;

	rc = json_get_str(obj, "config", "namespace", 0, &s);
	if (rc == 0 && s)
		rc = vmc_config_set_namespace(cfg, s);
	if (rc == 0)
		rc = json_get_str(obj, "config", "kernel", 0, &s);
	if (rc == 0 && s)
		rc = vmc_config_set_kernel(cfg, s);
	if (rc == 0)
		rc = json_get_str(obj, "config", "initramfs", 0, &s);
	if (rc == 0 && s)
		rc = vmc_config_set_initramfs(cfg, s);
	if (rc == 0)
		rc = json_get_str(obj, "config", "cmdline", 0, &s);
	if (rc == 0 && s)
		rc = vmc_config_set_cmdline(cfg, s);
	if (rc == 0)
		rc = json_get_str(obj, "config", "serial_log", 0, &s);
	if (rc == 0 && s)
		rc = vmc_config_set_serial_log(cfg, s);
	if (rc == 0)
		rc = json_get_uint(obj, "config", "cpus", 0, &u, &present);
	if (rc == 0 && present)
		rc = vmc_config_set_cpus(cfg, u);
	if (rc == 0)
		rc = json_get_uint(obj, "config", "memory_mib", 0, &u, &present);
	if (rc == 0 && present)
		rc = vmc_config_set_memory_mib(cfg, u);
	if (rc == 0)
		rc = json_get_uint(obj, "config", "max_cpus", 0, &u, &present);
	if (rc == 0 && present)
		rc = vmc_config_set_max_cpus(cfg, u);
	if (rc == 0)
		rc = json_get_uint(obj, "config", "max_memory_mib", 0, &u, &present);
	if (rc == 0 && present)
		rc = vmc_config_set_max_memory_mib(cfg, u);
	if (rc == 0)
		rc = json_get_uint(obj, "config", "vsock_cid", 0, &u, &present);
	if (rc == 0 && present)
		rc = vmc_config_set_vsock_cid(cfg, u);
	if (rc == 0)
		rc = json_get_uint(obj, "config", "boot_timeout_ms", 0, &u, &present);
	if (rc == 0 && present)
		rc = vmc_config_set_boot_timeout_ms(cfg, u);
	e = (int)cfg->backend;
	if (rc == 0)
		rc = json_get_enum(obj, "config", "backend", 0, backend_names,
				   NAMES_LEN(backend_names), &e);
	if (rc == 0)
		rc = vmc_config_set_backend(cfg, (vmc_backend)e);
	e = (int)cfg->accel;
	if (rc == 0)
		rc = json_get_enum(obj, "config", "accel", 0, accel_names, NAMES_LEN(accel_names),
				   &e);
	if (rc == 0)
		rc = vmc_config_set_accel(cfg, (vmc_accel)e);
	if (rc == 0)
		rc = json_get_array(obj, "exec", &arr);
	if (rc == 0 && arr)
		rc = json_read_exec(cfg, arr);
	if (rc == 0)
		rc = json_read_devices(cfg, obj);
	if (rc == 0 && json_object_get(obj, "cloud_init"))
		rc = json_read_cloud_init(cfg, json_object_get(obj, "cloud_init"));
	if (rc == 0 && json_object_get(obj, "image")) {
		config_image_free(cfg->image);
		cfg->image = NULL;
		rc = config_image_from_json(&cfg->image, json_object_get(obj, "image"));
	}
	return rc;
}

int config_from_json_t(vmc_config **out, const json_t *obj)
{
	vmc_config *cfg = NULL;
	const char *name;
	json_t *ver;
	int rc;

	if (!out)
		return vmc_error_set(VMC_EINVAL, "invalid argument: out is NULL");
	if (!json_is_object(obj))
		return vmc_error_set(VMC_EINVAL, "config json: not an object");
	rc = json_check_keys(obj, "config", top_keys);
	if (rc < 0)
		goto out;
	ver = json_object_get(obj, "version");
	if (!ver) {
		rc = vmc_error_set(VMC_EINVAL, "config json: missing 'version'");
		goto out;
	}
	if (!json_is_integer(ver) || json_integer_value(ver) != CONFIG_JSON_VERSION) {
		rc = vmc_error_set(VMC_EINVAL, "config json: unsupported version (want %d)",
				   CONFIG_JSON_VERSION);
		goto out;
	}
	rc = json_get_str(obj, "config", "name", 1, &name);
	if (rc < 0)
		goto out;
	rc = vmc_config_new(&cfg, name);
	if (rc < 0)
		goto out;
	rc = json_read_top(cfg, obj);
	if (rc < 0)
		goto out;
	*out = cfg;
	cfg = NULL;
out:
	vmc_config_free(cfg);
	return rc;
}

int vmc_config_from_json(vmc_config **out, const char *json)
{
	json_error_t jerr;
	json_t *obj;
	size_t len;
	int rc;

	if (!out || !json)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL");
	len = strnlen(json, CONFIG_JSON_MAX + 1);
	if (len > CONFIG_JSON_MAX)
		return vmc_error_set(VMC_EINVAL, "config json: larger than %d bytes",
				     CONFIG_JSON_MAX);
	obj = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj)
		return vmc_error_set(VMC_EINVAL, "config json: line %d column %d: %s", jerr.line,
				     jerr.column, jerr.text);
	rc = config_from_json_t(out, obj);
	json_decref(obj);
	return rc;
}
