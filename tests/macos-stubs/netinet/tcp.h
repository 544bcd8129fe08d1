/* netinet/tcp.h (Darwin; macOS values). Stub: only what vmc uses. */
#ifndef _NETINET_TCP_H_
#define _NETINET_TCP_H_
#define TCP_NODELAY 0x01
#define TCP_CONNECTIONTIMEOUT 0x20
#endif
