/*
 * oci_config.c - strict parsing of image config blobs (see oci_config.h).
 * Strings must be JSON strings without NUL bytes (they become argv and
 * environment entries), arrays are capped, "null" is accepted wherever
 * Docker writes it for an absent value, and any other type is an error.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/error.h"
#include "image/oci_config.h"

static int dup_str(json_t *v, const char *what, char **out)
{
	size_t n;

	if (!json_is_string(v))
		return vmc_error_set(VMC_EPROTO, "image config: %s is not a string", what);
	n = json_string_length(v);
	if (n > OCI_CONFIG_STR_MAX)
		return vmc_error_set(VMC_EPROTO, "image config: %s longer than %d bytes", what,
				     OCI_CONFIG_STR_MAX);
	if (memchr(json_string_value(v), '\0', n))
		return vmc_error_set(VMC_EPROTO, "image config: %s contains a NUL byte", what);
	*out = strdup(json_string_value(v));
	if (!*out)
		return vmc_error_oom();
	return 0;
}

static void free_list(char **list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; list[i]; i++)
		free(list[i]);
	free(list);
}

/* A JSON array of strings (or null / absent) into a NULL-terminated list. */
static int str_list(json_t *obj, const char *key, char ***out, size_t *n)
{
	json_t *arr = json_object_get(obj, key);
	char **list;
	size_t i, count;
	int rc;

	*out = NULL;
	*n = 0;
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return vmc_error_set(VMC_EPROTO, "image config: %s is not an array", key);
	count = json_array_size(arr);
	if (count > OCI_CONFIG_ARGS_MAX)
		return vmc_error_set(VMC_EPROTO, "image config: %s has more than %d entries", key,
				     OCI_CONFIG_ARGS_MAX);
	list = calloc(count + 1, sizeof(*list));
	if (!list)
		return vmc_error_oom();
	for (i = 0; i < count; i++) {
		rc = dup_str(json_array_get(arr, i), key, &list[i]);
		if (rc < 0) {
			free_list(list);
			return rc;
		}
	}
	*out = list;
	*n = count;
	return 0;
}

static int opt_str(json_t *obj, const char *key, char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	return dup_str(v, key, out);
}

static int plat_field(json_t *root, const char *key, char *buf, size_t cap)
{
	json_t *v = json_object_get(root, key);
	size_t n;

	buf[0] = '\0';
	if (!v)
		return 0;
	if (!json_is_string(v))
		return vmc_error_set(VMC_EPROTO, "image config: %s is not a string", key);
	n = json_string_length(v);
	if (n >= cap || memchr(json_string_value(v), '\0', n))
		return vmc_error_set(VMC_EPROTO, "image config: invalid %s", key);
	memcpy(buf, json_string_value(v), n + 1);
	return 0;
}

static int check(struct oci_config *c)
{
	size_t i;

	for (i = 0; i < c->n_env; i++) {
		const char *eq = strchr(c->env[i], '=');

		if (!eq || eq == c->env[i])
			return vmc_error_set(VMC_EPROTO, "image config: Env entry %zu is not KEY=VALUE",
					     i);
	}
	if (c->working_dir && c->working_dir[0] == '\0') {
		free(c->working_dir);
		c->working_dir = NULL;
	}
	if (c->working_dir && c->working_dir[0] != '/')
		return vmc_error_set(VMC_EPROTO, "image config: WorkingDir is not absolute");
	if (c->user && c->user[0] == '\0') {
		free(c->user);
		c->user = NULL;
	}
	return 0;
}

static int parse_root(struct oci_config *c, json_t *root)
{
	json_t *cfg;
	int rc;

	if (!json_is_object(root))
		return vmc_error_set(VMC_EPROTO, "image config: not a JSON object");
	rc = plat_field(root, "os", c->platform.os, sizeof(c->platform.os));
	if (rc == 0)
		rc = plat_field(root, "architecture", c->platform.architecture,
				sizeof(c->platform.architecture));
	if (rc == 0)
		rc = plat_field(root, "variant", c->platform.variant, sizeof(c->platform.variant));
	if (rc < 0)
		return rc;
	cfg = json_object_get(root, "config");
	if (!cfg || json_is_null(cfg))
		return 0;
	if (!json_is_object(cfg))
		return vmc_error_set(VMC_EPROTO, "image config: 'config' is not an object");
	rc = str_list(cfg, "Entrypoint", &c->entrypoint, &c->n_entrypoint);
	if (rc == 0)
		rc = str_list(cfg, "Cmd", &c->cmd, &c->n_cmd);
	if (rc == 0)
		rc = str_list(cfg, "Env", &c->env, &c->n_env);
	if (rc == 0)
		rc = opt_str(cfg, "WorkingDir", &c->working_dir);
	if (rc == 0)
		rc = opt_str(cfg, "User", &c->user);
	if (rc == 0)
		rc = check(c);
	return rc;
}

int oci_config_parse(struct oci_config **out, const char *buf, size_t len)
{
	struct oci_config *c = NULL;
	json_error_t jerr;
	json_t *root = NULL;
	int rc;

	if (len > OCI_CONFIG_MAX)
		return vmc_error_set(VMC_EINVAL, "image config larger than %d bytes", OCI_CONFIG_MAX);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!root)
		return vmc_error_set(VMC_EPROTO, "image config: invalid JSON at line %d: %s",
				     jerr.line, jerr.text);
	c = calloc(1, sizeof(*c));
	if (!c) {
		rc = vmc_error_oom();
		goto out;
	}
	rc = parse_root(c, root);
	if (rc < 0)
		goto out;
	*out = c;
	c = NULL;
out:
	oci_config_free(c);
	json_decref(root);
	return rc;
}

void oci_config_free(struct oci_config *cfg)
{
	if (!cfg)
		return;
	free_list(cfg->entrypoint);
	free_list(cfg->cmd);
	free_list(cfg->env);
	free(cfg->working_dir);
	free(cfg->user);
	free(cfg);
}
