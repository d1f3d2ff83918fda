/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns_nested00 (ns flavour): a child in a mount namespace of its own. The test mounts a
 * tmpfs t/ (with a file) and a bind p/ of src/, then forks a child that unshares a mount
 * namespace, binds src/ on c/ (its own), unmounts its copy of p/ and mounts a second bind
 * of src/sub over its t/sub. After restore: the test's mounts are as before and it sees
 * neither c/ nor the child's t/sub bind; the child's are as before, its namespace is not
 * the test's (and is owned by its user namespace), and its t/ is the same tmpfs as the test's (a
 * file the child writes there shows in the test's t/), which a rebuilt copy would not be.
 * $ZDTM_NESTED_CASE "tmpfs" (mntns_nested01): the child mounts a tmpfs of its own instead, which
 * the dump refuses. "shared" (mntns_nested02): the test's s/ and m/ are shared binds, so the
 * child's copies are their peers; the child makes its m/ a slave and binds s/sub on cs/ (a peer
 * too). After restore, tmpfs mounts the test makes on s/x, m/x and s/sub/y show in the child (s/x,
 * m/x, cs/y), and of the child's on s/y and m/y only s/y shows in the test's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static char base[PATH_MAX - 64];
static int shared_case; /* $ZDTM_NESTED_CASE "shared" (mntns_nested02) */

static const char *at(const char *rel)
{
	static char bufs[4][PATH_MAX];
	static int n;
	char *p = bufs[n++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", base, rel);
	return p;
}

/* mountinfo without ids and devices: each line's mount point, root, options, type */
static char *mount_shape(void)
{
	char line[4096], root[PATH_MAX], mp[PATH_MAX], *out = NULL;
	size_t len = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");
	FILE *o = open_memstream(&out, &len);
	const char *rest;

	while (f && o && fgets(line, sizeof(line), f)) {
		rest = strstr(line, " - ");
		if (sscanf(line, "%*d %*d %*s %4095s %4095s", root, mp) == 2 && rest)
			fprintf(o, "%s %s%s", mp, root, rest);
	}
	if (f)
		fclose(f);
	if (o)
		fclose(o);
	return out;
}

static int mounted_at(const char *rel)
{
	char *shape = mount_shape(), key[PATH_MAX + 2];
	int found;

	snprintf(key, sizeof(key), "%s ", at(rel));
	found = shape && (!strncmp(shape, key, strlen(key)) || strstr(shape, key));
	free(shape);
	return found;
}

/* A tmpfs with a file "mark" on rel */
static int marked_tmpfs(const char *rel)
{
	char mark[PATH_MAX + 8];
	int fd;

	snprintf(mark, sizeof(mark), "%s/mark", at(rel));
	if (mount("zdtm_mark", at(rel), "tmpfs", 0, "size=64k"))
		return -1;
	fd = open(mark, O_CREAT | O_WRONLY, 0644);
	return fd < 0 ? -1 : close(fd);
}

static int has_mark(const char *rel)
{
	char mark[PATH_MAX + 8];

	snprintf(mark, sizeof(mark), "%s/mark", at(rel));
	return access(mark, F_OK) == 0;
}

/* shared: the child's copies of s/ (a peer) and m/ (made a slave), cs/ a bind of s/sub */
static int child_setup_shared(void)
{
	if (mount(NULL, at("m"), NULL, MS_SLAVE, NULL) ||
	    mount(at("s/sub"), at("cs"), NULL, MS_BIND, NULL)) {
		fail("child: slave m/, bind s/sub: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* After the test mounted on s/x, m/x, s/sub/y: they show here; ours on s/y, m/y next */
static int child_propagation(void)
{
	int ok = 1;

	if (!has_mark("s/x") || !has_mark("m/x") || !has_mark("cs/y")) {
		fail("child: the test's mounts on s/x, m/x, s/sub/y did not all show here (%d%d%d)",
		     has_mark("s/x"), has_mark("m/x"), has_mark("cs/y"));
		ok = 0;
	}
	if (marked_tmpfs("s/y") || marked_tmpfs("m/y")) {
		fail("child: mounts on s/y, m/y: %s", strerror(errno));
		ok = 0;
	}
	return ok;
}

static int child_setup(void)
{
	const char *which = getenv("ZDTM_NESTED_CASE");

	/* "tmpfs" (mntns_nested01): a tmpfs of the child's own, which the dump refuses */
	if (which && !strcmp(which, "tmpfs") &&
	    (unshare(CLONE_NEWNS) || mount("zdtm_own", at("c"), "tmpfs", 0, NULL))) {
		fail("child: unshare and tmpfs: %s", strerror(errno));
		return -1;
	}
	if (which && !strcmp(which, "tmpfs"))
		return 0;
	if (unshare(CLONE_NEWNS) || mount(at("src"), at("c"), NULL, MS_BIND, NULL) ||
	    umount2(at("p"), 0) || mount(at("src/sub"), at("t/sub"), NULL, MS_BIND, NULL)) {
		fail("child: unshare and mounts: %s", strerror(errno));
		return -1;
	}
	return shared_case ? child_setup_shared() : 0;
}

/* Restored: the same mounts, its own namespace, the test's tmpfs at t/ */
static int child_check(const char *before)
{
	char *now = mount_shape();
	struct stat mine, its;
	int fd, ok = 1;

	if (!now || strcmp(now, before)) {
		test_msg("child's mounts before:\n%s\nnow:\n%s", before, now ? now : "?");
		fail("the child's mounts differ");
		ok = 0;
	}
	free(now);
	if (stat("/proc/self/ns/mnt", &mine) || stat("/proc/1/ns/mnt", &its) ||
	    mine.st_ino == its.st_ino) {
		fail("the child is not in a mount namespace of its own");
		ok = 0;
	}
	/* the uns flavour: made in the tree's user namespace, as unshare() made it */
	if (!test_ns_owned_by_own_user("mnt")) {
		fail("the child's mount namespace is not owned by its user namespace");
		ok = 0;
	}
	fd = open(at("t/from-child"), O_CREAT | O_WRONLY, 0644);
	if (fd < 0) {
		fail("child: writing to t/: %s", strerror(errno));
		ok = 0;
	} else
		close(fd);
	return ok;
}

static void child(int go, int done)
{
	char *before, c = 0;

	if (child_setup() || !(before = mount_shape()))
		exit(1);
	if (write(done, "r", 1) != 1 || read(go, &c, 1) != 1)
		exit(1);
	c = child_check(before) ? 'y' : 'n';
	if (write(done, &c, 1) != 1)
		exit(1);
	if (!shared_case)
		exit(0);
	if (read(go, &c, 1) != 1)
		exit(1);
	c = child_propagation() ? 'y' : 'n';
	exit(write(done, &c, 1) == 1 ? 0 : 1);
}

/* shared: the test's mounts show in the child's peers and slave; the child's peer's only */
static void check_propagation(int go, int done)
{
	char c = 0;

	if (marked_tmpfs("s/x") || marked_tmpfs("m/x") || marked_tmpfs("s/sub/y")) {
		fail("mounts on s/x, m/x, s/sub/y: %s", strerror(errno));
		return;
	}
	if (write(go, "q", 1) != 1 || read(done, &c, 1) != 1 || c != 'y')
		fail("the child's propagation check failed");
	if (!has_mark("s/y") || has_mark("m/y"))
		fail("the child's mount on s/y %s here, on m/y %s (want shown, not shown)",
		     has_mark("s/y") ? "shows" : "does not show",
		     has_mark("m/y") ? "shows" : "does not show");
}

static int setup(void)
{
	static const char *const dirs[] = { "",	 "src", "src/sub", "src/sub/y", "src/x", "src/y",
					    "p", "c",	"t",	   "s",		"m",	 "cs" };
	const char *which = getenv("ZDTM_NESTED_CASE");
	size_t i;

	shared_case = which && !strcmp(which, "shared");

	snprintf(base, sizeof(base), "%s", test_path("mnt"));
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(at(dirs[i]), 0755) && errno != EEXIST)
			return -1;
	if (mount("zdtm_nested", at("t"), "tmpfs", 0, "size=1m") || mkdir(at("t/sub"), 0755) ||
	    mount(at("src"), at("p"), NULL, MS_BIND, NULL)) {
		fail("the test's mounts: %s", strerror(errno));
		return -1;
	}
	if (shared_case && (mount(at("src"), at("s"), NULL, MS_BIND, NULL) ||
			    mount(NULL, at("s"), NULL, MS_SHARED, NULL) ||
			    mount(at("src"), at("m"), NULL, MS_BIND, NULL) ||
			    mount(NULL, at("m"), NULL, MS_SHARED, NULL))) {
		fail("shared binds s/, m/: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int go[2], done[2], status;
	char *before, c = 0;
	pid_t pid;

	test_init(argc, argv);
	if (setup() || pipe(go) || pipe(done))
		return 1;
	pid = fork();
	if (pid == 0)
		child(go[0], done[1]);
	before = mount_shape();
	if (pid < 0 || !before || read(done[0], &c, 1) != 1 || c != 'r') {
		fail("the child did not get ready");
		return 1;
	}
	test_daemon();
	test_waitsig();
	if (strcmp(before, mount_shape()) || mounted_at("c") || !mounted_at("p"))
		fail("the test's mounts differ (or show the child's)");
	if (write(go[1], "g", 1) != 1 || read(done[0], &c, 1) != 1 || c != 'y')
		fail("the child's check failed");
	if (shared_case)
		check_propagation(go[1], done[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("the child exited badly");
	if (access(at("t/from-child"), F_OK))
		fail("the child's t/ is not the test's tmpfs any more");
	if (!test_failed())
		pass();
	return test_failed();
}
