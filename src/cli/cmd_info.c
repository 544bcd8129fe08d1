/*
 * cmd_info.c - `vmc ls` and `vmc inspect`: read-only views of the state
 * directory through vmc_manager_list(), vmc_manager_state() and
 * vmc_manager_config().
 *
 * ls shows every VM of one namespace (--namespace, else "default") in any
 * state, stopped and failed ones included, so a script sees what `rm` would
 * act on; --all widens it to every namespace. The table is aligned to its
 * widest cell; --json prints an array of the same objects `wait --json`
 * prints. inspect prints the state and the config the VM was started with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"

enum {
	OPT_ALL = 1,
};

static const struct cli_option ls_options[] = {
	{ "all", 'a', 0, OPT_ALL },
	{ NULL, 0, 0, 0 },
};

static const struct cli_option inspect_options[] = {
	{ NULL, 0, 0, 0 },
};

#define LS_COLS 7

struct ls_row {
	char cell[LS_COLS][VMC_STATE_REASON_MAX];
};

static void ls_fill(struct ls_row *r, const vmc_vm_info *vm, int64_t now)
{
	char age[32];

	snprintf(r->cell[0], sizeof(r->cell[0]), "%s", vm->ns);
	snprintf(r->cell[1], sizeof(r->cell[1]), "%s", vm->name);
	snprintf(r->cell[2], sizeof(r->cell[2]), "%s", vmc_state_name(vm->state.kind));
	snprintf(r->cell[3], sizeof(r->cell[3]), "%s", output_first_ip(&vm->state));
	if (vm->state.pid > 0)
		snprintf(r->cell[4], sizeof(r->cell[4]), "%d", vm->state.pid);
	else
		snprintf(r->cell[4], sizeof(r->cell[4]), "-");
	if (vm->state.since_ms > 0) {
		output_duration(age, sizeof(age), now - vm->state.since_ms);
		snprintf(r->cell[5], sizeof(r->cell[5]), "%s", age);
	} else {
		snprintf(r->cell[5], sizeof(r->cell[5]), "-");
	}
	snprintf(r->cell[6], sizeof(r->cell[6]), "%s", vm->state.reason[0] ? vm->state.reason : "-");
}

static void ls_print_table(struct ls_row *rows, size_t n, int cols)
{
	size_t width[LS_COLS] = { 0 };
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		for (c = 0; c < cols; c++) {
			size_t len = strlen(rows[i].cell[c]);

			if (len > width[c])
				width[c] = len;
		}
	}
	for (i = 0; i < n; i++) {
		for (c = 0; c < cols; c++) {
			if (c == cols - 1)
				printf("%s\n", rows[i].cell[c]);
			else
				printf("%-*s  ", (int)width[c], rows[i].cell[c]);
		}
	}
}

static int cmd_ls(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	static const char *const header[LS_COLS] = { "NAMESPACE", "NAME", "STATE", "IP",
						     "PID", "SINCE", "REASON" };
	struct cli_getopt g;
	vmc_vm_info *vms = NULL;
	struct ls_row *rows = NULL;
	json_t *arr = NULL;
	const char *ns;
	size_t count = 0, i, n = 0;
	int all = 0, id, rc, exit_rc = CLI_EXIT_OK;
	int64_t now = output_now_ms();

	cli_getopt_init(&g, argc, argv, ls_options);
	for (;;) {
		id = cli_getopt_next(&g);
		if (id == CLI_OPT_END)
			break;
		if (id == OPT_ALL) {
			all = 1;
			continue;
		}
		rc = cli_common_option(ctx, cmd, &g, id);
		if (rc >= 0)
			return rc;
	}
	ns = ctx->ns ? ctx->ns : "default";
	exit_rc = cli_manager(ctx);
	if (exit_rc)
		return exit_rc;
	rc = vmc_manager_list(ctx->mgr, &vms, &count);
	if (rc < 0)
		return cli_fail(rc, "cannot list VMs");
	if (ctx->json) {
		arr = json_array();
		if (!arr) {
			exit_rc = cli_error("out of memory");
			goto out;
		}
		for (i = 0; i < count; i++) {
			if (!all && strcmp(vms[i].ns, ns) != 0)
				continue;
			if (json_array_append_new(arr, output_vm_object(vms[i].ns, vms[i].name,
									&vms[i].state)) < 0) {
				exit_rc = cli_error("out of memory");
				goto out;
			}
		}
		if (output_json_print(arr, 0) < 0)
			exit_rc = cli_error("cannot write output");
		arr = NULL;
		goto out;
	}
	rows = calloc(count + 1, sizeof(*rows));
	if (!rows) {
		exit_rc = cli_error("out of memory");
		goto out;
	}
	for (i = 0; i < LS_COLS; i++)
		snprintf(rows[0].cell[i], sizeof(rows[0].cell[i]), "%s", header[i]);
	n = 1;
	for (i = 0; i < count; i++) {
		if (!all && strcmp(vms[i].ns, ns) != 0)
			continue;
		ls_fill(&rows[n++], &vms[i], now);
	}
	if (!ctx->quiet || n > 1)
		ls_print_table(ctx->quiet ? rows + 1 : rows, ctx->quiet ? n - 1 : n,
			       ctx->verbose ? LS_COLS : LS_COLS - 1);
out:
	json_decref(arr);
	free(rows);
	vmc_free(vms);
	return exit_rc;
}

static void inspect_human(const char *vm, const vmc_state *st, json_t *config)
{
	char ns[VMC_NAME_MAX + 1], name[VMC_NAME_MAX + 1], line[512], ts[64], age[32];
	char *text;
	int i;

	if (cli_split_name(vm, ns, sizeof(ns), name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "?");
	output_state_line(line, sizeof(line), st);
	printf("name:       %s\n", name);
	printf("namespace:  %s\n", ns);
	printf("state:      %s\n", line);
	if (st->since_ms > 0) {
		output_timestamp(ts, sizeof(ts), st->since_ms);
		output_duration(age, sizeof(age), output_now_ms() - st->since_ms);
		printf("since:      %s (%s ago)\n", ts, age);
	}
	for (i = 0; i < VMC_STATE_IP_MAX; i++) {
		if (st->ip[i][0])
			printf("ip:         %s\n", st->ip[i]);
	}
	if (st->pid > 0)
		printf("pid:        %d\n", st->pid);
	if (st->boot_ms >= 0)
		printf("boot:       %lld ms\n", (long long)st->boot_ms);
	if (st->exit_code >= 0)
		printf("exit code:  %d\n", st->exit_code);
	if (st->signal > 0)
		printf("signal:     %d\n", st->signal);
	if (st->reason[0])
		printf("reason:     %s\n", st->reason);
	if (!config)
		return;
	text = json_dumps(config, JSON_INDENT(2));
	if (text) {
		printf("config:     %s\n", text);
		free(text);
	}
}

static int cmd_inspect(struct cli_ctx *ctx, const struct cli_command *cmd, int argc,
		       char **argv)
{
	char vm[2 * VMC_NAME_MAX + 2];
	vmc_config *cfg = NULL;
	char *cfg_json = NULL;
	json_t *config = NULL, *obj = NULL, *state = NULL;
	json_error_t jerr;
	vmc_state st;
	int rc, exit_rc = CLI_EXIT_OK;

	rc = cli_vm_arg(ctx, cmd, argc, argv, inspect_options, NULL, vm, sizeof(vm));
	if (rc >= 0)
		return rc;
	exit_rc = cli_manager(ctx);
	if (exit_rc)
		return exit_rc;
	rc = vmc_manager_state(ctx->mgr, vm, &st);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "inspect '%s'", vm);
		goto out;
	}
	rc = vmc_manager_config(ctx->mgr, vm, &cfg);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "inspect '%s': config", vm);
		goto out;
	}
	rc = vmc_config_to_json(cfg, &cfg_json);
	if (rc < 0) {
		exit_rc = cli_fail(rc, "inspect '%s': config", vm);
		goto out;
	}
	config = json_loads(cfg_json, 0, &jerr);
	if (!config) {
		exit_rc = cli_error("inspect '%s': config: %s", vm, jerr.text);
		goto out;
	}
	if (!ctx->json) {
		inspect_human(vm, &st, config);
		goto out;
	}
	obj = output_vm_object_q(vm, NULL);
	state = json_object();
	if (!obj || !state || output_state_fields(state, &st) < 0 ||
	    json_object_set(obj, "state", state) < 0 || json_object_set(obj, "config", config) < 0) {
		exit_rc = cli_error("out of memory");
		goto out;
	}
	if (output_json_print(obj, 1) < 0)
		exit_rc = cli_error("cannot write output");
	obj = NULL;
out:
	json_decref(obj);
	json_decref(state);
	json_decref(config);
	vmc_free(cfg_json);
	vmc_config_free(cfg);
	return exit_rc;
}

const struct cli_command cli_cmd_ls = {
	.name = "ls",
	.usage = "ls [--all]",
	.help = "Lists the VMs of the namespace (--namespace NS, default \"default\") in\n"
		"every state, stopped and failed ones included; --all (-a) lists every\n"
		"namespace. Columns: NAMESPACE NAME STATE IP PID SINCE (time in the\n"
		"current state), plus REASON with -v; -q omits the header. --json prints\n"
		"an array of {\"namespace\",\"name\",\"state\",\"reason\",\"ip\",\"exit_code\",\n"
		"\"signal\",\"pid\",\"boot_ms\",\"since_ms\",\"since\"}.\n",
	.fn = cmd_ls,
};

const struct cli_command cli_cmd_inspect = {
	.name = "inspect",
	.usage = "inspect NAME",
	.help = "Shows the VM's state and the config it was started with; --json prints\n"
		"{\"name\",\"namespace\",\"state\":{...},\"config\":{...}}.\n",
	.fn = cmd_inspect,
};
