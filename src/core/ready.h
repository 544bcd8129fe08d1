/*
 * ready.h - the ready protocol: a strict, streaming parser of the guest
 * console that turns the lines vmc-init (or the kernel) prints into events.
 * The shim feeds it every chunk it reads from the serial stream; it keeps
 * at most one bounded partial line and needs no re-reading.
 *
 * Protocol (one event per line; a line ends at "\n", one trailing "\r" is
 * stripped, and a line never counts before its newline arrives):
 *   VMC_READY [ip=<addr>]... [<key>=<value>]...
 *       The marker starts the line and is followed by the end of the line
 *       or a space and space-separated tokens. <addr> is an IPv4 or IPv6
 *       literal (inet_pton); the first VMC_STATE_IP_MAX are kept in order.
 *       <key> is [a-z0-9_]+, <value> is non-empty printable ASCII without
 *       spaces (other keys are accepted and ignored). Any malformed token,
 *       and any bad address, makes the whole line not count.
 *   VMRS_READY <ip> | VMRS_READY ip=<ip> [uptime=<seconds>]
 *       The legacy vm-rs form: READY with that one address.
 *   VMC_EXIT status=<0..255> | VMC_EXIT signal=<1..64>
 *       The workload ended (exit status or the signal that killed it).
 *   VMC_ERROR <text>
 *       vmc-init failed; the text is kept (control bytes removed,
 *       truncated to READY_TEXT_MAX - 1 bytes).
 *   ... Kernel panic - not syncing<text>
 *       Anywhere in a line (the kernel prefixes "[    1.234567] "): PANIC
 *       with the text after the marker.
 * A line holding a NUL or another control byte (other than tab, or the
 * trailing "\r") never counts; neither does a line longer than
 * READY_LINE_MAX bytes, which is discarded up to its newline.
 */
#ifndef VMC_CORE_READY_H
#define VMC_CORE_READY_H

#include <stddef.h>

#include "vmc.h"

#define READY_LINE_MAX 512
#define READY_TEXT_MAX 201 /* 200 bytes + NUL */
#define READY_IP_LEN 64

enum ready_kind {
	READY_EV_READY = 1,
	READY_EV_EXIT = 2,
	READY_EV_ERROR = 3,
	READY_EV_PANIC = 4,
};

struct ready_event {
	enum ready_kind kind;
	/* READY: the addresses in order, n_ip of them (0..VMC_STATE_IP_MAX). */
	char ip[VMC_STATE_IP_MAX][READY_IP_LEN];
	size_t n_ip;
	int legacy;           /* READY: 1 for the VMRS_READY form */
	int exit_status;      /* EXIT: 0..255, or -1 when ended by a signal */
	int exit_signal;      /* EXIT: 1..64, or 0 */
	char text[READY_TEXT_MAX]; /* ERROR, PANIC: the message, else "" */
};

struct ready_scanner {
	char line[READY_LINE_MAX];
	size_t len;
	int discarding;       /* inside an overlong line: drop up to "\n" */
};

typedef void (*ready_cb)(const struct ready_event *ev, void *payload);

void ready_scanner_init(struct ready_scanner *s);

/* Consumes `len` bytes of console output and calls `cb` (may be NULL) for
 * every completed line that is an event. Returns the number of events. */
size_t ready_scanner_feed(struct ready_scanner *s, const char *buf, size_t len, ready_cb cb,
			  void *payload);

/* Parses one line (without its "\n"; a trailing "\r" is ignored). Returns 1
 * and fills *out if it is an event, else 0 (*out is then unspecified). */
int ready_parse_line(const char *line, size_t len, struct ready_event *out);

#endif
