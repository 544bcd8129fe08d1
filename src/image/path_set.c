/*
 * path_set.c - a set of relative path strings (open addressing, FNV-1a),
 * used by unpack.c to remember what the current layer wrote (see
 * path_set.h). Grows at half load; each member is a private copy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "image/path_set.h"

static uint64_t path_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

int path_set_has(const struct path_set *set, const char *s, size_t len)
{
	size_t i;

	if (set->cap == 0)
		return 0;
	for (i = path_hash(s, len) & (set->cap - 1); set->slot[i]; i = (i + 1) & (set->cap - 1))
		if (strncmp(set->slot[i], s, len) == 0 && set->slot[i][len] == '\0')
			return 1;
	return 0;
}

int path_set_add(struct path_set *set, const char *s, size_t len)
{
	size_t i;
	char *copy;

	if (path_set_has(set, s, len))
		return 0;
	if ((set->used + 1) * 2 > set->cap) {
		size_t ncap = set->cap ? set->cap * 2 : 256, j;
		char **ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return vmc_error_oom();
		for (j = 0; j < set->cap; j++) {
			if (!set->slot[j])
				continue;
			for (i = path_hash(set->slot[j], strlen(set->slot[j])) & (ncap - 1); ns[i];
			     i = (i + 1) & (ncap - 1))
				;
			ns[i] = set->slot[j];
		}
		free(set->slot);
		set->slot = ns;
		set->cap = ncap;
	}
	copy = strndup(s, len);
	if (!copy)
		return vmc_error_oom();
	for (i = path_hash(s, len) & (set->cap - 1); set->slot[i]; i = (i + 1) & (set->cap - 1))
		;
	set->slot[i] = copy;
	set->used++;
	return 0;
}

void path_set_free(struct path_set *set)
{
	size_t i;

	for (i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
}

