/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fd_big00: fds with large numbers. The test raises its soft RLIMIT_NOFILE to the hard one
 * and puts a pipe's two ends and a regular file above 1,000,000 (skipped where the hard
 * limit is lower: raising it needs CAP_SYS_RESOURCE). After restore each fd is the same
 * file (the pipe still carries data from one end to the other, the file has its offset
 * and content) and the soft limit is what the test set. With FD_TOP=hard (fd_big01) the
 * fds take the last numbers the hard limit allows, leaving none above them for criu's own
 * fds at restore: the dump must refuse that, saying so.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "zdtmtst.h"

#define BIG_FD 1000001

static int rfd, wfd, ffd;
static struct rlimit lim;

static int move_to(int fd, int to)
{
	if (dup2(fd, to) != to)
		return -1;
	close(fd);
	return to;
}

static int setup(void)
{
	const char *path = test_path("file");
	int p[2], fd, top;

	if (getrlimit(RLIMIT_NOFILE, &lim))
		return -1;
	if (getenv("FD_TOP") && !strcmp(getenv("FD_TOP"), "hard")) {
		top = lim.rlim_max - 1;
	} else {
		top = BIG_FD + 2;
		if (lim.rlim_max <= (rlim_t)top)
			test_skip("RLIMIT_NOFILE's hard limit is %llu: fd %d needs more, and "
				  "raising it needs CAP_SYS_RESOURCE",
				  (unsigned long long)lim.rlim_max, top);
	}
	lim.rlim_cur = lim.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &lim) || pipe(p))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "big fd", 6) != 6 || lseek(fd, 3, SEEK_SET) != 3)
		return -1;
	rfd = move_to(p[0], top - 2);
	wfd = move_to(p[1], top - 1);
	ffd = move_to(fd, top);
	if (rfd < 0 || wfd < 0 || ffd < 0)
		return -1;
	test_msg("fds %d %d %d\n", rfd, wfd, ffd);
	return 0;
}

static void check(void)
{
	struct rlimit now;
	char buf[8] = "";

	if (getrlimit(RLIMIT_NOFILE, &now) || now.rlim_cur != lim.rlim_cur)
		fail("RLIMIT_NOFILE's soft limit is %llu, was %llu",
		     (unsigned long long)now.rlim_cur, (unsigned long long)lim.rlim_cur);
	if (write(wfd, "x", 1) != 1 || read(rfd, buf, 1) != 1 || buf[0] != 'x')
		fail_perror("the pipe at fds %d/%d does not carry data", rfd, wfd);
	if (lseek(ffd, 0, SEEK_CUR) != 3 || pread(ffd, buf, 6, 0) != 6 || memcmp(buf, "big fd", 6))
		fail("the file at fd %d lost its offset or content", ffd);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
