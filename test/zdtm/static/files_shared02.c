/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files_shared02: an fd table shared down a chain, parent -> child -> grandchild, each
 * cloned with CLONE_FILES, and a plain fork of the child (its own table, a copy) that reads
 * a pipe the shared table also holds. After restore the three still have one table, the
 * forked one has its own, and data written on the shared table's pipe end reaches it: the
 * pipe end it inherited is the same pipe.
 */
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static int go[2], data[2], pids[2];

static pid_t clone_files(void)
{
	return syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);
}

static int wait_go(void)
{
	char c;

	return read(go[0], &c, 1) == 1 ? 0 : 1;
}

/* The forked one: its own table, with the read end of the pipe; empties the rest. */
static int forked(void)
{
	char buf[6] = "";

	close(data[1]);
	close(pids[1]);
	close(go[0]);
	close(go[1]);
	if (read(data[0], buf, 5) != 5 || strcmp(buf, "hello"))
		return 1;
	return syscall(SYS_kcmp, getpid(), getppid(), KCMP_FILES, 0, 0) == 0 ? 2 : 0;
}

static int reap(pid_t kid)
{
	int status;

	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status))
		return 100;
	return WEXITSTATUS(status);
}

/* The child: a grandchild sharing the table, and a forked one that does not. */
static int child(void)
{
	pid_t grand, fork_kid;
	int r;

	grand = clone_files();
	if (grand == 0)
		_exit(wait_go());
	fork_kid = fork();
	if (fork_kid == 0)
		_exit(forked());
	if (grand < 0 || fork_kid < 0 || write(pids[1], &grand, sizeof(grand)) != sizeof(grand) ||
	    write(pids[1], &fork_kid, sizeof(fork_kid)) != sizeof(fork_kid))
		return 10;
	if (wait_go())
		return 11;
	r = reap(grand);
	if (r)
		return 20 + r;
	r = reap(fork_kid);
	return r ? 30 + r : 0;
}

static int check_tables(pid_t kid, pid_t grand, pid_t fork_kid)
{
	if (syscall(SYS_kcmp, getpid(), kid, KCMP_FILES, 0, 0) ||
	    syscall(SYS_kcmp, getpid(), grand, KCMP_FILES, 0, 0)) {
		fail("child %d or grandchild %d no longer shares our fd table", kid, grand);
		return -1;
	}
	if (!syscall(SYS_kcmp, getpid(), fork_kid, KCMP_FILES, 0, 0)) {
		fail("forked grandchild %d has our fd table", fork_kid);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	pid_t kid, grand, fork_kid;
	int r;

	test_init(argc, argv);
	if (pipe(go) || pipe(data) || pipe(pids)) {
		fail_perror("pipe");
		return 1;
	}
	kid = clone_files();
	if (kid == 0)
		_exit(child());
	if (kid < 0) {
		fail_perror("clone(CLONE_FILES)");
		return 1;
	}
	if (read(pids[0], &grand, sizeof(grand)) != sizeof(grand) ||
	    read(pids[0], &fork_kid, sizeof(fork_kid)) != sizeof(fork_kid)) {
		fail("the child did not tell its children's pids");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (check_tables(kid, grand, fork_kid))
		return 1;
	if (write(data[1], "hello", 5) != 5 || write(go[1], "gg", 2) != 2) {
		fail_perror("can't wake the children");
		return 1;
	}
	r = reap(kid);
	if (r) {
		fail("child: check %d failed (1x child, 2x grandchild, 3x forked one: 1 data, "
		     "2 table)",
		     r);
		return 1;
	}
	pass();
	return 0;
}
