/*
 * proc.h - identity of processes read back from disk: a pid stored in
 * state.json is only trusted if its start time (field 22 of
 * /proc/<pid>/stat) still matches, so a recycled pid is never signalled.
 */
#ifndef VMC_CORE_PROC_H
#define VMC_CORE_PROC_H

#include <sys/types.h>

/* Start time: clock ticks since boot on Linux, microseconds since the
 * epoch on macOS (proc_darwin.c): only compared, never interpreted.
 * VMC_ENOTFOUND if no such process. */
int proc_start_time(pid_t pid, unsigned long long *out);
/* 1 if `pid` is alive (not a zombie) and started at `start_time`. */
int proc_is_same(pid_t pid, unsigned long long start_time);
/* The running program's absolute path into buf (readlink /proc/self/exe
 * on Linux, proc_pidpath on macOS). Its length, or -1. */
ssize_t proc_self_exe(char *buf, size_t len);

#endif
