/* SPDX-License-Identifier: GPL-2.0 */
/*
 * inhfd00: --inherit-fd for a regular file. The test appends to inhfd00.file; the runner
 * restores it with --inherit-fd fd[N]:PATH, fd N open on inhfd00.new (see inhfd00.desc). The
 * restored fd must be that other file, the same open file the runner gave (its O_APPEND and its
 * identity), with the status flags the test had (O_NONBLOCK); the old file gets nothing more.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define OLD_FILE "inhfd00.file"
#define NEW_FILE "inhfd00.new"

static int file_is(const char *path, const char *want)
{
	char buf[64] = {};
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return n >= 0 && !strcmp(buf, want);
}

int main(int argc, char **argv)
{
	struct stat fst, nst;
	int fd;

	test_init(argc, argv);
	fd = open(OLD_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NONBLOCK, 0600);
	if (fd < 0 || write(fd, "before\n", 7) != 7) {
		fail_perror("can't write %s", OLD_FILE);
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (fstat(fd, &fst) || stat(NEW_FILE, &nst)) {
		fail_perror("can't stat the fd or %s", NEW_FILE);
		return 1;
	}
	if (fst.st_ino != nst.st_ino || fst.st_dev != nst.st_dev) {
		fail("the fd is not %s, the file the restore was given", NEW_FILE);
		return 1;
	}
	if ((fcntl(fd, F_GETFL) & (O_NONBLOCK | O_APPEND)) != (O_NONBLOCK | O_APPEND)) {
		fail("the fd lost O_NONBLOCK or O_APPEND: %#x", fcntl(fd, F_GETFL));
		return 1;
	}
	if (write(fd, "after\n", 6) != 6) {
		fail_perror("can't write through the inherited fd");
		return 1;
	}
	if (!file_is(NEW_FILE, "given\nafter\n") || !file_is(OLD_FILE, "before\n")) {
		fail("the writes went elsewhere than the given file");
		return 1;
	}
	pass();
	return 0;
}
