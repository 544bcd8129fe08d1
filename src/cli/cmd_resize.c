/*
 * cmd_resize.c - `vmc resize NAME [--cpus N] [--memory MIB] [--timeout S]`:
 * a thin shell over vmc_manager_resize(). Prints the VM's name (its state
 * as JSON with --json). At least one of --cpus and --memory; the VM must
 * have been started with room to grow (`vmc run --max-cpus/--max-memory`).
 */
#include <limits.h>
#include <stdio.h>

#include "args.h"
#include "cli.h"
#include "output.h"

enum { OPT_CPUS = 1, OPT_MEMORY, OPT_TIMEOUT };

#define RESIZE_TIMEOUT_MS 30000

static const struct cli_option resize_options[] = {
	{ "cpus", 0, 1, OPT_CPUS },
	{ "memory", 0, 1, OPT_MEMORY },
	{ "timeout", 't', 1, OPT_TIMEOUT },
	{ NULL, 0, 0, 0 },
};

static int cmd_resize(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	const char *values[CLI_COLLECT_MAX_ID] = { NULL };
	char vm[2 * VMC_NAME_MAX + 2];
	unsigned long cpus = 0, mib = 0;
	int timeout = RESIZE_TIMEOUT_MS, rc;
	vmc_state st;

	rc = cli_vm_arg(ctx, cmd, argc, argv, resize_options, values, vm, sizeof(vm));
	if (rc >= 0)
		return rc;
	if (!values[OPT_CPUS] && !values[OPT_MEMORY])
		return cli_usage_error(cmd, "give --cpus N, --memory MIB or both");
	if (values[OPT_CPUS] && (cli_parse_uint(values[OPT_CPUS], VMC_CPUS_MAX, &cpus) < 0 ||
				 cpus == 0))
		return cli_usage_error(cmd, "--cpus '%s': expected 1..%d", values[OPT_CPUS],
				       VMC_CPUS_MAX);
	if (values[OPT_MEMORY] &&
	    (cli_parse_uint(values[OPT_MEMORY], VMC_MEMORY_MIB_MAX, &mib) < 0 || mib == 0))
		return cli_usage_error(cmd, "--memory '%s': expected MiB as a number",
				       values[OPT_MEMORY]);
	if (values[OPT_TIMEOUT] && cli_parse_seconds_ms(values[OPT_TIMEOUT], &timeout) < 0)
		return cli_usage_error(cmd, "--timeout '%s': expected seconds", values[OPT_TIMEOUT]);
	rc = cli_manager(ctx);
	if (rc)
		return rc;
	rc = vmc_manager_resize(ctx->mgr, vm, (unsigned int)cpus, (unsigned int)mib, timeout);
	if (rc < 0)
		return cli_fail(rc, "resize '%s'", vm);
	if (ctx->json) {
		if (vmc_manager_state(ctx->mgr, vm, &st) < 0)
			return cli_fail(VMC_ERROR, "state of '%s'", vm);
		if (output_json_print(output_vm_object_q(vm, &st), 0) < 0)
			return cli_error("cannot write output");
	} else if (!ctx->quiet) {
		printf("%s\n", vm);
	}
	return CLI_EXIT_OK;
}

const struct cli_command cli_cmd_resize = {
	.name = "resize",
	.usage = "resize NAME [--cpus N] [--memory MIB] [--timeout SECONDS]",
	.help = "Changes a running VM's vCPUs and memory (MiB), within the maximum it was\n"
		"started with (vmc run --max-cpus, --max-memory). The guest brings new\n"
		"vCPUs and memory online itself. Cloud Hypervisor only (on the qemu\n"
		"backend it exits 2, unsupported). --timeout defaults to 30 s.\n",
	.fn = cmd_resize,
};
