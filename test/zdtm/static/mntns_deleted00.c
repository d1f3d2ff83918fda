/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns_deleted00 (ns flavour): binds whose source was removed. $ZDTM_DEL_CASE picks:
 * "dir" (default): m/ a bind of src/gone, m2/ a bind of m/, then src/gone is rmdir'ed
 * (allowed: it is no mount point). Checked before and after: mountinfo shows both roots
 * ending in "//deleted", both show a directory with no link left (st_nlink 0) in which a
 * new file can't be made (ENOENT), and src/gone does not exist.
 * "file" (mntns_deleted01): a bind of a file that is then unlinked: the dump is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static char base[PATH_MAX - 64];
static int file_case;

static const char *at(const char *rel)
{
	static char bufs[4][PATH_MAX];
	static int n;
	char *p = bufs[n++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", base, rel);
	return p;
}

static int setup_file(void)
{
	int fd = open(at("src/f"), O_CREAT | O_WRONLY, 0644);

	if (fd < 0 || close(fd) || (fd = open(at("mf"), O_CREAT | O_WRONLY, 0644)) < 0 ||
	    close(fd) || mount(at("src/f"), at("mf"), NULL, MS_BIND, NULL) || unlink(at("src/f"))) {
		fail("a bind of a removed file: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int setup(void)
{
	const char *which = getenv("ZDTM_DEL_CASE");

	snprintf(base, sizeof(base), "%s", test_path("mnt"));
	if (mkdir(base, 0755) || mkdir(at("src"), 0755) || mkdir(at("src/gone"), 0755) ||
	    mkdir(at("m"), 0755) || mkdir(at("m2"), 0755)) {
		fail("mkdir under %s: %s", base, strerror(errno));
		return -1;
	}
	file_case = which && !strcmp(which, "file");
	if (file_case)
		return setup_file();
	if (mount(at("src/gone"), at("m"), NULL, MS_BIND, NULL) ||
	    mount(at("m"), at("m2"), NULL, MS_BIND, NULL) || rmdir(at("src/gone"))) {
		fail("binds of src/gone, then rmdir: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The root mountinfo gives the mount at rel */
static int root_is_deleted(const char *rel)
{
	char line[4096], root[PATH_MAX], mp[PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = 0;
	size_t len;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d %*d %*s %4095s %4095s", root, mp) == 2 &&
		    !strcmp(mp, at(rel))) {
			len = strlen(root);
			found = len > 9 && !strcmp(root + len - 9, "//deleted");
		}
	if (f)
		fclose(f);
	return found;
}

static void check_one(const char *rel)
{
	char file[PATH_MAX + 8];
	struct stat st;
	int fd;

	if (!root_is_deleted(rel))
		fail("mountinfo does not show the root of %s as deleted", rel);
	if (stat(at(rel), &st) || !S_ISDIR(st.st_mode) || st.st_nlink != 0)
		fail("%s is not a removed directory (nlink %lu)", rel, (unsigned long)st.st_nlink);
	snprintf(file, sizeof(file), "%s/new", at(rel));
	fd = open(file, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0 || errno != ENOENT)
		fail("creating a file in %s: %s, expected ENOENT", rel,
		     fd >= 0 ? "it worked" : strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void check(void)
{
	if (file_case) {
		if (!root_is_deleted("mf"))
			fail("mountinfo does not show the root of mf as deleted");
		return;
	}
	check_one("m");
	check_one("m2");
	if (access(at("src/gone"), F_OK) == 0)
		fail("src/gone exists");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
