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
#define WUNTRACED 0x00000002
#define WSTOPPED 0x00000008
#define WNOWAIT 0x00000020
#define _WSTATUS(x) ((x) & 0177)
#define WIFEXITED(x) (_WSTATUS(x) == 0)
#define WEXITSTATUS(x) (((x) >> 8) & 0x000000ff)
#define WIFSIGNALED(x) (_WSTATUS(x) != 0177 && _WSTATUS(x) != 0)
#define WTERMSIG(x) (_WSTATUS(x))
pid_t wait(int *stat_loc);
#endif
