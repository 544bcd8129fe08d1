/*
 * forward_tcp.c - forwarded TCP connections: accept, a non-blocking
 * connect to the guest, then a zero-copy relay with splice(2) through one
 * pipe per direction (a read/write relay through a buffer on macOS:
 * forward_kqueue.c). EOF one way is passed on as shutdown(SHUT_WR) the
 * same way (half-close), and the connection ends when both directions
 * have. A client the guest refuses, or one over the cap, is closed with a
 * reset; every other connection and the listener keep serving.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "net/forward_int.h"

#define FWD_PUMP_ROUNDS 16   /* per event and direction: fairness */
#define FWD_ACCEPT_BATCH 16

#define CONN_OF(w, member) \
	((struct fwd_conn *)(void *)((char *)(w) - offsetof(struct fwd_conn, member)))

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Closes a client so that it sees a reset, not an orderly end. */
static void reset_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void conn_close(struct fwd *f, struct fwd_conn *c, int reset)
{
	if (c->dead)
		return;
	c->dead = 1;
	fwd_watch_del(f, &c->client);
	fwd_watch_del(f, &c->guest);
	if (reset && c->client.fd >= 0) {
		reset_close(c->client.fd);
		c->client.fd = -1;
	}
	close_fd(&c->client.fd);
	close_fd(&c->guest.fd);
	fwd_dir_close(&c->up);
	fwd_dir_close(&c->down);
	if (c->prev)
		c->prev->next = c->next;
	else
		f->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = f->graveyard;
	c->prev = NULL;
	f->graveyard = c;
	f->st.conns--;
	if (f->n_paused)
		fwd_resume_paused(f); /* fds are free again */
}

/* Moves what it can of one direction. -1 on a socket error. */
static int dir_pump(struct fwd_dir *d, int src, int dst)
{
	for (int round = 0; round < FWD_PUMP_ROUNDS; round++) {
		int progress = 0;
		ssize_t n;

		if (d->pending > 0) {
			n = fwd_dir_drain(d, dst);
			if (n > 0) {
				d->full = 0;
				progress = 1;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (!d->eof && !d->full) {
			n = fwd_dir_fill(d, src);
			if (n > 0) {
				progress = 1;
			} else if (n == 0) {
				d->eof = 1;
				progress = 1;
			} else if (errno == EAGAIN) {
				/* an empty socket or a full pipe; with bytes in
				 * the pipe assume full: the drain clears it */
				if (d->pending > 0)
					d->full = 1;
			} else if (errno != EINTR) {
				return -1;
			}
		}
		if (!progress)
			break;
	}
	if (d->eof && d->pending == 0 && !d->shut) {
		shutdown(dst, SHUT_WR);
		d->shut = 1;
	}
	return 0;
}

/* Registers what each socket waits for; a socket with nothing left to
 * read or write leaves the set (epoll would report its HUP forever). */
static int conn_interest(struct fwd *f, struct fwd_conn *c)
{
	uint32_t cev = 0, gev = 0;
	int rc = 0;

	if (!c->up.eof && !c->up.full)
		cev |= FWD_EV_IN;
	if (c->down.pending > 0)
		cev |= FWD_EV_OUT;
	if (!c->down.eof && !c->down.full)
		gev |= FWD_EV_IN;
	if (c->up.pending > 0)
		gev |= FWD_EV_OUT;
	if (cev != c->client_ev) {
		if (c->client_ev && !cev)
			fwd_watch_del(f, &c->client);
		else if (!c->client_ev)
			rc = fwd_watch_add(f, &c->client, cev);
		else
			rc = fwd_watch_mod(f, &c->client, cev);
		c->client_ev = cev;
	}
	if (rc == 0 && gev != c->guest_ev) {
		if (c->guest_ev && !gev)
			fwd_watch_del(f, &c->guest);
		else if (!c->guest_ev)
			rc = fwd_watch_add(f, &c->guest, gev);
		else
			rc = fwd_watch_mod(f, &c->guest, gev);
		c->guest_ev = gev;
	}
	return rc;
}

static void conn_run(struct fwd *f, struct fwd_conn *c, uint32_t events)
{
	if (dir_pump(&c->up, c->client.fd, c->guest.fd) < 0 ||
	    dir_pump(&c->down, c->guest.fd, c->client.fd) < 0) {
		conn_close(f, c, 1);
		return;
	}
	if (c->up.shut && c->down.shut) {
		conn_close(f, c, 0);
		return;
	}
	/* An error or hang-up that the pumps did not turn into EOF: the peer
	 * is gone and nothing more can be written to it. */
	if ((events & (FWD_EV_ERR | FWD_EV_HUP)) && !(events & (FWD_EV_IN | FWD_EV_OUT))) {
		conn_close(f, c, 1);
		return;
	}
	if (conn_interest(f, c) < 0) {
		fwd_logf(f, "%s: %s", c->rule->label, vmc_error_last());
		vmc_error_clear();
		conn_close(f, c, 1);
	}
}

static void on_client(struct fwd *f, struct fwd_watch *w, uint32_t events)
{
	struct fwd_conn *c = CONN_OF(w, client);

	if (!c->dead && c->connected)
		conn_run(f, c, events);
}

static void on_guest(struct fwd *f, struct fwd_watch *w, uint32_t events)
{
	struct fwd_conn *c = CONN_OF(w, guest);
	int err = 0, one = 1;
	socklen_t len = sizeof(err);

	if (c->dead)
		return;
	if (!c->connected) {
		if (getsockopt(c->guest.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err == 0 && !(events & (FWD_EV_OUT | FWD_EV_ERR | FWD_EV_HUP)))
			return;
		if (err != 0 || !(events & FWD_EV_OUT)) {
			f->st.refused++;
			conn_close(f, c, 1); /* the guest refused: so do we */
			return;
		}
		c->connected = 1;
		setsockopt(c->guest.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* the connect-time registration is replaced by conn_interest */
		fwd_watch_del(f, &c->guest);
		c->guest_ev = 0;
		events = FWD_EV_IN | FWD_EV_OUT; /* try both ways at once */
	}
	conn_run(f, c, events);
}

static int conn_new(struct fwd *f, struct fwd_rule *r, int cfd)
{
	struct fwd_conn *c;
	int rc = 0, one = 1;

	c = calloc(1, sizeof(*c));
	if (!c) {
		reset_close(cfd);
		return vmc_error_oom();
	}
	c->rule = r;
	c->client.fd = cfd;
	c->client.fn = on_client;
	c->guest.fn = on_guest;
	c->up.pipe[0] = c->up.pipe[1] = c->down.pipe[0] = c->down.pipe[1] = -1;
	/* linked first so that conn_close() can unlink it on any path */
	c->next = f->conns;
	if (f->conns)
		f->conns->prev = c;
	f->conns = c;
	f->st.conns++;
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (fwd_dir_open(&c->up) < 0 || fwd_dir_open(&c->down) < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "relay pipe");
		goto fail;
	}
	c->guest.fd = fwd_guest_socket(f, r->target.ss_family, SOCK_STREAM);
	if (c->guest.fd < 0) {
		rc = vmc_error_set_errno(VMC_EIO, errno, "socket");
		goto fail;
	}
	/* a guest that never answers: give up after ~15 s of SYNs, not the
	 * kernel's two minutes (the client is reset then) */
#ifdef TCP_SYNCNT
	int syns = 3;
	setsockopt(c->guest.fd, IPPROTO_TCP, TCP_SYNCNT, &syns, sizeof(syns));
#else
	int secs = 15; /* macOS: a connect timeout in seconds */
	setsockopt(c->guest.fd, IPPROTO_TCP, TCP_CONNECTIONTIMEOUT, &secs, sizeof(secs));
#endif
	if (connect(c->guest.fd, (struct sockaddr *)&r->target, r->target_len) < 0 &&
	    errno != EINPROGRESS) {
		f->st.refused++; /* refused at once (a local target) or unreachable */
		conn_close(f, c, 1);
		return 0;
	}
	/* the client is read only once the guest side is up */
	rc = fwd_watch_add(f, &c->guest, FWD_EV_OUT);
	if (rc < 0)
		goto fail;
	c->guest_ev = FWD_EV_OUT;
	f->st.accepted++;
	return 0;
fail:
	conn_close(f, c, 1);
	return rc;
}

void fwd_tcp_on_listen(struct fwd *f, struct fwd_watch *w, uint32_t events)
{
	struct fwd_rule *r = (struct fwd_rule *)(void *)((char *)w - offsetof(struct fwd_rule, listen));

	(void)events;
	for (int i = 0; i < FWD_ACCEPT_BATCH; i++) {
		int cfd = fwd_accept(w->fd);

		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				fwd_pause(f, r);
			else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				fwd_logf(f, "%s: accept: %s", r->label, strerror(errno));
			return;
		}
		if (f->st.conns >= f->lim.max_conns) {
			f->st.refused++;
			fwd_logf(f, "%s: %u connections open, client refused", r->label,
				 f->st.conns);
			reset_close(cfd);
			continue;
		}
		if (conn_new(f, r, cfd) < 0) {
			fwd_logf(f, "%s: %s", r->label, vmc_error_last());
			vmc_error_clear();
		}
	}
}

void fwd_tcp_reap(struct fwd *f)
{
	while (f->graveyard) {
		struct fwd_conn *c = f->graveyard;

		f->graveyard = c->next;
		free(c);
	}
}

void fwd_tcp_close_all(struct fwd *f)
{
	while (f->conns)
		conn_close(f, f->conns, 0);
	fwd_tcp_reap(f);
}
