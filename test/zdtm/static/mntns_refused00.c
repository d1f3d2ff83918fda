/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns_refused00 (ns flavour): a mount the dump can't save must fail it, naming the mount,
 * and leave the test running with its mounts as they were. $ZDTM_MNT_CASE picks it:
 * "mqueue" (an mqueue of the namespace's own with a queue in it: POSIX message queues are
 * not saved) or "peers" (two mounts of one peer group whose roots no member of the group
 * holds: the restore could not make one of them join the other's group) or "fuse" (a fuse
 * mount: its daemon's connection is not saved).
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

/* Is something mounted on dir? mountinfo says (a stat of a fuse with no daemon would hang) */
static int mounted(void)
{
	char line[4096], mp[PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) == 1 && !strcmp(mp, dir))
			found = 1;
	if (f)
		fclose(f);
	return found;
}

/* A fuse mount on dir, its connection closed at once (the mount stays, aborted) */
static int make_fuse(void)
{
	char opts[128];
	int fd = open("/dev/fuse", O_RDWR), ret;

	if (fd < 0)
		return -1;
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	ret = mount("zdtm_fuse", dir, "fuse", 0, opts);
	close(fd);
	return ret;
}

/*
 * dir and mnt2 peers with the roots src/x and src/y: binds of a shared bind of src that is
 * gone, so that no member of their group holds both roots.
 */
static int make_peers(void)
{
	static const char *const tags[] = { "src", "src/x", "src/y", "tmp", "mnt2" };
	char p[5][PATH_MAX], x[PATH_MAX + 4], y[PATH_MAX + 4];
	size_t i;

	for (i = 0; i < 5; i++) {
		snprintf(p[i], PATH_MAX, "%s", test_path(tags[i]));
		if (mkdir(p[i], 0755) && errno != EEXIST)
			return -1;
		/* a tmpfs, so that mounted() sees another device on dir */
		if (!i && mount("zdtm_peers", p[0], "tmpfs", 0, NULL))
			return -1;
	}
	snprintf(x, sizeof(x), "%s/x", p[3]);
	snprintf(y, sizeof(y), "%s/y", p[3]);
	return mount(p[0], p[3], NULL, MS_BIND, NULL) || mount(NULL, p[3], NULL, MS_SHARED, NULL) ||
	       mount(x, dir, NULL, MS_BIND, NULL) || mount(y, p[4], NULL, MS_BIND, NULL) ||
	       umount2(p[3], 0);
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
	if (!strcmp(which, "peers") && !make_peers())
		return 0;
	if (!strcmp(which, "fuse") && !make_fuse())
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
