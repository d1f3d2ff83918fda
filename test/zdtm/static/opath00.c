/* SPDX-License-Identifier: GPL-2.0 */
/*
 * opath00: O_PATH fds (on a directory and on a file) come back as O_PATH fds on the same
 * inode, usable as a dirfd; and a file's owner for SIGIO (F_SETOWN, F_SETSIG) survives.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static int check_opath(int fd, const struct stat *want, const char *what)
{
	int fl = fcntl(fd, F_GETFL);
	struct stat st;

	if (fl < 0 || !(fl & O_PATH)) {
		fail("%s: fd %d has flags %#o, expected O_PATH", what, fd, fl);
		return -1;
	}
	if (fstat(fd, &st) || st.st_ino != want->st_ino || st.st_dev != want->st_dev) {
		fail("%s: fd %d is not on the same inode", what, fd);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct stat dst, fst;
	int dfd, ffd, own;
	const char *path;

	test_init(argc, argv);
	path = test_path("file");
	own = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dfd = open(".", O_PATH | O_DIRECTORY);
	ffd = open(path, O_PATH);
	if (own < 0 || dfd < 0 || ffd < 0 || fstat(dfd, &dst) || fstat(ffd, &fst)) {
		fail_perror("can't set up the fds");
		return 1;
	}
	if (fcntl(own, F_SETOWN, getpid()) || fcntl(own, F_SETSIG, SIGUSR2)) {
		fail_perror("can't set the owner");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (check_opath(dfd, &dst, "directory") || check_opath(ffd, &fst, "file"))
		return 1;
	/* the directory fd still works as a dirfd: the file is found relative to it */
	if (fstatat(dfd, strrchr(path, '/') ? strrchr(path, '/') + 1 : path, &dst, 0) ||
	    dst.st_ino != fst.st_ino) {
		fail("the O_PATH directory fd does not lead to the file any more");
		return 1;
	}
	if (fcntl(own, F_GETOWN) != getpid() || fcntl(own, F_GETSIG) != SIGUSR2) {
		fail("the owner is %d, signal %d; expected %d, %d", fcntl(own, F_GETOWN),
		     fcntl(own, F_GETSIG), getpid(), SIGUSR2);
		return 1;
	}
	pass();
	return 0;
}
