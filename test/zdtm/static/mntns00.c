/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns00 (ns flavour): the tree of mounts of the test's own mount namespace comes back.
 * Made before the dump: a bind of a directory, a bind of a file, a read-only, nosuid,
 * nodev, noexec, noatime bind, two binds stacked on one mount point (the lower shadowed),
 * a bind of a path under another bind, an unbindable bind, a cgroup2 and (if the host has
 * it) the v1 cpu hierarchy, a binfmt_misc. Checked before and after:
 * what mountinfo says of every mount (mount point, parent's mount point, root, options,
 * propagation, type; not the ids, nor the device of proc, a new instance), what each bind
 * shows (the file's bytes, the upper of the stacked ones), that the read-only one refuses a
 * write with EROFS, that the unbindable one can't be bound, that the binfmt_misc is one
 * (its magic, register) with the same entries, and that /proc is the
 * namespace's (/proc/self is 1, the test).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <dirent.h>
#include <unistd.h>

#define BINFMT_MISC_MAGIC 0x42494e4d

#include "zdtmtst.h"

#define MARK "zdtm mount namespace\n"

static char base[PATH_MAX - 64];
static char *before;

static const char *at(const char *rel)
{
	static char bufs[4][PATH_MAX];
	static int n;
	char *p = bufs[n++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", base, rel);
	return p;
}

static int put_file(const char *rel, const char *text)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static int bind(const char *from, const char *to, unsigned long flags)
{
	char src[PATH_MAX];

	snprintf(src, sizeof(src), "%s", at(from));
	if (mount(src, at(to), NULL, MS_BIND, NULL) ||
	    (flags && mount(NULL, at(to), NULL, MS_REMOUNT | MS_BIND | flags, NULL))) {
		fail("bind %s on %s: %s", from, to, strerror(errno));
		return -1;
	}
	return 0;
}

/* cgroup2 and the v1 cpu hierarchy (when the host has it): the same hierarchies again */
static int mount_cgroups(void)
{
	if (mount("cgroup2", at("cg2"), "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		fail("mount cgroup2: %s", strerror(errno));
		return -1;
	}
	/* the cpu controller may be cgroup2's on another host (EBUSY): then only cgroup2 */
	if (mount("cgroup", at("cgcpu"), "cgroup", MS_NOSUID, "cpu"))
		test_msg("no v1 cpu hierarchy here (%s): cgroup2 only\n", strerror(errno));
	return 0;
}

/* binfmt_misc: its entries are the user namespace's (criu's here), the same after restore */
static char *binfmt_before;

static char *binfmt_entries(void)
{
	char *out = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&out, &len);
	DIR *d = opendir(at("bfm"));
	struct dirent *de;

	while (o && d && (de = readdir(d)))
		fprintf(o, "%s\n", de->d_name);
	if (d)
		closedir(d);
	if (o)
		fclose(o);
	return d ? out : NULL;
}

static int mount_binfmt(void)
{
	if (mount("binfmt_misc", at("bfm"), "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL)) {
		fail("mount binfmt_misc: %s", strerror(errno));
		return -1;
	}
	binfmt_before = binfmt_entries();
	return binfmt_before ? 0 : -1;
}

static int make_tree(void)
{
	static const char *const dirs[] = { "",	    "src", "src/sub", "dir", "ro",    "over",
					    "deep", "unb", "try",     "cg2", "cgcpu", "bfm" };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(at(dirs[i]), 0755) && errno != EEXIST) {
			fail("mkdir %s: %s", at(dirs[i]), strerror(errno));
			return -1;
		}
	if (put_file("src/file", MARK) || put_file("src/sub/inner", "inner\n") ||
	    put_file("file", "")) {
		fail("writing the files under %s", base);
		return -1;
	}
	return bind("src", "dir", 0) || bind("src/file", "file", 0) ||
	       bind("src", "ro", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME) ||
	       bind("src", "over", 0) || bind("src/sub", "over", 0) || bind("dir/sub", "deep", 0) ||
	       bind("src", "unb", 0) || mount(NULL, at("unb"), NULL, MS_UNBINDABLE, NULL) ||
	       mount_cgroups() || mount_binfmt();
}

/* mountinfo without ids and devices: mount point, parent's mount point, the rest. */
static char *mount_shape(void)
{
	char line[4096], mp[256], *out = NULL, *rest;
	char mps[256][256];
	int ids[256], parents[256], n = 0, i, j;
	size_t len = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");
	FILE *o = open_memstream(&out, &len);

	if (!f || !o)
		return NULL;
	while (n < 256 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%d %d %*s %*s %255s", &ids[n], &parents[n], mp) != 3)
			continue;
		memcpy(mps[n++], mp, sizeof(mp));
	}
	rewind(f);
	for (i = 0; i < n && fgets(line, sizeof(line), f); i++) {
		const char *parent = "-";

		for (j = 0; j < n; j++)
			if (ids[j] == parents[i])
				parent = mps[j];
		rest = strchr(line, ' ');
		rest = rest ? strchr(rest + 1, ' ') : NULL; /* after the parent's id */
		rest = rest ? strchr(rest + 1, ' ') : NULL; /* after maj:min */
		fprintf(o, "parent %s:%s", parent, rest ? rest : "?\n");
	}
	fclose(f);
	fclose(o);
	return out;
}

static int setup(void)
{
	snprintf(base, sizeof(base), "%s", test_path("mnt"));
	if (make_tree())
		return -1;
	before = mount_shape();
	if (!before) {
		fail("can't read /proc/self/mountinfo");
		return -1;
	}
	test_msg("mounts:\n%s", before);
	return 0;
}

static int file_is(const char *rel, const char *want)
{
	char buf[256];
	int fd = open(at(rel), O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return 0;
	buf[n] = '\0';
	return !strcmp(buf, want);
}

static void check_behaviour(void)
{
	char self[32] = "", *bfm;
	struct statfs sfs;
	int fd;

	if (!file_is("dir/file", MARK) || !file_is("file", MARK) || !file_is("ro/file", MARK))
		fail("a bind shows other bytes than src/file");
	if (!file_is("over/inner", "inner\n") || access(at("over/file"), F_OK) == 0)
		fail("over/ shows the lower of its two mounts");
	if (!file_is("deep/inner", "inner\n"))
		fail("deep/ (a bind of dir/sub) shows other bytes");
	fd = open(at("ro/new"), O_WRONLY | O_CREAT, 0644);
	if (fd >= 0 || errno != EROFS)
		fail("creating a file in the read-only bind: %s, expected EROFS",
		     fd >= 0 ? "it worked" : strerror(errno));
	if (fd >= 0)
		close(fd);
	if (mount(at("unb"), at("try"), NULL, MS_BIND, NULL) == 0 || errno != EINVAL) {
		fail("binding the unbindable mount: %s", errno ? strerror(errno) : "it worked");
		umount2(at("try"), MNT_DETACH);
	}
	bfm = binfmt_entries();
	if (statfs(at("bfm"), &sfs) || sfs.f_type != BINFMT_MISC_MAGIC || !bfm ||
	    strcmp(bfm, binfmt_before) || access(at("bfm/register"), F_OK))
		fail("bfm/ is not the binfmt_misc it was (entries now:\n%s)", bfm ? bfm : "?");
	free(bfm);
	if (access(at("cg2/cgroup.controllers"), F_OK))
		fail("the cgroup2 mount shows no cgroup.controllers");
	if (readlink("/proc/self", self, sizeof(self) - 1) < 0 || strcmp(self, "1"))
		fail("/proc/self is '%s', not 1: /proc is not the namespace's", self);
}

static void check(void)
{
	char *now = mount_shape();

	if (!now || strcmp(now, before)) {
		test_msg("mounts now:\n%s", now ? now : "?\n");
		fail("the mounts differ from those before the dump (see the log)");
	}
	free(now);
	check_behaviour();
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
