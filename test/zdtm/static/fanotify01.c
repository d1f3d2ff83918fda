/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fanotify01: fanotify inode marks on a tmpfs the test mounts itself: one on a file (writes)
 * and one on a directory (opens of its children). In the ns flavour the tmpfs is in the
 * test's own mount namespace and is made anew at restore, with new device and inode numbers:
 * the old file handles name nothing, and the marks must be found by the files' paths inside.
 * After restore nothing is queued, a write to the file is reported with an fd of that file
 * (as it is now), and opening a new file in the directory is reported with an fd of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define EV_FLAGS (O_RDONLY | 0100000) /* O_LARGEFILE, which glibc calls 0 here */

static char mnt[] = "/tmp/zdtm_fanotify01.XXXXXX";
static char dir[sizeof(mnt) + 8], file[sizeof(mnt) + 16], probe[sizeof(mnt) + 16];

/* Whether an event of mask on the file at path (as it is now) is queued in g; reads them all. */
static int seen_event(int g, uint64_t mask, const char *path)
{
	char buf[4096] __attribute__((aligned(8)));
	struct fanotify_event_metadata *ev;
	struct stat want, st;
	int seen = 0;
	ssize_t n;

	if (stat(path, &want))
		return 0;
	while ((n = read(g, buf, sizeof(buf))) > 0) {
		for (ev = (void *)buf; FAN_EVENT_OK(ev, n); ev = FAN_EVENT_NEXT(ev, n)) {
			if (ev->fd < 0)
				continue;
			if ((ev->mask & mask) && !fstat(ev->fd, &st) && st.st_dev == want.st_dev &&
			    st.st_ino == want.st_ino)
				seen = 1;
			close(ev->fd);
		}
	}
	return seen;
}

static int check_after(int g)
{
	char buf[4096];
	int fd;

	if (read(g, buf, sizeof(buf)) != -1 || errno != EAGAIN) {
		fail("stray fanotify events after restore");
		return -1;
	}
	fd = open(file, O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, "x", 1) != 1) {
		fail_perror("can't write the marked file");
		return -1;
	}
	close(fd);
	if (!seen_event(g, FAN_MODIFY, file)) {
		fail("no FAN_MODIFY of %s after restore", file);
		return -1;
	}
	fd = open(probe, O_RDWR | O_CREAT, 0600);
	if (fd < 0) {
		fail_perror("can't make %s", probe);
		return -1;
	}
	close(fd);
	if (!seen_event(g, FAN_OPEN, probe)) {
		fail("no FAN_OPEN of %s (a child of the marked directory) after restore", probe);
		return -1;
	}
	return 0;
}

static int set_up(void)
{
	int g, fd;

	snprintf(dir, sizeof(dir), "%s/d", mnt);
	snprintf(file, sizeof(file), "%s/watched", mnt);
	snprintf(probe, sizeof(probe), "%s/probe", dir);
	if (mkdir(dir, 0700) || (fd = open(file, O_CREAT | O_WRONLY, 0600)) < 0) {
		fail_perror("can't make the files on the tmpfs");
		return -1;
	}
	close(fd);
	g = fanotify_init(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC, EV_FLAGS);
	if (g < 0 || fanotify_mark(g, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, file) ||
	    fanotify_mark(g, FAN_MARK_ADD, FAN_OPEN | FAN_EVENT_ON_CHILD, AT_FDCWD, dir)) {
		fail_perror("can't set up the fanotify group");
		return -1;
	}
	return g;
}

int main(int argc, char **argv)
{
	int g, ret = 1;

	test_init(argc, argv);
	if (!mkdtemp(mnt)) {
		fail_perror("can't make %s", mnt);
		return 1;
	}
	if (mount("zdtm_fanotify01", mnt, "tmpfs", 0, "size=1m")) {
		fail_perror("can't mount a tmpfs on %s", mnt);
		rmdir(mnt);
		return 1;
	}
	g = set_up();
	if (g < 0)
		goto out_umount;

	test_daemon();
	test_waitsig();

	if (!check_after(g)) {
		pass();
		ret = 0;
	}
	close(g);
out_umount:
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	return ret;
}
