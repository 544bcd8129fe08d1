/*
 * cli.h - shared definitions of the `vmc` command-line tool.
 *
 * The CLI is a thin shell over include/vmc.h: main.c parses the global flags
 * and dispatches to one command function per verb (cmd_*.c); args.c holds the
 * reentrant option parser, strict number parsing and name qualification;
 * spec.c parses the structured `vmc run` arguments (--disk, --net, --share,
 * --publish) and finds the default guest; output.c turns states into human
 * text and JSON. All run-time state lives in one struct cli_ctx owned by
 * main(); nothing here is a mutable global.
 */
#ifndef VMC_CLI_H
#define VMC_CLI_H

#include <stddef.h>

#include <vmc.h>

/* Process exit codes a script can rely on. */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILED = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_NOTFOUND = 3,
	CLI_EXIT_TIMEOUT = 4,
};

/* Everything one invocation knows; owned by main(). */
struct cli_ctx {
	int json;              /* --json */
	int quiet;             /* -q */
	int verbose;           /* -v */
	const char *state_dir; /* --state-dir, NULL: library default */
	const char *ns;        /* --namespace, NULL: unset */
	vmc_manager *mgr;      /* opened on first use by cli_manager() */
};

struct cli_command;
typedef int (*cli_command_fn)(struct cli_ctx *ctx, const struct cli_command *cmd, int argc,
			      char **argv);

/* One verb: its name, its usage line (after "vmc "), a help text and the
 * function that runs it with the arguments after the verb. */
struct cli_command {
	const char *name;
	const char *usage;
	const char *help;
	cli_command_fn fn;
};

extern const struct cli_command cli_cmd_run;
extern const struct cli_command cli_cmd_stop;
extern const struct cli_command cli_cmd_kill;
extern const struct cli_command cli_cmd_pause;
extern const struct cli_command cli_cmd_resume;
extern const struct cli_command cli_cmd_rm;
extern const struct cli_command cli_cmd_snapshot;
extern const struct cli_command cli_cmd_restore;
extern const struct cli_command cli_cmd_resize;
extern const struct cli_command cli_cmd_reboot;
/* disks (issue 8) -- add declarations below this line */
extern const struct cli_command cli_cmd_disk;
extern const struct cli_command cli_cmd_ssh;
/* images (issue 7) -- add declarations below this line */
extern const struct cli_command cli_cmd_images;
extern const struct cli_command cli_cmd_rmi;
extern const struct cli_command cli_cmd_image;
extern const struct cli_command cli_cmd_pull;
/* networks (issue 6) -- add declarations below this line */
extern const struct cli_command cli_cmd_net;
extern const struct cli_command cli_cmd_wait;
extern const struct cli_command cli_cmd_ls;
extern const struct cli_command cli_cmd_inspect;
extern const struct cli_command cli_cmd_logs;

/* Maps a negative VMC_E* code to an exit code (3 not found, 4 timeout,
 * 2 bad input, 1 otherwise). */
int cli_exit_code(int vmc_rc);

/* Prints "vmc: <what>: <vmc_error_last()>" to stderr and returns the exit
 * code for vmc_rc. Call it right after the failing vmc call. */
int cli_fail(int vmc_rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "vmc: <what>" to stderr and returns CLI_EXIT_FAILED. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens ctx->mgr over ctx->state_dir if not yet open. Returns 0 or an exit
 * code after reporting the failure. */
int cli_manager(struct cli_ctx *ctx);

/* Follows the console of `vm` (a qualified name): when `echo`, copies the
 * console log to stdout, then new bytes as they are written, until the VM
 * reaches a final state, which is left in `final`. `sig` (or NULL) is a
 * stop-signal watch (watch.h): a signal arriving there ends the follow
 * early and is left in `signo`. With `report_ready`, prints "vmc: NAME ready in N ms (ip A)" to
 * stderr once the VM is READY. Returns 0 or an exit code after reporting
 * the failure. */
struct cli_sigwatch;
struct cli_follow {
	const char *vm;
	int echo;
	int report_ready;
	struct cli_sigwatch *sig;
	int signo;
	vmc_state final;
};
int cli_follow_console(struct cli_ctx *ctx, struct cli_follow *f);

#endif /* VMC_CLI_H */
