/* SPDX-License-Identifier: GPL-2.0 */
/*
 * userns01: nested user namespaces. The test is root of a user namespace U (the .desc's, or
 * the uns flavour's). Its child C unshares a user namespace N whose maps the test writes
 * (0-999 inside is U's 1000-1999 for uids, 2000-2999 for gids; setgroups allowed), and C's
 * child G one below N, N2, whose maps C writes (0-9 is N's 100-109 and 200-209, setgroups
 * denied). C then runs as uids 10 11 12, gids 7 8 9 and groups 5 6; G as uids 4 5 6 and
 * gids 1 2 3, with a thread. On each round, each reports what it sees: its uid_map, gid_map and
 * setgroups, getresuid(), getresgid(), getgroups(), its pid and its thread's tid and uids, and
 * creates a file, whose owner the test reads in U's view; the test reads their namespaces and
 * NS_GET_PARENT's (the kernel shows a parent only to a task in it or above). After restore all is
 * the same but the namespaces' inodes (new ones): N's parent must be the test's namespace now, N2's
 * must be C's.
 */
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define DIR_NAME "userns01.dir"

struct report {
	char uid_map[96], gid_map[96], setgroups[16];
	uid_t uid[3];
	gid_t gid[3];
	int ngroups;
	gid_t groups[4];
	pid_t pid;
	pid_t tid;     /* G's thread, as it sees itself (gettid), 0 in C */
	uid_t tuid[3]; /* its getresuid() */
	int err;       /* a step that failed, 0 if none */
};

struct kid {
	const char *name;
	pid_t pid;
	int req[2], rep[2]; /* the test's requests, the kid's reports */
	struct report before;
	uid_t file_uid; /* what a file it creates is owned by, in U's view */
	gid_t file_gid;
};

static struct kid kids[2] = {
	{ .name = "C", .file_uid = 1011, .file_gid = 2008 },
	{ .name = "G", .file_uid = 1105, .file_gid = 2202 },
};

/* G's thread answers on these: its tid and ids */
static int thread_req[2], thread_rep[2];

static void *thread_main(void *arg __attribute__((unused)))
{
	struct report r;
	char c;

	while (read(thread_req[0], &c, 1) == 1) {
		r.tid = gettid();
		getresuid(&r.tuid[0], &r.tuid[1], &r.tuid[2]);
		if (write(thread_rep[1], &r, sizeof(r)) != sizeof(r))
			break;
	}
	return NULL;
}

static void ask_thread(struct report *r)
{
	struct report t;

	if (write(thread_req[1], "?", 1) != 1 || read(thread_rep[0], &t, sizeof(t)) != sizeof(t)) {
		r->err = 4;
		return;
	}
	r->tid = t.tid;
	memcpy(r->tuid, t.tuid, sizeof(r->tuid));
}

static void fill_report(struct report *r)
{
	memset(r, 0, sizeof(*r));
	if (test_read_text("/proc/self/uid_map", r->uid_map, sizeof(r->uid_map)) ||
	    test_read_text("/proc/self/gid_map", r->gid_map, sizeof(r->gid_map)) ||
	    test_read_text("/proc/self/setgroups", r->setgroups, sizeof(r->setgroups)))
		r->err = 1;
	getresuid(&r->uid[0], &r->uid[1], &r->uid[2]);
	getresgid(&r->gid[0], &r->gid[1], &r->gid[2]);
	r->ngroups = getgroups(4, r->groups);
	r->pid = getpid();
	if (thread_req[1] > 0)
		ask_thread(r);
}

/* Answer each round: a report and a file DIR_NAME/NAME-ROUND; EOF ends it. */
static int serve(struct kid *k)
{
	struct report r;
	char path[64], round;
	int fd;

	while (read(k->req[0], &round, 1) == 1) {
		fill_report(&r);
		snprintf(path, sizeof(path), DIR_NAME "/%s-%d", k->name, round);
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644); /* the test removed it */
		if (fd < 0)
			r.err = 3;
		else
			close(fd);
		if (write(k->rep[1], &r, sizeof(r)) != sizeof(r))
			return 1;
	}
	return 0;
}

/* A kid keeps its own ends of its own pipes only: the test's closing is its EOF. */
static void keep_own_pipes(const struct kid *k)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		close(kids[i].req[1]);
		close(kids[i].rep[0]);
		if (&kids[i] == k)
			continue;
		close(kids[i].req[0]);
		close(kids[i].rep[1]);
	}
}

static int grandchild(void *arg __attribute__((unused)))
{
	keep_own_pipes(&kids[1]);
	/* dumpable, so that the test may read its /proc/PID/ns (as C) */
	pthread_t th;

	if (setresgid(1, 2, 3) || setresuid(4, 5, 6) || prctl(PR_SET_DUMPABLE, 1))
		return 21;
	if (pipe(thread_req) || pipe(thread_rep) || pthread_create(&th, NULL, thread_main, NULL))
		return 26;
	return serve(&kids[1]);
}

static int child(void *arg __attribute__((unused)))
{
	gid_t groups[] = { 5, 6 };
	int status, ret;

	/*
	 * root of N; dumpable again after the change of ids, so that its child's /proc files
	 * are owned by it, not by the host's root, and it can write their maps
	 */
	if (setresgid(0, 0, 0) || setresuid(0, 0, 0) || prctl(PR_SET_DUMPABLE, 1))
		return 22;
	kids[1].pid = test_fork_in_userns(grandchild, NULL, "deny", "0 100 10", "0 200 10");
	if (kids[1].pid < 0)
		return 23;
	keep_own_pipes(&kids[0]);
	if (setgroups(2, groups) || setresgid(7, 8, 9) || setresuid(10, 11, 12) ||
	    prctl(PR_SET_DUMPABLE, 1))
		return 24;
	ret = serve(&kids[0]);
	if (waitpid(kids[1].pid, &status, 0) != kids[1].pid || !WIFEXITED(status))
		return 25;
	return ret ?: WEXITSTATUS(status);
}

static int setup(void)
{
	size_t i;

	if ((mkdir(DIR_NAME, 0777) && errno != EEXIST) || chmod(DIR_NAME, 0777))
		return -1;
	/* no group of ours unmapped below */
	if (setgroups(0, NULL))
		return -1;
	for (i = 0; i < 2; i++)
		if (pipe(kids[i].req) || pipe(kids[i].rep))
			return -1;
	kids[0].pid = test_fork_in_userns(child, NULL, NULL, "0 1000 1000", "0 2000 1000");
	return kids[0].pid < 0 ? -1 : 0;
}

static bool ids_are(const unsigned int *ids, unsigned int a, unsigned int b, unsigned int c)
{
	return ids[0] == a && ids[1] == b && ids[2] == c;
}

/* What a kid must report whatever the round */
static void check_expected(const struct kid *k, const struct report *r)
{
	bool is_c = k == &kids[0];
	unsigned int first, lower, count;

	if (r->err)
		fail("%s: step %d failed", k->name, r->err);
	if (sscanf(r->uid_map, "%u %u %u", &first, &lower, &count) != 3 || first ||
	    lower != (is_c ? 1000 : 100) || count != (is_c ? 1000 : 10))
		fail("%s: uid_map '%s'", k->name, r->uid_map);
	if (sscanf(r->gid_map, "%u %u %u", &first, &lower, &count) != 3 || first ||
	    lower != (is_c ? 2000 : 200) || count != (is_c ? 1000 : 10))
		fail("%s: gid_map '%s'", k->name, r->gid_map);
	if (strncmp(r->setgroups, is_c ? "allow" : "deny", is_c ? 5 : 4))
		fail("%s: setgroups '%s'", k->name, r->setgroups);
	if (!ids_are(r->uid, is_c ? 10 : 4, is_c ? 11 : 5, is_c ? 12 : 6) ||
	    !ids_are(r->gid, is_c ? 7 : 1, is_c ? 8 : 2, is_c ? 9 : 3))
		fail("%s: uids %u %u %u gids %u %u %u", k->name, r->uid[0], r->uid[1], r->uid[2],
		     r->gid[0], r->gid[1], r->gid[2]);
	if (!is_c && (!r->tid || r->tid == r->pid || !ids_are(r->tuid, 4, 5, 6)))
		fail("G's thread: tid %d, uids %u %u %u", r->tid, r->tuid[0], r->tuid[1],
		     r->tuid[2]);
	if (r->ngroups != (is_c ? 2 : 0) || (is_c && (r->groups[0] != 5 || r->groups[1] != 6)))
		fail("%s: %d supplementary groups", k->name, r->ngroups);
}

static void check_file(const struct kid *k, int round)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), DIR_NAME "/%s-%d", k->name, round);
	if (stat(path, &st))
		fail("%s's file %s: %m", k->name, path);
	else if (st.st_uid != k->file_uid || st.st_gid != k->file_gid)
		fail("%s's file is owned by %u:%u, not %u:%u", k->name, st.st_uid, st.st_gid,
		     k->file_uid, k->file_gid);
}

/* C's namespace is below ours, G's below C's */
static void check_parents(const struct report *r)
{
	ino_t ours, c_own, c_parent, g_own, g_parent;

	if (test_userns_of(0, &ours, NULL) || test_userns_of(r[0].pid, &c_own, &c_parent) ||
	    test_userns_of(r[1].pid, &g_own, &g_parent)) {
		fail("can't read the user namespaces of C (%d) and G (%d): %m", r[0].pid, r[1].pid);
		return;
	}
	if (c_parent != ours || c_own == ours)
		fail("C's user namespace (%lu)'s parent is %lu, not ours (%lu)",
		     (unsigned long)c_own, (unsigned long)c_parent, (unsigned long)ours);
	if (g_parent != c_own || g_own == c_own)
		fail("G's user namespace (%lu)'s parent is %lu, not C's (%lu)",
		     (unsigned long)g_own, (unsigned long)g_parent, (unsigned long)c_own);
}

static void check(void)
{
	static char round;
	struct report r[2];
	size_t i;

	for (i = 0; i < 2; i++) {
		char path[64];

		snprintf(path, sizeof(path), DIR_NAME "/%s-%d", kids[i].name, round);
		unlink(path);
		if (write(kids[i].req[1], &round, 1) != 1 ||
		    read(kids[i].rep[0], &r[i], sizeof(r[i])) != sizeof(r[i])) {
			fail("%s did not answer round %d", kids[i].name, round);
			return;
		}
		check_expected(&kids[i], &r[i]);
		check_file(&kids[i], round);
		if (round && strcmp(r[i].uid_map, kids[i].before.uid_map))
			fail("%s's uid_map changed", kids[i].name);
		if (round && (r[i].pid != kids[i].before.pid || r[i].tid != kids[i].before.tid))
			fail("%s's pid or its thread's tid changed", kids[i].name);
		kids[i].before = r[i];
	}
	check_parents(r);
	round++;
}

int main(int argc, char **argv)
{
	int ret;

	test_init(argc, argv);
	ret = test_check_across_dump(setup, check);
	close(kids[0].req[1]);
	close(kids[1].req[1]);
	if (kids[0].pid > 0)
		test_wait_child(kids[0].pid, "C");
	return ret;
}
