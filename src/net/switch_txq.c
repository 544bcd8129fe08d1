/*
 * switch_txq.c - the short backlog of a vmc-switch port whose peer cannot
 * take a frame right now. A unix datagram receiver that is not connected
 * back to the sender (QEMU's dgram netdev) accepts only
 * net.unix.max_dgram_qlen (often 10) queued datagrams; a TCP burst from a
 * fast guest overruns that at once, and every dropped frame costs the
 * guests a retransmission timeout. So frames a port cannot send are copied
 * here (at most VSW_TXQ_FRAMES / VSW_TXQ_BYTES per port, in order), the
 * port's socket is watched for VSW_EV_OUT (the kernel signals it when the
 * peer's queue has room again) and the backlog is sent from there. Frames
 * that do not fit are dropped and counted, as a switch does; the loop never
 * blocks on a slow peer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/switch.h"

static void set_out(struct vswitch *vs, struct vsw_port *p, int on)
{
	if (p->q.armed == on || p->watch.fd < 0)
		return;
	if (vsw_watch_mod(vs, &p->watch, VSW_EV_IN | (on ? VSW_EV_OUT : 0)) == 0)
		p->q.armed = on;
}

static void drop_front(struct vswitch *vs, struct vsw_port *p, int delivered)
{
	struct vsw_qframe *f = &p->q.slot[p->q.head];

	switch_core_count_tx(vs->core, p->id, f->len, delivered);
	p->q.bytes -= f->len;
	free(f->data);
	f->data = NULL;
	p->q.head = (p->q.head + 1) % VSW_TXQ_FRAMES;
	p->q.n--;
}

void vsw_txq_push(struct vswitch *vs, struct vsw_port *p, const struct iovec *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct vsw_qframe *f;

		if (p->q.n == VSW_TXQ_FRAMES || p->q.bytes + v[i].iov_len > VSW_TXQ_BYTES) {
			switch_core_count_tx(vs->core, p->id, v[i].iov_len, 0);
			continue;
		}
		f = &p->q.slot[(p->q.head + p->q.n) % VSW_TXQ_FRAMES];
		f->data = malloc(v[i].iov_len ? v[i].iov_len : 1);
		if (!f->data) {
			switch_core_count_tx(vs->core, p->id, v[i].iov_len, 0);
			continue;
		}
		memcpy(f->data, v[i].iov_base, v[i].iov_len);
		f->len = v[i].iov_len;
		p->q.bytes += f->len;
		p->q.n++;
	}
	if (p->q.n)
		set_out(vs, p, 1);
}

void vsw_txq_drain(struct vswitch *vs, struct vsw_port *p)
{
	struct mmsghdr m[VSW_BATCH];
	struct iovec v[VSW_BATCH];

	while (p->q.n > 0) {
		unsigned k = p->q.n < VSW_BATCH ? p->q.n : VSW_BATCH;
		int r;

		memset(m, 0, sizeof(m[0]) * k);
		for (unsigned i = 0; i < k; i++) {
			struct vsw_qframe *f = &p->q.slot[(p->q.head + i) % VSW_TXQ_FRAMES];

			v[i].iov_base = f->data;
			v[i].iov_len = f->len;
			m[i].msg_hdr.msg_iov = &v[i];
			m[i].msg_hdr.msg_iovlen = 1;
		}
		r = vsw_send_batch(p->watch.fd, m, k);
		if (r > 0) {
			while (r-- > 0)
				drop_front(vs, p, 1);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == ENOBUFS))
			return; /* still full: wait for the next VSW_EV_OUT */
		if (r < 0 && (errno == ECONNREFUSED || errno == ENOTCONN || errno == ENOENT)) {
			p->connected = 0; /* the peer is gone: so is what we kept for it */
			vsw_txq_clear(vs, p);
			return;
		}
		drop_front(vs, p, 0); /* about this one frame (EMSGSIZE...) */
	}
	set_out(vs, p, 0);
}

void vsw_txq_clear(struct vswitch *vs, struct vsw_port *p)
{
	while (p->q.n > 0)
		drop_front(vs, p, 0);
	set_out(vs, p, 0);
}
