/*
 * paths.h - where things live: the state directory, a VM's directory,
 * the files inside it, and how a user's "ns/name" reference maps to them.
 */
#ifndef VMC_MANAGER_PATHS_H
#define VMC_MANAGER_PATHS_H

#include "vmc.h"

/* <state>/networks holds the switch networks (net/port_client.h): no
 * namespace may have that name. */
#define PATHS_NETWORKS_DIR "networks"

/* $VMC_STATE_DIR, else $XDG_RUNTIME_DIR/vmc, else /run/vmc (root) or
 * /tmp/vmc-<uid>. *out is malloc'd. */
int paths_default_state_dir(char **out);
/* "name" (namespace "default") or "ns/name", both validated. */
int paths_parse_ref(const char *ref, char ns[VMC_NAME_MAX + 1], char name[VMC_NAME_MAX + 1]);
/* malloc'd "<state>/<ns>/<name>[/<file>]" (file may be NULL). */
char *paths_vm(const char *state_dir, const char *ns, const char *name, const char *file);
/* The vmc-shim binary: explicit, $VMC_SHIM, next to this program, or the
 * install location. *out is malloc'd. */
int paths_find_shim(const char *explicit_path, char **out);

#endif
