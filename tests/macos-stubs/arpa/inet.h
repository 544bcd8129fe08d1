/* arpa/inet.h (Darwin libc). Stub: only what vmc uses. */
#ifndef _ARPA_INET_H_
#define _ARPA_INET_H_
#include <netinet/in.h>
#include <sys/socket.h>
const char *inet_ntop(int af, const void *src, char *dst, socklen_t size);
int inet_pton(int af, const char *src, void *dst);
#endif
