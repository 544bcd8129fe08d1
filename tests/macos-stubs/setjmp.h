/* setjmp.h (Darwin libc; arm64 jmp_buf size). Stub: only what cmocka.h
 * needs (the tests include it before cmocka.h). */
#ifndef _SETJMP_H_
#define _SETJMP_H_
typedef int jmp_buf[((14 + 8 + 2) * 2)];
#endif
