/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ghost01: deleted directories and an unlinked FIFO come back deleted. An fd on a removed
 * directory (mode 0751) and a removed cwd must still be directories with that mode, shown
 * as "(deleted)", and their paths must not exist after restore. An unlinked FIFO opened
 * read-write must keep its bytes in flight, its pipe size and its mode, and its path must
 * stay gone.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define FIFO_SZ (128 << 10)
static const char data[] = "bytes in an unlinked fifo";

static int check_dir(const char *what, int fd, const char *path, const char *link)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n = readlink(link, target, sizeof(target) - 1);

	if (n < 0 || fstat(fd, &st)) {
		fail_perror("%s: can't look at it", what);
		return -1;
	}
	target[n] = 0;
	if (!S_ISDIR(st.st_mode) || (st.st_mode & 07777) != 0751 || st.st_nlink != 0) {
		fail("%s: mode %o nlink %lu, want a deleted dir with mode 751", what, st.st_mode,
		     (unsigned long)st.st_nlink);
		return -1;
	}
	if (!strstr(target, " (deleted)") || access(path, F_OK) == 0) {
		fail("%s: %s is not deleted any more (%s)", what, path, target);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX], cwd[PATH_MAX], fifo[PATH_MAX], buf[sizeof(data)], link[64];
	struct stat st;
	int dfd, cfd, ffd;

	test_init(argc, argv);
	snprintf(dir, sizeof(dir), "%s", test_path("dir"));
	snprintf(cwd, sizeof(cwd), "%s", test_path("cwd"));
	snprintf(fifo, sizeof(fifo), "%s", test_path("fifo"));
	if (mkdir(dir, 0751) || mkdir(cwd, 0751) || mkfifo(fifo, 0640) || chmod(dir, 0751) ||
	    chmod(cwd, 0751) || chmod(fifo, 0640)) {
		fail_perror("can't make the objects");
		return 1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	cfd = open(cwd, O_RDONLY | O_DIRECTORY);
	ffd = open(fifo, O_RDWR);
	if (dfd < 0 || cfd < 0 || ffd < 0 || chdir(cwd) || fcntl(ffd, F_SETPIPE_SZ, FIFO_SZ) < 0 ||
	    write(ffd, data, sizeof(data)) != sizeof(data) || rmdir(dir) || rmdir(cwd) ||
	    unlink(fifo)) {
		fail_perror("can't open and remove the objects");
		return 1;
	}
	close(cfd);

	test_daemon();
	test_waitsig();

	snprintf(link, sizeof(link), "/proc/self/fd/%d", dfd);
	if (check_dir("dir fd", dfd, dir, link))
		return 1;
	cfd = open(".", O_RDONLY | O_DIRECTORY);
	if (cfd < 0 || check_dir("cwd", cfd, cwd, "/proc/self/cwd"))
		return 1;
	if (fstat(ffd, &st) || !S_ISFIFO(st.st_mode) || (st.st_mode & 0777) != 0640 ||
	    access(fifo, F_OK) == 0) {
		fail("the fifo is not an unlinked fifo with mode 640 (mode %o)", st.st_mode);
		return 1;
	}
	if (fcntl(ffd, F_GETPIPE_SZ) != FIFO_SZ) {
		fail("the fifo's size is %d, want %d", fcntl(ffd, F_GETPIPE_SZ), FIFO_SZ);
		return 1;
	}
	if (read(ffd, buf, sizeof(buf)) != sizeof(buf) || memcmp(buf, data, sizeof(data))) {
		fail("the fifo lost its data");
		return 1;
	}
	pass();
	return 0;
}
