/* SPDX-License-Identifier: GPL-2.0 */
/*
 * inotify01: an inotify watch on a file inside a mount whose mount point has a space in its
 * path ("/tmp/zdtm inotify01.XXXXXX", a tmpfs). mountinfo writes that space as "\040";
 * restore finds the mount again by its device there and must read the path decoded. After
 * restore, writing the file gives IN_MODIFY on the same wd, and the watch still names the
 * file on the tmpfs (IN_DELETE_SELF when it is removed). The mount is taken down at the end.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static char mnt[] = "/tmp/zdtm inotify01.XXXXXX";
static char file[sizeof(mnt) + 16];

static int expect_event(int ifd, int wd, uint32_t mask, const char *what)
{
	char buf[4096] __attribute__((aligned(8)));
	struct inotify_event *ev = (struct inotify_event *)buf;
	ssize_t n = read(ifd, buf, sizeof(buf));

	if (n < (ssize_t)sizeof(*ev)) {
		fail_perror("%s: no inotify event", what);
		return -1;
	}
	if (ev->wd != wd || !(ev->mask & mask)) {
		fail("%s gave wd %d mask %#x, expected wd %d mask %#x", what, ev->wd, ev->mask, wd,
		     mask);
		return -1;
	}
	return 0;
}

static int check_after(int ifd, int wd)
{
	char buf[4096];
	int fd;

	if (read(ifd, buf, sizeof(buf)) != -1 || errno != EAGAIN) {
		fail("stray inotify events after restore");
		return -1;
	}
	fd = open(file, O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, "x", 1) != 1) {
		fail_perror("can't write the watched file");
		return -1;
	}
	close(fd);
	if (expect_event(ifd, wd, IN_MODIFY, "writing the file"))
		return -1;
	if (unlink(file)) {
		fail_perror("can't remove the watched file");
		return -1;
	}
	/* IN_ATTRIB (the link count) first, then IN_DELETE_SELF */
	if (expect_event(ifd, wd, IN_ATTRIB | IN_DELETE_SELF, "removing the file"))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	int ifd, fd, wd, ret = 1;

	test_init(argc, argv);
	if (!mkdtemp(mnt)) {
		fail_perror("can't make %s", mnt);
		return 1;
	}
	if (mount("zdtm inotify01", mnt, "tmpfs", 0, "size=1m")) {
		fail_perror("can't mount a tmpfs on %s", mnt);
		rmdir(mnt);
		return 1;
	}
	snprintf(file, sizeof(file), "%s/watched", mnt);
	fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	close(fd);
	ifd = inotify_init1(IN_NONBLOCK);
	wd = ifd < 0 ? -1 : inotify_add_watch(ifd, file, IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF);
	if (fd < 0 || wd < 0) {
		fail_perror("can't set the watch up");
		goto out_umount;
	}

	test_daemon();
	test_waitsig();

	if (check_after(ifd, wd))
		goto out_umount;
	pass();
	ret = 0;
out_umount:
	if (ifd >= 0)
		close(ifd);
	unlink(file);
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	return ret;
}
