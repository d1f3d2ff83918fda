/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns_locked01 (uns flavour only): many locked groups come back, each with its own locks.
 * In a directory D the test binds the flavour's /dev (locked to the root, its atime setting
 * locked) NR_BINDS times alone: each bind is a group of one, not locked to its parent, its
 * atime setting locked. It binds /dev with its mounts twice: groups whose members (the copies
 * of /dev's mounts) are locked to their root. Last it binds / with its mounts in D: a group
 * with /dev locked to it, whose copies of the binds above are groups nested in it (their
 * parent is a member of another group). In a throwaway copy (a child's unshare, same owner:
 * no lock added, made private first) each mount below D, leaf first, is probed: its atime
 * setting changed, each of its flags cleared (EPERM when locked), then unmounted (EINVAL when
 * locked). The answers must be the same after the restore as before the dump (they were all
 * unlocked but for the root bind's /dev before the locks were saved), and the mount points in
 * mountinfo must come in the same order.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_BINDS  20
#define NR_RBINDS 2
#define OUT_LEN	  (256 * 1024)

/* with TEST_*_LOCKED: the mount can't be unmounted (locked to its parent) */
#define LOCKED (1 << 8)

static char dir[4096];
static bool nested_case; /* $ZDTM_LOCKED_CASE "nested" (mntns_locked02) */
static char *points_before, *locks_before;

/* The mount points below dir, in mountinfo's order, each followed by a space */
static int mount_points(char *out, size_t len, bool all)
{
	char line[8192], mp[4096];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	size_t used = 0, dl = strlen(dir);

	if (!f)
		return -1;
	out[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) != 1)
			continue;
		if (!all && (strncmp(mp, dir, dl) || (mp[dl] != '/' && mp[dl] != '\0')))
			continue;
		if (used + strlen(mp) + 2 >= len) {
			fclose(f);
			return -1;
		}
		used += sprintf(out + used, "%s ", mp);
	}
	fclose(f);
	return 0;
}

/* The locks of the mount at path, in the child's copy; the mount goes if it can */
static int probe_one(const char *path)
{
	int bits = test_mount_flag_locks(path);

	if (bits < 0)
		return -1;
	if (umount2(path, MNT_DETACH) && errno == EINVAL)
		bits |= LOCKED;
	return bits;
}

/* In the child's copy: "mount point=bits " for each mount below dir, leaf first */
static int probe_copy(char *out)
{
	char *points = malloc(OUT_LEN), *p, *end;
	size_t used = 0;
	int bits;

	if (!points || unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount_points(points, OUT_LEN, false))
		return -1;
	out[0] = '\0';
	/* from the last one: its children were after it */
	for (end = points + strlen(points); end > points;) {
		*--end = '\0'; /* the space after it */
		p = strrchr(points, ' ');
		p = p ? p + 1 : points;
		bits = probe_one(p);
		if (bits < 0 || used + strlen(p) + 16 >= OUT_LEN)
			return -1;
		used += sprintf(out + used, "%s=%x ", p, bits);
		end = p;
	}
	/* the copy of the parent's /dev, locked to the root */
	bits = nested_case ? probe_one("/dev") : 0;
	if (bits < 0)
		return -1;
	if (nested_case)
		sprintf(out + used, "/dev=%x ", bits);
	return 0;
}

/* The locks, as a child finds them in its copy */
static char *locks(void)
{
	char *out = mmap(NULL, OUT_LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *copy = NULL;
	int status;
	pid_t kid;

	if (out == MAP_FAILED)
		return NULL;
	kid = fork();
	if (kid == 0)
		_exit(probe_copy(out) ? 1 : 0);
	if (kid > 0 && waitpid(kid, &status, 0) == kid && WIFEXITED(status) && !WEXITSTATUS(status))
		copy = strdup(out);
	munmap(out, OUT_LEN);
	return copy;
}

static int bind_dev(const char *name, unsigned long rec)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mkdir(path, 0755) || mount("/dev", path, NULL, MS_BIND | rec, NULL)) {
		fail("binding /dev on %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int setup(void)
{
	char name[32], root[4200];
	int i;

	snprintf(dir, sizeof(dir), "%s", test_path("mnt"));
	if (mkdir(dir, 0755)) {
		fail("mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < NR_BINDS; i++) {
		snprintf(name, sizeof(name), "b%02d", i);
		if (bind_dev(name, 0))
			return -1;
	}
	for (i = 0; i < NR_RBINDS; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		if (bind_dev(name, MS_REC))
			return -1;
	}
	snprintf(root, sizeof(root), "%s/root", dir);
	if (mkdir(root, 0755) || mount("/", root, NULL, MS_BIND | MS_REC, NULL)) {
		fail("binding / with its mounts on %s: %s", root, strerror(errno));
		return -1;
	}
	points_before = malloc(OUT_LEN);
	locks_before = locks();
	if (!points_before || !locks_before || mount_points(points_before, OUT_LEN, true))
		return -1;
	test_msg("locks before: %s\n", locks_before);
	return 0;
}

/* The bits the probe found for the mount at dir/name, -1 if none */
static int bits_of(const char *all, const char *name)
{
	char key[4200];
	const char *p;

	snprintf(key, sizeof(key), "%s/%s=", dir, name);
	for (p = strstr(all, key); p && p != all && p[-1] != ' '; p = strstr(p + 1, key))
		;
	return p ? (int)strtol(p + strlen(key), NULL, 16) : -1;
}

static void check_groups(const char *now)
{
	char name[64];
	int i, b;

	for (i = 0; i < NR_BINDS + NR_RBINDS; i++) {
		if (i < NR_BINDS)
			snprintf(name, sizeof(name), "b%02d", i);
		else
			snprintf(name, sizeof(name), "r%d", i - NR_BINDS);
		b = bits_of(now, name);
		if (b < 0 || (b & LOCKED) || !(b & TEST_ATIME_LOCKED))
			fail("%s: locked to its parent, or its atime setting not locked (%d)", name,
			     b);
	}
	if (nested_case &&
	    (!strstr(now, " /dev=") || !(strtol(strstr(now, " /dev=") + 6, NULL, 16) & LOCKED)))
		fail("the copy of the parent's /dev is not locked to the root: %s", now);
	b = bits_of(now, "root");
	if (b < 0 || (b & LOCKED) || !(b & TEST_ATIME_LOCKED))
		fail("the bind of /: locked to its parent, or its atime setting not locked (%d)",
		     b);
	b = bits_of(now, "root/dev");
	if (b < 0 || !(b & LOCKED))
		fail("the bind of /'s dev is not locked to it (%d)", b);
}

static void check(void)
{
	char *points = malloc(OUT_LEN), *now = locks();

	if (!points || mount_points(points, OUT_LEN, true) || strcmp(points, points_before))
		fail("the mount points are '%s', were '%s'", points ?: "", points_before);
	if (!now) {
		fail("the probe of the locks failed");
		return;
	}
	check_groups(now);
	if (strcmp(now, locks_before))
		fail("the locks are\n%s\nwere\n%s", now, locks_before);
	free(now);
	free(points);
}

/*
 * $ZDTM_LOCKED_CASE "nested" (mntns_locked02): all of it in a child that unshares a mount
 * namespace of its own first (owned by the test's user namespace: a copy that keeps the
 * locks, the root's /dev locked to it, /proc's and /sys's atime); the child probes before
 * the dump and after the restore, when the test tells it, and says how it went.
 */
static void nested_child(int go, int done)
{
	char c = 'n';

	if (unshare(CLONE_NEWNS)) {
		fail("unshare(CLONE_NEWNS): %s", strerror(errno));
		_exit(1);
	}
	if (setup() || write(done, "r", 1) != 1 || read(go, &c, 1) != 1)
		_exit(1);
	check();
	c = test_failed() ? 'n' : 'y';
	_exit(write(done, &c, 1) != 1 || c != 'y');
}

static int nested(void)
{
	int go[2], done[2], status;
	char c = 0;
	pid_t pid;

	if (pipe(go) || pipe(done))
		return 1;
	pid = fork();
	if (pid == 0)
		nested_child(go[0], done[1]);
	if (pid < 0 || read(done[0], &c, 1) != 1 || c != 'r') {
		fail("the child in a mount namespace of its own did not get ready");
		return 1;
	}
	test_daemon();
	test_waitsig();
	if (write(go[1], "g", 1) != 1 || read(done[0], &c, 1) != 1 || c != 'y')
		fail("the locks in the child's mount namespace are not as they were");
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("the child exited badly");
	if (!test_failed())
		pass();
	return test_failed();
}

int main(int argc, char **argv)
{
	const char *which = getenv("ZDTM_LOCKED_CASE");

	test_init(argc, argv);
	nested_case = which && !strcmp(which, "nested");
	if (nested_case)
		return nested();
	return test_check_across_dump(setup, check);
}
