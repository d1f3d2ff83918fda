// SPDX-License-Identifier: GPL-2.0
/*
 * A static program for the busybox container (test/others/container.py): one inotify
 * instance watching each FILE given for writes, and one fanotify group with an inode mark on
 * each for the same (a FAN_REPORT_FID group where only that may be made: in a user namespace).
 * Each event is appended to LOG as "inotify WD" or "fanotify N" (N: which FILE the event's fd
 * is), so that a write made from outside after the restore proves each watch is still on its
 * file. "ready" is appended once every watch is in place.
 *
 * Usage: ct-watcher LOG FILE...
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <unistd.h>

#define MAX_FILES 8

static const char *watched[MAX_FILES];
static int nr_watched;

static void log_line(int log, const char *what, int n)
{
	char line[64];
	int len = snprintf(line, sizeof(line), "%s %d\n", what, n);

	if (write(log, line, len) != len)
		_exit(3);
}

static void drain_inotify(int ifd, int log)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(ifd, buf, sizeof(buf));
	char *p;

	for (p = buf; n > 0 && p < buf + n;) {
		const struct inotify_event *ev = (const struct inotify_event *)p;

		if (ev->mask & IN_MODIFY)
			log_line(log, "inotify", ev->wd);
		p += sizeof(*ev) + ev->len;
	}
}

/*
 * Which FILE the event's fd is (by its path: a tmpfs made again at restore has new device
 * and inode numbers), 1-based; 0: none of them.
 */
static int which_file(int fd)
{
	char link[32], path[PATH_MAX];
	ssize_t n;
	int i;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = 0;
	for (i = 0; i < nr_watched; i++)
		if (!strcmp(path, watched[i]))
			return i + 1;
	return 0;
}

/* Which FILE has this handle now (a FAN_REPORT_FID group's events carry no fd), 1-based. */
static int which_handle(const struct file_handle *fh)
{
	struct {
		struct file_handle h;
		unsigned char bytes[MAX_HANDLE_SZ];
	} now;
	int i, mnt;

	for (i = 0; i < nr_watched; i++) {
		now.h.handle_bytes = MAX_HANDLE_SZ;
		if (!name_to_handle_at(AT_FDCWD, watched[i], &now.h, &mnt, 0) &&
		    now.h.handle_type == fh->handle_type &&
		    now.h.handle_bytes == fh->handle_bytes &&
		    !memcmp(now.h.f_handle, fh->f_handle, fh->handle_bytes))
			return i + 1;
	}
	return 0;
}

static int which_event(const struct fanotify_event_metadata *ev)
{
	const struct fanotify_event_info_fid *fid = (const void *)(ev + 1);

	if (ev->fd >= 0)
		return which_file(ev->fd);
	if (ev->event_len < sizeof(*ev) + sizeof(*fid) + sizeof(struct file_handle) ||
	    fid->hdr.info_type != FAN_EVENT_INFO_TYPE_FID)
		return 0;
	return which_handle((const struct file_handle *)fid->handle);
}

static void drain_fanotify(int gfd, int log)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	ssize_t n = read(gfd, buf, sizeof(buf));
	struct fanotify_event_metadata *ev = (struct fanotify_event_metadata *)buf;

	for (; n > 0 && FAN_EVENT_OK(ev, n); ev = FAN_EVENT_NEXT(ev, n)) {
		if (ev->mask & FAN_MODIFY)
			log_line(log, "fanotify", which_event(ev));
		if (ev->fd >= 0)
			close(ev->fd);
	}
}

int main(int argc, char **argv)
{
	struct pollfd pfd[2];
	int log, ifd, gfd, i;

	if (argc < 3 || argc - 2 > MAX_FILES)
		return 2;
	log = open(argv[1], O_WRONLY | O_APPEND | O_CREAT, 0644);
	ifd = inotify_init1(IN_CLOEXEC);
	if (log < 0 || ifd < 0)
		return 1;
	gfd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE);
	/* without CAP_SYS_ADMIN in the initial user namespace: events name files by handle */
	if (gfd < 0)
		gfd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_REPORT_FID, O_RDONLY);
	for (i = 2; i < argc; i++) {
		watched[nr_watched++] = argv[i];
		if (inotify_add_watch(ifd, argv[i], IN_MODIFY) < 0)
			return 1;
		if (gfd >= 0 && fanotify_mark(gfd, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, argv[i]))
			return 1;
	}
	log_line(log, gfd >= 0 ? "ready fanotify" : "ready", nr_watched);
	pfd[0] = (struct pollfd){ .fd = ifd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = gfd, .events = POLLIN };
	for (;;) {
		if (poll(pfd, gfd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (pfd[0].revents & POLLIN)
			drain_inotify(ifd, log);
		if (gfd >= 0 && (pfd[1].revents & POLLIN))
			drain_fanotify(gfd, log);
	}
}
