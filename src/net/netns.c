/*
 * netns.c - named network namespaces (see netns.h). Creation: the calling
 * thread unshares a new network namespace (whose id the caller records),
 * makes an empty file /run/netns/<name> (O_EXCL), bind-mounts
 * /proc/thread-self/ns/net over it and goes back to the namespace it came
 * from. No `ip` command.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/config.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "net/netns.h"
#include "net/port_client.h"

#define SELF_NS "/proc/thread-self/ns/net"

static int ns_path(const char *name, char *out, size_t len)
{
	if (!name || !config_name_valid(name))
		return vmc_error_set(VMC_EINVAL, "invalid network namespace name '%.80s'",
				     name ? name : "");
	snprintf(out, len, "%s/%s", NETNS_RUN_DIR, name);
	return 0;
}

int netns_create(const char *name, int (*made)(unsigned long long id, void *arg), void *arg)
{
	char path[128];
	struct stat st;
	int fd, saved = -1, rc, file = 0;

	rc = ns_path(name, path, sizeof(path));
	if (rc < 0)
		return rc;
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot create '%s'", NETNS_RUN_DIR);
	saved = open(SELF_NS, O_RDONLY | O_CLOEXEC);
	if (saved < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "netns: open '%s'", SELF_NS);
	if (unshare(CLONE_NEWNET) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "netns '%s': unshare", name);
		goto out;
	}
	if (stat(SELF_NS, &st) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "netns: stat '%s'", SELF_NS);
		goto back;
	}
	if (made) {
		rc = made((unsigned long long)st.st_ino, arg);
		if (rc < 0)
			goto back;
	}
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		rc = errno == EEXIST ? vmc_error_set(VMC_EEXISTS, "network namespace '%s' exists",
						     name)
				     : vmc_error_set_errno(VMC_EIO, errno, "cannot create '%s'", path);
		goto back;
	}
	close(fd);
	file = 1;
	if (mount(SELF_NS, path, "none", MS_BIND, NULL) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "netns '%s': bind mount", name);
back:
	/* back where the caller was, whatever happened */
	if (setns(saved, CLONE_NEWNET) < 0 && rc == 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "netns: setns back");
out:
	close(saved);
	if (rc < 0 && file) {
		umount2(path, MNT_DETACH);
		unlink(path);
	}
	return rc;
}

int netns_id(const char *name, unsigned long long *id)
{
	char path[128];
	struct stat st, self;
	int rc = ns_path(name, path, sizeof(path));

	if (rc < 0)
		return rc;
	/* a mounted namespace lives on nsfs, like our own; an empty file
	 * (a creation that has not mounted yet) does not */
	if (stat(path, &st) < 0 || stat("/proc/self/ns/net", &self) < 0 ||
	    st.st_dev != self.st_dev)
		return vmc_error_set(VMC_ENOTFOUND, "no network namespace '%s'", name);
	*id = (unsigned long long)st.st_ino;
	return 0;
}

int netns_delete(const char *name)
{
	char path[128];
	int rc = ns_path(name, path, sizeof(path));

	if (rc < 0)
		return rc;
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return vmc_error_set_errno(VMC_EIO, errno, "netns '%s': unmount", name);
	if (unlink(path) < 0 && errno != ENOENT)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot remove '%s'", path);
	return 0;
}

int netns_enter(const char *name, int *saved)
{
	char path[128];
	int fd, rc;

	*saved = -1;
	rc = ns_path(name, path, sizeof(path));
	if (rc < 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vmc_error_set_errno(errno == ENOENT ? VMC_ENOTFOUND : VMC_EIO, errno,
					   "network namespace '%s'", name);
	*saved = open(SELF_NS, O_RDONLY | O_CLOEXEC);
	if (*saved < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "netns: open '%s'", SELF_NS);
	} else if (setns(fd, CLONE_NEWNET) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "netns: enter '%s'", name);
		close(*saved);
		*saved = -1;
	}
	close(fd);
	return rc;
}

int netns_leave(int *saved)
{
	int rc = 0;

	if (*saved < 0)
		return 0;
	if (setns(*saved, CLONE_NEWNET) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "netns: setns back");
	close(*saved);
	*saved = -1;
	return rc;
}

int netns_socket(const char *name, int domain, int type, int protocol)
{
	int saved = -1, fd, rc, e;

	if (name && *name) {
		rc = netns_enter(name, &saved);
		if (rc < 0)
			return rc;
	}
	fd = socket(domain, type | SOCK_CLOEXEC, protocol);
	e = errno;
	if (netns_leave(&saved) < 0) {
		if (fd >= 0)
			close(fd);
		return VMC_EIO; /* this thread is stuck elsewhere: never hand out a socket */
	}
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, e, "socket in network namespace '%s'",
					   name && *name ? name : "(own)");
	return fd;
}

int netns_of_network(const char *vm_dir, const char *network, char *out, size_t len)
{
	char *state = NULL, *dir = NULL, *path = NULL, *text = NULL;
	json_error_t jerr;
	json_t *cfg = NULL;
	const char *ns;
	int rc;

	out[0] = '\0';
	rc = netport_state_dir_of_vm(vm_dir, &state);
	if (rc < 0)
		return rc;
	dir = netport_net_dir(state, network);
	path = dir ? fs_join(dir, "config.json") : NULL;
	rc = path ? fs_read_file(path, 4096, &text, NULL) : vmc_error_oom();
	if (rc == 0) {
		cfg = json_loads(text, 0, &jerr);
		ns = json_string_value(json_object_get(cfg, "netns"));
		if (ns && (!config_name_valid(ns) || strlen(ns) >= len))
			rc = vmc_error_set(VMC_EPROTO, "network '%s': bad netns in config.json",
					   network);
		else if (ns)
			snprintf(out, len, "%s", ns);
	}
	json_decref(cfg);
	free(text);
	free(path);
	free(dir);
	free(state);
	return rc;
}
