/*
 * harness.h - shared set-up for integration tests that boot real guests:
 * where the default guest is, a private state directory per test binary,
 * config builders, and process/fd accounting used to prove nothing leaks.
 */
#ifndef VMC_TEST_HARNESS_H
#define VMC_TEST_HARNESS_H

#include <stddef.h>
#include <sys/types.h>
#include "vmc.h"

#define BOOT_TIMEOUT_MS 60000

struct harness {
	char guest_kernel[4096];
	char guest_initramfs[4096];
	char state_dir[256];
	char cli[4096];           /* the vmc binary under test */
	int have_guest;
	char why_not[256];
};

/* Fills h from the environment (VMC_GUEST_DIR, VMC_CLI) and creates a
 * fresh state directory. Returns 0 or -1 (h->why_not says why). */
int harness_init(struct harness *h);
/* Removes the state directory tree. */
void harness_fini(struct harness *h);
/* A config for the default guest: 1 CPU, 256 MiB, one user NIC, an
 * optional workload (argv NULL-terminated, may be NULL). */
vmc_config *harness_config(const struct harness *h, const char *name, const char *const *exec);
/* Number of open fds of this process. */
int harness_count_fds(void);
/* Processes whose command line mentions `needle` (e.g. the state dir). */
int harness_count_procs(const char *needle);
/* Where harness_run() sends the program's stderr. */
enum harness_stderr {
	HARNESS_STDERR_INHERIT, /* the test's stderr (its log) */
	HARNESS_STDERR_DROP,    /* /dev/null */
	HARNESS_STDERR_CAPTURE, /* into out, with stdout (only when out is set) */
};
/* Runs argv (no shell, PATH searched). stdout is captured into out
 * (NUL-terminated, cut at out_len - 1, the rest read and dropped) or, with
 * out NULL, goes to the test's stderr. Returns the exit status, or -1 if
 * it could not run or died by a signal. */
int harness_run(const char *const *argv, char *out, size_t out_len, enum harness_stderr err);
/* Runs the CLI with args (NULL-terminated) and the harness's state dir;
 * returns its exit status, or -1. stdout captured into out (may be NULL). */
int harness_cli(const struct harness *h, char *out, size_t out_len, const char *const *args);
/* The same, with the CLI's stderr sent as `err` says. */
int harness_cli_err(const struct harness *h, char *out, size_t out_len, enum harness_stderr err,
		    const char *const *args);
/* Bytes in the VM's serial.log, or -1. */
long harness_console_size(const struct harness *h, const char *ns, const char *name);
/* Waits until the VM's console log (namespace default) contains `text`;
 * 0, or -1 after timeout_ms. Re-reads the log every 50 ms. */
int harness_console_wait(const struct harness *h, const char *name, const char *text,
			 int timeout_ms);
/* Waits up to ms without spinning (for observing silence). */
void harness_pause_ms(int ms);
/* Reads a top-level integer of the VM's state.json ("shim_pid", "hv_pid"). */
long harness_record_int(const struct harness *h, const char *name, const char *key);

#endif
