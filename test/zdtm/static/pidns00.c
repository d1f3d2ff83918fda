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

struct ids {
	pid_t pid, ppid;
	char nspid[64];
};

static pid_t kids[2], grandkid;
static int go[2], ready[2], thread_go[2];
static struct ids mine;
static pthread_t thread;

/* The NSpid line of the calling thread's status, spaces and tabs as the kernel writes them. */
static int read_nspid(char *out, size_t len)
{
	char buf[4096], *line, *nl;
	ssize_t n;
	int fd;

	fd = open("/proc/thread-self/status", O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	line = strstr(buf, "\nNSpid:");
	if (!line)
		return -1;
	nl = strchr(line + 1, '\n');
	if (nl)
		*nl = 0;
	snprintf(out, len, "%s", line + 1);
	return 0;
}

static int take_ids(struct ids *i)
{
	i->pid = getpid();
	i->ppid = getppid();
	return read_nspid(i->nspid, sizeof(i->nspid));
}

/* 0 if the task's ids are still those of before, else a code naming what changed. */
static int same_ids(const struct ids *before)
{
	struct ids now;

	if (take_ids(&now))
		return 20;
	if (now.pid != before->pid)
		return 21;
	if (now.ppid != before->ppid)
		return 22;
	if (strcmp(now.nspid, before->nspid))
		return 23;
	return 0;
}

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
	struct ids before;
	char c = 'r';
	int ret;

	if (with_grandkid) {
		grandkid = fork();
		if (grandkid < 0)
			return 40;
		if (grandkid == 0)
			_exit(child(0));
	}
	if (take_ids(&before) || write(ready[1], &c, 1) != 1)
		return 41;
	if (read(go[0], &c, 1) != 1)
		return 42;
	ret = same_ids(&before);
	if (!ret && with_grandkid)
		ret = wait_child(grandkid);
	return ret;
}

/* The init's thread: its tid and NSpid before the dump and after. */
static void *thread_main(void *arg __attribute__((unused)))
{
	struct ids before;
	char now[64], c = 'r';
	sigset_t term;

	/* SIGTERM is the main thread's: it waits for it, and we would take it from it */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	before.pid = gettid();
	if (read_nspid(before.nspid, sizeof(before.nspid)) || write(ready[1], &c, 1) != 1 ||
	    read(thread_go[0], &c, 1) != 1)
		return (void *)1L;
	if (gettid() != before.pid)
		return (void *)2L;
	if (read_nspid(now, sizeof(now)) || strcmp(now, before.nspid))
		return (void *)3L;
	return (void *)0L;
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
	if (pipe(go) || pipe(ready) || pipe(thread_go) || take_ids(&mine)) {
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
	ret = same_ids(&mine);
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
