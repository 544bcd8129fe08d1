/* net/if.h (Darwin). Stub: only what vmc uses. */
#ifndef _NET_IF_H_
#define _NET_IF_H_
#define IFNAMSIZ 16
#define IF_NAMESIZE 16
#endif
