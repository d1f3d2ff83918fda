/* SPDX-License-Identifier: GPL-2.0 */
/*
 * env00: argv, the environment and the exe link survive a checkpoint.
 *
 * The test re-executes itself once with a marker variable and a marker argv[0], so that
 * both sit in the kernel's arg/env areas (what /proc/self/cmdline and environ show, which
 * restore must set back with PR_SET_MM_MAP) and in the strings libc points at.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MARK_VAR   "ZDTM_ENV00_MARK"
#define MARK_ARGV0 "env00-argv0-marker"

struct proc_copy {
	char buf[16384];
	ssize_t len;
};

/* Read a whole (small) /proc file; -1 on error. */
static ssize_t read_proc(const char *path, struct proc_copy *c)
{
	ssize_t n;
	int fd;

	c->len = 0;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((n = read(fd, c->buf + c->len, sizeof(c->buf) - c->len)) > 0)
		c->len += n;
	close(fd);
	return n < 0 ? -1 : c->len;
}

static void reexec_with_marks(char **argv)
{
	char value[64];

	snprintf(value, sizeof(value), "%d-%ld", getpid(), (long)time(NULL));
	setenv(MARK_VAR, value, 1);
	argv[0] = MARK_ARGV0;
	execv("/proc/self/exe", argv);
	perror("env00: execv");
	exit(1);
}

static int same_proc(const char *path, const struct proc_copy *before)
{
	struct proc_copy *now = malloc(sizeof(*now));
	int ok;

	if (!now || read_proc(path, now) < 0) {
		fail_perror("can't read %s after restore", path);
		free(now);
		return 0;
	}
	ok = now->len == before->len && !memcmp(now->buf, before->buf, now->len);
	if (!ok)
		fail("%s changed: %zd bytes before, %zd after", path, before->len, now->len);
	free(now);
	return ok;
}

int main(int argc, char **argv)
{
	static struct proc_copy cmdline, environ_copy;
	char exe_before[PATH_MAX], exe_after[PATH_MAX], mark[64];
	const char *val;
	ssize_t n;

	if (!getenv(MARK_VAR))
		reexec_with_marks(argv);

	test_init(argc, argv);
	snprintf(mark, sizeof(mark), "%s", getenv(MARK_VAR));

	if (read_proc("/proc/self/cmdline", &cmdline) <= 0 ||
	    read_proc("/proc/self/environ", &environ_copy) <= 0) {
		fail_perror("can't read /proc/self/cmdline or environ");
		return 1;
	}
	n = readlink("/proc/self/exe", exe_before, sizeof(exe_before) - 1);
	if (n < 0) {
		fail_perror("readlink /proc/self/exe");
		return 1;
	}
	exe_before[n] = '\0';

	test_daemon();
	test_waitsig();

	if (strcmp(argv[0], MARK_ARGV0))
		fail("argv[0] is '%s', expected '%s'", argv[0], MARK_ARGV0);
	val = getenv(MARK_VAR);
	if (!val || strcmp(val, mark))
		fail("%s is '%s', expected '%s'", MARK_VAR, val ? val : "(unset)", mark);
	same_proc("/proc/self/cmdline", &cmdline);
	same_proc("/proc/self/environ", &environ_copy);

	n = readlink("/proc/self/exe", exe_after, sizeof(exe_after) - 1);
	if (n < 0)
		fail_perror("readlink /proc/self/exe after restore");
	else {
		exe_after[n] = '\0';
		if (strcmp(exe_before, exe_after))
			fail("exe link was %s, now %s", exe_before, exe_after);
	}

	if (test_failed())
		return 1;
	pass();
	return 0;
}
