/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files00: open files keep what makes them themselves across a checkpoint.
 *
 * dup'ed fds (dup, dup2 to a high number, F_DUPFD_CLOEXEC) must share one open file again
 * (kcmp, and a seek on one moves the other); a second open of the same path must stay a
 * separate open file with its own position; O_APPEND, O_NONBLOCK, O_RDONLY/O_WRONLY and
 * FD_CLOEXEC must come back; the file's data must be unchanged.
 */
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define HIGH_FD 200
static const char data[] = "0123456789abcdefghijklmnopqrstuvwxyz";

static int same_file(int a, int b)
{
	pid_t me = getpid();

	return syscall(SYS_kcmp, me, me, KCMP_FILE, a, b) == 0;
}

static int check_fd(int fd, int flags, int cloexec, off_t pos)
{
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
	off_t cur = lseek(fd, 0, SEEK_CUR);

	if (fl < 0 || fdfl < 0) {
		fail_perror("fd %d is gone", fd);
		return -1;
	}
	fl &= O_ACCMODE | O_APPEND | O_NONBLOCK;
	if (fl != flags || !!(fdfl & FD_CLOEXEC) != cloexec || cur != pos) {
		fail("fd %d: flags %#o cloexec %d pos %ld, expected %#o %d %ld", fd, fl,
		     !!(fdfl & FD_CLOEXEC), (long)cur, flags, cloexec, (long)pos);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int a, b, c, d, r, w;
	char buf[sizeof(data)];
	const char *path;

	test_init(argc, argv);
	path = test_path("file");
	a = open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0600);
	if (a < 0 || write(a, data, sizeof(data) - 1) != sizeof(data) - 1) {
		fail_perror("can't create %s", path);
		return 1;
	}
	b = dup(a);
	c = dup2(a, HIGH_FD);
	d = fcntl(a, F_DUPFD_CLOEXEC, 20);
	r = open(path, O_RDONLY | O_NONBLOCK);
	w = open(path, O_WRONLY);
	if (b < 0 || c < 0 || d < 0 || r < 0 || w < 0 || lseek(r, 7, SEEK_SET) != 7 ||
	    lseek(w, 3, SEEK_SET) != 3) {
		fail_perror("can't set up the fds");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (!same_file(a, b) || !same_file(a, c) || !same_file(a, d)) {
		fail("dup'ed fds no longer share their open file");
		return 1;
	}
	if (same_file(a, r) || same_file(a, w) || same_file(r, w)) {
		fail("separate opens of one path became one open file");
		return 1;
	}
	if (check_fd(a, O_RDWR | O_APPEND, 0, sizeof(data) - 1) ||
	    check_fd(c, O_RDWR | O_APPEND, 0, sizeof(data) - 1) ||
	    check_fd(d, O_RDWR | O_APPEND, 1, sizeof(data) - 1) ||
	    check_fd(r, O_RDONLY | O_NONBLOCK, 0, 7) || check_fd(w, O_WRONLY, 0, 3))
		return 1;
	/* a shared position: seeking one fd moves its dups */
	if (lseek(b, 5, SEEK_SET) != 5 || lseek(c, 0, SEEK_CUR) != 5) {
		fail("a seek on fd %d did not move its dup %d", b, c);
		return 1;
	}
	if (pread(r, buf, sizeof(data) - 1, 0) != sizeof(data) - 1 ||
	    memcmp(buf, data, sizeof(data) - 1)) {
		fail("the file's data changed");
		return 1;
	}
	pass();
	return 0;
}
