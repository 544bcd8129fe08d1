/*
 * console.c - the guest console as it arrives on the hypervisor's stdout
 * pipe: appended to serial.log (and the user's serial log, if any) and fed
 * to the ready scanner in the same read, so READY is known the moment its
 * line is complete. Nothing re-reads the log file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "shim/shim.h"

static void write_log(struct shim *shim, int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
	(void)shim;
}

static void on_ready_event(const struct ready_event *ev, void *payload)
{
	struct shim *shim = payload;

	switch (ev->kind) {
	case READY_EV_READY:
		if (shim->state.kind != VMC_STATE_RUNNING && shim->state.kind != VMC_STATE_PAUSED)
			return;
		for (size_t i = 0; i < VMC_STATE_IP_MAX; i++) {
			if (i < ev->n_ip)
				memcpy(shim->state.ip[i], ev->ip[i], sizeof(shim->state.ip[i]));
			else
				shim->state.ip[i][0] = '\0';
		}
		shim->t_ready_us = shim->t_read_us; /* when its bytes arrived */
		shim->state.boot_ms = shim->t_ready_us / 1000 - shim->start_mono_ms;
		if (shim->state.kind == VMC_STATE_PAUSED)
			shim->resume_to = VMC_STATE_READY;
		else
			shim_set_state(shim, VMC_STATE_READY, "");
		break;
	case READY_EV_EXIT:
		shim->guest_exit_seen = 1;
		shim->guest_exit_status = ev->exit_status;
		shim->guest_exit_signal = ev->exit_signal;
		break;
	case READY_EV_ERROR:
		snprintf(shim->guest_error, sizeof(shim->guest_error), "%.*s", (int)sizeof(shim->guest_error) - 1, ev->text);
		break;
	case READY_EV_PANIC:
		snprintf(shim->panic, sizeof(shim->panic), "%.*s", (int)sizeof(shim->panic) - 1, ev->text);
		break;
	}
}

/* Reads what the pipe holds. Returns 0 at EOF or error, 1 after data,
 * -1 when the pipe is empty for now. */
static int read_once(struct shim *shim)
{
	char buf[16384];
	ssize_t n;

	do {
		n = read(shim->console.fd, buf, sizeof(buf));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -1 : 0;
	if (n == 0)
		return 0;
	shim->t_read_us = clock_mono_us();
	if (shim->log_bytes < SHIM_LOG_MAX) {
		write_log(shim, shim->log_fd, buf, (size_t)n);
		shim->log_bytes += n;
	}
	if (shim->user_log_fd >= 0)
		write_log(shim, shim->user_log_fd, buf, (size_t)n);
	ready_scanner_feed(&shim->scanner, buf, (size_t)n, on_ready_event, shim);
	return 1;
}

static void console_close(struct shim *shim)
{
	if (shim->console.fd < 0)
		return;
	shim_watch_del(shim, &shim->console);
	close(shim->console.fd);
	shim->console.fd = -1;
}

int shim_console_readable(struct shim *shim, struct shim_watch *w, uint32_t events)
{
	(void)w;
	(void)events;
	if (read_once(shim) == 0)
		console_close(shim);
	return 0;
}

void shim_console_catch_up(struct shim *shim)
{
	/* bounded: a guest writing as fast as we read cannot hold us here */
	for (int guard = 64; shim->console.fd >= 0 && guard > 0; guard--) {
		int r = read_once(shim);

		if (r == 0)
			console_close(shim);
		if (r <= 0)
			break;
	}
}

void shim_console_drain(struct shim *shim)
{
	/* The hypervisor has exited: everything it wrote is in the pipe. */
	int guard = 4096;

	while (shim->console.fd >= 0 && guard-- > 0)
		if (read_once(shim) <= 0)
			break;
	console_close(shim);
}
