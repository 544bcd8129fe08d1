/*
 * init_user.h - the workload's user, group, supplementary groups and home
 * from vmc.user=USER[:GROUP] and the image's /etc/passwd and /etc/group
 * (init_user.c). Pure functions: the caller reads the files.
 */
#ifndef VMC_INIT_USER_H
#define VMC_INIT_USER_H

#include <stddef.h>

#include "init_cmdline.h"

#define INIT_GROUPS_MAX 32

struct init_ids {
	unsigned int uid, gid;
	unsigned int groups[INIT_GROUPS_MAX]; /* gid first, then memberships */
	size_t n_groups;
	char home[INIT_PATH_MAX];             /* "/" unless passwd has one */
};

/*
 * Resolves `spec` ("user", "uid", "user:group", "uid:gid"; names looked up
 * in the given file contents, either of which may be NULL). A numeric user
 * without a passwd entry gets gid 0. Returns 0, or -1 with a message in
 * err when a name is not found or the spec is malformed.
 */
int init_user_resolve(const char *spec, const char *passwd, size_t passwd_len,
		      const char *group, size_t group_len, struct init_ids *out, char *err,
		      size_t errlen);

#endif
