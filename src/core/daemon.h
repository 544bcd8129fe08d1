/*
 * daemon.h - starting vmc's own long-lived helpers (vmc-shim per VM,
 * vmc-switch per network) so that they outlive the caller and are never
 * its zombies: detached (double fork, new session), output appended to a
 * log file, and one report line on an inherited pipe at fd 3 saying
 * whether they came up: "ok ..." or "error <code> <message>".
 */
#ifndef VMC_CORE_DAEMON_H
#define VMC_CORE_DAEMON_H

#include <sys/types.h>

/* argv must pass "--report-fd 3" (or however the program takes it) to the
 * program. Returns 0 once it reported ok; its code and message when it
 * reported an error; VMC_ERROR when it exited without a word ("<who>
 * exited without reporting (see <log>)"); VMC_ETIMEOUT after timeout_ms,
 * with the program killed. *pid_out (may be NULL) gets its pid. */
int daemon_start(const char *const *argv, const char *log_path, const char *who,
		 int timeout_ms, pid_t *pid_out);

#endif
