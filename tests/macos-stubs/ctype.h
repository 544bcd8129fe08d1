/* ctype.h (Darwin libc). Stub: only what vmc uses (functions, not the
 * inline table lookups Apple defines them with). */
#ifndef _CTYPE_H_
#define _CTYPE_H_
int isalnum(int c);
int tolower(int c);
int isascii(int c);
#endif
