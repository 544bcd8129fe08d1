/*
 * seed_config.c - a cloud-init seed inside a vmc_config: the setter
 * vmc_config_set_cloud_init, content copies with a fresh instance-id, and
 * the "cloud_init" JSON object of config.json. The reader goes through the
 * public vmc_seed setters, so a seed loaded from JSON is validated exactly
 * like one built in C; the instance-id is never stored (each VM creation
 * gets its own, see seed_attach.c). File contents are base64 in JSON; the
 * codec is here because the static vmc-shim links no libcrypto.
 */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/error.h"
#include "image/seed.h"
#include "image/seed_config.h"

int seed_copy_content(vmc_seed **out, const vmc_seed *src)
{
	vmc_seed *s = NULL;
	size_t i;
	int rc;

	rc = vmc_seed_new(&s);
	if (rc < 0)
		return rc;
	rc = vmc_seed_set_hostname(s, src->hostname);
	for (i = 0; rc == 0 && i < src->n_users; i++)
		rc = vmc_seed_add_user(s, src->users[i].name, src->users[i].flags);
	for (i = 0; rc == 0 && i < src->n_keys; i++) {
		const struct seed_key *k = &src->keys[i];

		rc = vmc_seed_add_ssh_key(s, k->user >= 0 ? src->users[k->user].name : NULL,
					  k->key);
	}
	for (i = 0; rc == 0 && i < src->n_files; i++)
		rc = vmc_seed_add_write_file(s, src->files[i].path, src->files[i].content,
					     src->files[i].len, src->files[i].mode);
	for (i = 0; rc == 0 && i < src->n_cmds; i++)
		rc = vmc_seed_add_runcmd(s, src->cmds[i].argc,
					 (const char *const *)src->cmds[i].argv);
	if (rc == 0)
		rc = vmc_seed_set_workload(s, src->workload.argc,
					   (const char *const *)src->workload.argv);
	for (i = 0; rc == 0 && i < src->n_nics; i++)
		rc = vmc_seed_add_nic(s, src->nics[i].mac, src->nics[i].addr, src->nics[i].gateway);
	for (i = 0; rc == 0 && i < src->n_dns; i++)
		rc = vmc_seed_add_dns(s, src->dns[i]);
	if (rc < 0) {
		vmc_seed_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int vmc_config_set_cloud_init(vmc_config *cfg, const vmc_seed *seed)
{
	vmc_seed *copy = NULL;
	int rc;

	if (!cfg)
		return vmc_error_set(VMC_EINVAL, "invalid argument: NULL config");
	if (seed) {
		rc = seed_copy_content(&copy, seed);
		if (rc < 0)
			return rc;
	}
	vmc_seed_free(cfg->cloud_init);
	cfg->cloud_init = copy;
	return 0;
}

/* ---------------------------------------------------------------- base64 */

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const unsigned char *in, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1), *p = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned int v = (unsigned int)in[i] << 16 | (unsigned int)in[i + 1] << 8 | in[i + 2];

		*p++ = b64_chars[v >> 18];
		*p++ = b64_chars[(v >> 12) & 63];
		*p++ = b64_chars[(v >> 6) & 63];
		*p++ = b64_chars[v & 63];
	}
	if (i < len) {
		unsigned int v = (unsigned int)in[i] << 16;

		if (i + 1 < len)
			v |= (unsigned int)in[i + 1] << 8;
		*p++ = b64_chars[v >> 18];
		*p++ = b64_chars[(v >> 12) & 63];
		*p++ = i + 1 < len ? b64_chars[(v >> 6) & 63] : '=';
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64_chars, c) : NULL;

	return p ? (int)(p - b64_chars) : -1;
}

/* Strict: canonical padding, no whitespace. *out (caller frees, never
 * NULL on success) holds *len bytes. Returns 0 or -1. */
static int b64_decode(const char *in, unsigned char **out, size_t *len)
{
	size_t n = strlen(in), i, o = 0, pad = 0;
	unsigned char *buf;

	if (n % 4 != 0)
		return -1;
	if (n >= 1 && in[n - 1] == '=')
		pad++;
	if (n >= 2 && in[n - 2] == '=')
		pad++;
	buf = malloc(n / 4 * 3 + 1);
	if (!buf)
		return -1;
	for (i = 0; i < n; i += 4) {
		int v[4], last = i + 4 == n;
		unsigned int w;

		for (int j = 0; j < 4; j++) {
			v[j] = b64_value(in[i + (size_t)j]);
			if (v[j] < 0 && !(last && in[i + (size_t)j] == '=' && j >= 4 - (int)pad)) {
				free(buf);
				return -1;
			}
			if (v[j] < 0)
				v[j] = 0;
		}
		w = (unsigned int)v[0] << 18 | (unsigned int)v[1] << 12 |
		    (unsigned int)v[2] << 6 | (unsigned int)v[3];
		buf[o++] = (unsigned char)(w >> 16);
		if (!(last && pad == 2))
			buf[o++] = (unsigned char)(w >> 8);
		if (!(last && pad >= 1))
			buf[o++] = (unsigned char)w;
	}
	*out = buf;
	*len = o;
	return 0;
}

/* ---------------------------------------------------------------- writer */

static json_t *argv_json(int argc, char *const *argv)
{
	json_t *arr = json_array();
	int i;

	for (i = 0; arr && i < argc; i++) {
		if (json_array_append_new(arr, json_string(argv[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* Adds `key` = `v` (stolen) to obj; a NULL v is an allocation failure. */
static int put(json_t *obj, const char *key, json_t *v)
{
	return v ? json_object_set_new(obj, key, v) : -1;
}

json_t *seed_to_json_t(const vmc_seed *s)
{
	json_t *obj = json_object(), *arr, *o;
	int bad = 0;
	size_t i;

	if (!obj)
		goto oom;
	if (s->hostname)
		bad |= put(obj, "hostname", json_string(s->hostname));
	bad |= put(obj, "users", arr = json_array());
	for (i = 0; arr && i < s->n_users; i++) {
		bad |= put(o = json_object(), "name", json_string(s->users[i].name));
		if (o)
			bad |= put(o, "sudo", json_boolean(s->users[i].flags & VMC_SEED_USER_SUDO));
		bad |= json_array_append_new(arr, o);
	}
	bad |= put(obj, "ssh_keys", arr = json_array());
	for (i = 0; arr && i < s->n_keys; i++) {
		o = json_object();
		if (o && s->keys[i].user >= 0)
			bad |= put(o, "user", json_string(s->users[s->keys[i].user].name));
		if (o)
			bad |= put(o, "key", json_string(s->keys[i].key));
		bad |= json_array_append_new(arr, o);
	}
	bad |= put(obj, "write_files", arr = json_array());
	for (i = 0; arr && i < s->n_files; i++) {
		char *enc = b64_encode(s->files[i].content, s->files[i].len);

		o = json_object();
		if (o) {
			bad |= put(o, "path", json_string(s->files[i].path));
			bad |= put(o, "content_base64", enc ? json_string(enc) : NULL);
			bad |= put(o, "mode", json_integer(s->files[i].mode));
		}
		free(enc);
		bad |= json_array_append_new(arr, o);
	}
	bad |= put(obj, "runcmd", arr = json_array());
	for (i = 0; arr && i < s->n_cmds; i++)
		bad |= json_array_append_new(arr, argv_json(s->cmds[i].argc, s->cmds[i].argv));
	bad |= put(obj, "workload", argv_json(s->workload.argc, s->workload.argv));
	bad |= put(obj, "nics", arr = json_array());
	for (i = 0; arr && i < s->n_nics; i++) {
		bad |= put(o = json_object(), "mac", json_string(s->nics[i].mac));
		if (o && s->nics[i].addr)
			bad |= put(o, "addr", json_string(s->nics[i].addr));
		if (o && s->nics[i].gateway)
			bad |= put(o, "gateway", json_string(s->nics[i].gateway));
		bad |= json_array_append_new(arr, o);
	}
	bad |= put(obj, "dns", arr = json_array());
	for (i = 0; arr && i < s->n_dns; i++)
		bad |= json_array_append_new(arr, json_string(s->dns[i]));
	if (bad)
		goto oom;
	return obj;
oom:
	json_decref(obj);
	vmc_error_oom();
	return NULL;
}

/* ---------------------------------------------------------------- reader */

static int bad_json(const char *what)
{
	return vmc_error_set(VMC_EINVAL, "%s", what);
}

static int check_keys(const json_t *obj, const char *where, const char *const *allowed)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(obj))
		return vmc_error_set(VMC_EINVAL, "%s is not an object",
				     where);
	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (!allowed[i])
			return vmc_error_set(VMC_EINVAL,
					     "unknown key '%.64s' in %s", key,
					     where);
	}
	return 0;
}

/* *out = the string at key (NULL when absent and optional). */
static int get_str(const json_t *obj, const char *key, int required, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return required ? vmc_error_set(VMC_EINVAL, "missing '%s'",
						key)
				: 0;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return vmc_error_set(VMC_EINVAL,
				     "'%s' is not a string without NUL bytes",
				     key);
	*out = json_string_value(v);
	return 0;
}

/* An array at key (empty when absent) of at most max entries. */
static int get_arr(const json_t *obj, const char *key, size_t max, json_t **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return vmc_error_set(VMC_EINVAL, "'%s' is not an array", key);
	if (json_array_size(v) > max)
		return vmc_error_set(VMC_EINVAL, "'%s': more than %zu", key,
				     max);
	*out = v;
	return 0;
}

/* Calls fn(seed, argc, argv) with the strings of `arr`. */
static int with_argv(vmc_seed *s, const json_t *arr,
		     int (*fn)(vmc_seed *, int, const char *const *))
{
	const char **argv;
	size_t i, n;
	json_t *v;
	int rc;

	if (!json_is_array(arr) || json_array_size(arr) > VMC_SEED_ARGS_MAX)
		return bad_json("argv: expected an array of at most 256 strings");
	n = json_array_size(arr);
	argv = calloc(n + 1, sizeof(*argv));
	if (!argv)
		return vmc_error_oom();
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
			free(argv);
			return bad_json("argv: an argument is not a string without NUL bytes");
		}
		argv[i] = json_string_value(v);
	}
	rc = fn(s, (int)n, argv);
	free(argv);
	return rc;
}

static const char *const top_keys[] = { "hostname", "users", "ssh_keys", "write_files",
					"runcmd", "workload", "nics", "dns", NULL };
static const char *const user_keys[] = { "name", "sudo", NULL };
static const char *const key_keys[] = { "user", "key", NULL };
static const char *const file_keys[] = { "path", "content_base64", "mode", NULL };
static const char *const nic_keys[] = { "mac", "addr", "gateway", NULL };

static int read_file_entry(vmc_seed *s, const json_t *v)
{
	const char *path, *b64;
	unsigned char *data = NULL;
	json_t *mode;
	size_t len = 0;
	int rc;

	rc = check_keys(v, "write_files entry", file_keys);
	if (rc == 0)
		rc = get_str(v, "path", 1, &path);
	if (rc == 0)
		rc = get_str(v, "content_base64", 1, &b64);
	if (rc < 0)
		return rc;
	mode = json_object_get(v, "mode");
	if (!json_is_integer(mode) || json_integer_value(mode) < 0 ||
	    json_integer_value(mode) > 07777)
		return bad_json("write_files mode: expected an integer 0..07777");
	if (strlen(b64) > 4 * ((VMC_SEED_FILE_SIZE_MAX + 2) / 3))
		return bad_json("write_files content: too long");
	if (b64_decode(b64, &data, &len) < 0)
		return bad_json("write_files content_base64: not canonical base64");
	rc = vmc_seed_add_write_file(s, path, data, len, (unsigned int)json_integer_value(mode));
	free(data);
	return rc;
}

static int read_seed(vmc_seed *s, const json_t *obj)
{
	const char *a, *b, *c;
	json_t *arr, *v;
	size_t i;
	int rc;

	rc = check_keys(obj, "object", top_keys);
	if (rc == 0)
		rc = get_str(obj, "hostname", 0, &a);
	if (rc == 0 && a)
		rc = vmc_seed_set_hostname(s, a);
	if (rc == 0)
		rc = get_arr(obj, "users", VMC_SEED_USERS_MAX, &arr);
	json_array_foreach(rc == 0 ? arr : NULL, i, v) {
		json_t *sudo = json_object_get(v, "sudo");

		rc = check_keys(v, "user", user_keys);
		if (rc == 0)
			rc = get_str(v, "name", 1, &a);
		if (rc == 0 && sudo && !json_is_boolean(sudo))
			rc = bad_json("user sudo: not a boolean");
		if (rc == 0)
			rc = vmc_seed_add_user(s, a, json_is_true(sudo) ? VMC_SEED_USER_SUDO : 0);
		if (rc < 0)
			return rc;
	}
	if (rc == 0)
		rc = get_arr(obj, "ssh_keys", VMC_SEED_KEYS_MAX, &arr);
	json_array_foreach(rc == 0 ? arr : NULL, i, v) {
		rc = check_keys(v, "ssh key", key_keys);
		if (rc == 0)
			rc = get_str(v, "user", 0, &a);
		if (rc == 0)
			rc = get_str(v, "key", 1, &b);
		if (rc == 0)
			rc = vmc_seed_add_ssh_key(s, a, b);
		if (rc < 0)
			return rc;
	}
	if (rc == 0)
		rc = get_arr(obj, "write_files", VMC_SEED_FILES_MAX, &arr);
	json_array_foreach(rc == 0 ? arr : NULL, i, v) {
		rc = read_file_entry(s, v);
		if (rc < 0)
			return rc;
	}
	if (rc == 0)
		rc = get_arr(obj, "runcmd", VMC_SEED_CMDS_MAX, &arr);
	json_array_foreach(rc == 0 ? arr : NULL, i, v) {
		rc = with_argv(s, v, vmc_seed_add_runcmd);
		if (rc < 0)
			return rc;
	}
	v = json_object_get(obj, "workload");
	if (rc == 0 && v)
		rc = with_argv(s, v, vmc_seed_set_workload);
	if (rc == 0)
		rc = get_arr(obj, "nics", VMC_DEVICES_MAX, &arr);
	json_array_foreach(rc == 0 ? arr : NULL, i, v) {
		rc = check_keys(v, "nic", nic_keys);
		if (rc == 0)
			rc = get_str(v, "mac", 1, &a);
		if (rc == 0)
			rc = get_str(v, "addr", 0, &b);
		if (rc == 0)
			rc = get_str(v, "gateway", 0, &c);
		if (rc == 0)
			rc = vmc_seed_add_nic(s, a, b, c);
		if (rc < 0)
			return rc;
	}
	if (rc == 0)
		rc = get_arr(obj, "dns", VMC_SEED_DNS_MAX, &arr);
	json_array_foreach(rc == 0 ? arr : NULL, i, v) {
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
			return bad_json("dns: not a string without NUL bytes");
		rc = vmc_seed_add_dns(s, json_string_value(v));
		if (rc < 0)
			return rc;
	}
	return rc;
}

int seed_from_json_t(vmc_seed **out, const json_t *obj)
{
	vmc_seed *s = NULL;
	int rc;

	rc = vmc_seed_new(&s);
	if (rc < 0)
		return rc;
	rc = read_seed(s, obj);
	if (rc < 0) {
		vmc_seed_free(s);
		return vmc_error_prefix(rc, "config json: cloud_init");
	}
	*out = s;
	return 0;
}
