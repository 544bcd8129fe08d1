/*
 * publish.c - the shim's side of `--publish`: one forwarder (net/forward.h)
 * per VM, its sockets bound before the shim reports that it started (so a
 * port in use fails `vmc run` with nothing left running), the guest's
 * address handed over when the ready line brings it, and everything
 * closed when the hypervisor exits, before the final state is written.
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "core/error.h"
#include "net/forward.h"
#include "shim/shim.h"

static void publish_log(void *arg, const char *msg)
{
	shim_log(arg, "publish: %s", msg);
}

static int on_forwarder(struct shim *shim, struct shim_watch *w, uint32_t events)
{
	(void)w;
	(void)events;
	if (shim->fwd)
		fwd_dispatch(shim->fwd);
	return 0;
}

/* A full forwarder holds up to 6 fds per TCP connection (two sockets,
 * two pipes) and one per UDP flow: more than the usual soft limit of
 * 1024. Raise it towards the hard limit (the shim's own, per process). */
static void raise_fd_limit(struct shim *shim)
{
	rlim_t want = FWD_TCP_MAX_CONNS * 6 + FWD_UDP_MAX_FLOWS + 2 * FWD_MAX_RULES + 256;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		shim_log(shim, "publish: cannot raise the fd limit: %s", strerror(errno));
}

int shim_publish_start(struct shim *shim)
{
	struct fwd_limits lim = { .log = publish_log, .log_arg = shim };
	int rc;

	if (shim->cfg->n_forwards == 0)
		return 0;
	raise_fd_limit(shim);
	rc = fwd_new(&shim->fwd, &lim);
	if (rc == 0)
		rc = fwd_plan_apply(shim->fwd, shim->cfg, shim->vm_dir);
	if (rc == 0) {
		shim->fwd_watch.fd = fwd_fd(shim->fwd);
		shim->fwd_watch.handler = on_forwarder;
		rc = shim_watch_add(shim, &shim->fwd_watch, SHIM_EV_IN);
	}
	if (rc < 0)
		shim_publish_stop(shim);
	return rc;
}

void shim_publish_ready(struct shim *shim)
{
	const char *ip = NULL;

	if (!shim->fwd || fwd_waiting(shim->fwd) == 0)
		return;
	/* the first IPv4 address of the ready line, else its first */
	for (size_t i = 0; i < VMC_STATE_IP_MAX && shim->state.ip[i][0]; i++) {
		if (!ip)
			ip = shim->state.ip[i];
		if (!strchr(shim->state.ip[i], ':')) {
			ip = shim->state.ip[i];
			break;
		}
	}
	if (!ip) {
		shim_log(shim, "publish: the ready line has no ip=: forwards stay closed");
		return;
	}
	if (fwd_set_guest(shim->fwd, ip) < 0) {
		shim_log(shim, "publish: %s", vmc_error_last());
		vmc_error_clear();
	}
}

void shim_publish_stop(struct shim *shim)
{
	if (!shim->fwd)
		return;
	if (shim->fwd_watch.fd >= 0)
		shim_watch_del(shim, &shim->fwd_watch);
	shim->fwd_watch.fd = -1;
	fwd_free(shim->fwd);
	shim->fwd = NULL;
}
