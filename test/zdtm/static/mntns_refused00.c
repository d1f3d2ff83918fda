/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns_refused00 (ns flavour): a mount the dump can't save must fail it, naming the mount,
 * and leave the test running with its mounts as they were. $ZDTM_MNT_CASE picks it:
 * "mqueue" (an mqueue of the namespace's own with a queue in it: POSIX message queues are
 * not saved) or "shared" (a bind
 * made shared: propagation is not saved).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "zdtmtst.h"

static char dir[PATH_MAX];

/* Is something mounted on dir (its device differs from its parent's)? */
static int mounted(void)
{
	char parent[PATH_MAX + 4];
	struct stat a, b;

	snprintf(parent, sizeof(parent), "%s/..", dir);
	return !stat(dir, &a) && !stat(parent, &b) && a.st_dev != b.st_dev;
}

static int setup(void)
{
	const char *which = getenv("ZDTM_MNT_CASE");

	snprintf(dir, sizeof(dir), "%s", test_path("mnt"));
	if (!which || mkdir(dir, 0755)) {
		fail("ZDTM_MNT_CASE unset or mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!strcmp(which, "mqueue") && !mount("mqueue", dir, "mqueue", 0, NULL)) {
		char q[PATH_MAX + 8];
		int fd;

		/* a file made in an mqueue file system is a new queue of the ipc namespace */
		snprintf(q, sizeof(q), "%s/zdtmq", dir);
		fd = open(q, O_CREAT | O_RDWR, 0600);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
	}
	if (!strcmp(which, "shared") && !mount("/proc", dir, NULL, MS_BIND, NULL) &&
	    !mount(NULL, dir, NULL, MS_SHARED, NULL))
		return 0;
	fail("making the %s mount on %s: %s", which, dir, strerror(errno));
	return -1;
}

static void check(void)
{
	if (!mounted())
		fail("%s is not a mount point any more", dir);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
