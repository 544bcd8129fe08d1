/*
 * switch_proc.h - helpers shared by the switch integration tests: a
 * vmc-switch process (VMC_SWITCH, else vmc-switch on PATH) in a fresh
 * directory, its control socket, and datagram sockets standing in for
 * QEMU's `-netdev dgram` NICs.
 */
#ifndef VMC_TEST_SWITCH_PROC_H
#define VMC_TEST_SWITCH_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#define NPORTS 3
#define QUIET_MS 150 /* how long "nothing arrives" is watched */

struct sw {
	char dir[64];      /* test dir; the switch's netdir is dir/net */
	char net[80];
	pid_t pid;
	int pidfd;
	int ctl;
	char buf[65536];   /* control replies */
	size_t len;
	int nic[NPORTS];   /* the test's end of each port */
};

/* Starts vmc-switch on dir/net; 0 once it reported "ok", else -1 (line
 * holds what it said). */
int sw_start(struct sw *s, const char *dir, char *line, size_t line_len);
/* A fresh /tmp/vmc-swtest-XXXXXX with a switch and NPORTS NICs attached. */
void sw_start3(struct sw *s);
void sw_make_dir(char *dir, size_t len);
/* Sends one request (printf format, no newline) and returns the reply;
 * the caller decrefs. */
json_t *sw_req(struct sw *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for one literal request line, receiving the fd the switch may
 * pass along with the reply (-1 if none) in *fd. */
json_t *sw_req_fd(struct sw *s, int *fd, const char *line);
/* "ok" / "code" of a reply, which they release. */
int sw_reply_ok(json_t *rep);
int sw_reply_code(json_t *rep);
/* NIC i: a datagram socket bound at dir/vm<i>.sock, added as port p<i>
 * and connected to the port's socket. */
void sw_nic_attach(struct sw *s, int i);
void sw_nic_send(struct sw *s, int i, const uint8_t *dst, const uint8_t *src, size_t len);
/* Length of the next frame on NIC i within ms, or -1. */
ssize_t sw_nic_recv(struct sw *s, int i, int ms, uint8_t *src_out);
/* A port's object from {"op":"ports"} (caller decrefs) or NULL. */
json_t *sw_port_stats(struct sw *s, const char *name);
long long sw_stat(struct sw *s, const char *port, const char *key);
/* Waits for the switch to exit; its exit status, or -1. */
int sw_wait_exit(struct sw *s, int ms);
void sw_close_nics(struct sw *s);
/* Shuts the switch down by request, checks that neither switch.sock nor
 * the ports directory is left, closes everything, removes the directory. */
void sw_finish(struct sw *s);

#endif
