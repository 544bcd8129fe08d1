/*
 * oci_config_fuzzer.c - fuzzes the image config parser with hostile
 * registry bytes. A config that parses must keep its promises: lists
 * NULL-terminated at their counts, bounded, NUL-free strings, Env entries
 * of the form KEY=VALUE, an absolute WorkingDir.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "image/oci_config.h"
#include "vmc.h"

static void check_list(char **list, size_t n)
{
	size_t i;

	if (!list) {
		if (n != 0)
			abort();
		return;
	}
	if (n > OCI_CONFIG_ARGS_MAX || list[n] != NULL)
		abort();
	for (i = 0; i < n; i++)
		if (!list[i] || strlen(list[i]) > OCI_CONFIG_STR_MAX)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_config *c = NULL;
	size_t i;
	int rc;

	rc = oci_config_parse(&c, (const char *)data, size);
	if (rc != 0) {
		if (rc != VMC_EPROTO && rc != VMC_EINVAL && rc != VMC_ENOMEM)
			abort();
		return 0;
	}
	check_list(c->entrypoint, c->n_entrypoint);
	check_list(c->cmd, c->n_cmd);
	check_list(c->env, c->n_env);
	for (i = 0; i < c->n_env; i++) {
		const char *eq = strchr(c->env[i], '=');

		if (!eq || eq == c->env[i])
			abort();
	}
	if (c->working_dir && c->working_dir[0] != '/')
		abort();
	if (c->user && !c->user[0])
		abort();
	oci_config_free(c);
	return 0;
}
