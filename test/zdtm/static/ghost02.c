/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ghost02: a removed cwd that is also open as an fd is one directory. The test enters a
 * directory, opens it, and removes it. After restore the fd and the cwd must be the same
 * directory (same device and inode), both removed, with mode 0710 and the old path gone.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static char dir[PATH_MAX];
static int fd = -1;

static int setup(void)
{
	snprintf(dir, sizeof(dir), "%s", test_path("cwd"));
	if (mkdir(dir, 0710) || chmod(dir, 0710) || chdir(dir))
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	return fd < 0 || rmdir(dir) ? -1 : 0;
}

static void check(void)
{
	struct stat a, b;

	if (fstat(fd, &a) || stat(".", &b)) {
		fail_perror("can't stat the fd or the cwd");
		return;
	}
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		fail("the fd (%lu) and the cwd (%lu) are two directories", (unsigned long)a.st_ino,
		     (unsigned long)b.st_ino);
	else if (!S_ISDIR(a.st_mode) || (a.st_mode & 07777) != 0710 || a.st_nlink != 0)
		fail("the cwd is not a removed dir of mode 710 (mode %o nlink %lu)", a.st_mode,
		     (unsigned long)a.st_nlink);
	else if (access(dir, F_OK) == 0)
		fail("%s exists again", dir);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
