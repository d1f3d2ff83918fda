/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fanotify_sb00: a fanotify filesystem mark (FAN_MARK_FILESYSTEM) cannot be saved yet; the
 * dump must refuse it naming the fd (fanotify_sb00.desc), and the mark must still be there.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "zdtmtst.h"

/* Does fdinfo still show a mark with neither an inode nor a mount: a filesystem mark? */
static int has_sb_mark(int fd)
{
	char path[64], line[512];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		found |= !strncmp(line, "fanotify sdev:", 14);
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	int g;

	test_init(argc, argv);
	g = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID, O_RDONLY);
	if (g < 0 ||
	    fanotify_mark(g, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CREATE, AT_FDCWD, "/")) {
		fail_perror("can't add a filesystem mark");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (!has_sb_mark(g)) {
		fail("the filesystem mark is gone");
		return 1;
	}
	pass();
	return 0;
}
