/*
 * cmd_snapshot.c - `vmc snapshot NAME DIR` and `vmc restore DIR [--name
 * NAME]`: thin shells over vmc_manager_snapshot() and
 * vmc_manager_restore(). snapshot prints DIR; restore prints the new VM's
 * name and state (JSON with --json).
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"

enum { OPT_NAME = 1 };

static const struct cli_option snapshot_options[] = { { NULL, 0, 0, 0 } };
static const struct cli_option restore_options[] = {
	{ "name", 0, 1, OPT_NAME },
	{ NULL, 0, 0, 0 },
};

static int cmd_snapshot(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *pos[2];
	char vm[2 * VMC_NAME_MAX + 2];
	int n, rc;

	rc = cli_collect(ctx, cmd, argc, argv, snapshot_options, pos, 2, &n, NULL);
	if (rc >= 0)
		return rc;
	if (n != 2)
		return cli_usage_error(cmd, "expected NAME DIR");
	if (cli_qualify(ctx->ns, pos[0], vm, sizeof(vm)) < 0)
		return cli_usage_error(cmd, "bad NAME '%s'", pos[0]);
	rc = cli_manager(ctx);
	if (rc)
		return rc;
	rc = vmc_manager_snapshot(ctx->mgr, vm, pos[1]);
	if (rc < 0)
		return cli_fail(rc, "snapshot '%s'", vm);
	if (ctx->json) {
		json_t *obj = json_pack("{s:s, s:o}", "name", vm, "dir", output_json_string(pos[1]));
		if (output_json_print(obj, 0) < 0)
			return cli_error("cannot write output");
	} else if (!ctx->quiet) {
		printf("%s\n", pos[1]);
	}
	return CLI_EXIT_OK;
}

static int cmd_restore(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *pos[1], *values[CLI_COLLECT_MAX_ID] = { NULL };
	char *vm = NULL;
	vmc_state st;
	int n, rc;

	rc = cli_collect(ctx, cmd, argc, argv, restore_options, pos, 1, &n, values);
	if (rc >= 0)
		return rc;
	if (n != 1)
		return cli_usage_error(cmd, "expected DIR");
	rc = cli_manager(ctx);
	if (rc)
		return rc;
	rc = vmc_manager_restore(ctx->mgr, pos[0], values[OPT_NAME], &vm);
	if (rc < 0)
		return cli_fail(rc, "restore '%s'", pos[0]);
	rc = CLI_EXIT_OK;
	if (ctx->json) {
		if (vmc_manager_state(ctx->mgr, vm, &st) < 0)
			rc = cli_fail(VMC_ERROR, "state of '%s'", vm);
		else if (output_json_print(output_vm_object_q(vm, &st), 0) < 0)
			rc = cli_error("cannot write output");
	} else if (!ctx->quiet) {
		printf("%s\n", vm);
	}
	vmc_free(vm);
	return rc;
}

const struct cli_command cli_cmd_snapshot = {
	.name = "snapshot",
	.usage = "snapshot NAME DIR",
	.help = "Saves the VM's memory and device state into DIR (created; it must not\n"
		"exist). A running VM pauses for the copy and then runs on. Disks are not\n"
		"copied: restore with them unchanged.\n",
	.fn = cmd_snapshot,
};

const struct cli_command cli_cmd_restore = {
	.name = "restore",
	.usage = "restore DIR [--name NAME]",
	.help = "Starts a new VM from the snapshot in DIR, in the state it was saved in\n"
		"(a ready VM is ready again at once), named NAME or as it was saved.\n",
	.fn = cmd_restore,
};
