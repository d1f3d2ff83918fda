/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hardlink00: one file with three names, open through two of them, and one of those
 * names then removed (dumped with --link-remap). After the unlink the file grew and was
 * rewritten through a third name. After restore both fds and the remaining names must be
 * one inode, with the size and content written last; the removed name stays gone.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char before[] = "content at the unlink";
static const char after[] = "rewritten and grown through the third name, after the unlink";
static char gone[PATH_MAX], kept[PATH_MAX], third[PATH_MAX];
static int fd_gone = -1, fd_kept = -1;

static int setup(void)
{
	int fd;

	snprintf(gone, sizeof(gone), "%s", test_path("gone"));
	snprintf(kept, sizeof(kept), "%s", test_path("kept"));
	snprintf(third, sizeof(third), "%s", test_path("third"));
	fd_gone = open(gone, O_RDWR | O_CREAT | O_TRUNC, 0640);
	if (fd_gone < 0 || write(fd_gone, before, sizeof(before)) != sizeof(before) ||
	    link(gone, kept) || link(gone, third))
		return -1;
	fd_kept = open(kept, O_RDONLY);
	if (fd_kept < 0 || unlink(gone))
		return -1;
	fd = open(third, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, after, sizeof(after)) != sizeof(after))
		return -1;
	return close(fd);
}

static void check(void)
{
	struct stat a, b, k, t;
	char buf[sizeof(after)];

	if (fstat(fd_gone, &a) || fstat(fd_kept, &b) || stat(kept, &k) || stat(third, &t)) {
		fail_perror("can't stat the fds and names");
		return;
	}
	if (a.st_ino != b.st_ino || a.st_ino != k.st_ino || a.st_ino != t.st_ino ||
	    a.st_nlink != 2) {
		fail("the fds and names are not one inode with 2 links (%lu %lu %lu %lu, nlink "
		     "%lu)",
		     (unsigned long)a.st_ino, (unsigned long)b.st_ino, (unsigned long)k.st_ino,
		     (unsigned long)t.st_ino, (unsigned long)a.st_nlink);
		return;
	}
	if (a.st_size != sizeof(after) || pread(fd_gone, buf, sizeof(buf), 0) != sizeof(buf) ||
	    memcmp(buf, after, sizeof(after))) {
		fail("the size or content is not what was written last (size %lld)",
		     (long long)a.st_size);
		return;
	}
	if (access(gone, F_OK) == 0)
		fail("the removed name %s exists again", gone);
}

int main(int argc, char **argv)
{
	int ret;

	test_init(argc, argv);
	ret = test_check_across_dump(setup, check);
	unlink(kept);
	unlink(third);
	return ret;
}
