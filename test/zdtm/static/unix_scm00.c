/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_scm00: files queued in flight (SCM_RIGHTS) on a datagram socket pair come back in
 * their messages, in order: a pipe's read end with data in the pipe, then a regular file at
 * an offset together with one end of another socket pair; then a message without files.
 * After restore each received fd must be the same object: the pipe still holds its data and
 * takes more from the write end the task kept, the file reads on from its offset, and the
 * socket talks to the end the task kept.
 */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static int check_pipe(int rd, int wr)
{
	char buf[16] = {};

	if (read(rd, buf, sizeof(buf)) != 9 || memcmp(buf, "pipe-data", 9)) {
		fail("the queued pipe lost its data: '%s'", buf);
		return -1;
	}
	if (write(wr, "more", 4) != 4 || read(rd, buf, sizeof(buf)) != 4 ||
	    memcmp(buf, "more", 4)) {
		fail("the queued read end is not the task's pipe");
		return -1;
	}
	return 0;
}

static int check_file(int fd)
{
	char buf[16] = {};

	if (lseek(fd, 0, SEEK_CUR) != 4 || read(fd, buf, sizeof(buf)) != 6 ||
	    memcmp(buf, "456789", 6)) {
		fail("the queued file is not at its offset: '%s'", buf);
		return -1;
	}
	return 0;
}

static int check_socket(int got, int kept)
{
	char buf[8] = {};

	if (write(kept, "ping", 4) != 4 || read(got, buf, sizeof(buf)) != 4 ||
	    memcmp(buf, "ping", 4) || write(got, "pong", 4) != 4 ||
	    read(kept, buf, sizeof(buf)) != 4 || memcmp(buf, "pong", 4)) {
		fail("the queued socket is not connected to the end the task kept");
		return -1;
	}
	return 0;
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
	int sk[2], p[2], q[2], f, fds[2], nr_fds;

	test_init(argc, argv);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sk) || pipe(p) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, q)) {
		fail_perror("socketpair or pipe");
		return 1;
	}
	f = open(test_path("file"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (f < 0 || write(f, "0123456789", 10) != 10 || lseek(f, 4, SEEK_SET) != 4 ||
	    write(p[1], "pipe-data", 9) != 9) {
		fail_perror("can't prepare the file or the pipe");
		return 1;
	}
	fds[0] = f;
	fds[1] = q[1];
	if (test_send_fds(sk[0], "one", &p[0], 1) || test_send_fds(sk[0], "two", fds, 2) ||
	    test_send_fds(sk[0], "three", NULL, 0)) {
		fail_perror("sendmsg with SCM_RIGHTS");
		return 1;
	}
	/* from now on the queue alone holds them */
	close(p[0]);
	close(f);
	close(q[1]);

	test_daemon();
	nr_fds = count_fds();
	test_waitsig();

	if (count_fds() != nr_fds) {
		fail("%d fds open after restore, %d before: a queued file stayed open", count_fds(),
		     nr_fds);
		return 1;
	}

	if (test_recv_fds(sk[1], "one", fds, 1) || check_pipe(fds[0], p[1]))
		return 1;
	if (test_recv_fds(sk[1], "two", fds, 2) || check_file(fds[0]) || check_socket(fds[1], q[0]))
		return 1;
	if (test_recv_fds(sk[1], "three", fds, 0))
		return 1;
	pass();
	return 0;
}
