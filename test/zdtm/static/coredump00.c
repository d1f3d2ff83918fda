/* SPDX-License-Identifier: GPL-2.0 */
/*
 * coredump00: the core dump filter (/proc/PID/coredump_filter, which parts of the address
 * space a core dump holds; the JVM sets its own) belongs to each address space and is
 * inherited by fork. The parent sets 0x7f and then forks a child that sets 0x21; another
 * child keeps the inherited 0x7f. After the restore each reads its own value back.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static int set_filter(unsigned int v)
{
	char buf[32];
	int fd = open("/proc/self/coredump_filter", O_WRONLY), n;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "0x%x", v);
	if (write(fd, buf, n) != n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static long get_filter(void)
{
	char buf[32] = "";
	int fd = open("/proc/self/coredump_filter", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? (long)strtoul(buf, NULL, 16) : -1;
}

/* A child waits for SIGTERM, then exits 0 only if its filter is still want. */
static pid_t child(unsigned int set, unsigned int want, int ready)
{
	pid_t pid = fork();
	sigset_t term, old;

	if (pid)
		return pid;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	if (set && set_filter(set))
		_exit(2);
	if (write(ready, "r", 1) != 1)
		_exit(2);
	sigwaitinfo(&term, NULL);
	_exit(get_filter() == (long)want ? 0 : 1);
}

int main(int argc, char **argv)
{
	pid_t own, inherited;
	int p[2], status, i;
	char c;

	test_init(argc, argv);
	if (set_filter(0x7f) || get_filter() != 0x7f) {
		test_msg("can't set the core dump filter: %m\n");
		return 1;
	}
	if (pipe(p)) {
		test_msg("pipe: %m\n");
		return 1;
	}
	own = child(0x21, 0x21, p[1]);
	inherited = child(0, 0x7f, p[1]);
	for (i = 0; i < 2; i++)
		if (read(p[0], &c, 1) != 1) {
			test_msg("a child did not start\n");
			return 1;
		}
	test_daemon();
	test_waitsig();
	if (get_filter() != 0x7f)
		fail("the parent's core dump filter is %#lx, not 0x7f", get_filter());
	kill(own, SIGTERM);
	kill(inherited, SIGTERM);
	if (waitpid(own, &status, 0) != own || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("the child that set 0x21 found another filter (status %#x)", status);
	if (waitpid(inherited, &status, 0) != inherited || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("the child that inherited 0x7f found another filter (status %#x)", status);
	if (!test_failed())
		pass();
	return 0;
}
