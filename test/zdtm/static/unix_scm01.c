/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_scm01: files queued in flight (SCM_RIGHTS) on a stream socket pair, between plain
 * bytes: "abc", then "def" with a file the task also keeps open (opened after the socket)
 * and a pipe's write end, then "ghi", then "jkl" with a file the task keeps (opened before
 * the socket) and a datagram socket. Files travel with a stream's bytes: reading the
 * plain bytes and the ones sent with files together, the files must come with "abcdef" and
 * "ghijkl", in that order, and the kept files must share their open file (offset) with the
 * received ones. (Where in the plain bytes before them files attach is not kept: a peek
 * can't see it; restore puts them on the first byte.)
 */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

/* got and kept must be one open file: moving one moves the other. */
static int check_shared(int got, int kept, off_t was)
{
	if (lseek(got, 0, SEEK_CUR) != was || lseek(kept, 7, SEEK_SET) != 7 ||
	    lseek(got, 0, SEEK_CUR) != 7) {
		fail("a queued file no longer shares its offset with the task's fd");
		return -1;
	}
	return 0;
}

static int check_pipe(int wr, int rd)
{
	char buf[8] = {};

	if (write(wr, "pipe", 4) != 4 || read(rd, buf, sizeof(buf)) != 4 ||
	    memcmp(buf, "pipe", 4)) {
		fail("the queued write end does not lead to the task's pipe");
		return -1;
	}
	return 0;
}

static int check_dgram(int got, int kept)
{
	char buf[8] = {};

	if (send(kept, "dg", 2, 0) != 2 || recv(got, buf, sizeof(buf), 0) != 2 ||
	    memcmp(buf, "dg", 2)) {
		fail("the queued datagram socket is not the task's peer");
		return -1;
	}
	return 0;
}

static int open_file(const char *tag, off_t pos)
{
	int fd = open(test_path(tag), O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, "0123456789", 10) != 10 || lseek(fd, pos, SEEK_SET) != pos)
		return -1;
	return fd;
}

/* Open fds now: the queued files must not show up as fds of the restored task. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	int before, sk[2], after, p[2], d[2], fds[2], nr_fds;

	test_init(argc, argv);
	before = open_file("before", 2);
	if (before < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sk)) {
		fail_perror("can't make the file or the stream pair");
		return 1;
	}
	after = open_file("after", 5);
	if (after < 0 || pipe(p) || socketpair(AF_UNIX, SOCK_DGRAM, 0, d)) {
		fail_perror("can't make the file, pipe or datagram pair");
		return 1;
	}
	fds[0] = after;
	fds[1] = p[1];
	if (test_send_fds(sk[0], "abc", NULL, 0) || test_send_fds(sk[0], "def", fds, 2) ||
	    test_send_fds(sk[0], "ghi", NULL, 0)) {
		fail_perror("sendmsg");
		return 1;
	}
	fds[0] = before;
	fds[1] = d[1];
	if (test_send_fds(sk[0], "jkl", fds, 2)) {
		fail_perror("sendmsg");
		return 1;
	}
	close(p[1]);
	close(d[1]);

	test_daemon();
	nr_fds = count_fds();
	test_waitsig();

	if (count_fds() != nr_fds) {
		fail("%d fds open after restore, %d before: a queued file stayed open", count_fds(),
		     nr_fds);
		return 1;
	}

	if (test_recv_fds(sk[1], "abcdef", fds, 2) || check_shared(fds[0], after, 5) ||
	    check_pipe(fds[1], p[0]))
		return 1;
	if (test_recv_fds(sk[1], "ghijkl", fds, 2) || check_shared(fds[0], before, 2) ||
	    check_dgram(fds[1], d[0]))
		return 1;
	pass();
	return 0;
}
