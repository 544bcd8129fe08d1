/*
 * config_image.c - the image part of a vmc_config (see config_image.h):
 * its checks, copy, free and JSON form. The checks mirror what vmc-init
 * accepts, so a config that passes here never gets a workload the guest
 * would refuse or truncate; the one remaining limit, the kernel command
 * line's size, is checked where the line is built (guest_cmdline.c).
 */
#include <stdlib.h>
#include <string.h>

#include "core/config_check.h"
#include "core/config_image.h"
#include "core/error.h"
#include "vmc.h"

static int str_ok(const char *s, size_t max)
{
	return s && strnlen(s, max + 1) <= max && config_check_utf8(s);
}

static int digest_ok(const char *s)
{
	size_t i;

	if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64)
		return 0;
	for (i = 7; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int config_image_check(const struct config_image *im)
{
	size_t i, total = 0;

	if (!str_ok(im->ref, VMC_IMAGE_REF_MAX) || !im->ref[0])
		return vmc_error_set(VMC_EINVAL, "image: bad reference");
	if (!digest_ok(im->digest))
		return vmc_error_set(VMC_EINVAL, "image: bad manifest digest");
	if (!str_ok(im->disk, CONFIG_PATH_MAX) || im->disk[0] != '/')
		return vmc_error_set(VMC_EINVAL, "image: the disk path must be absolute");
	if (im->argc > CONFIG_IMAGE_ARGS_MAX)
		return vmc_error_set(VMC_EINVAL, "image '%s': Entrypoint + Cmd has more than %d "
				     "arguments", im->ref, CONFIG_IMAGE_ARGS_MAX);
	for (i = 0; i < im->argc; i++) {
		if (!str_ok(im->argv[i], CONFIG_IMAGE_ARGS_BYTES) || (i == 0 && !im->argv[0][0]))
			return vmc_error_set(VMC_EINVAL, "image '%s': bad argument %zu", im->ref, i);
		total += strlen(im->argv[i]);
	}
	if (total > CONFIG_IMAGE_ARGS_BYTES)
		return vmc_error_set(VMC_EINVAL, "image '%s': Entrypoint + Cmd longer than %d "
				     "bytes", im->ref, CONFIG_IMAGE_ARGS_BYTES);
	if (im->n_env > CONFIG_IMAGE_ENV_MAX)
		return vmc_error_set(VMC_EINVAL, "image '%s': more than %d Env entries", im->ref,
				     CONFIG_IMAGE_ENV_MAX);
	for (i = 0, total = 0; i < im->n_env; i++) {
		const char *eq;

		if (!str_ok(im->env[i], CONFIG_IMAGE_ENV_BYTES))
			return vmc_error_set(VMC_EINVAL, "image '%s': bad Env entry %zu", im->ref, i);
		eq = strchr(im->env[i], '=');
		if (!eq || eq == im->env[i])
			return vmc_error_set(VMC_EINVAL, "image '%s': Env entry %zu is not KEY=VALUE",
					     im->ref, i);
		total += strlen(im->env[i]);
	}
	if (total > CONFIG_IMAGE_ENV_BYTES)
		return vmc_error_set(VMC_EINVAL, "image '%s': Env longer than %d bytes", im->ref,
				     CONFIG_IMAGE_ENV_BYTES);
	if (im->workdir && (!str_ok(im->workdir, CONFIG_IMAGE_WORKDIR_MAX) || im->workdir[0] != '/'))
		return vmc_error_set(VMC_EINVAL, "image '%s': WorkingDir must be an absolute path "
				     "of at most %d bytes", im->ref, CONFIG_IMAGE_WORKDIR_MAX);
	if (im->user && (!str_ok(im->user, CONFIG_IMAGE_USER_MAX) || !im->user[0] ||
			 im->user[0] == ':'))
		return vmc_error_set(VMC_EINVAL, "image '%s': bad User", im->ref);
	return 0;
}

static void free_strv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void config_image_free(struct config_image *im)
{
	if (!im)
		return;
	free(im->ref);
	free(im->digest);
	free(im->disk);
	free_strv(im->argv);
	free_strv(im->env);
	free(im->workdir);
	free(im->user);
	free(im);
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -1;
}

static int dup_strv(char *const *v, size_t n, char ***out)
{
	size_t i;

	*out = calloc(n + 1, sizeof(char *));
	if (!*out)
		return -1;
	for (i = 0; i < n; i++)
		if (dup_opt(v[i], &(*out)[i]) < 0)
			return -1;
	return 0;
}

int config_image_dup(struct config_image **out, const struct config_image *im)
{
	struct config_image *c;
	int fail = 0;

	*out = NULL;
	if (!im)
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return vmc_error_oom();
	c->argc = im->argc;
	c->n_env = im->n_env;
	fail |= dup_opt(im->ref, &c->ref);
	fail |= dup_opt(im->digest, &c->digest);
	fail |= dup_opt(im->disk, &c->disk);
	fail |= dup_strv(im->argv, im->argc, &c->argv);
	fail |= dup_strv(im->env, im->n_env, &c->env);
	fail |= dup_opt(im->workdir, &c->workdir);
	fail |= dup_opt(im->user, &c->user);
	if (fail) {
		config_image_free(c);
		return vmc_error_oom();
	}
	*out = c;
	return 0;
}

static json_t *strv_json(char *const *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < n; i++) {
		if (json_array_append_new(arr, json_string(v[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *config_image_to_json(const struct config_image *im)
{
	json_t *o = json_object();
	int bad = 0;

	if (!o)
		return NULL;
	bad |= json_object_set_new(o, "ref", json_string(im->ref));
	bad |= json_object_set_new(o, "digest", json_string(im->digest));
	bad |= json_object_set_new(o, "disk", json_string(im->disk));
	bad |= json_object_set_new(o, "argv", strv_json(im->argv, im->argc));
	bad |= json_object_set_new(o, "env", strv_json(im->env, im->n_env));
	if (im->workdir)
		bad |= json_object_set_new(o, "workdir", json_string(im->workdir));
	if (im->user)
		bad |= json_object_set_new(o, "user", json_string(im->user));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int get_str(const json_t *obj, const char *key, int required, char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return required ? vmc_error_set(VMC_EINVAL, "config json: image.%s missing", key) : 0;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return vmc_error_set(VMC_EINVAL, "config json: image.%s is not a string without "
				     "NUL bytes", key);
	*out = strdup(json_string_value(v));
	return *out ? 0 : vmc_error_oom();
}

static int get_strv(const json_t *obj, const char *key, size_t max, char ***out, size_t *n)
{
	json_t *arr = json_object_get(obj, key), *v;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(arr) || json_array_size(arr) > max)
		return vmc_error_set(VMC_EINVAL, "config json: image.%s must be an array of at "
				     "most %zu strings", key, max);
	*out = calloc(json_array_size(arr) + 1, sizeof(char *));
	if (!*out)
		return vmc_error_oom();
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
			return vmc_error_set(VMC_EINVAL, "config json: image.%s[%zu] is not a "
					     "string without NUL bytes", key, i);
		(*out)[i] = strdup(json_string_value(v));
		if (!(*out)[i])
			return vmc_error_oom();
		*n = i + 1;
	}
	return 0;
}

int config_image_from_json(struct config_image **out, const json_t *obj)
{
	static const char *const keys[] = { "ref", "digest", "disk", "argv", "env", "workdir",
					    "user", NULL };
	struct config_image *im = NULL;
	const char *key;
	json_t *v;
	size_t i;
	int rc;

	*out = NULL;
	if (!json_is_object(obj))
		return vmc_error_set(VMC_EINVAL, "config json: 'image' is not an object");
	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; keys[i] && strcmp(keys[i], key) != 0; i++)
			;
		if (!keys[i])
			return vmc_error_set(VMC_EINVAL, "config json: unknown key 'image.%.40s'", key);
	}
	im = calloc(1, sizeof(*im));
	if (!im)
		return vmc_error_oom();
	rc = get_str(obj, "ref", 1, &im->ref);
	if (rc == 0)
		rc = get_str(obj, "digest", 1, &im->digest);
	if (rc == 0)
		rc = get_str(obj, "disk", 1, &im->disk);
	if (rc == 0)
		rc = get_strv(obj, "argv", CONFIG_IMAGE_ARGS_MAX, &im->argv, &im->argc);
	if (rc == 0)
		rc = get_strv(obj, "env", CONFIG_IMAGE_ENV_MAX, &im->env, &im->n_env);
	if (rc == 0)
		rc = get_str(obj, "workdir", 0, &im->workdir);
	if (rc == 0)
		rc = get_str(obj, "user", 0, &im->user);
	if (rc == 0)
		rc = config_image_check(im);
	if (rc < 0) {
		config_image_free(im);
		return rc;
	}
	*out = im;
	return 0;
}
