/*
 * cmd_disk.c - `vmc disk create PATH SIZE` and `vmc disk clone BASE NEW`:
 * thin shells over vmc_disk_create() and vmc_disk_clone(); `vmc disk add
 * NAME PATH [--format raw|qcow2] [--ro]` and `vmc disk rm NAME ID` over
 * vmc_manager_disk_add() and vmc_manager_disk_remove() (hot-plug).
 *
 * SIZE is a whole number of bytes or of K, M, G or T (powers of 1024,
 * either case, "iB" optional: 512M, 1G, 1GiB) and must come out as a
 * multiple of 512. create prints PATH; clone prints NEW and the method it
 * used ("reflink", "copy_range" or "copy"); with --json one object. An
 * existing target is never overwritten (exit 1), a missing BASE exits 3,
 * a bad SIZE exits 2.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"

/* Parses SIZE; returns 0 or -1. */
static int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	uint64_t v = 0, mult = 1;
	size_t i = 0;
	const char *u;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (s[i]) {
		char c = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];

		u = strchr(units, c);
		if (!u || c == '\0')
			return -1;
		for (long k = 0; k <= u - units; k++)
			mult *= 1024;
		i++;
		if (strcmp(s + i, "") != 0 && strcmp(s + i, "iB") != 0 && strcmp(s + i, "B") != 0)
			return -1;
	}
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/* The library's message names the files already. */
static int report(int rc)
{
	cli_error("%s", vmc_error_last());
	return cli_exit_code(rc);
}

/* Exactly `want` positionals after the subcommand. Returns -1 to go on or
 * an exit code. */
static int get_args(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv,
		    const char **pos, int want, const char *what)
{
	static const struct cli_option opts[] = { { NULL, 0, 0, 0 } };
	int n, rc = cli_collect(ctx, cmd, argc, argv, opts, pos, want, &n, NULL);

	if (rc >= 0)
		return rc;
	return n == want ? -1 : cli_usage_error(cmd, "expected %s", what);
}

static int disk_create(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *pos[2];
	uint64_t size = 0;
	json_t *obj;
	int rc;

	rc = get_args(ctx, cmd, argc, argv, pos, 2, "PATH SIZE after 'create'");
	if (rc >= 0)
		return rc;
	if (parse_size(pos[1], &size) < 0)
		return cli_usage_error(cmd, "SIZE '%s': expected bytes or a number with K, M, G or T",
				       pos[1]);
	rc = vmc_disk_create(pos[0], size);
	if (rc < 0)
		return report(rc);
	if (ctx->json) {
		obj = json_object();
		if (obj) {
			json_object_set_new(obj, "path", output_json_string(pos[0]));
			json_object_set_new(obj, "size", json_integer((json_int_t)size));
		}
		if (output_json_print(obj, 0) < 0)
			return cli_error("cannot write output");
	} else if (!ctx->quiet) {
		printf("%s\n", pos[0]);
	}
	return CLI_EXIT_OK;
}

static int disk_clone(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	vmc_clone_method m = VMC_CLONE_COPY;
	const char *pos[2];
	json_t *obj;
	int rc;

	rc = get_args(ctx, cmd, argc, argv, pos, 2, "BASE NEW after 'clone'");
	if (rc >= 0)
		return rc;
	rc = vmc_disk_clone(pos[0], pos[1], &m);
	if (rc < 0)
		return report(rc);
	if (ctx->json) {
		obj = json_object();
		if (obj) {
			json_object_set_new(obj, "base", output_json_string(pos[0]));
			json_object_set_new(obj, "path", output_json_string(pos[1]));
			json_object_set_new(obj, "method", json_string(vmc_clone_method_name(m)));
		}
		if (output_json_print(obj, 0) < 0)
			return cli_error("cannot write output");
	} else if (!ctx->quiet) {
		printf("%s (%s)\n", pos[1], vmc_clone_method_name(m));
	}
	return CLI_EXIT_OK;
}

enum { OPT_FORMAT = 1, OPT_RO };

/* vmc disk add NAME PATH [--format raw|qcow2] [--ro]: prints the device id */
static int disk_add(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_option opts[] = {
		{ "format", 0, 1, OPT_FORMAT },
		{ "ro", 0, 0, OPT_RO },
		{ NULL, 0, 0, 0 },
	};
	const char *pos[2], *values[CLI_COLLECT_MAX_ID] = { NULL };
	vmc_disk_format format = VMC_DISK_RAW;
	char vm[2 * VMC_NAME_MAX + 2], *id = NULL;
	int n, rc;

	rc = cli_collect(ctx, cmd, argc, argv, opts, pos, 2, &n, values);
	if (rc >= 0)
		return rc;
	if (n != 2)
		return cli_usage_error(cmd, "expected NAME PATH after 'add'");
	if (cli_qualify(ctx->ns, pos[0], vm, sizeof(vm)) < 0)
		return cli_usage_error(cmd, "bad NAME '%s'", pos[0]);
	if (values[OPT_FORMAT] && !strcmp(values[OPT_FORMAT], "qcow2"))
		format = VMC_DISK_QCOW2;
	else if (values[OPT_FORMAT] && strcmp(values[OPT_FORMAT], "raw") != 0)
		return cli_usage_error(cmd, "--format '%s': expected raw or qcow2", values[OPT_FORMAT]);
	rc = cli_manager(ctx);
	if (rc)
		return rc;
	rc = vmc_manager_disk_add(ctx->mgr, vm, pos[1], format, values[OPT_RO] != NULL, &id);
	if (rc < 0)
		return cli_fail(rc, "disk add '%s'", vm);
	rc = CLI_EXIT_OK;
	if (ctx->json) {
		json_t *obj = json_pack("{s:s, s:s, s:o}", "name", vm, "id", id, "path",
					output_json_string(pos[1]));
		if (output_json_print(obj, 0) < 0)
			rc = cli_error("cannot write output");
	} else if (!ctx->quiet) {
		printf("%s\n", id);
	}
	vmc_free(id);
	return rc;
}

/* vmc disk rm NAME ID */
static int disk_rm(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	char vm[2 * VMC_NAME_MAX + 2];
	const char *pos[2];
	int rc;

	rc = get_args(ctx, cmd, argc, argv, pos, 2, "NAME ID after 'rm'");
	if (rc >= 0)
		return rc;
	if (cli_qualify(ctx->ns, pos[0], vm, sizeof(vm)) < 0)
		return cli_usage_error(cmd, "bad NAME '%s'", pos[0]);
	rc = cli_manager(ctx);
	if (rc)
		return rc;
	rc = vmc_manager_disk_remove(ctx->mgr, vm, pos[1]);
	if (rc < 0)
		return cli_fail(rc, "disk rm '%s' %s", vm, pos[1]);
	return CLI_EXIT_OK;
}

static int cmd_disk(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
		{ "create", disk_create },
		{ "clone", disk_clone },
		{ "add", disk_add },
		{ "rm", disk_rm },
	};

	return cli_dispatch(ctx, cmd, argc, argv, subs, sizeof(subs) / sizeof(subs[0]),
			    "create, clone, add or rm");
}

const struct cli_command cli_cmd_disk = {
	.name = "disk",
	.usage = "disk create PATH SIZE | clone BASE NEW | add NAME PATH [--format raw|qcow2] "
		 "[--ro] | rm NAME ID",
	.help = "create: makes PATH a sparse raw disk image of SIZE bytes (or K, M, G, T:\n"
		"powers of 1024, e.g. 512M, 1G; a multiple of 512). Prints PATH.\n"
		"clone: copies the raw disk BASE to NEW copy-on-write where the\n"
		"filesystem can (reflink on XFS or btrfs), else with copy_file_range,\n"
		"else with a plain copy, keeping holes. Prints \"NEW (METHOD)\" with METHOD\n"
		"reflink, copy_range or copy; --json: {\"base\",\"path\",\"method\"}.\n"
		"Neither ever overwrites an existing file (exit 1); a missing BASE or\n"
		"directory exits 3, a bad SIZE 2.\n"
		"add: hot-adds the image PATH to the running VM NAME (Cloud Hypervisor)\n"
		"and prints the device ID it got; rm: hot-removes device ID. Hot-added\n"
		"disks are not kept in the VM's config.\n",
	.fn = cmd_disk,
};
