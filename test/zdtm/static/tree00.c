/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree00: a process tree comes back whole: the root, two children and a grandchild, each
 * with its own pid, parent and memory (a heap buffer and a global filled with a pattern of
 * its own). All of them read one "go" pipe, so that pipe is also shared by four tasks.
 * After restore each child checks itself and says how it went in its exit status.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define BUF_SZ (256 << 10)

static unsigned int marker; /* each task's own value, in its own copy of .data */

static void fill(unsigned char *buf, unsigned int seed)
{
	size_t i;

	for (i = 0; i < BUF_SZ; i++)
		buf[i] = (unsigned char)(seed * 31 + i * 13 + (i >> 10));
}

static int intact(const unsigned char *buf, unsigned int seed)
{
	size_t i;

	for (i = 0; i < BUF_SZ; i++)
		if (buf[i] != (unsigned char)(seed * 31 + i * 13 + (i >> 10)))
			return 0;
	return 1;
}

/* Exit status: 0 all fine, else which check failed (10s: the grandchild's). */
static int child_checks(int go, unsigned int seed, pid_t ppid, pid_t kid)
{
	unsigned char *buf = malloc(BUF_SZ);
	int status;
	char c;

	fill(buf, seed);
	marker = seed;
	if (read(go, &c, 1) != 1)
		return 2;
	if (getppid() != ppid)
		return 3;
	if (marker != seed || !intact(buf, seed))
		return 4;
	if (kid <= 0)
		return 0;
	if (waitpid(kid, &status, 0) != kid)
		return 5;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return 10 + (WIFEXITED(status) ? WEXITSTATUS(status) : 9);
	return 0;
}

static pid_t spawn(int go, unsigned int seed, int with_grandchild)
{
	pid_t pid = fork(), kid = 0, me;

	if (pid)
		return pid;
	me = getpid();
	if (with_grandchild) {
		kid = fork();
		if (kid == 0)
			_exit(child_checks(go, seed + 100, me, 0));
	}
	_exit(child_checks(go, seed, getppid(), kid));
}

static int check_child(pid_t pid, const char *who)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		fail_perror("%s %d is no longer our child", who, pid);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("%s %d: check %d failed after restore (status %#x)", who, pid,
		     WIFEXITED(status) ? WEXITSTATUS(status) : -1, status);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char *buf = malloc(BUF_SZ);
	int go[2];
	pid_t a, b;

	test_init(argc, argv);
	if (pipe(go)) {
		fail_perror("pipe");
		return 1;
	}
	a = spawn(go[0], 1, 1);
	b = spawn(go[0], 2, 0);
	if (a < 0 || b < 0) {
		fail_perror("fork");
		return 1;
	}
	fill(buf, 7);
	marker = 7;
	test_daemon();
	test_waitsig();

	if (marker != 7 || !intact(buf, 7))
		fail("the root's memory changed");
	if (write(go[1], "xxx", 3) != 3)
		fail_perror("can't wake the children");
	check_child(a, "child");
	check_child(b, "child");
	if (!test_failed())
		pass();
	return test_failed();
}
