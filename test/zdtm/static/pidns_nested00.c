/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pidns_nested00: a pid namespace inside the tree's (the pidns flavour makes the test pid 1
 * of a new one). The init forks A; A unshares a pid namespace for its children and forks B,
 * pid 1 of it; B runs a thread and forks C. Each task and the thread note their NSpid line
 * (three levels for B, C and the thread: the host's, the test's, A's namespace), getpid()
 * and getppid() (0 for B: its parent is outside its namespace). After the restore each
 * checks them again, the parents reap their children by the pids fork() gave them, and A
 * forks once more: A still makes its children in the inner namespace, so the new child has
 * three levels in its NSpid line and is not its init.
 * With $ZDTM_NESTED_SIBLING set (pidns_nested02), A forks a second child after B, pid 2 of
 * the inner namespace whose parent is outside it: a shape the dump refuses, naming it.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

/*
 * go: the init's word to A after the restore; go_inner: A's to B and C once it forked;
 * go_sibling: A's to the sibling, which must exit before B does (B's exit, the inner
 * namespace's init's, kills every task left in it)
 */
static int go[2], go_inner[2], go_sibling[2], ready[2];

static int levels(const char *nspid, pid_t *last)
{
	const char *p = nspid + strlen("NSpid:");
	int n = 0;
	char *end;
	long v;

	for (;;) {
		v = strtol(p, &end, 10);
		if (end == p)
			return n;
		*last = v;
		n++;
		p = end;
	}
}

static int ready_then_wait(int from)
{
	char c = 'r';

	if (write(ready[1], &c, 1) != 1 || read(from, &c, 1) != 1)
		return -1;
	return 0;
}

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return 30;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 31;
}

static int task_c(int from)
{
	struct test_ids before;

	if (test_take_ids(&before) || ready_then_wait(from))
		return 41;
	return test_same_ids(&before);
}

static int thread_go[2];

/* B's thread: its tid and NSpid before the dump and after. */
static void *thread_main(void *arg __attribute__((unused)))
{
	return (void *)test_thread_ids_kept(ready[1], thread_go[0]);
}

/* B, pid 1 of A's namespace: a thread and a child, C. */
static int task_b(void)
{
	struct test_ids before;
	pthread_t th;
	void *tret;
	pid_t c;
	int ret;

	if (getpid() != 1 || pipe(thread_go))
		return 50;
	c = fork();
	if (c < 0)
		return 51;
	if (c == 0)
		_exit(task_c(go_inner[0]));
	if (pthread_create(&th, NULL, thread_main, NULL))
		return 53;
	if (test_take_ids(&before) || before.ppid != 0 || ready_then_wait(go_inner[0]))
		return 52;
	ret = test_same_ids(&before);
	if (write(thread_go[1], "g", 1) != 1 || pthread_join(th, &tret))
		return 54;
	if (!ret && tret)
		ret = 54 + (long)tret; /* 55 to 57 */
	if (!ret)
		ret = wait_child(c);
	return ret;
}

/* A fork after the restore: still in the inner namespace, not its init. */
static int fork_again(const char *a_nspid)
{
	char line[96];
	int pipefd[2], n, an;
	pid_t d, last = 0;

	if (pipe(pipefd))
		return 60;
	d = fork();
	if (d < 0)
		return 61;
	if (d == 0) {
		if (test_read_nspid(line, sizeof(line)) || write(pipefd[1], line, sizeof(line)) < 0)
			_exit(1);
		_exit(0);
	}
	if (read(pipefd[0], line, sizeof(line)) <= 0 || wait_child(d))
		return 62;
	n = levels(line, &last);
	an = levels(a_nspid, &(pid_t){ 0 });
	if (n != an + 1 || last == 1)
		return 63;
	return 0;
}

static int nr_inner; /* tasks waiting for A's word: C and B, and the sibling if any */

static int task_a(void)
{
	struct test_ids before;
	pid_t b, e = 0;
	int ret, sib;

	if (unshare(CLONE_NEWPID))
		return 70;
	b = fork();
	if (b < 0)
		return 71;
	if (b == 0)
		_exit(task_b());
	if (nr_inner == 3) {
		e = fork();
		if (e < 0)
			return 74;
		if (e == 0)
			_exit(task_c(go_sibling[0]));
	}
	if (test_take_ids(&before) || ready_then_wait(go[0]))
		return 72;
	ret = test_same_ids(&before);
	/* before B and C go on: B, the inner namespace's init, must live for the fork */
	if (!ret)
		ret = fork_again(before.nspid);
	if (e) {
		sib = write(go_sibling[1], "g", 1) == 1 ? wait_child(e) : 73;
		ret = ret ?: sib;
	}
	if (write(go_inner[1], "gg", 2) != 2)
		return 73;
	if (!ret)
		ret = wait_child(b);
	return ret;
}

static pid_t child_a;
static struct test_ids mine;

static int setup(void)
{
	char c;
	int i;

	if (getpid() != 1) {
		fail("pid %d, not 1: run in the pidns flavour (pid 1 of a new pid namespace)",
		     getpid());
		return -1;
	}
	nr_inner = getenv("ZDTM_NESTED_SIBLING") ? 3 : 2;
	if (pipe(go) || pipe(go_inner) || pipe(go_sibling) || pipe(ready) || test_take_ids(&mine)) {
		fail_perror("pipe or /proc/self/status");
		return -1;
	}
	child_a = fork();
	if (child_a < 0) {
		fail_perror("fork");
		return -1;
	}
	if (child_a == 0)
		_exit(task_a());
	/* A, B, B's thread, C and the sibling if any */
	for (i = 0; i < 2 + nr_inner; i++)
		if (read(ready[0], &c, 1) != 1) {
			fail("a task of the tree did not get ready");
			return -1;
		}
	return 0;
}

static void check(void)
{
	static int after_restore;
	int ret;

	if (!after_restore++)
		return;
	ret = test_same_ids(&mine);
	if (ret)
		fail("the init's ids changed (%d): was %s", ret, mine.nspid);
	if (write(go[1], "g", 1) != 1) {
		fail_perror("write go");
		return;
	}
	ret = wait_child(child_a);
	if (ret)
		fail("the tree below the init reported %d (20s: ids changed; 30s: a child lost; "
		     "50s: B, pid 1 inside; 60s: A's new child not in the inner namespace; 70s: A)",
		     ret);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
