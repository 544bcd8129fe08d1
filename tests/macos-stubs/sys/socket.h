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
#include <sys/uio.h>
#define AF_UNSPEC 0
#define AF_LOCAL AF_UNIX
#define AF_INET 2
#define AF_INET6 30
#define PF_UNIX AF_UNIX
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_SEQPACKET 5
#define SO_REUSEADDR 0x0004
#define SO_KEEPALIVE 0x0008
#define SO_REUSEPORT 0x0200
#define SO_SNDBUF 0x1001
#define SO_RCVBUF 0x1002
#define SO_SNDTIMEO 0x1005
#define SO_RCVTIMEO 0x1006
#define SO_ERROR 0x1007
#define SO_TYPE 0x1008
#define SOL_LOCAL 0
#define LOCAL_PEERCRED 0x001
#define LOCAL_PEERPID 0x002
#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_TRUNC 0x10
#define MSG_CTRUNC 0x20
#define MSG_WAITALL 0x40
#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define SOMAXCONN 128
#define SCM_RIGHTS 0x01
struct sockaddr_storage {
	uint8_t ss_len;
	sa_family_t ss_family;
	char __ss_pad1[6];
	int64_t __ss_align;
	char __ss_pad2[112];
};
struct msghdr {
	void *msg_name;
	socklen_t msg_namelen;
	struct iovec *msg_iov;
	int msg_iovlen;
	void *msg_control;
	socklen_t msg_controllen;
	int msg_flags;
};
struct cmsghdr {
	socklen_t cmsg_len;
	int cmsg_level;
	int cmsg_type;
};
#define __DARWIN_ALIGNBYTES32 (sizeof(uint32_t) - 1)
#define __DARWIN_ALIGN32(p) \
	((size_t)((size_t)(p) + __DARWIN_ALIGNBYTES32) & ~__DARWIN_ALIGNBYTES32)
#define CMSG_DATA(cmsg) ((unsigned char *)(cmsg) + __DARWIN_ALIGN32(sizeof(struct cmsghdr)))
#define CMSG_FIRSTHDR(mhdr) \
	((mhdr)->msg_controllen >= sizeof(struct cmsghdr) ? (struct cmsghdr *)(mhdr)->msg_control \
							   : (struct cmsghdr *)0L)
#define CMSG_NXTHDR(mhdr, cmsg) \
	((char *)(cmsg) + __DARWIN_ALIGN32((cmsg)->cmsg_len) + __DARWIN_ALIGN32(sizeof(struct cmsghdr)) > \
	 (char *)(mhdr)->msg_control + (mhdr)->msg_controllen ? (struct cmsghdr *)0 : \
	 (struct cmsghdr *)(void *)((char *)(cmsg) + __DARWIN_ALIGN32((cmsg)->cmsg_len)))
#define CMSG_SPACE(l) (__DARWIN_ALIGN32(sizeof(struct cmsghdr)) + __DARWIN_ALIGN32(l))
#define CMSG_LEN(l) (__DARWIN_ALIGN32(sizeof(struct cmsghdr)) + (l))
int socketpair(int domain, int type, int protocol, int socket_vector[2]);
int shutdown(int socket, int how);
int getsockopt(int socket, int level, int option_name, void *option_value,
	       socklen_t *option_len);
int getsockname(int socket, struct sockaddr *address, socklen_t *address_len);
ssize_t recv(int socket, void *buffer, size_t length, int flags);
ssize_t recvfrom(int socket, void *buffer, size_t length, int flags, struct sockaddr *address,
		 socklen_t *address_len);
ssize_t sendto(int socket, const void *buffer, size_t length, int flags,
	       const struct sockaddr *dest_addr, socklen_t dest_len);
ssize_t sendmsg(int socket, const struct msghdr *message, int flags);
ssize_t recvmsg(int socket, struct msghdr *message, int flags);
#define SO_LINGER 0x0080
struct linger {
	int l_onoff;
	int l_linger;
};
#endif
