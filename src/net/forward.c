/*
 * forward.c - the forwarder's rules and loop: binding the listening
 * sockets (with the "already in use" error), the guest address arriving
 * late and teardown. The TCP relay is forward_tcp.c, the UDP flows
 * forward_udp.c, the loop fd the shim polls as one fd (epoll or kqueue)
 * forward_epoll.c / forward_kqueue.c (see forward.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "net/forward_int.h"

void fwd_logf(struct fwd *f, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!f->lim.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->lim.log(f->lim.log_arg, msg);
}

void fwd_format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(s4->sin_port));
	}
}

int fwd_new(struct fwd **out, const struct fwd_limits *lim)
{
	struct fwd *f;
	int rc;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return vmc_error_oom();
	f->timer.fd = -1;
	f->guest_ns = f->home_ns = -1;
	if (lim)
		f->lim = *lim;
	if (!f->lim.max_conns)
		f->lim.max_conns = FWD_TCP_MAX_CONNS;
	if (!f->lim.max_flows)
		f->lim.max_flows = FWD_UDP_MAX_FLOWS;
	if (!f->lim.udp_idle_ms)
		f->lim.udp_idle_ms = FWD_UDP_IDLE_MS;
	f->epfd = -1;
	f->timer.fn = fwd_udp_on_timer;
	rc = fwd_loop_open(f);
	if (rc < 0)
		goto fail;
	*out = f;
	return 0;
fail:
	fwd_free(f);
	return rc;
}

void fwd_free(struct fwd *f)
{
	if (!f)
		return;
	fwd_tcp_close_all(f);
	fwd_udp_close_all(f);
	for (size_t i = 0; i < f->n_rules; i++) {
		if (f->rules[i]->listen.fd >= 0)
			close(f->rules[i]->listen.fd);
		free(f->rules[i]);
	}
	if (f->timer.fd >= 0)
		close(f->timer.fd);
	if (f->guest_ns >= 0)
		close(f->guest_ns);
	if (f->home_ns >= 0)
		close(f->home_ns);
	if (f->epfd >= 0)
		close(f->epfd);
	free(f);
}

int fwd_fd(const struct fwd *f)
{
	return f->epfd;
}

static int rule_start(struct fwd *f, struct fwd_rule *r)
{
	int rc;

	if (r->polling || !r->target_set)
		return 0;
	rc = fwd_watch_add(f, &r->listen, FWD_EV_IN);
	if (rc == 0)
		r->polling = 1;
	return rc;
}

void fwd_pause(struct fwd *f, struct fwd_rule *r)
{
	if (r->paused || !r->polling)
		return;
	fwd_watch_del(f, &r->listen);
	r->polling = 0;
	r->paused = 1;
	f->n_paused++;
	fwd_logf(f, "%s: out of file descriptors: new clients wait", r->label);
	if (fwd_timer_update(f) < 0) /* retried on the next tick at the latest */
		vmc_error_clear();
}

void fwd_resume_paused(struct fwd *f)
{
	for (size_t i = 0; i < f->n_rules && f->n_paused > 0; i++) {
		struct fwd_rule *r = f->rules[i];

		if (!r->paused)
			continue;
		r->paused = 0;
		f->n_paused--;
		if (rule_start(f, r) < 0)
			vmc_error_clear();
	}
}

static int bind_socket(struct fwd_rule *r, socklen_t host_len)
{
	const struct sockaddr *sa = (const struct sockaddr *)&r->host;
	int type = r->proto == VMC_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	char where[80];
	int fd, one = 1, err;

	fwd_format_addr(sa, where, sizeof(where));
	fd = fwd_socket(sa->sa_family, type);
	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "%s: socket for %s", r->label, where);
	/* TCP: a port left in TIME_WAIT by the last run is free to us, but
	 * Linux still refuses a port someone listens on. UDP gets no
	 * SO_REUSEADDR, so a bound port is refused too. */
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, sa, host_len) < 0 || (type == SOCK_STREAM && listen(fd, 128) < 0)) {
		err = errno;
		close(fd);
		if (err == EADDRINUSE)
			return vmc_error_set(VMC_EBUSY, "%s: %s/%s is already in use", r->label,
					     where, r->proto == VMC_PROTO_UDP ? "udp" : "tcp");
		return vmc_error_set_errno(VMC_EIO, err, "%s: cannot listen on %s/%s", r->label,
					   where, r->proto == VMC_PROTO_UDP ? "udp" : "tcp");
	}
	r->listen.fd = fd;
	return 0;
}

int fwd_listen(struct fwd *f, vmc_proto proto, const struct sockaddr *host, socklen_t host_len,
	       const struct sockaddr *target, socklen_t target_len, unsigned int guest_port,
	       const char *label)
{
	struct fwd_rule *r;
	int rc;

	if (f->n_rules >= FWD_MAX_RULES)
		return vmc_error_set(VMC_EINVAL, "at most %d forwarded sockets", FWD_MAX_RULES);
	if (host_len > sizeof(r->host) || (target && target_len > sizeof(r->target)) ||
	    (host->sa_family != AF_INET && host->sa_family != AF_INET6))
		return vmc_error_set(VMC_EINVAL, "%s: bad address", label);
	r = calloc(1, sizeof(*r));
	if (!r)
		return vmc_error_oom();
	r->listen.fd = -1;
	r->listen.fn = proto == VMC_PROTO_UDP ? fwd_udp_on_listen : fwd_tcp_on_listen;
	r->proto = proto;
	r->guest_port = guest_port;
	memcpy(&r->host, host, host_len);
	snprintf(r->label, sizeof(r->label), "%s", label ? label : "forward");
	if (target) {
		memcpy(&r->target, target, target_len);
		r->target_len = target_len;
		r->target_set = 1;
	}
	rc = bind_socket(r, host_len);
	if (rc == 0)
		rc = rule_start(f, r);
	if (rc < 0) {
		if (r->listen.fd >= 0)
			close(r->listen.fd);
		free(r);
		return rc;
	}
	f->rules[f->n_rules++] = r;
	return 0;
}

int fwd_set_guest(struct fwd *f, const char *ip)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int rc = 0;

	memset(&ss, 0, sizeof(ss));
	if (ip && inet_pton(AF_INET, ip, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		len = sizeof(struct sockaddr_in);
	} else if (ip && inet_pton(AF_INET6, ip, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		len = sizeof(struct sockaddr_in6);
	} else {
		return vmc_error_set(VMC_EINVAL, "guest address '%.64s' is not an ip address",
				     ip ? ip : "");
	}
	for (size_t i = 0; i < f->n_rules && rc == 0; i++) {
		struct fwd_rule *r = f->rules[i];

		if (r->target_set)
			continue;
		r->target = ss;
		r->target_len = len;
		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&r->target)->sin_port = htons((uint16_t)r->guest_port);
		else
			((struct sockaddr_in6 *)&r->target)->sin6_port = htons((uint16_t)r->guest_port);
		r->target_set = 1;
		rc = rule_start(f, r);
	}
	return rc;
}

size_t fwd_waiting(const struct fwd *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n_rules; i++)
		n += !f->rules[i]->target_set;
	return n;
}

void fwd_get_stats(const struct fwd *f, struct fwd_stats *out)
{
	*out = f->st;
}
