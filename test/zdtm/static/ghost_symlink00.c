/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ghost_symlink00: a symlink opened with O_PATH | O_NOFOLLOW (the link itself, not its
 * target) and then deleted. After restore the fd must still be a symlink holding the same
 * target text, and its old path must stay gone.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char target[] = "../some/where/that-does-not-exist";
static char path[PATH_MAX];
static int fd = -1;

static int setup(void)
{
	snprintf(path, sizeof(path), "%s", test_path("symlink"));
	if (symlink(target, path))
		return -1;
	fd = open(path, O_PATH | O_NOFOLLOW);
	return fd < 0 || unlink(path) ? -1 : 0;
}

static void check(void)
{
	char buf[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) || !S_ISLNK(st.st_mode)) {
		fail("fd %d is not a symlink (mode %o)", fd, st.st_mode);
		return;
	}
	n = readlinkat(fd, "", buf, sizeof(buf) - 1);
	if (n < 0) {
		fail_perror("readlinkat of the fd");
		return;
	}
	buf[n] = 0;
	if (strcmp(buf, target))
		fail("the symlink points to '%s', not '%s'", buf, target);
	else if (!(fcntl(fd, F_GETFL) & O_PATH))
		fail("the fd is not O_PATH");
	else if (faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		fail("%s exists again", path);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
