/* SPDX-License-Identifier: GPL-2.0 */
/*
 * inotify00: inotify watches come back with the same watch descriptors and masks.
 *
 * Watch 1 is on a file that is renamed afterwards (restore must find it by handle, not by
 * path), watch 2 was removed (a gap), watch 3 is on a directory. After restore there are
 * no stray events, writing the file gives IN_MODIFY on wd 1, creating a file in the
 * directory gives IN_CREATE with its name on wd 3, and a new watch gets wd 4.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static char dir[PATH_MAX], file[PATH_MAX + 8], moved[PATH_MAX + 8], other[PATH_MAX + 8];

static int next_event(int ifd, struct inotify_event *ev, size_t size, const char *what)
{
	ssize_t n = read(ifd, ev, size);

	if (n < (ssize_t)sizeof(*ev)) {
		fail_perror("%s: no inotify event", what);
		return -1;
	}
	return 0;
}

static int check_after(int ifd)
{
	char buf[4096] __attribute__((aligned(8)));
	struct inotify_event *ev = (struct inotify_event *)buf;
	char path[PATH_MAX + 16];
	int fd, wd;

	if (read(ifd, buf, sizeof(buf)) != -1 || errno != EAGAIN) {
		fail("stray inotify events after restore (wd %d, mask %#x)", ev->wd, ev->mask);
		return -1;
	}
	fd = open(moved, O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, "x", 1) != 1) {
		fail_perror("can't write the watched file");
		return -1;
	}
	close(fd);
	if (next_event(ifd, ev, sizeof(buf), "write") || ev->wd != 1 || !(ev->mask & IN_MODIFY)) {
		fail("writing the file gave wd %d mask %#x, expected wd 1 IN_MODIFY", ev->wd,
		     ev->mask);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/new", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	if (next_event(ifd, ev, sizeof(buf), "create") || ev->wd != 3 || !(ev->mask & IN_CREATE) ||
	    strcmp(ev->name, "new")) {
		fail("creating a file gave wd %d mask %#x, expected wd 3 IN_CREATE", ev->wd,
		     ev->mask);
		return -1;
	}
	unlink(path);
	wd = inotify_add_watch(ifd, other, IN_ATTRIB);
	if (wd != 4) {
		fail("a new watch got wd %d, expected 4", wd);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char buf[4096];
	int ifd, fd, wd[3];

	test_init(argc, argv);
	snprintf(dir, sizeof(dir), "%s", test_path("dir"));
	snprintf(file, sizeof(file), "%s/file", dir);
	snprintf(moved, sizeof(moved), "%s/moved", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	mkdir(dir, 0700);
	fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	close(fd);
	fd = open(other, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	close(fd);
	ifd = inotify_init1(IN_NONBLOCK);
	wd[0] = inotify_add_watch(ifd, file, IN_MODIFY | IN_ATTRIB);
	wd[1] = inotify_add_watch(ifd, other, IN_ATTRIB);
	wd[2] = inotify_add_watch(ifd, dir, IN_CREATE);
	if (ifd < 0 || wd[0] != 1 || wd[1] != 2 || wd[2] != 3 || inotify_rm_watch(ifd, wd[1]) ||
	    rename(file, moved)) {
		fail_perror("can't set the watches up");
		return 1;
	}
	while (read(ifd, buf, sizeof(buf)) > 0)
		; /* IN_IGNORED of wd 2 */

	test_daemon();
	test_waitsig();

	if (check_after(ifd))
		return 1;
	unlink(moved);
	unlink(other);
	rmdir(dir);
	pass();
	return 0;
}
