/* sys/ioctl.h (Darwin). Stub: only what vmc uses. */
#ifndef _SYS_IOCTL_H_
#define _SYS_IOCTL_H_
struct winsize {
	unsigned short ws_row;
	unsigned short ws_col;
	unsigned short ws_xpixel;
	unsigned short ws_ypixel;
};
#define TIOCGWINSZ 0x40087468
#define FIONREAD 0x4004667f
int ioctl(int fildes, unsigned long request, ...);
#endif
