/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns_ghost00 (ns flavour): the test mounts a tmpfs of its own namespace, writes a file
 * there, keeps it open and unlinks it. criu makes a deleted file again under --root, which
 * only the namespace's root mount is made of: the dump must refuse this one, naming it, and
 * leave the test running with its file (the bytes read back through the fd after the refused
 * dump are the ones written).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char text[] = "bytes of a deleted file on a tmpfs\n";
static char dir[PATH_MAX - 16];
static int fd = -1;

static int setup(void)
{
	char file[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", test_path("t"));
	snprintf(file, sizeof(file), "%s/gone", dir);
	if (mkdir(dir, 0755) || mount("zdtm", dir, "tmpfs", 0, "size=1m")) {
		fail("a tmpfs at %s: %s", dir, strerror(errno));
		return -1;
	}
	fd = open(file, O_CREAT | O_RDWR, 0600);
	if (fd < 0 || write(fd, text, sizeof(text) - 1) != sizeof(text) - 1 || unlink(file)) {
		fail("a file on the tmpfs, unlinked: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void check(void)
{
	char got[sizeof(text)] = "";
	struct stat st;

	if (pread(fd, got, sizeof(got) - 1, 0) != sizeof(text) - 1 || strcmp(got, text))
		fail("the deleted file reads \"%s\"", got);
	if (fstat(fd, &st) || st.st_nlink != 0)
		fail("the file is not deleted (nlink %lu)", (unsigned long)st.st_nlink);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
