/* SPDX-License-Identifier: GPL-2.0 */
/*
 * userns_unmapped00: tasks whose ids their user namespace does not map. A kid that
 * unshares a user namespace keeps its ids; where the namespace has no map for them (as
 * after `unshare -U`), it sees the overflow ids (/proc/sys/kernel/overflowuid and
 * overflowgid) instead, while the test still sees them as they are.
 *
 * A unshares one nobody gives a map, runs a thread and lowers its capabilities to a few;
 * B unshares one whose maps the test writes without B's ids in them (5 inside is 100 here).
 * Each reports what it sees: getresuid(), getresgid(), its fs ids, its groups, its
 * capabilities, its maps (and A's thread its ids). Before the dump and after the restore they
 * must be the overflow ids and the same sets, the test must see the same ids in their
 * /proc/PID/status, and their namespaces must be children of the test's.
 *
 * With ZDTM_UNMAPPED_UID set, A first takes that uid (not root): the dump must refuse A,
 * naming the id, and A must go on as before (userns_unmapped01).
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MAX_GROUPS 16

struct report {
	uid_t uid[3], fsuid;
	gid_t gid[3], fsgid;
	int ngroups;
	gid_t groups[MAX_GROUPS];
	uint64_t cap_eff, cap_prm;
	char uid_map[96], gid_map[96];
	uid_t thread_uid[3]; /* A's thread; unset in B */
	int err;
};

struct kid {
	const char *name;
	pid_t pid;
	int req[2], rep[2];
	struct report before;
	char status_ids[128]; /* its Uid: and Gid: lines, in the test's view */
};

static struct kid kids[2] = { { .name = "A" }, { .name = "B" } };
static uid_t overflow_uid;
static gid_t overflow_gid;
static int own_ngroups;
static uid_t forced_uid; /* ZDTM_UNMAPPED_UID */

/* A keeps these: what it lowers its sets to */
#define A_CAPS ((1ULL << CAP_SYS_ADMIN) | (1ULL << CAP_NET_ADMIN) | (1ULL << CAP_KILL))

static int thread_req[2], thread_rep[2];

static int caps_get(uint64_t *eff, uint64_t *prm)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	*eff = d[0].effective | ((uint64_t)d[1].effective << 32);
	*prm = d[0].permitted | ((uint64_t)d[1].permitted << 32);
	return 0;
}

static int caps_lower(uint64_t keep)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)keep, (uint32_t)keep, 0 },
		{ (uint32_t)(keep >> 32), (uint32_t)(keep >> 32), 0 },
	};

	return syscall(SYS_capset, &h, d);
}

static void *thread_main(void *arg __attribute__((unused)))
{
	uid_t ids[3];
	char c;

	while (read(thread_req[0], &c, 1) == 1) {
		getresuid(&ids[0], &ids[1], &ids[2]);
		if (write(thread_rep[1], ids, sizeof(ids)) != sizeof(ids))
			break;
	}
	return NULL;
}

static void fill_report(struct report *r)
{
	memset(r, 0, sizeof(*r));
	getresuid(&r->uid[0], &r->uid[1], &r->uid[2]);
	getresgid(&r->gid[0], &r->gid[1], &r->gid[2]);
	r->fsuid = setfsuid(-1); /* an invalid id: only returns the current one */
	r->fsgid = setfsgid(-1);
	r->ngroups = getgroups(MAX_GROUPS, r->groups);
	if (caps_get(&r->cap_eff, &r->cap_prm) ||
	    test_read_text("/proc/self/uid_map", r->uid_map, sizeof(r->uid_map)) ||
	    test_read_text("/proc/self/gid_map", r->gid_map, sizeof(r->gid_map)))
		r->err = 1;
	if (thread_req[1] > 0 &&
	    (write(thread_req[1], "?", 1) != 1 ||
	     read(thread_rep[0], r->thread_uid, sizeof(r->thread_uid)) != sizeof(r->thread_uid)))
		r->err = 2;
}

static int serve(struct kid *k)
{
	struct report r;
	char c;

	size_t i;

	/* only its own ends of its own pipes: the test's close is its EOF */
	for (i = 0; i < 2; i++) {
		if (&kids[i] != k) {
			close(kids[i].req[0]);
			close(kids[i].rep[1]);
		}
		close(kids[i].req[1]);
		close(kids[i].rep[0]);
	}
	while (read(k->req[0], &c, 1) == 1) {
		fill_report(&r);
		if (write(k->rep[1], &r, sizeof(r)) != sizeof(r))
			return 1;
	}
	return 0;
}

static int kid_a(struct kid *k)
{
	pthread_t th;

	/*
	 * The new uid makes A not dumpable, and then only CAP_SYS_PTRACE over the user namespace
	 * its mm was exec'd in opens its /proc/PID/ns: in the uns flavour that is the host's
	 * (the test library makes the test's user namespace after the exec), so the test could
	 * not read A's user namespace there. The dump refuses A for its id, not for this.
	 */
	if (forced_uid &&
	    (setresgid(forced_uid, forced_uid, forced_uid) ||
	     setresuid(forced_uid, forced_uid, forced_uid) || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)))
		return 10;
	if (unshare(CLONE_NEWUSER))
		return 11;
	if (caps_lower(A_CAPS))
		return 12;
	if (pipe(thread_req) || pipe(thread_rep) || pthread_create(&th, NULL, thread_main, NULL))
		return 13;
	return serve(k);
}

static int serve_b(void *arg)
{
	return serve(arg);
}

static int read_overflow(const char *path, unsigned int *id)
{
	char buf[32];

	if (test_read_text(path, buf, sizeof(buf)))
		return -1;
	*id = strtoul(buf, NULL, 10);
	return 0;
}

static int setup(void)
{
	const char *forced = getenv("ZDTM_UNMAPPED_UID");
	gid_t groups[MAX_GROUPS];
	size_t i;

	forced_uid = forced ? strtoul(forced, NULL, 10) : 0;
	if (read_overflow("/proc/sys/kernel/overflowuid", &overflow_uid) ||
	    read_overflow("/proc/sys/kernel/overflowgid", &overflow_gid))
		return -1;
	own_ngroups = getgroups(MAX_GROUPS, groups);
	for (i = 0; i < 2; i++)
		if (pipe(kids[i].req) || pipe(kids[i].rep))
			return -1;
	kids[0].pid = fork();
	if (kids[0].pid == 0)
		_exit(kid_a(&kids[0]));
	/* B: maps that leave its ids out */
	kids[1].pid = test_fork_in_userns(serve_b, &kids[1], NULL, "5 100 1\n", "5 100 1\n");
	if (kids[0].pid < 0 || kids[1].pid < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		close(kids[i].req[0]);
		close(kids[i].rep[1]);
	}
	return 0;
}

static int status_ids(pid_t pid, char *out, size_t len)
{
	char path[64], text[4096], *uid, *end;

	snprintf(path, sizeof(path), "/proc/%d/status", test_proc_pid(pid));
	if (test_read_text(path, text, sizeof(text)))
		return -1;
	uid = strstr(text, "\nUid:");
	end = uid ? strstr(uid, "\nFDSize:") : NULL;
	if (!end)
		return -1;
	*end = '\0';
	snprintf(out, len, "%s", uid + 1);
	return 0;
}

static void check_report(const struct kid *k, const struct report *r)
{
	uint64_t expect_caps = k == &kids[0] ? A_CAPS : r->cap_prm;
	int i;

	if (r->err)
		fail("%s could not read its state (step %d)", k->name, r->err);
	for (i = 0; i < 3; i++)
		if (r->uid[i] != overflow_uid || r->gid[i] != overflow_gid)
			fail("%s: uid %u gid %u, not the overflow ids %u %u", k->name, r->uid[i],
			     r->gid[i], overflow_uid, overflow_gid);
	if (r->fsuid != overflow_uid || r->fsgid != overflow_gid)
		fail("%s: fsuid %u fsgid %u", k->name, r->fsuid, r->fsgid);
	if (r->ngroups != own_ngroups)
		fail("%s: %d groups, the test has %d", k->name, r->ngroups, own_ngroups);
	for (i = 0; i < r->ngroups && i < MAX_GROUPS; i++)
		if (r->groups[i] != overflow_gid)
			fail("%s: group %u, not the overflow gid", k->name, r->groups[i]);
	if (r->cap_eff != expect_caps || r->cap_prm != expect_caps)
		fail("%s: capabilities %llx/%llx, not %llx", k->name,
		     (unsigned long long)r->cap_eff, (unsigned long long)r->cap_prm,
		     (unsigned long long)expect_caps);
	if (k == &kids[0] && (r->uid_map[0] || r->thread_uid[0] != overflow_uid))
		fail("A: uid_map \"%s\", its thread's uid %u", r->uid_map, r->thread_uid[0]);
	if (k == &kids[1] && (!strstr(r->uid_map, "5") || !strstr(r->gid_map, "100")))
		fail("B: maps \"%s\" \"%s\"", r->uid_map, r->gid_map);
}

static void check(void)
{
	static int round;
	struct report r;
	char ids[128];
	ino_t ours = 0, own, parent;
	size_t i;

	if (test_userns_of(0, &ours, NULL))
		fail_perror("can't read the test's user namespace");
	for (i = 0; i < 2; i++) {
		struct kid *k = &kids[i];

		if (write(k->req[1], "?", 1) != 1 || read(k->rep[0], &r, sizeof(r)) != sizeof(r)) {
			fail("%s did not answer round %d", k->name, round);
			return;
		}
		check_report(k, &r);
		if (round && memcmp(&r, &k->before, sizeof(r)))
			fail("%s: what it sees changed across the dump", k->name);
		k->before = r;
		if (status_ids(k->pid, ids, sizeof(ids)))
			fail_perror("can't read %s's status", k->name);
		else if (round && strcmp(ids, k->status_ids))
			fail("%s: its ids changed, now:\n%s\nwere:\n%s", k->name, ids,
			     k->status_ids);
		snprintf(k->status_ids, sizeof(k->status_ids), "%s", ids);
		if (test_userns_of(k->pid, &own, &parent) || own == ours || parent != ours)
			fail("%s's user namespace is not a child of the test's", k->name);
	}
	round++;
}

int main(int argc, char **argv)
{
	size_t i;
	int ret;

	test_init(argc, argv);
	ret = test_check_across_dump(setup, check);
	for (i = 0; i < 2; i++) {
		close(kids[i].req[1]);
		if (kids[i].pid > 0)
			test_wait_child(kids[i].pid, kids[i].name);
	}
	return ret;
}
