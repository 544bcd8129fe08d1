/* inttypes.h (Darwin libc; LP64 macros). Stub: only what vmc uses. */
#ifndef _INTTYPES_H_
#define _INTTYPES_H_
#include <stdint.h>
#define PRId64 "lld"
#define PRIu64 "llu"
#define PRIx64 "llx"
#define PRIu32 "u"
#define PRIx32 "x"
#define PRIu8 "hhu"
#define SCNu64 "llu"
#endif
