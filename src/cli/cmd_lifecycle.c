/*
 * cmd_lifecycle.c - `vmc stop`, `kill`, `pause`, `resume`, `reboot`, `rm` and `wait`:
 * each a loop over NAME arguments around one vmc_manager call.
 *
 * stop, kill, pause, resume and rm accept several NAMEs; every one is tried,
 * failures are reported one line each on stderr and the exit code is that of
 * the last failure. With --json a single NAME prints one object and several
 * print an array of the ones that succeeded. wait takes one NAME and exits 4
 * on timeout and 1 when the VM ended in another final state, printing the
 * state it saw either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"

enum {
	OPT_TIMEOUT = 1,
	OPT_FORCE,
	OPT_STATE,
};

struct lc_opts {
	int timeout_ms;
	int force;
	vmc_state_kind want;
	int many; /* more than one NAME */
};

/* Runs the vmc call for `vm` and fills obj (JSON) and line (human). */
typedef int (*lc_action)(struct cli_ctx *ctx, const struct lc_opts *o, const char *vm,
			 json_t *obj, char *line, size_t size);

/* Parses options and NAMEs; *names (freed by the caller) points into argv.
 * Returns -1 to go on or an exit code. */
static int lc_parse(struct cli_ctx *ctx, const struct cli_command *cmd,
		    const struct cli_option *opts, int argc, char **argv, struct lc_opts *o,
		    const char ***names, int *n)
{
	struct cli_getopt g;
	int id, rc;

	*n = 0;
	*names = calloc((size_t)argc + 1, sizeof(**names));
	if (!*names)
		return cli_error("out of memory");
	cli_getopt_init(&g, argc, argv, opts);
	for (;;) {
		id = cli_getopt_next(&g);
		switch (id) {
		case CLI_OPT_END:
			if (*n == 0)
				return cli_usage_error(cmd, "missing NAME");
			o->many = *n > 1;
			return -1;
		case CLI_OPT_POSITIONAL:
			(*names)[(*n)++] = g.arg;
			break;
		case OPT_TIMEOUT:
			if (cli_parse_seconds_ms(g.arg, &o->timeout_ms) < 0)
				return cli_usage_error(cmd, "--timeout '%s': expected whole seconds",
						       g.arg);
			break;
		case OPT_FORCE:
			o->force = 1;
			break;
		case OPT_STATE:
			if (vmc_state_from_name(&o->want, g.arg) < 0 ||
			    (o->want != VMC_STATE_READY && o->want != VMC_STATE_RUNNING &&
			     o->want != VMC_STATE_PAUSED && o->want != VMC_STATE_STOPPED &&
			     o->want != VMC_STATE_FAILED))
				return cli_usage_error(
					cmd, "--state '%s': expected ready, running, paused, stopped or failed",
					g.arg);
			break;
		default:
			rc = cli_common_option(ctx, cmd, &g, id);
			if (rc >= 0)
				return rc;
			break;
		}
	}
}

static int lc_run(struct cli_ctx *ctx, const struct cli_command *cmd,
		  const struct cli_option *opts, int argc, char **argv, struct lc_opts *o,
		  lc_action action)
{
	const char **names = NULL;
	json_t *arr = NULL, *obj = NULL;
	char vm[2 * VMC_NAME_MAX + 2], line[512];
	int n = 0, i, rc, exit_rc = CLI_EXIT_OK;

	rc = lc_parse(ctx, cmd, opts, argc, argv, o, &names, &n);
	if (rc >= 0) {
		exit_rc = rc;
		goto out;
	}
	rc = cli_manager(ctx);
	if (rc) {
		exit_rc = rc;
		goto out;
	}
	if (ctx->json && o->many) {
		arr = json_array();
		if (!arr) {
			exit_rc = cli_error("out of memory");
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (cli_qualify(ctx->ns, names[i], vm, sizeof(vm)) < 0) {
			exit_rc = cli_usage_error(cmd, "bad NAME '%s'", names[i]);
			continue;
		}
		obj = output_vm_object_q(vm, NULL);
		if (!obj) {
			exit_rc = cli_usage_error(cmd, "bad NAME '%s'", names[i]);
			continue;
		}
		line[0] = '\0';
		rc = action(ctx, o, vm, obj, line, sizeof(line));
		if (rc < 0) {
			exit_rc = cli_fail(rc, "%s '%s'", cmd->name, vm);
			json_decref(obj);
			obj = NULL;
			continue;
		}
		if (arr) {
			json_array_append_new(arr, obj);
		} else if (ctx->json) {
			if (output_json_print(obj, 0) < 0)
				exit_rc = cli_error("cannot write output");
		} else {
			json_decref(obj);
			if (!ctx->quiet && line[0])
				printf("%s\n", line);
		}
		obj = NULL;
	}
	if (arr) {
		if (output_json_print(arr, 0) < 0)
			exit_rc = cli_error("cannot write output");
		arr = NULL;
	}
out:
	json_decref(arr);
	free(names);
	return exit_rc;
}

/* Adds the VM's current state to obj; a failure here is not the action's. */
static void add_state(struct cli_ctx *ctx, const char *vm, json_t *obj)
{
	vmc_state st;

	if (vmc_manager_state(ctx->mgr, vm, &st) == 0)
		output_state_fields(obj, &st);
}

static int act_stop(struct cli_ctx *ctx, const struct lc_opts *o, const char *vm, json_t *obj,
		    char *line, size_t size)
{
	static const char *const result[] = { "graceful", "killed", "already" };
	vmc_stop_result how = VMC_STOP_GRACEFUL;
	const char *prefix = o->many ? vm : "";
	const char *sep = o->many ? ": " : "";
	int rc;

	rc = vmc_manager_stop(ctx->mgr, vm, o->timeout_ms, &how);
	if (rc < 0)
		return rc;
	if ((unsigned int)how > VMC_STOP_ALREADY)
		how = VMC_STOP_KILLED;
	json_object_set_new(obj, "result", json_string(result[how]));
	if (how == VMC_STOP_GRACEFUL)
		snprintf(line, size, "%s%sstopped (graceful)", prefix, sep);
	else if (how == VMC_STOP_KILLED)
		snprintf(line, size, "%s%sstopped (killed after %d s)", prefix, sep,
			 o->timeout_ms / 1000);
	else
		snprintf(line, size, "%s%salready stopped", prefix, sep);
	return 0;
}

/* kill, pause, resume: one library call, then the state it left. */
static int act_simple(struct cli_ctx *ctx, int (*op)(vmc_manager *, const char *),
		      const char *vm, json_t *obj, char *line, size_t size)
{
	int rc = op(ctx->mgr, vm);

	if (rc < 0)
		return rc;
	add_state(ctx, vm, obj);
	snprintf(line, size, "%s", vm);
	return 0;
}

static int act_kill(struct cli_ctx *ctx, const struct lc_opts *o, const char *vm, json_t *obj,
		    char *line, size_t size)
{
	(void)o;
	return act_simple(ctx, vmc_manager_kill, vm, obj, line, size);
}

static int act_pause(struct cli_ctx *ctx, const struct lc_opts *o, const char *vm, json_t *obj,
		     char *line, size_t size)
{
	(void)o;
	return act_simple(ctx, vmc_manager_pause, vm, obj, line, size);
}

static int act_resume(struct cli_ctx *ctx, const struct lc_opts *o, const char *vm, json_t *obj,
		      char *line, size_t size)
{
	(void)o;
	return act_simple(ctx, vmc_manager_resume, vm, obj, line, size);
}

static int act_rm(struct cli_ctx *ctx, const struct lc_opts *o, const char *vm, json_t *obj,
		  char *line, size_t size)
{
	int rc = vmc_manager_remove(ctx->mgr, vm, o->force);

	if (rc < 0)
		return rc;
	json_object_set_new(obj, "removed", json_true());
	snprintf(line, size, "%s", vm);
	return 0;
}

static const struct cli_option stop_options[] = {
	{ "timeout", 't', 1, OPT_TIMEOUT },
	{ NULL, 0, 0, 0 },
};

static const struct cli_option no_options[] = {
	{ NULL, 0, 0, 0 },
};

static const struct cli_option rm_options[] = {
	{ "force", 'f', 0, OPT_FORCE },
	{ NULL, 0, 0, 0 },
};

static const struct cli_option wait_options[] = {
	{ "timeout", 't', 1, OPT_TIMEOUT },
	{ "state", 0, 1, OPT_STATE },
	{ NULL, 0, 0, 0 },
};

static int cmd_stop(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	struct lc_opts o = { .timeout_ms = 10000 };

	return lc_run(ctx, cmd, stop_options, argc, argv, &o, act_stop);
}

static int cmd_kill(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	struct lc_opts o = { 0 };

	return lc_run(ctx, cmd, no_options, argc, argv, &o, act_kill);
}

static int act_reboot(struct cli_ctx *ctx, const struct lc_opts *o, const char *vm, json_t *obj,
		      char *line, size_t size)
{
	(void)o;
	return act_simple(ctx, vmc_manager_reboot, vm, obj, line, size);
}

static int cmd_reboot(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	struct lc_opts o = { 0 };

	return lc_run(ctx, cmd, no_options, argc, argv, &o, act_reboot);
}

static int cmd_pause(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	struct lc_opts o = { 0 };

	return lc_run(ctx, cmd, no_options, argc, argv, &o, act_pause);
}

static int cmd_resume(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	struct lc_opts o = { 0 };

	return lc_run(ctx, cmd, no_options, argc, argv, &o, act_resume);
}

static int cmd_rm(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	struct lc_opts o = { 0 };

	return lc_run(ctx, cmd, rm_options, argc, argv, &o, act_rm);
}

static int cmd_wait(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv)
{
	struct lc_opts o = { .timeout_ms = -1, .want = VMC_STATE_READY };
	const char **names = NULL;
	char vm[2 * VMC_NAME_MAX + 2], line[512];
	vmc_state st;
	int n = 0, rc, exit_rc = CLI_EXIT_OK;

	rc = lc_parse(ctx, cmd, wait_options, argc, argv, &o, &names, &n);
	if (rc >= 0) {
		exit_rc = rc;
		goto out;
	}
	if (n != 1) {
		exit_rc = cli_usage_error(cmd, "expected exactly one NAME");
		goto out;
	}
	if (cli_qualify(ctx->ns, names[0], vm, sizeof(vm)) < 0) {
		exit_rc = cli_usage_error(cmd, "bad NAME '%s'", names[0]);
		goto out;
	}
	exit_rc = cli_manager(ctx);
	if (exit_rc)
		goto out;
	memset(&st, 0, sizeof(st));
	rc = vmc_manager_wait(ctx->mgr, vm, o.want, o.timeout_ms, &st);
	if (rc == VMC_ENOTFOUND || (rc < 0 && rc != VMC_EINVALSTATE && rc != VMC_ETIMEOUT)) {
		exit_rc = cli_fail(rc, "wait '%s'", vm);
		goto out;
	}
	if (rc == VMC_ETIMEOUT) {
		exit_rc = cli_fail(rc, "wait '%s' for %s", vm, vmc_state_name(o.want));
		/* Show the state as it is now, not whatever the wait last saw. */
		if (vmc_manager_state(ctx->mgr, vm, &st) < 0) {
			exit_rc = CLI_EXIT_TIMEOUT;
			goto out;
		}
	} else if (rc == VMC_EINVALSTATE)
		exit_rc = cli_fail(rc, "wait '%s' for %s", vm, vmc_state_name(o.want));
	if (ctx->json) {
		if (output_json_print(output_vm_object_q(vm, &st), 0) < 0 && exit_rc == 0)
			exit_rc = cli_error("cannot write output");
	} else if (!ctx->quiet) {
		output_state_line(line, sizeof(line), &st);
		printf("%s\n", line);
	}
out:
	free(names);
	return exit_rc;
}

const struct cli_command cli_cmd_stop = {
	.name = "stop",
	.usage = "stop [--timeout SEC] NAME...",
	.help = "Asks each VM's guest to power off and waits up to --timeout seconds\n"
		"(default 10), then kills the hypervisor. Prints \"stopped (graceful)\",\n"
		"\"stopped (killed after N s)\" or \"already stopped\" (prefixed by the\n"
		"NAME when several are given); --json: {\"name\",\"namespace\",\"result\":\n"
		"\"graceful|killed|already\"}, an array for several NAMEs.\n",
	.fn = cmd_stop,
};

const struct cli_command cli_cmd_kill = {
	.name = "kill",
	.usage = "kill NAME...",
	.help = "Kills each VM's hypervisor at once and prints its NAME.\n",
	.fn = cmd_kill,
};

const struct cli_command cli_cmd_pause = {
	.name = "pause",
	.usage = "pause NAME...",
	.help = "Pauses each running VM (its vCPUs stop) and prints its NAME.\n",
	.fn = cmd_pause,
};

const struct cli_command cli_cmd_reboot = {
	.name = "reboot",
	.usage = "reboot NAME...",
	.help = "Reboots each running VM's guest in place and prints its NAME; the VM is\n"
		"running again, then ready once its guest says so. Cloud Hypervisor only\n"
		"(on QEMU a reset ends the VM: exit 2, unsupported).\n",
	.fn = cmd_reboot,
};

const struct cli_command cli_cmd_resume = {
	.name = "resume",
	.usage = "resume NAME...",
	.help = "Resumes each paused VM and prints its NAME.\n",
	.fn = cmd_resume,
};

const struct cli_command cli_cmd_rm = {
	.name = "rm",
	.usage = "rm [-f] NAME...",
	.help = "Removes each VM and everything vmc created for it. A VM that has not\n"
		"stopped is refused unless -f (--force), which kills it first.\n",
	.fn = cmd_rm,
};

const struct cli_command cli_cmd_wait = {
	.name = "wait",
	.usage = "wait NAME [--state ready|running|paused|stopped|failed] [--timeout SEC]",
	.help = "Waits until the VM reaches the state (default ready; ready also\n"
		"satisfies running) and prints it. Exits 4 when --timeout seconds pass\n"
		"(default: wait forever) and 1 when the VM ended in another final state.\n",
	.fn = cmd_wait,
};
