/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chrdev00: fds on the stateless character devices (/dev/null, /dev/zero, /dev/full,
 * /dev/random, /dev/urandom) come back on the same device, at the same fd, with the same
 * open flags, and behave as that device does: /dev/zero reads zeros, /dev/full refuses
 * writes with ENOSPC, /dev/urandom gives bytes, /dev/null swallows writes and reads EOF.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "zdtmtst.h"

struct chrdev {
	const char *path;
	int flags;
	int fd;
	dev_t rdev;
	int fl; /* F_GETFL before the dump */
};

static struct chrdev devs[] = {
	{ .path = "/dev/null", .flags = O_RDWR | O_APPEND },
	{ .path = "/dev/zero", .flags = O_RDONLY },
	{ .path = "/dev/full", .flags = O_WRONLY | O_NONBLOCK },
	{ .path = "/dev/random", .flags = O_RDONLY | O_NONBLOCK },
	{ .path = "/dev/urandom", .flags = O_RDONLY },
};

#define NR_DEVS (sizeof(devs) / sizeof(devs[0]))

static int setup(void)
{
	struct stat st;
	size_t i;

	for (i = 0; i < NR_DEVS; i++) {
		devs[i].fd = open(devs[i].path, devs[i].flags);
		if (devs[i].fd < 0 || fstat(devs[i].fd, &st)) {
			fail_perror("can't open %s", devs[i].path);
			return -1;
		}
		devs[i].rdev = st.st_rdev;
		devs[i].fl = fcntl(devs[i].fd, F_GETFL);
	}
	return 0;
}

static void check_behaviour(void)
{
	char buf[64], zeros[64] = {};

	if (write(devs[0].fd, "x", 1) != 1 || read(devs[0].fd, buf, 1) != 0)
		fail("/dev/null does not act as /dev/null");
	if (read(devs[1].fd, buf, sizeof(buf)) != sizeof(buf) || memcmp(buf, zeros, sizeof(buf)))
		fail("/dev/zero does not read zeros");
	if (write(devs[2].fd, "x", 1) != -1 || errno != ENOSPC)
		fail("/dev/full does not refuse a write with ENOSPC");
	memset(buf, 0, sizeof(buf));
	if (read(devs[4].fd, buf, sizeof(buf)) != sizeof(buf) || !memcmp(buf, zeros, sizeof(buf)))
		fail("/dev/urandom gives no random bytes");
}

static void check(void)
{
	struct stat st;
	size_t i;

	for (i = 0; i < NR_DEVS; i++) {
		if (fstat(devs[i].fd, &st) || !S_ISCHR(st.st_mode) || st.st_rdev != devs[i].rdev) {
			fail("fd %d is no longer %s (%u:%u)", devs[i].fd, devs[i].path,
			     major(devs[i].rdev), minor(devs[i].rdev));
			return;
		}
		if (fcntl(devs[i].fd, F_GETFL) != devs[i].fl)
			fail("fd %d (%s): flags %#x, were %#x", devs[i].fd, devs[i].path,
			     fcntl(devs[i].fd, F_GETFL), devs[i].fl);
	}
	check_behaviour();
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
