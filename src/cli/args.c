/*
 * args.c - the CLI's reentrant option parser, strict number parsing and
 * VM name qualification.
 *
 * cli_getopt_next() looks an argument up in the command's table first and
 * then in the global table, so global flags work anywhere on the command
 * line; long options take "--opt VALUE" or "--opt=VALUE", short ones only
 * "-x VALUE" (no bundling, which keeps the grammar unambiguous). Parsing
 * never touches process-wide state; the command owns the loop and decides
 * what a positional argument means. Errors are reported by cli_usage_error()
 * with the command's usage line.
 */
#include "args.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cli_option global_options[] = {
	{ "help", 'h', 0, CLI_OPT_HELP },
	{ "json", 0, 0, CLI_OPT_JSON },
	{ "quiet", 'q', 0, CLI_OPT_QUIET },
	{ "verbose", 'v', 0, CLI_OPT_VERBOSE },
	{ "state-dir", 0, 1, CLI_OPT_STATE_DIR },
	{ "namespace", 0, 1, CLI_OPT_NAMESPACE },
	{ NULL, 0, 0, 0 },
};

void cli_getopt_init(struct cli_getopt *g, int argc, char **argv, const struct cli_option *opts)
{
	memset(g, 0, sizeof(*g));
	g->argc = argc;
	g->argv = argv;
	g->opts = opts;
}

static const struct cli_option *find_long(const struct cli_option *opts, const char *name,
					  size_t len)
{
	for (; opts && opts->id; opts++) {
		if (opts->name && strlen(opts->name) == len && memcmp(opts->name, name, len) == 0)
			return opts;
	}
	return NULL;
}

static const struct cli_option *find_short(const struct cli_option *opts, char c)
{
	for (; opts && opts->id; opts++) {
		if (opts->short_name && opts->short_name == c)
			return opts;
	}
	return NULL;
}

static int parse_long(struct cli_getopt *g, const char *a)
{
	const char *name = a + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct cli_option *o = find_long(g->opts, name, len);

	if (!o)
		o = find_long(global_options, name, len);
	if (!o) {
		snprintf(g->err, sizeof(g->err), "unknown option '--%.*s'", (int)len, name);
		return CLI_OPT_ERROR;
	}
	if (!o->has_arg) {
		if (eq) {
			snprintf(g->err, sizeof(g->err), "option '--%s' takes no value", o->name);
			return CLI_OPT_ERROR;
		}
		return o->id;
	}
	if (eq) {
		g->arg = eq + 1;
		return o->id;
	}
	if (g->index >= g->argc) {
		snprintf(g->err, sizeof(g->err), "option '--%s' needs a value", o->name);
		return CLI_OPT_ERROR;
	}
	g->arg = g->argv[g->index++];
	return o->id;
}

static int parse_short(struct cli_getopt *g, const char *a)
{
	const struct cli_option *o;

	if (a[2] != '\0') {
		snprintf(g->err, sizeof(g->err), "unknown option '%s'", a);
		return CLI_OPT_ERROR;
	}
	o = find_short(g->opts, a[1]);
	if (!o)
		o = find_short(global_options, a[1]);
	if (!o) {
		snprintf(g->err, sizeof(g->err), "unknown option '%s'", a);
		return CLI_OPT_ERROR;
	}
	if (o->has_arg) {
		if (g->index >= g->argc) {
			snprintf(g->err, sizeof(g->err), "option '-%c' needs a value", a[1]);
			return CLI_OPT_ERROR;
		}
		g->arg = g->argv[g->index++];
	}
	return o->id;
}

int cli_getopt_next(struct cli_getopt *g)
{
	const char *a;

	g->arg = NULL;
	g->err[0] = '\0';
	if (g->index >= g->argc)
		return CLI_OPT_END;
	a = g->argv[g->index++];
	if (g->after_dashdash || a[0] != '-' || a[1] == '\0') {
		g->arg = a;
		return CLI_OPT_POSITIONAL;
	}
	if (strcmp(a, "--") == 0) {
		g->after_dashdash = 1;
		return CLI_OPT_DASHDASH;
	}
	if (a[1] == '-')
		return parse_long(g, a);
	return parse_short(g, a);
}

void cli_print_help(const struct cli_command *cmd)
{
	printf("usage: vmc %s\n", cmd->usage);
	if (cmd->help && cmd->help[0])
		printf("\n%s", cmd->help);
	printf("\nGlobal options (before or after the command):\n"
	       "  --state-dir DIR   state directory (default $VMC_STATE_DIR,\n"
	       "                    $XDG_RUNTIME_DIR/vmc, or /run/vmc for root)\n"
	       "  --namespace NS    qualify NAMEs as NS/NAME\n"
	       "  --json            machine-readable output\n"
	       "  -q, --quiet       print less\n"
	       "  -v, --verbose     print more\n"
	       "  -h, --help        show this help\n");
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("vmc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd) {
		const char *nl = strchr(cmd->usage, '\n');

		/* A multi-line usage (run) is shortened to its first line. */
		if (nl)
			fprintf(stderr, "usage: vmc %.*s ... (see vmc %s --help)\n",
				(int)(nl - cmd->usage), cmd->usage, cmd->name);
		else
			fprintf(stderr, "usage: vmc %s\n", cmd->usage);
	}
	return CLI_EXIT_USAGE;
}

int cli_common_option(struct cli_ctx *ctx, const struct cli_command *cmd, struct cli_getopt *g,
		      int id)
{
	switch (id) {
	case CLI_OPT_HELP:
		cli_print_help(cmd);
		return CLI_EXIT_OK;
	case CLI_OPT_JSON:
		ctx->json = 1;
		return -1;
	case CLI_OPT_QUIET:
		ctx->quiet = 1;
		ctx->verbose = 0;
		return -1;
	case CLI_OPT_VERBOSE:
		ctx->verbose = 1;
		ctx->quiet = 0;
		return -1;
	case CLI_OPT_STATE_DIR:
		if (!g->arg[0])
			return cli_usage_error(cmd, "--state-dir: empty path");
		ctx->state_dir = g->arg;
		return -1;
	case CLI_OPT_NAMESPACE:
		if (!g->arg[0])
			return cli_usage_error(cmd, "--namespace: empty namespace");
		ctx->ns = g->arg;
		return -1;
	case CLI_OPT_DASHDASH:
		return -1;
	case CLI_OPT_ERROR:
		return cli_usage_error(cmd, "%s", g->err);
	case CLI_OPT_POSITIONAL:
		return cli_usage_error(cmd, "unexpected argument '%s'", g->arg);
	default:
		return cli_usage_error(cmd, "option not valid here");
	}
}

int cli_collect(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv,
		const struct cli_option *opts, const char **pos, int max, int *n,
		const char **values)
{
	struct cli_getopt g;
	int id, rc;

	*n = 0;
	cli_getopt_init(&g, argc, argv, opts);
	for (;;) {
		id = cli_getopt_next(&g);
		if (id == CLI_OPT_END)
			return -1;
		if (id == CLI_OPT_POSITIONAL) {
			if (*n >= max)
				return cli_usage_error(cmd, "unexpected argument '%s'", g.arg);
			pos[(*n)++] = g.arg;
			continue;
		}
		if (values && id > 0 && id < CLI_COLLECT_MAX_ID) {
			values[id] = g.arg ? g.arg : ""; /* "" for a flag */
			continue;
		}
		rc = cli_common_option(ctx, cmd, &g, id);
		if (rc >= 0)
			return rc;
	}
}

int cli_vm_arg(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv,
	       const struct cli_option *opts, const char **values, char *vm, size_t size)
{
	const char *pos[1];
	int n, rc = cli_collect(ctx, cmd, argc, argv, opts, pos, 1, &n, values);

	if (rc >= 0)
		return rc;
	if (n == 0)
		return cli_usage_error(cmd, "missing NAME");
	if (cli_qualify(ctx->ns, pos[0], vm, size) < 0)
		return cli_usage_error(cmd, "bad NAME '%s'", pos[0]);
	return -1;
}

int cli_dispatch(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv,
		 const struct cli_subcommand *subs, size_t n_subs, const char *names)
{
	static const struct cli_option opts[] = { { NULL, 0, 0, 0 } };
	struct cli_getopt g;
	int id, rc;

	cli_getopt_init(&g, argc, argv, opts);
	for (;;) {
		id = cli_getopt_next(&g);
		if (id == CLI_OPT_END)
			return cli_usage_error(cmd, "missing subcommand (%s)", names);
		if (id == CLI_OPT_POSITIONAL)
			break;
		rc = cli_common_option(ctx, cmd, &g, id);
		if (rc >= 0)
			return rc;
	}
	for (size_t i = 0; i < n_subs; i++)
		if (strcmp(g.arg, subs[i].name) == 0)
			return subs[i].fn(ctx, cmd, g.argc - g.index, g.argv + g.index);
	return cli_usage_error(cmd, "unknown subcommand '%s' (%s)", g.arg, names);
}

int cli_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end = NULL;
	const char *p;

	if (!s || !*s)
		return -1;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || !end || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_seconds_ms(const char *s, int *out_ms)
{
	unsigned long sec;

	if (cli_parse_uint(s, (unsigned long)(INT_MAX / 1000), &sec) < 0)
		return -1;
	*out_ms = (int)(sec * 1000);
	return 0;
}

int cli_qualify(const char *ns, const char *name, char *buf, size_t size)
{
	int n;

	if (!name || !name[0])
		return -1;
	if (!ns || strchr(name, '/'))
		n = snprintf(buf, size, "%s", name);
	else
		n = snprintf(buf, size, "%s/%s", ns, name);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return 0;
}

int cli_split_name(const char *qualified, char *ns, size_t ns_size, char *name, size_t name_size)
{
	const char *slash = strchr(qualified, '/');
	int n;

	if (slash)
		n = snprintf(ns, ns_size, "%.*s", (int)(slash - qualified), qualified);
	else
		n = snprintf(ns, ns_size, "default");
	if (n < 0 || (size_t)n >= ns_size)
		return -1;
	n = snprintf(name, name_size, "%s", slash ? slash + 1 : qualified);
	if (n < 0 || (size_t)n >= name_size)
		return -1;
	return 0;
}
