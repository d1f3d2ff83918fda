/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fanotify00: a fanotify group with an inode mark on a directory (events on children), an
 * ignored mask on a file, and a mount mark. After restore the group has the same flags and
 * the same marks (its fdinfo lines match), and opening a file in the directory is reported.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define EV_FLAGS (O_RDONLY | 0100000) /* O_LARGEFILE, which glibc calls 0 here */

/*
 * The mount point of mount id @id (from /proc/self/mountinfo) in @where. A restore that
 * rebuilds the mount namespace gives its mounts new ids, so a mount mark is compared by
 * the mount it is on, not by the number.
 */
static int mount_point_of(int id, char *where, size_t len)
{
	char line[1024], point[512];
	int found = -1, mnt_id;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %*d %*s %*s %511s", &mnt_id, point) == 2 && mnt_id == id) {
			snprintf(where, len, "%s", point);
			found = 0;
		}
	fclose(f);
	return found;
}

/* A mount mark's "mnt_id:N" becomes "mnt:<mount point>"; other lines stay as they are. */
static int mark_line_by_mount(char *line, size_t len)
{
	char point[512], rest[512];
	int id;

	if (sscanf(line, "fanotify mnt_id:%x %511[^\n]", &id, rest) != 2)
		return 0;
	if (mount_point_of(id, point, sizeof(point)))
		return -1;
	snprintf(line, len, "fanotify mnt:%s %s\n", point, rest);
	return 0;
}

/* The group's "fanotify ..." lines of fdinfo, in a buffer. */
static int read_marks(int fd, char *buf, size_t len)
{
	char path[64], line[1100];
	size_t used = 0;
	int ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	buf[0] = 0;
	while (!ret && fgets(line, 512, f))
		if (!strncmp(line, "fanotify ", 9)) {
			ret = mark_line_by_mount(line, sizeof(line));
			if (!ret && used + strlen(line) < len) {
				strcpy(buf + used, line);
				used += strlen(line);
			}
		}
	fclose(f);
	return ret;
}

/* Open a file in the watched directory; an event for it must be waiting. */
static int check_event(int g, const char *dir)
{
	char path[512], buf[4096];
	struct fanotify_event_metadata *ev = (void *)buf;
	ssize_t n;
	int fd, seen = 0;

	snprintf(path, sizeof(path), "%s/probe", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	while ((n = read(g, buf, sizeof(buf))) > 0) {
		for (ev = (void *)buf; FAN_EVENT_OK(ev, n); ev = FAN_EVENT_NEXT(ev, n)) {
			if (ev->pid == getpid() && (ev->mask & FAN_OPEN))
				seen = 1;
			if (ev->fd >= 0)
				close(ev->fd);
		}
	}
	return seen ? 0 : -1;
}

int main(int argc, char **argv)
{
	static char before[4096], after[4096];
	const char *dir;
	char file[512];
	int g, fd;

	test_init(argc, argv);
	dir = test_path("dir");
	snprintf(file, sizeof(file), "%s/ignored", dir);
	if (mkdir(dir, 0700) || (fd = open(file, O_RDWR | O_CREAT, 0600)) < 0) {
		fail_perror("can't make %s", file);
		return 1;
	}
	close(fd);
	g = fanotify_init(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC, EV_FLAGS);
	if (g < 0 ||
	    fanotify_mark(g, FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD,
			  AT_FDCWD, dir) ||
	    fanotify_mark(g, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY,
			  FAN_OPEN, AT_FDCWD, file) ||
	    fanotify_mark(g, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_CLOSE_NOWRITE, AT_FDCWD, "/") ||
	    read_marks(g, before, sizeof(before))) {
		fail_perror("can't set up the fanotify group");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (read_marks(g, after, sizeof(after))) {
		fail_perror("can't read the group's fdinfo");
		return 1;
	}
	if (strcmp(before, after)) {
		fail("marks differ after restore:\n%s---\n%s", before, after);
		return 1;
	}
	if (check_event(g, dir)) {
		fail("no open event from the watched directory after restore");
		return 1;
	}
	pass();
	return 0;
}
