/* sys/socket.h (Darwin; macOS values). No SOCK_CLOEXEC, SOCK_NONBLOCK,
 * MSG_NOSIGNAL or accept4 on macOS. Stub: only what vmc uses. */
#ifndef _SYS_SOCKET_H_
#define _SYS_SOCKET_H_
#include <sys/types.h>
typedef uint32_t socklen_t;
typedef uint8_t sa_family_t;
struct sockaddr {
	uint8_t sa_len;
	sa_family_t sa_family;
	char sa_data[14];
};
#define AF_UNIX 1
#define SOCK_STREAM 1
#define SOL_SOCKET 0xffff
#define SO_NOSIGPIPE 0x1022
#define MSG_DONTWAIT 0x80
int socket(int domain, int type, int protocol);
int bind(int socket, const struct sockaddr *address, socklen_t address_len);
int connect(int socket, const struct sockaddr *address, socklen_t address_len);
int listen(int socket, int backlog);
int accept(int socket, struct sockaddr *address, socklen_t *address_len);
ssize_t send(int socket, const void *buffer, size_t length, int flags);
int setsockopt(int socket, int level, int option_name, const void *option_value,
	       socklen_t option_len);
#endif
