/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns_inotify00 (ns flavour): an inotify watch on a file of a tmpfs the test mounted in its
 * namespace, in a directory another tmpfs then covers (the first tmpfs's root is still in
 * sight). The restore makes the first tmpfs anew (new handles) and could find the file only
 * by its path, which names nothing now: the dump must refuse the watch, naming it, and leave
 * the test running with it (once the cover is gone, a write to the file is still an
 * IN_MODIFY of the same wd).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static char dir[PATH_MAX - 32], sub[PATH_MAX - 16], file[PATH_MAX];

static int set_up(int *wd)
{
	int ifd, fd;

	snprintf(dir, sizeof(dir), "%s", test_path("t"));
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(file, sizeof(file), "%s/watched", sub);
	if (mkdir(dir, 0755) || mount("zdtm", dir, "tmpfs", 0, "size=1m") || mkdir(sub, 0755)) {
		fail_perror("can't mount a tmpfs on %s", dir);
		return -1;
	}
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	if (fd < 0) {
		fail_perror("can't make %s", file);
		return -1;
	}
	close(fd);
	ifd = inotify_init1(IN_NONBLOCK);
	*wd = ifd < 0 ? -1 : inotify_add_watch(ifd, file, IN_MODIFY);
	if (*wd < 0) {
		fail_perror("can't watch %s", file);
		return -1;
	}
	if (mount("zdtm-cover", sub, "tmpfs", 0, "size=1m")) {
		fail_perror("can't cover %s with another tmpfs", sub);
		return -1;
	}
	return ifd;
}

static int check_after(int ifd, int wd)
{
	char buf[4096] __attribute__((aligned(8)));
	struct inotify_event *ev = (struct inotify_event *)buf;
	int fd;

	if (umount2(sub, MNT_DETACH)) {
		fail_perror("can't take the cover off %s", sub);
		return -1;
	}
	fd = open(file, O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, "x", 1) != 1) {
		fail_perror("can't write %s", file);
		return -1;
	}
	close(fd);
	if (read(ifd, buf, sizeof(buf)) < (ssize_t)sizeof(*ev) || ev->wd != wd ||
	    !(ev->mask & IN_MODIFY)) {
		fail("no IN_MODIFY of watch %d after the refused dump", wd);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ifd, wd, ret = 1;

	test_init(argc, argv);
	ifd = set_up(&wd);
	if (ifd < 0)
		goto out;

	test_daemon();
	test_waitsig();

	if (!check_after(ifd, wd)) {
		pass();
		ret = 0;
	}
out:
	umount2(sub, MNT_DETACH);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return ret;
}
