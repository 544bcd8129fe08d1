/*
 * bridge.c - making and undoing the host objects of a bridge network
 * (see bridge.h). Order of creation, each step recorded first: the
 * bridge (created with NLM_F_EXCL and a random MAC the record keeps: if
 * the name is taken the record forgets it and nothing is touched; undo
 * deletes a link of that name only with that MAC), the subnet's .1, up;
 * with NAT the shared table and the network's chain, then
 * net.ipv4.ip_forward = 1 under the host lock. With --netns the
 * namespace comes first, recorded with its id before it has its name.
 * Undo walks the record backwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/compat.h"
#include "core/config.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/proc.h"
#include "net/bridge.h"
#include "net/hostrec.h"
#include "net/nat.h"
#include "net/netns.h"
#include "net/nl.h"

#define FORWARD_KEY "net.ipv4.ip_forward"
#define HOST_RUN_DIR "/run/vmc-hostnet" /* not /run/vmc: the default state directory */

static void crash_point(const char *step)
{
	const char *at = getenv(BRIDGE_CRASH_ENV);

	if (at && !strcmp(at, step))
		raise(SIGKILL);
}

static int record(const char *dir, const struct hostrec_entry *e, int forget)
{
	char line[256];
	int n = hostrec_format_entry(e, line + (forget ? 7 : 0), sizeof(line) - 7);

	if (n < 0)
		return vmc_error_set(VMC_EINVAL, "host record: invalid entry");
	if (forget)
		memcpy(line, "forget ", 7);
	return hostrec_append(dir, line);
}

static void entry(struct hostrec_entry *e, enum hostrec_kind kind, const char *family,
		  const char *table, const char *name)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	snprintf(e->family, sizeof(e->family), "%s", family ? family : "");
	snprintf(e->table, sizeof(e->table), "%s", table ? table : "");
	snprintf(e->name, sizeof(e->name), "%s", name ? name : "");
}

/* What vmc's bridge networks share in one network namespace, whichever
 * state directory they belong to: /run/vmc-hostnet/<the calling thread's
 * namespace>/ (under /run: gone at reboot, like the sysctls and links it
 * is about). The namespace is named by its cookie (never reused while
 * the machine runs; its inode number, which a later namespace may get,
 * on kernels before 5.14). Holds .lock, sysctl-KEY (a forwarding
 * sysctl's value before vmc changed it) and users-KEY/ (one file per
 * network needing KEY, named after its directory's device and inode). */
static int host_dir(char *out, size_t len)
{
	struct stat st;
#ifdef SO_NETNS_COOKIE
	uint64_t cookie = 0;
	socklen_t clen = sizeof(cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), ok;

	ok = fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &clen) == 0;
	if (fd >= 0)
		close(fd);
	if (ok) {
		snprintf(out, len, "%s/cookie-%llu", HOST_RUN_DIR, (unsigned long long)cookie);
		return fs_mkdir_p(out, 0700);
	}
#endif
	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot stat /proc/thread-self/ns/net");
	snprintf(out, len, "%s/ino-%llu", HOST_RUN_DIR, (unsigned long long)st.st_ino);
	return fs_mkdir_p(out, 0700);
}

/* The namespace's .lock, held while sysctl users are counted or changed,
 * and while a chain is added to the shared nft table or the table is
 * checked for chains and deleted. */
static int host_lock(int *fd)
{
	char hd[128];
	int rc = host_dir(hd, sizeof(hd));

	*fd = -1;
	return rc < 0 ? rc : fs_lock(hd, ".lock", fd);
}

/* <host dir>/sysctl-KEY and <host dir>/users-KEY/<network dir's id>. */
static int sysctl_paths(const char *dir, const char *key, char *saved, char *users, char *user,
			size_t len)
{
	char hd[128];
	struct stat st;
	int rc = host_dir(hd, sizeof(hd));

	if (rc < 0)
		return rc;
	if (stat(dir, &st) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "cannot stat '%s'", dir);
	snprintf(saved, len, "%s/sysctl-%s", hd, key);
	snprintf(users, len, "%s/users-%s", hd, key);
	snprintf(user, len, "%s/%llu-%llu", users, (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	return 0;
}

/* Sets key to 1 for the network in dir: records the need (in its record,
 * then as a user), keeps the prior value (first changer only). */
static int sysctl_enable(const char *dir, const char *key)
{
	char cur[16], saved[256], users[256], user[256];
	struct hostrec_entry e;
	int lock = -1, fd, rc;

	entry(&e, HOSTREC_SYSCTL, NULL, NULL, key);
	rc = host_lock(&lock);
	if (rc == 0)
		rc = record(dir, &e, 0);
	if (rc == 0)
		rc = sysctl_paths(dir, key, saved, users, user, sizeof(saved));
	if (rc == 0)
		rc = fs_mkdir_p(users, 0700);
	if (rc == 0) {
		fd = open(user, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			rc = vmc_error_set_errno(VMC_EIO, errno, "cannot create '%s'", user);
		else
			close(fd);
	}
	if (rc == 0)
		rc = nat_sysctl_get(key, cur, sizeof(cur));
	if (rc < 0 || !strcmp(cur, "1"))
		goto out;
	if (access(saved, F_OK) < 0) {
		char text[24];
		int n = snprintf(text, sizeof(text), "%s\n", cur);

		rc = fs_write_atomic(saved, text, (size_t)n, 0600, 1);
	}
	if (rc == 0)
		rc = nat_sysctl_set(key, "1");
out:
	if (lock >= 0)
		close(lock);
	return rc;
}

/* 1 if users dir has an entry. */
static int has_users(const char *users)
{
	DIR *d = opendir(users);
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d)) != NULL)
		found = de->d_name[0] != '.';
	closedir(d);
	return found;
}

/* The network in dir no longer needs key: the last one in this namespace
 * (of any state directory) restores it. */
static int sysctl_release(const char *dir, const char *key)
{
	char saved[256], users[256], user[256], *text = NULL;
	int lock = -1, rc;

	rc = host_lock(&lock);
	if (rc == 0)
		rc = sysctl_paths(dir, key, saved, users, user, sizeof(saved));
	if (rc == 0 && unlink(user) < 0 && errno != ENOENT)
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot remove '%s'", user);
	if (rc < 0 || has_users(users))
		goto out;
	rmdir(users); /* empty: tidy (the next user makes it again) */
	rc = fs_read_file(saved, 64, &text, NULL);
	if (rc == VMC_ENOTFOUND) {
		vmc_error_clear(); /* vmc found it set: nothing to restore */
		rc = 0;
		goto out;
	}
	if (rc == 0) {
		text[strcspn(text, "\n")] = '\0';
		rc = nat_sysctl_set(key, text);
	}
	if (rc == 0 && unlink(saved) < 0)
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot remove '%s'", saved);
out:
	free(text);
	if (lock >= 0)
		close(lock);
	return rc;
}

struct subnet_list {
	struct netaddr_subnet **list;
	size_t *n;
};

static int add_host_subnet(uint32_t addr, unsigned int prefix, int index, void *payload)
{
	struct subnet_list *l = payload;
	struct netaddr_subnet *p = realloc(*l->list, (*l->n + 1) * sizeof(*p));

	(void)index;
	if (!p)
		return vmc_error_oom();
	*l->list = p;
	p[*l->n].prefix = prefix;
	p[*l->n].net = prefix ? addr & (0xffffffffu << (32 - prefix)) : 0;
	(*l->n)++;
	return 0;
}

int bridge_host_subnets(struct netaddr_subnet **list, size_t *n)
{
	struct subnet_list l = { list, n };
	struct nl nl;
	int rc = nl_open(&nl);

	if (rc == 0)
		rc = nl_addr_list4(&nl, add_host_subnet, &l);
	nl_close(&nl);
	return rc;
}

int bridge_net_begin(const struct bridge_net *b)
{
	unsigned long long start = 0;
	char line[96];

	if (proc_start_time(getpid(), &start) < 0)
		return vmc_error_prefix(VMC_EIO, "host record");
	snprintf(line, sizeof(line), "vmc-host-record 1\nowner %d %llu\n", (int)getpid(), start);
	return hostrec_append(b->dir, line);
}

static void format_mac(const unsigned char mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

static int make_bridge(const struct bridge_net *b, const char *br)
{
	char gw[NETADDR_STRLEN];
	unsigned char mac[6];
	struct hostrec_entry e;
	struct nl_link link;
	struct nl nl;
	int rc;

	/* a MAC of its own from the first moment: it tells this bridge from
	 * a same-named link someone else made (undo_entry), and a bridge's
	 * kernel-picked MAC changes as ports come and go */
	if (vmc_random(mac, sizeof(mac)) < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "bridge '%s': no random MAC", br);
	mac[0] = (unsigned char)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
	entry(&e, HOSTREC_LINK, NULL, NULL, br);
	format_mac(mac, e.mac);
	rc = record(b->dir, &e, 0);
	if (rc < 0)
		return rc;
	crash_point("link");
	rc = nl_open(&nl);
	if (rc < 0)
		return rc;
	rc = nl_link_create(&nl, br, "bridge", NULL, mac);
	if (rc == VMC_EEXISTS) {
		/* someone else's: never ours to delete */
		if (record(b->dir, &e, 1) < 0)
			vmc_error_clear();
		rc = vmc_error_set(VMC_EEXISTS, "host link '%s' exists and was not made by this "
				   "network (another vmc state directory, or by hand)", br);
		goto out;
	}
	if (rc < 0)
		goto out;
	crash_point("bridge");
	rc = nl_link_get(&nl, br, &link);
	if (rc < 0)
		goto out;
	netaddr_format_host(&b->subnet, 1, gw);
	rc = nl_addr_add(&nl, link.index, gw, b->subnet.prefix);
	if (rc == 0)
		rc = nl_link_set_up(&nl, link.index, 1);
out:
	nl_close(&nl);
	return rc;
}

static int make_nat(const struct bridge_net *b, const char *br)
{
	char chain[HOSTREC_NAME_MAX + 1], net[NETADDR_STRLEN];
	struct hostrec_entry e;
	int rc, lock = -1;

	rc = nat_chain_name(br, chain, sizeof(chain));
	if (rc < 0)
		return rc;
	entry(&e, HOSTREC_NFT_TABLE, NAT_FAMILY, NAT_TABLE, NULL);
	rc = record(b->dir, &e, 0);
	entry(&e, HOSTREC_NFT_CHAIN, NAT_FAMILY, NAT_TABLE, chain);
	if (rc == 0)
		rc = record(b->dir, &e, 0);
	netaddr_format_subnet(&b->subnet, net);
	/* under the host lock: an undo that finds the shared table empty
	 * must not delete it just after this adds its chain to it */
	if (rc == 0)
		rc = host_lock(&lock);
	if (rc == 0)
		rc = nat_add(chain, net, b->uplink);
	if (lock >= 0)
		close(lock);
	if (rc < 0)
		return rc;
	crash_point("nat");
	if (b->netns) /* a namespace of our own: its sysctls go with it */
		return nat_sysctl_set(FORWARD_KEY, "1");
	return sysctl_enable(b->dir, FORWARD_KEY);
}

/* A new namespace's loopback is down: VMs' services may want it. */
static int lo_up(void)
{
	struct nl_link lo;
	struct nl nl;
	int rc = nl_open(&nl);

	if (rc == 0)
		rc = nl_link_get(&nl, "lo", &lo);
	if (rc == 0)
		rc = nl_link_set_up(&nl, lo.index, 1);
	nl_close(&nl);
	return rc;
}

struct netns_made {
	const struct bridge_net *b;
	struct hostrec_entry e;
	int recorded;
};

/* netns_create's callback: the new namespace recorded with its id before
 * it gets its name. */
static int record_netns_id(unsigned long long id, void *arg)
{
	struct netns_made *m = arg;
	int rc;

	entry(&m->e, HOSTREC_NETNS, NULL, NULL, m->b->netns);
	m->e.id = id;
	rc = record(m->b->dir, &m->e, 0);
	m->recorded = rc == 0;
	if (rc == 0)
		crash_point("netns");
	return rc;
}

/* The named namespace, recorded (with its id) before it has the name;
 * VMC_EEXISTS (forgotten) if the name is taken. */
static int make_netns(const struct bridge_net *b)
{
	struct netns_made m = { .b = b };
	int rc = netns_create(b->netns, record_netns_id, &m);

	if (rc == VMC_EEXISTS && m.recorded && record(b->dir, &m.e, 1) < 0)
		vmc_error_clear(); /* the id tells the undo it is not ours */
	return rc;
}

int bridge_net_create(const struct bridge_net *b)
{
	char br[IFNAMSIZ], msg[1024];
	int rc, saved = -1;

	rc = bridge_name(b->name, br);
	if (rc == 0 && b->netns)
		rc = make_netns(b);
	if (rc == 0 && b->netns)
		rc = netns_enter(b->netns, &saved);
	if (rc == 0 && b->netns)
		rc = lo_up();
	if (rc == 0)
		rc = make_bridge(b, br);
	if (rc == 0 && b->nat)
		rc = make_nat(b, br);
	if (netns_leave(&saved) < 0 && rc == 0)
		rc = VMC_EIO;
	if (rc == 0)
		rc = hostrec_append(b->dir, "complete\n");
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "%s", vmc_error_last());
		if (bridge_net_undo(b->dir) < 0)
			vmc_error_clear(); /* kept for the recovery pass */
		vmc_error_set(rc, "%s", msg);
	}
	return rc;
}

/* Deletes the link the entry names if it is the one this record made:
 * one with the recorded MAC (a crash between recording and creating, or a
 * later link of the same name, must not cost someone else their link). */
static int undo_link(const struct hostrec_entry *e)
{
	char mac[18];
	struct nl_link l;
	struct nl nl;
	int rc = nl_open(&nl);

	if (rc == 0)
		rc = nl_link_get(&nl, e->name, &l);
	if (rc == 0 && e->mac[0]) {
		format_mac(l.mac, mac);
		if (strcmp(mac, e->mac) != 0)
			goto out; /* not ours: left alone */
	}
	if (rc == 0)
		rc = nl_link_delete(&nl, e->name);
out:
	nl_close(&nl);
	return rc;
}

static int undo_entry(const struct hostrec_entry *e)
{
	int rc, lock = -1;

	switch (e->kind) {
	case HOSTREC_LINK:
		rc = undo_link(e);
		if (rc == VMC_ENOTFOUND) {
			vmc_error_clear();
			rc = 0;
		}
		return rc;
	case HOSTREC_NFT_CHAIN:
		return nat_chain_delete(e->family, e->table, e->name);
	case HOSTREC_NFT_TABLE:
		/* the emptiness check and the delete under the host lock, which
		 * make_nat holds while adding a chain to the shared table */
		rc = host_lock(&lock);
		if (rc == 0)
			rc = nat_table_delete_if_empty(e->family, e->table);
		if (lock >= 0)
			close(lock);
		return rc < 0 ? rc : 0;
	case HOSTREC_SYSCTL:
	case HOSTREC_NETNS:
		return 0; /* after everything else, see below */
	}
	return 0;
}

/* The namespace a record's objects live in: NULL for the caller's. */
static const struct hostrec_entry *record_netns(const struct hostrec *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].kind == HOSTREC_NETNS)
			return &r->e[i];
	return NULL;
}

/* 1 if the namespace the entry names is still the one vmc made: the name
 * exists and (when the record has it) has the recorded id. A same-named
 * namespace someone else made is not entered, nor deleted. */
static int netns_is_ours(const struct hostrec_entry *e)
{
	unsigned long long id = 0;

	if (netns_id(e->name, &id) < 0) {
		vmc_error_clear();
		return 0;
	}
	return !e->id || id == e->id;
}

static int undo_locked(const char *dir);

int bridge_net_undo(const char *dir)
{
	int rc, lock = -1;

	/* one undo of a network at a time (two recovery passes, two rm) */
	rc = fs_lock(dir, ".undo.lock", &lock);
	if (rc == VMC_ENOTFOUND) {
		vmc_error_clear();
		return 0; /* the directory went: undone and removed meanwhile */
	}
	if (rc < 0)
		return rc;
	rc = undo_locked(dir);
	close(lock);
	return rc;
}

static int undo_locked(const char *dir)
{
	const struct hostrec_entry *ns;
	struct hostrec r;
	char *path;
	int rc, first = 0, saved = -1, inside = 1;

	rc = hostrec_read(dir, &r);
	if (rc == VMC_ENOTFOUND) {
		vmc_error_clear();
		return 0; /* undone meanwhile, or never recorded */
	}
	if (rc < 0)
		return rc;
	ns = record_netns(&r);
	/* a namespace of our own that is gone took everything in it along */
	if (ns && !netns_is_ours(ns))
		inside = 0;
	else if (ns)
		first = netns_enter(ns->name, &saved);
	for (size_t i = r.n; inside && first == 0 && i-- > 0;) {
		rc = undo_entry(&r.e[i]);
		if (rc < 0 && first == 0)
			first = rc;
	}
	if (netns_leave(&saved) < 0 && first == 0)
		first = VMC_EIO;
	for (size_t i = 0; first == 0 && i < r.n; i++) {
		if (r.e[i].kind == HOSTREC_SYSCTL)
			rc = sysctl_release(dir, r.e[i].name);
		else if (r.e[i].kind == HOSTREC_NETNS)
			rc = inside ? netns_delete(r.e[i].name) : 0;
		else
			continue;
		if (rc < 0 && first == 0)
			first = rc;
	}
	if (first < 0)
		return vmc_error_prefix(first, "undoing '%s'", dir);
	path = fs_join(dir, HOSTREC_FILE);
	if (!path)
		return vmc_error_oom();
	if (unlink(path) < 0 && errno != ENOENT)
		rc = vmc_error_set_errno(VMC_EIO, errno, "cannot remove '%s'", path);
	free(path);
	return rc < 0 ? rc : 0;
}

static int owner_state(const char *dir, int *complete)
{
	struct hostrec r;

	if (hostrec_read(dir, &r) < 0) {
		vmc_error_clear();
		return -1;
	}
	*complete = r.complete;
	return proc_is_same((pid_t)r.owner_pid, r.owner_start);
}

int bridge_net_abandoned(const char *dir)
{
	int complete = 0, alive = owner_state(dir, &complete);

	return alive == 0 && !complete;
}

int bridge_net_in_progress(const char *dir)
{
	int complete = 0, alive = owner_state(dir, &complete);

	return alive == 1 && !complete;
}
