/*
 * events_darwin.c - vmc_manager_fd() / vmc_manager_dispatch() on macOS
 * (events.c is the Linux one: inotify + pidfds in an epoll set). One
 * kqueue holds an EVFILT_VNODE watch (NOTE_WRITE: an entry was added,
 * removed or renamed) on the state directory, each namespace directory
 * and each VM directory, opened O_EVTONLY, so a shim's atomic rename of
 * state.json is one NOTE_WRITE on its VM's directory; and an EVFILT_PROC
 * NOTE_EXIT watch on each running VM's shim, so a shim that dies without
 * writing a final state is seen at once and its VM repaired to FAILED.
 * A kqueue fd polls readable while an event is pending: it is the fd
 * vmc_manager_fd() hands out. No polling.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/event.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/proc.h"
#include "manager/manager.h"
#include "manager/paths.h"

struct mgr_watch {
	int dirfd;                   /* O_EVTONLY, in the kqueue */
	char ns[VMC_NAME_MAX + 1];
	char name[VMC_NAME_MAX + 1]; /* "" for a namespace directory */
	vmc_state last;
	int have_last;
	pid_t shim_pid;              /* EVFILT_PROC registered for it, 0: none */
	struct mgr_watch *next;
};

static struct mgr_watch *find_watch(vmc_manager *mgr, const char *ns, const char *name)
{
	for (struct mgr_watch *w = mgr->watches; w; w = w->next)
		if (!strcmp(w->ns, ns) && !strcmp(w->name, name ? name : ""))
			return w;
	return NULL;
}

static void untrack_shim(vmc_manager *mgr, struct mgr_watch *w)
{
	struct kevent kev;

	if (w->shim_pid <= 0)
		return;
	EV_SET(&kev, (uintptr_t)w->shim_pid, EVFILT_PROC, EV_DELETE, 0, 0, NULL);
	kevent(mgr->epfd, &kev, 1, NULL, 0, NULL); /* gone already if it fired */
	EV_SET(&kev, (uintptr_t)w, EVFILT_USER, EV_DELETE, 0, 0, NULL);
	kevent(mgr->epfd, &kev, 1, NULL, 0, NULL);
	w->shim_pid = 0;
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
	untrack_shim(mgr, w);
	if (w->dirfd >= 0)
		close(w->dirfd); /* drops its EVFILT_VNODE registration */
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

/* Follow the shim's life with EVFILT_PROC while the VM is not final. */
static void track_shim(vmc_manager *mgr, struct mgr_watch *w, const struct shim_record *rec)
{
	struct kevent kev;

	if (w->shim_pid > 0 || vmc_state_is_final(rec->state.kind) || rec->shim_pid <= 0)
		return;
	if (!proc_is_same(rec->shim_pid, rec->shim_start))
		return;
	EV_SET(&kev, (uintptr_t)rec->shim_pid, EVFILT_PROC, EV_ADD | EV_ONESHOT, NOTE_EXIT, 0, w);
	if (kevent(mgr->epfd, &kev, 1, NULL, 0, NULL) == 0) {
		w->shim_pid = rec->shim_pid;
		return;
	}
	if (errno != ESRCH)
		return;
	/* it died since proc_is_same(): a user event brings the VM back to
	 * dispatch, which repairs it */
	EV_SET(&kev, (uintptr_t)w, EVFILT_USER, EV_ADD | EV_ONESHOT, NOTE_TRIGGER, 0, w);
	if (kevent(mgr->epfd, &kev, 1, NULL, 0, NULL) == 0)
		w->shim_pid = rec->shim_pid;
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

/* An O_EVTONLY fd on `path` registered for NOTE_WRITE | NOTE_DELETE |
 * NOTE_RENAME with `udata`; -1 on failure. */
static int watch_dir(vmc_manager *mgr, const char *path, void *udata)
{
	struct kevent kev;
	int fd = open(path, O_EVTONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	EV_SET(&kev, (uintptr_t)fd, EVFILT_VNODE, EV_ADD | EV_CLEAR,
	       NOTE_WRITE | NOTE_DELETE | NOTE_RENAME, 0, udata);
	if (kevent(mgr->epfd, &kev, 1, NULL, 0, NULL) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static struct mgr_watch *add_watch(vmc_manager *mgr, const char *ns, const char *name)
{
	struct mgr_watch *w = find_watch(mgr, ns, name);
	char *path;

	if (w)
		return w;
	path = name ? paths_vm(mgr->state_dir, ns, name, NULL) : fs_join(mgr->state_dir, ns);
	w = path ? calloc(1, sizeof(*w)) : NULL;
	if (!w) {
		free(path);
		return NULL;
	}
	snprintf(w->ns, sizeof(w->ns), "%s", ns);
	snprintf(w->name, sizeof(w->name), "%s", name ? name : "");
	w->dirfd = watch_dir(mgr, path, w);
	free(path);
	if (w->dirfd < 0) {
		free(w);
		return NULL;
	}
	w->next = mgr->watches;
	mgr->watches = w;
	return w;
}

/* Watches namespace `ns` and every VM in it; emits the VMs that changed. */
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

static int scan_root(vmc_manager *mgr, int quiet)
{
	DIR *d = opendir(mgr->state_dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && config_name_valid(e->d_name))
			n += scan_namespace(mgr, e->d_name, quiet);
	closedir(d);
	return n;
}

int mgr_events_start(vmc_manager *mgr)
{
	if (mgr->epfd >= 0)
		return 0;
	mgr->epfd = kqueue();
	if (mgr->epfd < 0 || fcntl(mgr->epfd, F_SETFD, FD_CLOEXEC) < 0) {
		int e2 = errno;
		mgr_events_free(mgr);
		return vmc_error_set_errno(VMC_EIO, e2, "cannot watch the state directory");
	}
	/* root_wd: the state directory's fd; its events carry no udata */
	mgr->root_wd = watch_dir(mgr, mgr->state_dir, NULL);
	if (mgr->root_wd < 0) {
		int e2 = errno;
		mgr_events_free(mgr);
		return vmc_error_set_errno(VMC_EIO, e2, "cannot watch '%s'", mgr->state_dir);
	}
	scan_root(mgr, 1);
	return 0;
}

void mgr_events_free(vmc_manager *mgr)
{
	while (mgr->watches)
		watch_free(mgr, mgr->watches);
	if (mgr->root_wd >= 0)
		close(mgr->root_wd);
	if (mgr->epfd >= 0)
		close(mgr->epfd);
	mgr->inofd = mgr->epfd = mgr->root_wd = -1;
}

/* One kevent: returns the number of VM events emitted. */
static int handle(vmc_manager *mgr, const struct kevent *ev)
{
	struct mgr_watch *w = ev->udata;

	if (ev->filter == EVFILT_PROC || ev->filter == EVFILT_USER) {
		/* the shim exited: EV_ONESHOT removed the registration */
		for (struct mgr_watch *x = mgr->watches; x; x = x->next) {
			if (x == w) {
				w->shim_pid = 0;
				return refresh_vm(mgr, w, 0);
			}
		}
		return 0;
	}
	if (ev->filter != EVFILT_VNODE)
		return 0;
	if (!w) /* the state directory: a namespace may have appeared */
		return scan_root(mgr, 0);
	if (!w->name[0]) /* a namespace: VMs may have appeared */
		return (ev->fflags & (NOTE_DELETE | NOTE_RENAME)) ? (watch_free(mgr, w), 0)
								   : scan_namespace(mgr, w->ns, 0);
	if (ev->fflags & (NOTE_DELETE | NOTE_RENAME)) {
		watch_free(mgr, w);
		return 0;
	}
	return refresh_vm(mgr, w, 0);
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
	struct kevent evs[16];
	int rc, total = 0;

	rc = mgr_events_start(mgr);
	if (rc < 0)
		return rc;
	do {
		int left = clock_remaining_ms(deadline);
		struct timespec ts = { .tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000L };
		int n = kevent(mgr->epfd, NULL, 0, evs, 16, left < 0 ? NULL : &ts);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vmc_error_set_errno(VMC_EIO, errno, "kevent");
		}
		/* a handler may free a watch a later event of this batch names:
		 * handle() looks process events up; vnode events of a freed
		 * watch cannot follow (closing its fd dropped them) */
		for (int i = 0; i < n; i++)
			total += handle(mgr, &evs[i]);
		if (n == 0)
			break;
	} while (total == 0 && timeout_ms != 0);
	return total;
}
