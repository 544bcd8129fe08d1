/*
 * path_set.h - a set of strings keyed by (pointer, length), so a prefix of
 * a longer path can be looked up without copying it. Zero-initialise a
 * struct path_set to start; path_set_free releases it.
 */
#ifndef VMC_IMAGE_PATH_SET_H
#define VMC_IMAGE_PATH_SET_H

#include <stddef.h>

/* Open-addressing set of the relative paths this layer wrote. */
struct path_set {
	char **slot;
	size_t cap, used;
};

/* 1 when the first `len` bytes of `s` are a member. */
int path_set_has(const struct path_set *set, const char *s, size_t len);
/* Adds a copy of the first `len` bytes of `s`. 0 or VMC_ENOMEM. */
int path_set_add(struct path_set *set, const char *s, size_t len);
void path_set_free(struct path_set *set);

#endif
