/* SPDX-License-Identifier: GPL-2.0 */
/*
 * inotify02: inotify watches on files that a file handle can't find again. sysfs has no
 * export operations: fdinfo shows a handle that open_by_handle_at(2) can't decode, so the
 * dump must refuse the watch, naming it (inotify02.desc), and the watches must be intact
 * afterwards: each keeps its number and mask and watches the same inode (fdinfo's ino and
 * sdev are the file's). INOTIFY_CASE=deleted (inotify03): a watch on a file that was then
 * deleted, whose inode is gone with the task: refused too. INOTIFY_CASE=plain (inotify04,
 * dumped with --force-irmap, which also saves each watched file's path): watches on a
 * directory and a file of the test come back with their numbers, masks and inodes.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_WATCHED 2
static const char *watched[NR_WATCHED] = { "/sys/kernel", "/sys/kernel/mm" };
static char plain[NR_WATCHED][PATH_MAX];

/* Does fdinfo of ifd list watch wd on the inode of path with mask? */
static int has_watch(int ifd, int wd, const char *path, unsigned int mask)
{
	char fpath[64], line[512];
	unsigned int w, sdev, m;
	unsigned long ino;
	struct stat st;
	int found = 0;
	FILE *f;

	if (stat(path, &st))
		return 0;
	snprintf(fpath, sizeof(fpath), "/proc/self/fdinfo/%d", ifd);
	f = fopen(fpath, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "inotify wd:%x ino:%lx sdev:%x mask:%x", &w, &ino, &sdev, &m) == 4)
			found = (int)w == wd && ino == st.st_ino && m == mask &&
				major(st.st_dev) == sdev >> 20 &&
				minor(st.st_dev) == (sdev & 0xfffff);
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	const char *which = getenv("INOTIFY_CASE");
	unsigned int mask = IN_MODIFY | IN_ATTRIB;
	int ifd, wd[NR_WATCHED], fd;
	size_t i;

	test_init(argc, argv);
	if (which && !strcmp(which, "plain")) {
		snprintf(plain[0], PATH_MAX, "%s", test_path("dir"));
		snprintf(plain[1], PATH_MAX, "%s", test_path("file"));
		fd = open(plain[1], O_RDWR | O_CREAT, 0600);
		if (mkdir(plain[0], 0700) || fd < 0) {
			fail_perror("can't make the watched files");
			return 1;
		}
		watched[0] = plain[0];
		watched[1] = plain[1];
	}
	ifd = inotify_init1(IN_NONBLOCK);
	if (ifd < 0) {
		fail_perror("inotify_init1");
		return 1;
	}
	for (i = 0; i < NR_WATCHED; i++) {
		wd[i] = inotify_add_watch(ifd, watched[i], mask);
		if (wd[i] < 0) {
			fail_perror("can't watch %s", watched[i]);
			return 1;
		}
	}
	if (which && !strcmp(which, "deleted")) {
		fd = open(test_path("file"), O_RDWR | O_CREAT, 0600);
		if (fd < 0 || inotify_add_watch(ifd, test_path("file"), mask) < 0 ||
		    unlink(test_path("file"))) {
			fail_perror("can't watch a deleted file");
			return 1;
		}
	}

	test_daemon();
	test_waitsig();

	for (i = 0; i < NR_WATCHED; i++)
		if (!has_watch(ifd, wd[i], watched[i], mask)) {
			fail("watch %d on %s is gone or watches another inode", wd[i], watched[i]);
			return 1;
		}
	pass();
	return 0;
}
