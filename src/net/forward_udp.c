/*
 * forward_udp.c - forwarded UDP: one flow per client address, each with
 * its own socket connected to the guest, so the guest's replies come back
 * on that socket and go out from the listening socket to that client. A
 * flow ends after udp_idle_ms without traffic either way (one periodic
 * timerfd or kqueue timer, armed only while flows exist); past max_flows a new client's
 * datagrams are dropped and counted.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "net/forward_int.h"

#define FWD_UDP_BATCH 64 /* datagrams per event: fairness */

static unsigned int flow_hash(const struct fwd_rule *r, const struct sockaddr_storage *peer)
{
	const unsigned char *p;
	size_t len;
	uint32_t h = 2166136261u;
	uintptr_t rp = (uintptr_t)r;

	if (peer->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)peer;
		h = (h ^ s6->sin6_port) * 16777619u;
		p = s6->sin6_addr.s6_addr;
		len = 16;
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)peer;
		h = (h ^ s4->sin_port) * 16777619u;
		p = (const unsigned char *)&s4->sin_addr;
		len = 4;
	}
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ (uint32_t)(rp >> 4)) * 16777619u;
	return h % FWD_UDP_BUCKETS;
}

static int same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
	return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

/* The one timer: armed while there are flows to expire or paused
 * listeners to retry (fwd_pause), every min(idle / 4, 1 s). */
int fwd_timer_update(struct fwd *f)
{
	unsigned int tick = f->lim.udp_idle_ms / 4;
	int on = f->flows != NULL || f->n_paused > 0;

	if (on == f->timer_armed)
		return 0;
	if (tick > 1000)
		tick = 1000;
	if (tick < 10)
		tick = 10;
	if (fwd_timer_set(f, on ? tick : 0) < 0)
		return -1;
	f->timer_armed = on;
	return 0;
}

static void flow_close(struct fwd *f, struct fwd_flow *fl)
{
	struct fwd_flow **pp;

	if (fl->dead)
		return;
	fl->dead = 1;
	fwd_watch_del(f, &fl->sock);
	close(fl->sock.fd);
	fl->sock.fd = -1;
	for (pp = &f->buckets[flow_hash(fl->rule, &fl->peer)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == fl) {
			*pp = fl->hnext;
			break;
		}
	}
	if (fl->prev)
		fl->prev->next = fl->next;
	else
		f->flows = fl->next;
	if (fl->next)
		fl->next->prev = fl->prev;
	fl->next = f->flow_graveyard;
	fl->prev = NULL;
	f->flow_graveyard = fl;
	f->st.flows--;
	if (f->n_paused)
		fwd_resume_paused(f);
}

/* The guest answered on a flow: out through the listening socket. */
static void on_flow(struct fwd *f, struct fwd_watch *w, uint32_t events)
{
	struct fwd_flow *fl = (struct fwd_flow *)(void *)((char *)w - offsetof(struct fwd_flow, sock));

	(void)events;
	if (fl->dead)
		return;
	for (int i = 0; i < FWD_UDP_BATCH; i++) {
		ssize_t n = recv(fl->sock.fd, f->buf, sizeof(f->buf), 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			continue; /* ECONNREFUSED: the guest port is closed (ICMP) */
		}
		fl->last_ms = clock_mono_ms();
		if (sendto(fl->rule->listen.fd, f->buf, (size_t)n, MSG_DONTWAIT,
			   (struct sockaddr *)&fl->peer, fl->peer_len) < 0)
			f->st.udp_dropped++;
	}
}

static struct fwd_flow *flow_new(struct fwd *f, struct fwd_rule *r,
				 const struct sockaddr_storage *peer, socklen_t peer_len)
{
	struct fwd_flow *fl;
	unsigned int b;

	if (f->st.flows >= f->lim.max_flows)
		return NULL;
	fl = calloc(1, sizeof(*fl));
	if (!fl)
		return NULL;
	fl->rule = r;
	fl->peer = *peer;
	fl->peer_len = peer_len;
	fl->sock.fn = on_flow;
	fl->sock.fd = fwd_guest_socket(f, r->target.ss_family, SOCK_DGRAM);
	if (fl->sock.fd < 0 ||
	    connect(fl->sock.fd, (const struct sockaddr *)&r->target, r->target_len) < 0 ||
	    fwd_watch_add(f, &fl->sock, FWD_EV_IN) < 0) {
		fwd_logf(f, "%s: new udp flow: %s", r->label, strerror(errno));
		vmc_error_clear();
		fwd_watch_del(f, &fl->sock);
		if (fl->sock.fd >= 0)
			close(fl->sock.fd);
		free(fl);
		return NULL;
	}
	b = flow_hash(r, peer);
	fl->hnext = f->buckets[b];
	f->buckets[b] = fl;
	fl->next = f->flows;
	if (f->flows)
		f->flows->prev = fl;
	f->flows = fl;
	f->st.flows++;
	if (fwd_timer_update(f) < 0) {
		fwd_logf(f, "%s: %s", r->label, vmc_error_last());
		vmc_error_clear();
	}
	return fl;
}

void fwd_udp_on_listen(struct fwd *f, struct fwd_watch *w, uint32_t events)
{
	struct fwd_rule *r = (struct fwd_rule *)(void *)((char *)w - offsetof(struct fwd_rule, listen));

	(void)events;
	for (int i = 0; i < FWD_UDP_BATCH; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		struct fwd_flow *fl;
		ssize_t n;

		memset(&peer, 0, sizeof(peer));
		n = recvfrom(w->fd, f->buf, sizeof(f->buf), 0, (struct sockaddr *)&peer, &plen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			continue; /* an ICMP error queued on the socket */
		}
		for (fl = f->buckets[flow_hash(r, &peer)]; fl; fl = fl->hnext)
			if (fl->rule == r && same_peer(&fl->peer, &peer))
				break;
		if (!fl)
			fl = flow_new(f, r, &peer, plen);
		if (!fl) {
			f->st.udp_dropped++;
			continue;
		}
		fl->last_ms = clock_mono_ms();
		if (send(fl->sock.fd, f->buf, (size_t)n, MSG_DONTWAIT) < 0)
			f->st.udp_dropped++;
	}
}

void fwd_udp_on_timer(struct fwd *f, struct fwd_watch *w, uint32_t events)
{
	uint64_t ticks;
	int64_t now = clock_mono_ms();
	struct fwd_flow *fl, *next;

	(void)events;
	if (w->fd >= 0) /* a timerfd (Linux): consume the ticks */
		(void)!read(w->fd, &ticks, sizeof(ticks));
	for (fl = f->flows; fl; fl = next) {
		next = fl->next;
		if (now - fl->last_ms >= (int64_t)f->lim.udp_idle_ms) {
			flow_close(f, fl);
			f->st.expired++;
		}
	}
	if (f->n_paused)
		fwd_resume_paused(f);
	if (fwd_timer_update(f) < 0)
		vmc_error_clear();
}

void fwd_udp_reap(struct fwd *f)
{
	while (f->flow_graveyard) {
		struct fwd_flow *fl = f->flow_graveyard;

		f->flow_graveyard = fl->next;
		free(fl);
	}
}

void fwd_udp_close_all(struct fwd *f)
{
	while (f->flows)
		flow_close(f, f->flows);
	fwd_udp_reap(f);
}
