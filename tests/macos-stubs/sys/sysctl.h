/* sys/sysctl.h (Darwin). Stub: sysctl() and KERN_PROC_PID's kinfo_proc
 * (its kp_eproc part is left out: vmc reads kp_proc only). */
#ifndef _SYS_SYSCTL_H_
#define _SYS_SYSCTL_H_
#include <sys/types.h>
#include <sys/proc.h>
#define CTL_KERN 1
#define KERN_PROC 14
#define KERN_PROC_PID 1
struct kinfo_proc {
	struct extern_proc kp_proc;
};
int sysctl(int *name, u_int namelen, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
#endif
