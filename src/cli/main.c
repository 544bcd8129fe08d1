/*
 * main.c - entry point of the `vmc` command-line tool: global flags, the
 * command table, dispatch, top-level help and the shared error helpers.
 *
 * main() owns the one struct cli_ctx of the invocation. It parses global
 * flags up to the verb, looks the verb up in the table and hands it the
 * remaining arguments; the command parses its own options (and global flags
 * again, so they work after the verb too). The manager is opened lazily by
 * the first command that needs it and freed here. Exit codes: 0 ok, 1
 * failed, 2 usage, 3 not found, 4 timeout.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"

static const struct cli_command *const commands[] = {
	&cli_cmd_run,   &cli_cmd_ls,     &cli_cmd_inspect, &cli_cmd_logs,
	&cli_cmd_wait,  &cli_cmd_stop,   &cli_cmd_kill,    &cli_cmd_pause,
	&cli_cmd_resume, &cli_cmd_rm, &cli_cmd_snapshot, &cli_cmd_restore, &cli_cmd_resize,
	&cli_cmd_reboot,
	/* disks (issue 8) -- add entries below this line */
	&cli_cmd_disk, &cli_cmd_ssh,
	/* images (issue 7) -- add entries below this line */
	&cli_cmd_images, &cli_cmd_rmi, &cli_cmd_image,
	&cli_cmd_pull,
	/* networks (issue 6) -- add entries below this line */
	&cli_cmd_net,
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cli_command cmd_main = {
	.name = "",
	.usage = "[--state-dir DIR] [--json] [-q|-v] COMMAND [ARGS...]",
	.help = NULL,
	.fn = NULL,
};

int cli_exit_code(int vmc_rc)
{
	switch (vmc_rc) {
	case VMC_OK:
		return CLI_EXIT_OK;
	case VMC_ENOTFOUND:
		return CLI_EXIT_NOTFOUND;
	case VMC_ETIMEOUT:
		return CLI_EXIT_TIMEOUT;
	case VMC_EINVAL:
	case VMC_EUNSUPPORTED:
		return CLI_EXIT_USAGE;
	default:
		return CLI_EXIT_FAILED;
	}
}

int cli_fail(int vmc_rc, const char *fmt, ...)
{
	const char *msg = vmc_error_last();
	va_list ap;

	if (!msg || !msg[0])
		msg = vmc_strerror(vmc_rc);
	fputs("vmc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", msg);
	return cli_exit_code(vmc_rc);
}

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vmc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_FAILED;
}

int cli_manager(struct cli_ctx *ctx)
{
	int rc;

	if (ctx->mgr)
		return 0;
	rc = vmc_manager_open(&ctx->mgr, ctx->state_dir);
	if (rc < 0) {
		ctx->mgr = NULL;
		if (ctx->state_dir)
			return cli_fail(rc, "cannot open state directory '%s'", ctx->state_dir);
		return cli_fail(rc, "cannot open the state directory");
	}
	return 0;
}

static void print_main_help(void)
{
	size_t i;

	printf("usage: vmc %s\n"
	       "       vmc help [COMMAND] | vmc --version\n\n"
	       "Boots and manages lightweight Linux virtual machines.\n\n"
	       "Commands:\n",
	       cmd_main.usage);
	for (i = 0; i < N_COMMANDS; i++)
		printf("  %s\n", commands[i]->usage);
	printf("\nGlobal options (accepted before or after the command):\n"
	       "  --state-dir DIR   state directory (default $VMC_STATE_DIR,\n"
	       "                    $XDG_RUNTIME_DIR/vmc, or /run/vmc for root)\n"
	       "  --namespace NS    qualify NAMEs as NS/NAME (NAME may also be NS/NAME)\n"
	       "  --json            machine-readable output (one JSON value)\n"
	       "  -q, --quiet       print less\n"
	       "  -v, --verbose     print more\n"
	       "  -h, --help        help (also: vmc COMMAND --help)\n"
	       "  --version         print the version\n\n"
	       "Exit codes: 0 ok, 1 operation failed, 2 usage or invalid value,\n"
	       "3 no such VM or file, 4 timeout; `vmc run` in the foreground exits\n"
	       "with the workload's status.\n");
}

static const struct cli_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++) {
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	}
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 1) {
		print_main_help();
		return CLI_EXIT_OK;
	}
	cmd = find_command(argv[0]);
	if (!cmd)
		return cli_usage_error(&cmd_main, "unknown command '%s'", argv[0]);
	cli_print_help(cmd);
	return CLI_EXIT_OK;
}

static const struct cli_option main_options[] = {
	{ "version", 0, 0, CLI_OPT_VERSION },
	{ NULL, 0, 0, 0 },
};

int main(int argc, char **argv)
{
	struct cli_ctx ctx = { 0 };
	struct cli_getopt g;
	const struct cli_command *cmd;
	const char *verb = NULL;
	int rc = CLI_EXIT_OK, id;

	cli_getopt_init(&g, argc - 1, argv + 1, main_options);
	while (!verb) {
		id = cli_getopt_next(&g);
		switch (id) {
		case CLI_OPT_END:
			print_main_help();
			rc = CLI_EXIT_USAGE;
			goto out;
		case CLI_OPT_VERSION:
			printf("vmc %s (libvmc %d.%d.%d)\n", VMC_VERSION,
			       vmc_version_number() / 1000000, vmc_version_number() / 1000 % 1000,
			       vmc_version_number() % 1000);
			goto out;
		case CLI_OPT_HELP:
			print_main_help();
			goto out;
		case CLI_OPT_POSITIONAL:
			verb = g.arg;
			break;
		case CLI_OPT_DASHDASH:
			rc = cli_usage_error(&cmd_main, "missing command");
			goto out;
		default:
			rc = cli_common_option(&ctx, &cmd_main, &g, id);
			if (rc >= 0)
				goto out;
			rc = CLI_EXIT_OK;
			break;
		}
	}
	if (strcmp(verb, "help") == 0) {
		rc = cmd_help(g.argc - g.index, g.argv + g.index);
		goto out;
	}
	cmd = find_command(verb);
	if (!cmd) {
		rc = cli_usage_error(&cmd_main, "unknown command '%s' (see vmc --help)", verb);
		goto out;
	}
	rc = cmd->fn(&ctx, cmd, g.argc - g.index, g.argv + g.index);
out:
	vmc_manager_free(ctx.mgr);
	if (fflush(stdout) == EOF && rc == CLI_EXIT_OK)
		rc = CLI_EXIT_FAILED;
	return rc;
}
