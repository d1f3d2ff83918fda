/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns_refused00: a task of the tree in a namespace of its own (the kind named by $ZDTM_NS:
 * pid, mnt, net, uts, ipc, user, cgroup, time) must make the dump fail, naming the task and
 * the kind (but pid: a nested pid namespace is saved, and pidns_nested01 runs this case
 * across a dump and restore, the inner task checking it is still pid 1 inside): mount and user
 * namespaces are not saved yet, and pid, uts, ipc, time, cgroup and network namespaces only as the
 * tree root's own; the tree runs on as it was. The namespace is made by a child, so the test's own
 * task stays in criu's namespaces and the refusal is about the child. For pid and time the child's
 * own child is the one inside: unshare() moves only the children made afterwards. The inner task
 * proves it is still in its namespace after the refused dump (its hostname, its pid 1, its view of
 * a new netns...). user: the child's user namespace has no maps (one with maps is saved:
 * userns08). user_pid: a user namespace of the child's own with a pid namespace it owns, whose
 * init is the child's child (userns07, the root in a user namespace of its own).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define NS_HOSTNAME "zdtm-ns-refused"

struct ns_case {
	const char *name;
	int flag;
	int grandchild; /* the namespace applies to children made after unshare() */
};

static const struct ns_case cases[] = {
	{ "pid", CLONE_NEWPID, 1 },
	{ "mnt", CLONE_NEWNS, 0 },
	{ "net", CLONE_NEWNET, 0 },
	{ "uts", CLONE_NEWUTS, 0 },
	{ "ipc", CLONE_NEWIPC, 0 },
	{ "user", CLONE_NEWUSER, 0 },
	{ "cgroup", CLONE_NEWCGROUP, 0 },
	{ "time", CLONE_NEWTIME, 1 },
	/* a pid namespace owned by a nested user namespace (the root in one of its own) */
	{ "user_pid", CLONE_NEWUSER | CLONE_NEWPID, 1 },
};

static const struct ns_case *the_case;
static pid_t child;
static int go[2], ready[2];
static ino_t outer_ino; /* the test's namespace of the case's kind, sent after the restore */

/* "self", not getpid(): in the pidns flavour /proc is the host's, with the host's pids */
static ino_t ns_ino(const char *kind)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", kind);
	return stat(path, &st) ? 0 : st.st_ino;
}

/* The kind checked under /proc/self/ns */
static const char *case_link(void)
{
	if (the_case->flag == (CLONE_NEWUSER | CLONE_NEWPID))
		return "pid";
	return the_case->flag == CLONE_NEWNS ? "mnt" : the_case->name;
}

/* The task inside: tell it is ready, wait for "go", check it is still inside. */
static int inside(void)
{
	struct utsname u;
	char c = 'r';

	if (the_case->flag == CLONE_NEWUTS && sethostname(NS_HOSTNAME, strlen(NS_HOSTNAME)))
		return 2;
	if (write(ready[1], &c, 1) != 1 ||
	    read(go[0], &outer_ino, sizeof(outer_ino)) != sizeof(outer_ino))
		return 3;
	if (ns_ino(case_link()) == outer_ino)
		return 4; /* back in the outer namespace: something moved us */
	if ((the_case->flag & CLONE_NEWPID) && getpid() != 1)
		return 5;
	if (the_case->flag == CLONE_NEWUTS && (uname(&u) || strcmp(u.nodename, NS_HOSTNAME)))
		return 6;
	return 0;
}

static int in_child(void)
{
	pid_t kid;
	int status;

	if (unshare(the_case->flag))
		return 10;
	if (!the_case->grandchild)
		return inside();
	kid = fork();
	if (kid < 0)
		return 11;
	if (kid == 0)
		_exit(inside());
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status))
		return 12;
	return WEXITSTATUS(status);
}

static int setup(void)
{
	const char *want = getenv("ZDTM_NS");
	char c;
	size_t i;

	for (i = 0; want && i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(cases[i].name, want))
			the_case = &cases[i];
	if (!the_case) {
		fail("ZDTM_NS names no namespace kind (%s)", want ? want : "unset");
		return -1;
	}
	if (pipe(go) || pipe(ready)) {
		fail_perror("pipe");
		return -1;
	}
	child = fork();
	if (child < 0) {
		fail_perror("fork");
		return -1;
	}
	if (child == 0)
		_exit(in_child());
	if (read(ready[0], &c, 1) != 1) {
		fail("the task in the new %s namespace did not get ready", the_case->name);
		return -1;
	}
	return 0;
}

static void check(void)
{
	static int checked;

	if (!checked++)
		return; /* the first check is before the dump: the child is still waiting */
	/*
	 * The outer namespace as it is now: a restore makes new namespaces, and the kernel
	 * reuses the numbers of freed ones, so the one from before the dump may now be the
	 * inner one's.
	 */
	outer_ino = ns_ino(case_link());
	if (write(go[1], &outer_ino, sizeof(outer_ino)) != sizeof(outer_ino)) {
		fail_perror("write go");
		return;
	}
	test_wait_child(child, "the task in its own namespace");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
