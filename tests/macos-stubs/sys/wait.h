/* sys/wait.h (Darwin; macOS values). Stub: only what vmc uses. */
#ifndef _SYS_WAIT_H_
#define _SYS_WAIT_H_
#include <signal.h>
#include <sys/types.h>
typedef enum { P_ALL, P_PID, P_PGID } idtype_t;
#define WNOHANG 0x00000001
#define WEXITED 0x00000004
pid_t waitpid(pid_t pid, int *stat_loc, int options);
int waitid(idtype_t idtype, id_t id, siginfo_t *infop, int options);
#endif
