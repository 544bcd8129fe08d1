/*
 * args.h - option parsing for the `vmc` CLI.
 *
 * A small reentrant replacement for getopt_long: every command walks its
 * arguments with cli_getopt_next() against its own option table plus the
 * global options (--json, --state-dir, --namespace, -q, -v, --help), which
 * are therefore accepted before or after the verb. Options and positional
 * arguments may be mixed; "--" ends the options. Also strict number parsing
 * and NAME qualification with --namespace. No I/O except the usage helpers.
 */
#ifndef VMC_CLI_ARGS_H
#define VMC_CLI_ARGS_H

#include <stddef.h>

#include "cli.h"

struct cli_option {
	const char *name; /* long name without "--", or NULL */
	char short_name;  /* single letter after "-", or 0 */
	int has_arg;      /* 1: takes a value (--opt VALUE or --opt=VALUE) */
	int id;           /* > 0, returned by cli_getopt_next() */
};

/* Values cli_getopt_next() returns besides an option id. */
enum {
	CLI_OPT_END = 0,         /* no more arguments */
	CLI_OPT_ERROR = -1,      /* unknown option or missing value; see err */
	CLI_OPT_POSITIONAL = -2, /* a positional argument, in arg */
	CLI_OPT_DASHDASH = -3,   /* "--" was seen; what follows is positional */
};

/* Ids of the global options, above any command's ids. */
enum {
	CLI_OPT_HELP = 1000,
	CLI_OPT_JSON,
	CLI_OPT_QUIET,
	CLI_OPT_VERBOSE,
	CLI_OPT_STATE_DIR,
	CLI_OPT_NAMESPACE,
	CLI_OPT_VERSION, /* only main() accepts it */
};

struct cli_getopt {
	int argc;
	char **argv;
	int index;                      /* next argv element to look at */
	const struct cli_option *opts;  /* terminated by an all-zero entry */
	int after_dashdash;
	const char *arg;                /* value or positional of the last result */
	char err[200];                  /* reason of the last CLI_OPT_ERROR */
};

/* Starts parsing argv[0..argc-1] (argv[0] is NOT skipped). */
void cli_getopt_init(struct cli_getopt *g, int argc, char **argv, const struct cli_option *opts);
/* Returns the next option id, CLI_OPT_POSITIONAL, CLI_OPT_DASHDASH (once),
 * CLI_OPT_ERROR or CLI_OPT_END. */
int cli_getopt_next(struct cli_getopt *g);

/* Handles a result the command did not: a global option (sets ctx, returns
 * -1 to go on), --help (prints the command's help, returns 0), "--" (-1),
 * or an error (prints it and the usage line, returns 2). */
int cli_common_option(struct cli_ctx *ctx, const struct cli_command *cmd, struct cli_getopt *g,
		      int id);

/* The common case of a command: its positionals (at most `max`, into
 * pos[0..*n-1]) and options whose value lands in values[id] (values may be
 * NULL when `opts` has none; ids must be < CLI_COLLECT_MAX_ID), global
 * options handled. Returns -1 to go on, or the exit code to return. */
#define CLI_COLLECT_MAX_ID 16
int cli_collect(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv,
		const struct cli_option *opts, const char **pos, int max, int *n,
		const char **values);

/* Commands on one VM: cli_collect() with exactly one NAME, qualified by
 * --namespace into vm (2 * VMC_NAME_MAX + 2 bytes is enough). Returns -1
 * to go on or an exit code ("missing NAME", "bad NAME"). */
int cli_vm_arg(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv,
	       const struct cli_option *opts, const char **values, char *vm, size_t size);

/* Commands with subcommands (vmc disk create|clone, vmc net ...): global
 * options may come first, then the subcommand's name picks its function,
 * which gets the arguments after it. `names` lists them for messages
 * ("create, ls or rm"). */
struct cli_subcommand {
	const char *name;
	cli_command_fn fn;
};
int cli_dispatch(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv,
		 const struct cli_subcommand *subs, size_t n_subs, const char *names);

/* Prints "vmc: <what>" and the command's usage line to stderr; returns 2. */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints the usage line and help text of `cmd` to stdout. */
void cli_print_help(const struct cli_command *cmd);

/* Parses a decimal unsigned integer: digits only (no sign, no spaces, no
 * base prefix), the whole string, at most `max`. Returns 0 or -1. */
int cli_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* Parses whole seconds (as cli_parse_uint) into milliseconds that fit an
 * int. Returns 0 or -1. */
int cli_parse_seconds_ms(const char *s, int *out_ms);

/* Writes the VM name to use for `name` into buf: `name` itself when it is
 * "namespace/name" or when ns is NULL, else "ns/name". Returns 0, or -1
 * when it does not fit or `name` is empty. */
int cli_qualify(const char *ns, const char *name, char *buf, size_t size);

/* Splits a qualified name into namespace ("default" when absent) and name
 * for display. Returns 0 or -1 when a part does not fit. */
int cli_split_name(const char *qualified, char *ns, size_t ns_size, char *name, size_t name_size);

#endif /* VMC_CLI_ARGS_H */
