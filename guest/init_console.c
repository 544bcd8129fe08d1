/*
 * init_console.c - how vmc-init talks: its own log lines on stderr, and the
 * protocol lines for the host (VMC_READY, VMC_EXIT, VMC_ERROR), each written
 * whole to every console the guest has, so whichever one the host reads
 * (ttyS0, or hvc0 once virtio_console is loaded) carries it. Also the
 * monotonic clock the other pieces share. What the lines say is decided in
 * vmc-init.c.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define WRITE_WAIT_MS 1000

long init_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

INIT_PRINTF(2, 0)
static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char buf[512];
	int saved = errno, n;

	n = snprintf(buf, sizeof(buf), "vmc-init: %s", prefix);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	n = (int)strlen(buf);
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
		/* nowhere else to say it */
	}
	errno = saved;
}

void init_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void init_debug(int on, const char *fmt, ...)
{
	struct timespec ts;
	char prefix[32];
	va_list ap;

	if (!on)
		return;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	snprintf(prefix, sizeof(prefix), "[%ld.%03ld] ", (long)ts.tv_sec, ts.tv_nsec / 1000000L);
	va_start(ap, fmt);
	vlog(prefix, fmt, ap);
	va_end(ap);
}

void console_ensure_stdio(void)
{
	int fd;

	/* the kernel gives PID 1 no stdio when the initramfs lacks /dev/console */
	if (fcntl(STDERR_FILENO, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

size_t console_names(char names[][INIT_TTY_NAME], size_t max)
{
	static const char *const fixed[] = { "ttyS0", "hvc0" };
	char buf[128], *tok, *save = NULL;
	size_t n = 0, i, j;
	int fd = open("/sys/class/tty/console/active", O_RDONLY | O_CLOEXEC);
	ssize_t len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[len > 0 ? len : 0] = '\0';
	for (tok = strtok_r(buf, " \n", &save); tok && n + 2 < max;
	     tok = strtok_r(NULL, " \n", &save))
		snprintf(names[n++], INIT_TTY_NAME, "%s", tok);
	for (i = 0; i < 2 && n < max; i++) {
		for (j = 0; j < n && strcmp(names[j], fixed[i]) != 0; j++)
			;
		if (j == n)
			snprintf(names[n++], INIT_TTY_NAME, "%s", fixed[i]);
	}
	return n;
}

/*
 * Writes all of buf to a non-blocking tty. A UART that is not there never
 * drains, so waiting is bounded: at most WRITE_WAIT_MS in total.
 */
static int write_all(int fd, const char *buf, size_t len)
{
	long deadline = init_now_ms() + WRITE_WAIT_MS;

	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR) &&
			   init_now_ms() < deadline) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			poll(&pfd, 1, (int)(deadline - init_now_ms()));
		} else {
			return -1;
		}
	}
	return 0;
}

void console_announce(const char *line)
{
	char names[INIT_MAX_CONSOLES][INIT_TTY_NAME], path[32];
	size_t n = console_names(names, INIT_MAX_CONSOLES), i;
	int written = 0;

	for (i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "/dev/%s", names[i]);
		fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		written |= write_all(fd, line, strlen(line)) == 0;
		close(fd);
	}
	if (!written)
		write_all(STDOUT_FILENO, line, strlen(line));
}

/*
 * Power-off does not wait for a UART to send what its buffer holds, so the
 * last lines written (a workload's output, VMC_EXIT) could be lost. Waits
 * until every console has drained, at most timeout_ms: tcdrain() has no
 * timeout, so a child drains and we wait on its pidfd, then kill it.
 */
void console_drain(int timeout_ms)
{
	char names[INIT_MAX_CONSOLES][INIT_TTY_NAME], path[32];
	size_t n = console_names(names, INIT_MAX_CONSOLES), i;
	pid_t pid = fork();
	int pidfd;

	if (pid == 0) {
		for (i = 0; i < n; i++) {
			int fd;

			snprintf(path, sizeof(path), "/dev/%s", names[i]);
			fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0) {
				tcdrain(fd);
				close(fd);
			}
		}
		tcdrain(STDOUT_FILENO);
		_exit(0);
	}
	if (pid < 0)
		return;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

		poll(&pfd, 1, timeout_ms);
		close(pidfd);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
