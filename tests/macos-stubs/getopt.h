/* getopt.h (Darwin libc). Stub: only what vmc uses. */
#ifndef _GETOPT_H_
#define _GETOPT_H_
extern char *optarg;
extern int optind, opterr, optopt;
struct option {
	const char *name;
	int has_arg;
	int *flag;
	int val;
};
#define no_argument 0
#define required_argument 1
#define optional_argument 2
int getopt_long(int argc, char *const *argv, const char *optstring, const struct option *longopts,
		int *longindex);
#endif
