/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pidns00: a tree in its own pid namespace (the pidns flavour makes the test pid 1 of a new
 * one) keeps every pid at every level. The init forks two children and one of them a
 * grandchild; each task notes its pid inside (getpid()), its parent's, and its NSpid line
 * (/proc is the host's, so /proc/self/status shows the pid outside too). After the restore
 * each task checks all three again, and the parents reap their children by the pids fork()
 * gave them before the dump: the same processes, at the same pids, on both levels. A thread
 * of the init checks its tid and its NSpid line the same way.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static pid_t kids[2], grandkid;
static int go[2], ready[2], thread_go[2];
static struct test_ids mine;
static pthread_t thread;

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return 30;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 31;
}

/* A child: note its ids, say it is ready, wait for the init's word after the restore. */
static int child(int with_grandkid)
{
	struct test_ids before;
	char c = 'r';
	int ret;

	if (with_grandkid) {
		grandkid = fork();
		if (grandkid < 0)
			return 40;
		if (grandkid == 0)
			_exit(child(0));
	}
	if (test_take_ids(&before) || write(ready[1], &c, 1) != 1)
		return 41;
	if (read(go[0], &c, 1) != 1)
		return 42;
	ret = test_same_ids(&before);
	if (!ret && with_grandkid)
		ret = wait_child(grandkid);
	return ret;
}

/* The init's thread: its tid and NSpid before the dump and after. */
static void *thread_main(void *arg __attribute__((unused)))
{
	sigset_t term;

	/* SIGTERM is the main thread's: it waits for it, and we would take it from it */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	return (void *)test_thread_ids_kept(ready[1], thread_go[0]);
}

static int setup(void)
{
	char c;
	int i;

	if (getpid() != 1) {
		fail("pid %d, not 1: run in the pidns flavour (pid 1 of a new pid namespace)",
		     getpid());
		return -1;
	}
	if (pipe(go) || pipe(ready) || pipe(thread_go) || test_take_ids(&mine)) {
		fail_perror("pipe or /proc/self/status");
		return -1;
	}
	for (i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] < 0) {
			fail_perror("fork");
			return -1;
		}
		if (kids[i] == 0)
			_exit(child(i == 0));
	}
	if (pthread_create(&thread, NULL, thread_main, NULL)) {
		fail("pthread_create");
		return -1;
	}
	/* the two children, the grandchild and the thread */
	for (i = 0; i < 4; i++)
		if (read(ready[0], &c, 1) != 1) {
			fail("a task of the tree did not get ready");
			return -1;
		}
	test_msg("init %s; children %d and %d, grandchild below %d\n", mine.nspid, kids[0], kids[1],
		 kids[0]);
	return 0;
}

static void check(void)
{
	static int after_restore;
	char go_all[3] = "ggg";
	void *thread_ret;
	int i, ret;

	if (!after_restore++)
		return; /* the children check themselves once, after the restore */
	ret = test_same_ids(&mine);
	if (ret)
		fail("the init's ids changed (%d): was %s", ret, mine.nspid);
	if (write(thread_go[1], "g", 1) != 1 || pthread_join(thread, &thread_ret) || thread_ret)
		fail("the init's thread reported %ld (2: its tid changed, 3: its NSpid line)",
		     (long)thread_ret);
	if (write(go[1], go_all, sizeof(go_all)) != sizeof(go_all)) {
		fail_perror("write go");
		return;
	}
	for (i = 0; i < 2; i++) {
		ret = wait_child(kids[i]);
		if (ret)
			fail("child %d (pid %d inside) reported %d (20s: its ids changed; 30s: its "
			     "own child was lost)",
			     i, kids[i], ret);
	}
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
