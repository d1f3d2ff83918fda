/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns_locked00 (uns flavour only): the kernel's locks of the mounts of a mount namespace
 * copied into a user namespace come back. The flavour's root is a bind of such a copy: /dev
 * (its devtmpfs) is locked to it, and its atime setting is locked. The test mounts a tmpfs
 * with nosuid itself: not locked; and binds the root with its mounts elsewhere (rbind): a
 * bind whose root is not locked, whose /dev is still locked to it, whose atime setting is
 * locked. In a throwaway copy (a child's unshare, same owner: no lock added, made private
 * first so nothing goes back) the child tries: unmount /dev, the rbind's dev, the rbind and
 * the tmpfs (EINVAL when locked), clear each of the root's flags and change its and the
 * rbind's atime setting (EPERM when locked), clear the tmpfs's nosuid. The answers must be
 * the expected ones before the dump and the same after the restore (they were all
 * "unlocked" after it before the locks were saved). The mount points in mountinfo must be
 * the same too: the locked copies take the place of the mounts, nothing more comes with them.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include "zdtmtst.h"

/* the root's flags: test_mount_flag_locks()'s bits, shifted by ROOT_SHIFT */
#define ROOT_SHIFT 3
enum {
	DEV_LOCKED = 1 << 0,
	OWN_LOCKED = 1 << 1,
	OWN_NOSUID_LOCKED = 1 << 2,
	ROOT_ATIME_LOCKED = TEST_ATIME_LOCKED << ROOT_SHIFT,
	RBIND_LOCKED = 1 << 8,
	RBIND_DEV_LOCKED = 1 << 9,
	RBIND_ATIME_LOCKED = 1 << 10,
};

static char own[4096], rbind[4096], rbind_dev[4096 + 8];
static char points_before[16384];
static int before = -1;

/* The mount points of mountinfo, in its order */
static int mount_points(char *out, size_t len)
{
	char line[4096], mp[4096];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	size_t used = 0;

	if (!f)
		return -1;
	out[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) == 1 && used + strlen(mp) + 2 < len)
			used += sprintf(out + used, "%s ", mp);
	fclose(f);
	return 0;
}

/* The locks of the root's flags, in the child's copy */
static int root_flags(void)
{
	int bits = test_mount_flag_locks("/");

	return bits < 0 ? -1 : bits << ROOT_SHIFT;
}

static int probe_copy(void)
{
	int bits;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	bits = root_flags();
	if (bits < 0)
		return -1;
	if (test_mount_setattr(rbind, MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME) == EPERM)
		bits |= RBIND_ATIME_LOCKED;
	/* leaf first: a mount unmounted takes its children with it */
	if (umount2(rbind_dev, MNT_DETACH) && errno == EINVAL)
		bits |= RBIND_DEV_LOCKED;
	if (umount2(rbind, MNT_DETACH) && errno == EINVAL)
		bits |= RBIND_LOCKED;
	if (test_mount_setattr(own, 0, MOUNT_ATTR_NOSUID) == EPERM)
		bits |= OWN_NOSUID_LOCKED;
	if (umount2(own, MNT_DETACH) && errno == EINVAL)
		bits |= OWN_LOCKED;
	if (umount2("/dev", MNT_DETACH) && errno == EINVAL)
		bits |= DEV_LOCKED;
	return bits;
}

/* The locks, as a child finds them in its copy (its answer through a pipe) */
static int locks(void)
{
	int p[2], bits = -1, status;
	pid_t kid;

	if (pipe(p))
		return -1;
	kid = fork();
	if (kid == 0) {
		bits = probe_copy();
		_exit(write(p[1], &bits, sizeof(bits)) != sizeof(bits));
	}
	close(p[1]);
	if (kid < 0 || read(p[0], &bits, sizeof(bits)) != sizeof(bits))
		bits = -1;
	close(p[0]);
	if (kid > 0 &&
	    (waitpid(kid, &status, 0) != kid || !WIFEXITED(status) || WEXITSTATUS(status)))
		bits = -1;
	return bits;
}

static int setup(void)
{
	snprintf(own, sizeof(own), "%s", test_path("own"));
	snprintf(rbind, sizeof(rbind), "%s", test_path("rbind"));
	snprintf(rbind_dev, sizeof(rbind_dev), "%s/dev", rbind);
	if (mkdir(own, 0755) || mount("zdtm-own", own, "tmpfs", MS_NOSUID, "size=1m")) {
		fail("mounting a tmpfs on %s: %s", own, strerror(errno));
		return -1;
	}
	if (mkdir(rbind, 0755) || mount("/", rbind, NULL, MS_BIND | MS_REC, NULL)) {
		fail("binding / with its mounts on %s: %s", rbind, strerror(errno));
		return -1;
	}
	before = locks();
	test_msg("locks before: %#x\n", before);
	return before < 0 || mount_points(points_before, sizeof(points_before)) ? -1 : 0;
}

static void check(void)
{
	static char points[sizeof(points_before)];
	int now = locks();

	if (mount_points(points, sizeof(points)) || strcmp(points, points_before))
		fail("the mount points are '%s', were '%s'", points, points_before);
	if (now < 0) {
		fail("the probe of the locks failed");
		return;
	}
	if (!(now & DEV_LOCKED))
		fail("/dev can be unmounted (locks %#x)", now);
	if (now & (OWN_LOCKED | OWN_NOSUID_LOCKED))
		fail("the test's own tmpfs or its nosuid is locked (locks %#x)", now);
	if (!(now & ROOT_ATIME_LOCKED))
		fail("the root's atime setting can be changed (locks %#x)", now);
	if ((now & RBIND_LOCKED) || !(now & RBIND_DEV_LOCKED) || !(now & RBIND_ATIME_LOCKED))
		fail("the rbind of / is locked, or its /dev or atime setting is not (locks %#x)",
		     now);
	if (now != before)
		fail("the locks are %#x, were %#x", now, before);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
