/*
 * init_user_fuzzer.c - fuzzes vmc-init's user lookup (guest/init_user.c)
 * over an image's /etc/passwd and /etc/group, which the image controls.
 * Input: the vmc.user spec up to the first newline, then the passwd bytes
 * up to the first 0xff byte, then the group bytes. Checks: the groups
 * stay within INIT_GROUPS_MAX with the primary gid first, the home is a
 * terminated absolute path, a failure leaves a terminated message.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "init_user.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *nl, *sep;
	char spec[INIT_USER_MAX], err[160];
	const char *pw, *gr;
	size_t slen, pwlen, grlen;
	struct init_ids ids;
	int rc;

	if (size > 1 << 20)
		return 0;
	nl = memchr(buf, '\n', size);
	slen = nl ? (size_t)(nl - buf) : size;
	if (slen >= sizeof(spec) || memchr(buf, '\0', slen))
		return 0;
	memcpy(spec, buf, slen);
	spec[slen] = '\0';
	pw = nl ? nl + 1 : buf + size;
	sep = memchr(pw, 0xff, (size_t)(buf + size - pw));
	pwlen = sep ? (size_t)(sep - pw) : (size_t)(buf + size - pw);
	gr = sep ? sep + 1 : NULL;
	grlen = sep ? (size_t)(buf + size - gr) : 0;

	memset(err, 'x', sizeof(err));
	rc = init_user_resolve(spec, pw, pwlen, gr, grlen, &ids, err, sizeof(err));
	if (rc < 0) {
		if (!memchr(err, '\0', sizeof(err)))
			abort();
		return 0;
	}
	if (rc != 0 || ids.n_groups < 1 || ids.n_groups > INIT_GROUPS_MAX ||
	    ids.groups[0] != ids.gid)
		abort();
	if (!memchr(ids.home, '\0', sizeof(ids.home)) || ids.home[0] != '/')
		abort();
	return 0;
}
