/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tty_vt00: /dev/console and virtual terminals held open: /dev/console write-only,
 * /dev/tty0 (the current VT) and /dev/tty5 read-write, tty5 with echo turned off. After
 * restore the fds are the same devices with the same flags (the runner compares them),
 * tty5 still has echo off, and writes to the console still work. The test puts tty5's
 * termios back as it found it.
 *
 * TTY_VT_CASE=deleted (tty_vt01): tty5 is opened through a copy of its node, deleted
 * since; the dump must refuse it, naming it.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "zdtmtst.h"

static struct termios saved;
static int console, vt0, vt5;

static int open_vt5(bool deleted)
{
	const char *node = test_path("vtnode");
	int fd;

	if (!deleted)
		return open("/dev/tty5", O_RDWR | O_NOCTTY);
	unlink(node);
	if (mknod(node, S_IFCHR | 0600, makedev(4, 5)))
		return -1;
	fd = open(node, O_RDWR | O_NOCTTY);
	unlink(node);
	return fd;
}

static int setup(void)
{
	const char *which = getenv("TTY_VT_CASE") ?: "";
	struct termios t;

	console = open("/dev/console", O_WRONLY | O_NOCTTY);
	vt0 = open("/dev/tty0", O_RDWR | O_NOCTTY);
	if (console < 0 || vt0 < 0)
		test_skip("this host has no /dev/console or /dev/tty0 to open");
	vt5 = open_vt5(!strcmp(which, "deleted"));
	if (vt5 < 0 || tcgetattr(vt5, &saved))
		return -1;
	t = saved;
	t.c_lflag &= ~ECHO;
	return tcsetattr(vt5, TCSANOW, &t);
}

static void check(void)
{
	struct termios t;
	struct stat st;

	if (tcgetattr(vt5, &t) || (t.c_lflag & ECHO))
		fail("tty5 has echo on again, or is no terminal");
	if (fstat(vt5, &st) || st.st_rdev != makedev(4, 5))
		fail("fd %d is not tty5", vt5);
	if (write(console, "", 0) < 0)
		fail_perror("can't write to the console");
}

int main(int argc, char **argv)
{
	int ret;

	test_init(argc, argv);
	ret = test_check_across_dump(setup, check);
	if (vt5 >= 0)
		tcsetattr(vt5, TCSANOW, &saved);
	return ret;
}
