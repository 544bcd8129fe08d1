/*
 * events.c - vmc_manager_fd() / vmc_manager_dispatch(): state changes of
 * every VM in the state directory, including VMs other processes start.
 * The source is the filesystem the shims already maintain: inotify on the
 * state directory, each namespace directory and each VM directory, where a
 * shim's atomic rename of state.json is one IN_MOVED_TO event. A shim that
 * dies without writing a final state is caught through a pidfd on the shim
 * (in the same epoll set), and its VM repaired to FAILED. No polling.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/proc.h"
#include "core/spawn.h"
#include "manager/manager.h"
#include "manager/paths.h"

struct mgr_watch {
	int wd;
	char ns[VMC_NAME_MAX + 1];
	char name[VMC_NAME_MAX + 1]; /* "" for a namespace directory */
	vmc_state last;
	int have_last;
	int pidfd;                   /* the VM's shim, while it runs */
	struct mgr_watch *next;
};

static struct mgr_watch *find_wd(vmc_manager *mgr, int wd)
{
	for (struct mgr_watch *w = mgr->watches; w; w = w->next)
		if (w->wd == wd)
			return w;
	return NULL;
}

static void watch_free(vmc_manager *mgr, struct mgr_watch *w)
{
	struct mgr_watch **pp;

	for (pp = &mgr->watches; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	if (w->pidfd >= 0) {
		epoll_ctl(mgr->epfd, EPOLL_CTL_DEL, w->pidfd, NULL);
		close(w->pidfd);
	}
	free(w);
}

static int emit_if_changed(vmc_manager *mgr, struct mgr_watch *w, const vmc_state *st, int quiet)
{
	if (w->have_last && w->last.kind == st->kind && w->last.since_ms == st->since_ms &&
	    !strcmp(w->last.reason, st->reason))
		return 0;
	w->last = *st;
	w->have_last = 1;
	if (quiet || !mgr->cb)
		return 0;
	mgr->cb(w->ns, w->name, st, mgr->payload);
	return 1;
}

/* Follow the shim's life with a pidfd while the VM is not final. */
static void track_shim(vmc_manager *mgr, struct mgr_watch *w, const struct shim_record *rec)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

	if (w->pidfd >= 0 || vmc_state_is_final(rec->state.kind) || rec->shim_pid <= 0)
		return;
	if (!proc_is_same(rec->shim_pid, rec->shim_start))
		return;
	w->pidfd = spawn_pidfd_open(rec->shim_pid);
	if (w->pidfd >= 0 && epoll_ctl(mgr->epfd, EPOLL_CTL_ADD, w->pidfd, &ev) < 0) {
		close(w->pidfd);
		w->pidfd = -1;
	}
}

/* Re-reads a VM's state; emits it if it changed. */
static int refresh_vm(vmc_manager *mgr, struct mgr_watch *w, int quiet)
{
	struct shim_record rec;
	char *dir = paths_vm(mgr->state_dir, w->ns, w->name, NULL);
	int rc, n = 0;

	if (!dir)
		return 0;
	rc = mgr_record_read(dir, &rec);
	free(dir);
	if (rc < 0) {
		vmc_error_clear();
		return 0;
	}
	if (!vmc_state_is_final(rec.state.kind) && rec.shim_pid > 0 &&
	    !proc_is_same(rec.shim_pid, rec.shim_start)) {
		/* the shim is gone without a final word: let the manager repair it */
		if (mgr_vm_state(mgr, w->ns, w->name, &rec.state, NULL) < 0)
			vmc_error_clear();
	}
	n = emit_if_changed(mgr, w, &rec.state, quiet);
	track_shim(mgr, w, &rec);
	return n;
}

static struct mgr_watch *add_watch(vmc_manager *mgr, const char *ns, const char *name)
{
	char *path = name ? paths_vm(mgr->state_dir, ns, name, NULL) : fs_join(mgr->state_dir, ns);
	uint32_t mask = name ? (IN_MOVED_TO | IN_DELETE_SELF) : (IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
	struct mgr_watch *w;
	int wd;

	if (!path)
		return NULL;
	wd = inotify_add_watch(mgr->inofd, path, mask);
	free(path);
	if (wd < 0)
		return NULL;
	w = find_wd(mgr, wd);
	if (w)
		return w;
	w = calloc(1, sizeof(*w));
	if (!w) {
		inotify_rm_watch(mgr->inofd, wd);
		return NULL;
	}
	w->wd = wd;
	w->pidfd = -1;
	snprintf(w->ns, sizeof(w->ns), "%s", ns);
	snprintf(w->name, sizeof(w->name), "%s", name ? name : "");
	w->next = mgr->watches;
	mgr->watches = w;
	return w;
}

static int scan_namespace(vmc_manager *mgr, const char *ns, int quiet)
{
	char *dir = fs_join(mgr->state_dir, ns);
	DIR *d;
	struct dirent *e;
	int n = 0;

	if (!dir || !strcmp(ns, PATHS_NETWORKS_DIR) || !add_watch(mgr, ns, NULL)) {
		free(dir);
		return 0;
	}
	d = opendir(dir);
	free(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		struct mgr_watch *w;
		if (e->d_name[0] == '.' || !config_name_valid(e->d_name))
			continue;
		w = add_watch(mgr, ns, e->d_name);
		if (w)
			n += refresh_vm(mgr, w, quiet);
	}
	closedir(d);
	return n;
}

int mgr_events_start(vmc_manager *mgr)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	DIR *d;
	struct dirent *e;

	if (mgr->epfd >= 0)
		return 0;
	mgr->epfd = epoll_create1(EPOLL_CLOEXEC);
	mgr->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (mgr->epfd < 0 || mgr->inofd < 0 ||
	    epoll_ctl(mgr->epfd, EPOLL_CTL_ADD, mgr->inofd, &ev) < 0) {
		int e2 = errno;
		mgr_events_free(mgr);
		return vmc_error_set_errno(VMC_EIO, e2, "cannot watch the state directory");
	}
	mgr->root_wd = inotify_add_watch(mgr->inofd, mgr->state_dir,
					 IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
	if (mgr->root_wd < 0) {
		int e2 = errno;
		mgr_events_free(mgr);
		return vmc_error_set_errno(VMC_EIO, e2, "cannot watch '%s'", mgr->state_dir);
	}
	d = opendir(mgr->state_dir);
	if (d) {
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.' && config_name_valid(e->d_name))
				scan_namespace(mgr, e->d_name, 1);
		closedir(d);
	}
	return 0;
}

void mgr_events_free(vmc_manager *mgr)
{
	while (mgr->watches)
		watch_free(mgr, mgr->watches);
	if (mgr->inofd >= 0)
		close(mgr->inofd);
	if (mgr->epfd >= 0)
		close(mgr->epfd);
	mgr->inofd = mgr->epfd = mgr->root_wd = -1;
}

static int handle_inotify(vmc_manager *mgr)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	int n = 0;

	for (;;) {
		ssize_t len = read(mgr->inofd, buf, sizeof(buf));
		if (len <= 0)
			break;
		for (char *p = buf; p < buf + len;) {
			struct inotify_event *ie = (struct inotify_event *)p;
			struct mgr_watch *w = find_wd(mgr, ie->wd);

			p += sizeof(*ie) + ie->len;
			if (ie->wd == mgr->root_wd) {
				if ((ie->mask & IN_ISDIR) && ie->len && config_name_valid(ie->name))
					n += scan_namespace(mgr, ie->name, 0);
			} else if (w && !w->name[0]) {
				if ((ie->mask & IN_ISDIR) && ie->len && config_name_valid(ie->name)) {
					struct mgr_watch *vw = add_watch(mgr, w->ns, ie->name);
					if (vw)
						n += refresh_vm(mgr, vw, 0);
				}
			} else if (w) {
				if (ie->mask & (IN_DELETE_SELF | IN_IGNORED))
					watch_free(mgr, w);
				else if (ie->len && !strcmp(ie->name, "state.json"))
					n += refresh_vm(mgr, w, 0);
			}
		}
	}
	return n;
}

int vmc_manager_set_event_callback(vmc_manager *mgr, vmc_event_cb cb, void *payload)
{
	mgr->cb = cb;
	mgr->payload = payload;
	return mgr_events_start(mgr);
}

int vmc_manager_fd(vmc_manager *mgr)
{
	if (mgr_events_start(mgr) < 0)
		return -1;
	return mgr->epfd;
}

int vmc_manager_dispatch(vmc_manager *mgr, int timeout_ms)
{
	int64_t deadline = clock_deadline(timeout_ms);
	struct epoll_event evs[16];
	int rc, total = 0;

	rc = mgr_events_start(mgr);
	if (rc < 0)
		return rc;
	do {
		int n = epoll_wait(mgr->epfd, evs, 16, clock_remaining_ms(deadline));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vmc_error_set_errno(VMC_EIO, errno, "epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			struct mgr_watch *w = evs[i].data.ptr;
			if (!w) {
				total += handle_inotify(mgr);
			} else {
				/* the shim exited */
				epoll_ctl(mgr->epfd, EPOLL_CTL_DEL, w->pidfd, NULL);
				close(w->pidfd);
				w->pidfd = -1;
				total += refresh_vm(mgr, w, 0);
			}
		}
		if (n == 0)
			break;
	} while (total == 0 && timeout_ms != 0);
	return total;
}
