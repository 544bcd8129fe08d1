/*
 * hostrec.h - the record of host objects a bridge network made: one text
 * file <net>/host.rec, appended (and fsynced) line by line BEFORE each
 * object is created, so a crash at any point leaves a record of
 * everything that may exist. Undoing a record deletes only what it names
 * (a name that turns out to be gone is fine). Format, one entry a line:
 *
 *   vmc-host-record 1             first line
 *   owner PID START               the creating process (pid, start time)
 *   netns NAME [ID]               a named network namespace vmc created,
 *                                 recorded with its id (netns_id) before
 *                                 it gets the name: undo deletes NAME only
 *                                 while it is that namespace; the entries
 *                                 after it live inside it
 *   link IFNAME [MAC]             a link vmc created (the bridge), with
 *                                 the MAC it was created with: undo
 *                                 deletes a link of that name only if it
 *                                 still has that MAC, so a same-named
 *                                 link someone else made is left alone
 *   forget link IFNAME [MAC]      it was not ours after all (EEXIST)
 *   nft-table FAMILY TABLE        the network uses the shared vmc table
 *   nft-chain FAMILY TABLE CHAIN  a chain of its own in that table
 *   sysctl KEY                    it needs KEY (e.g. net.ipv4.ip_forward)
 *                                 set; the prior value is kept per network
 *                                 namespace (bridge.h)
 *   complete                      creation finished
 *
 * The parser takes untrusted bytes (the file may be damaged): bounded
 * size and entry count, names checked against strict charsets; anything
 * else is VMC_EPROTO. Pure apart from hostrec_append().
 */
#ifndef VMC_NET_HOSTREC_H
#define VMC_NET_HOSTREC_H

#include <stddef.h>

#define HOSTREC_FILE "host.rec"
#define HOSTREC_MAX_BYTES 8192
#define HOSTREC_MAX_ENTRIES 32
#define HOSTREC_NAME_MAX 63

enum hostrec_kind {
	HOSTREC_LINK = 1,
	HOSTREC_NFT_TABLE,
	HOSTREC_NFT_CHAIN,
	HOSTREC_SYSCTL,
	HOSTREC_NETNS,
};

struct hostrec_entry {
	enum hostrec_kind kind;
	char family[8];                       /* nft: "inet", "ip", "ip6" */
	char table[HOSTREC_NAME_MAX + 1];     /* nft */
	char name[HOSTREC_NAME_MAX + 1];      /* link, chain, sysctl key or netns */
	char mac[18];                         /* link: "xx:xx:xx:xx:xx:xx" (lower
					       * case) it was made with, or "" */
	unsigned long long id;                /* netns: its id, 0 if not recorded */
};

struct hostrec {
	long owner_pid;
	unsigned long long owner_start;
	int complete;
	size_t n;
	struct hostrec_entry e[HOSTREC_MAX_ENTRIES];
};

/* Parses a record (text need not be NUL-terminated). 0 or VMC_EPROTO
 * with the line named. "forget" lines remove the entry they name. */
int hostrec_parse(const char *text, size_t len, struct hostrec *out);
/* Formats one entry as its line (with '\n') into out; < 0 if it does
 * not fit or a name is invalid. */
int hostrec_format_entry(const struct hostrec_entry *e, char *out, size_t len);
/* 1 if `s` is a name the record accepts for that field. */
int hostrec_name_valid(const char *s);
int hostrec_sysctl_valid(const char *key);

/* Appends `line` to <dir>/host.rec (created 0600 if missing) and fsyncs
 * it: when this returns 0 the line survives a crash. */
int hostrec_append(const char *dir, const char *line);
/* Reads and parses <dir>/host.rec: 0, VMC_ENOTFOUND (no record),
 * VMC_EPROTO, VMC_EIO. */
int hostrec_read(const char *dir, struct hostrec *out);

#endif
