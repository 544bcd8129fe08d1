/*
 * init_tools.c - small tools vmc-init provides when run as a command
 * rather than as PID 1 (`/init TOOL ARGS`), for workloads and tests that
 * need what busybox lacks in the default guest:
 *   udp-echo PORT   answers every UDP datagram on PORT (IPv4 and IPv6)
 *                   with the same bytes, until killed
 * Blocking I/O is fine here: each tool is its own process.
 */
#include "init.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int udp_echo(const char *port_s)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	char *end;
	long port = strtol(port_s, &end, 10);
	int fd, off = 0;
	int af6 = 1;

	if (*end || port < 1 || port > 65535) {
		fprintf(stderr, "udp-echo: bad port '%s'\n", port_s);
		return 2;
	}
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		/* one socket for both families */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		sa.sin6_port = htons((uint16_t)port);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) { /* a kernel without IPv6 */
		struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

		af6 = 0;
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&s4, sizeof(s4)) < 0) {
			fprintf(stderr, "udp-echo: port %ld: %s\n", port, strerror(errno));
			return 1;
		}
	}
	printf("udp-echo: listening on %ld (%s)\n", port, af6 ? "ipv4+ipv6" : "ipv4");
	fflush(stdout);
	for (;;) {
		static char buf[65536];
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "udp-echo: %s\n", strerror(errno));
			return 1;
		}
		(void)!sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
	}
}

int init_tool_main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "udp-echo") == 0)
		return udp_echo(argv[2]);
	fprintf(stderr, "usage: %s udp-echo PORT   (as PID 1: the guest's init)\n", argv[0]);
	return 2;
}
