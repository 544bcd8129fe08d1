/*
 * spawn_platform.h - what spawn.c needs from the platform: spawn_linux.c
 * (close_range, prctl, pipe2) and spawn_darwin.c (an fcntl loop, no death
 * signal). The process-watch calls (spawn_pidfd_*) and spawn_pipe_cloexec
 * are declared in spawn.h and defined in the same two files.
 */
#ifndef VMC_CORE_SPAWN_PLATFORM_H
#define VMC_CORE_SPAWN_PLATFORM_H

/* In the child (async-signal-safe): every fd >= first close-on-exec. */
void spawn_mark_cloexec_from(int first);
/* In the child (async-signal-safe): `sig` when the parent dies. */
void spawn_set_death_signal(int sig);
/* Before forking: 0 if the platform has a parent-death signal, else -1
 * with a message (macOS). */
int spawn_check_death_signal(void);

#endif
