/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tmpfile00: an O_TMPFILE file (open(dir, O_TMPFILE | O_RDWR)) never had a name. After
 * restore the fd must still be such a file: a regular file with no link, its data, size
 * and position kept, in the same directory's filesystem, and, as an O_TMPFILE opened
 * without O_EXCL, it can still be given a name with linkat(2).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char data[] = "never had a name";
static char dir[PATH_MAX - 16], named[PATH_MAX];
static struct stat dir_st;
static int fd = -1;

static int setup(void)
{
	snprintf(dir, sizeof(dir), "%s", test_path("dir"));
	snprintf(named, sizeof(named), "%s/named", dir);
	if (mkdir(dir, 0700) || stat(dir, &dir_st))
		return -1;
	fd = open(dir, O_TMPFILE | O_RDWR, 0640);
	if (fd < 0)
		return -1;
	if (write(fd, data, sizeof(data)) != sizeof(data) || ftruncate(fd, 8192) ||
	    lseek(fd, 5, SEEK_SET) != 5)
		return -1;
	return 0;
}

static void check(void)
{
	char buf[sizeof(data)];
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_nlink != 0 ||
	    (st.st_mode & 07777) != 0640 || st.st_size != 8192 || st.st_dev != dir_st.st_dev) {
		fail("fd %d is not an unnamed regular file of mode 640 and size 8192 on the dir's "
		     "filesystem (mode %o nlink %lu size %lld)",
		     fd, st.st_mode, (unsigned long)st.st_nlink, (long long)st.st_size);
		return;
	}
	if (lseek(fd, 0, SEEK_CUR) != 5) {
		fail("the position is %lld, want 5", (long long)lseek(fd, 0, SEEK_CUR));
		return;
	}
	if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf) || memcmp(buf, data, sizeof(data)))
		fail("the data is lost");
}

int main(int argc, char **argv)
{
	char link[64];
	struct stat st, nst;

	test_init(argc, argv);
	if (test_check_across_dump(setup, check))
		return 1;
	/* a name can still be given to it: it is linkable, as an O_TMPFILE without O_EXCL */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, link, AT_FDCWD, named, AT_SYMLINK_FOLLOW) || stat(named, &nst) ||
	    fstat(fd, &st) || st.st_ino != nst.st_ino || st.st_nlink != 1) {
		fail_perror("the file can't be linked as %s", named);
		return 1;
	}
	unlink(named);
	rmdir(dir);
	return 0;
}
