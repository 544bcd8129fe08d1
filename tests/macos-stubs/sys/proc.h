/* sys/proc.h (Darwin). Stub: struct extern_proc up to p_pid (the fields
 * vmc reads; the real struct goes on) and the p_stat values. */
#ifndef _SYS_PROC_H_
#define _SYS_PROC_H_
#include <sys/types.h>
#include <sys/_types/_timeval.h>
struct proc;
struct vmspace;
struct sigacts;
struct extern_proc {
	union {
		struct {
			struct proc *__p_forw;
			struct proc *__p_back;
		} p_st1;
		struct timeval __p_starttime;
	} p_un;
#define p_starttime p_un.__p_starttime
	struct vmspace *p_vmspace;
	struct sigacts *p_sigacts;
	int p_flag;
	char p_stat;
	pid_t p_pid;
};
#define SZOMB 5
#endif
