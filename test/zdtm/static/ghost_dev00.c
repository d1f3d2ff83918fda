/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ghost_dev00: device nodes made by the test (a /dev/null and a /dev/zero node, modes 0640
 * and 0604), opened and then deleted. After restore each fd must still be that device
 * (same type and number) with its mode, work as it (writes to null succeed, zero reads
 * zeros), and the node paths must stay gone.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "zdtmtst.h"

static int null_fd = -1, zero_fd = -1;
static char null_path[PATH_MAX], zero_path[PATH_MAX];

static int make_node(char *path, const char *tag, mode_t mode, unsigned int minor_nr)
{
	int fd;

	snprintf(path, PATH_MAX, "%s", test_path(tag));
	if (mknod(path, S_IFCHR | mode, makedev(1, minor_nr)) || chmod(path, mode))
		return -1;
	fd = open(path, O_RDWR);
	return fd < 0 || unlink(path) ? -1 : fd;
}

static int setup(void)
{
	null_fd = make_node(null_path, "null", 0640, 3);
	zero_fd = make_node(zero_path, "zero", 0604, 5);
	return null_fd < 0 || zero_fd < 0 ? -1 : 0;
}

static int is_node(int fd, mode_t mode, unsigned int minor_nr, const char *path)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISCHR(st.st_mode) && (st.st_mode & 07777) == mode &&
	       major(st.st_rdev) == 1 && minor(st.st_rdev) == minor_nr && st.st_nlink == 0 &&
	       access(path, F_OK) != 0;
}

static void check(void)
{
	char buf[16], zero[16] = {};

	if (!is_node(null_fd, 0640, 3, null_path) || !is_node(zero_fd, 0604, 5, zero_path)) {
		fail("an fd is not the deleted device node it was");
		return;
	}
	memset(buf, 1, sizeof(buf));
	if (write(null_fd, "x", 1) != 1 || read(null_fd, buf, 1) != 0 ||
	    read(zero_fd, buf, sizeof(buf)) != sizeof(buf) || memcmp(buf, zero, sizeof(buf)))
		fail("the devices do not work as null and zero");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
