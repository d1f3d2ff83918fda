/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pipe00: pipes keep their data in flight, size and flags.
 *
 * Pipe 1 has both ends (the read end O_NONBLOCK and dup'ed), a 256 KiB size and 100000
 * bytes in flight; pipe 2 has only its read end left, with data then EOF; pipe 3 only its
 * write end, which must fail with EPIPE. A dump that fails or runs with -R must leave the
 * data where it was: the bytes are compared with what was written.
 */
#include <fcntl.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define BIG	100000
#define PIPE_SZ (256 << 10)
static const char small[] = "the last words before EOF";

static void fill(char *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)(seed + i * 7 + (i >> 9));
}

static int read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

static int check_pipe1(int r, int r2, int w, const char *want)
{
	char *buf = malloc(BIG + 1);
	pid_t me = getpid();

	if (fcntl(r, F_GETPIPE_SZ) != PIPE_SZ) {
		fail("pipe size is %d, expected %d", fcntl(r, F_GETPIPE_SZ), PIPE_SZ);
		return -1;
	}
	if ((fcntl(r, F_GETFL) & (O_NONBLOCK | O_ACCMODE)) != (O_NONBLOCK | O_RDONLY) ||
	    (fcntl(w, F_GETFL) & (O_NONBLOCK | O_ACCMODE)) != O_WRONLY) {
		fail("pipe end flags changed");
		return -1;
	}
	if (syscall(SYS_kcmp, me, me, KCMP_FILE, r, r2)) {
		fail("the dup'ed read end is no longer shared");
		return -1;
	}
	if (read_all(r, buf, BIG) || memcmp(buf, want, BIG)) {
		fail("pipe data in flight was lost or changed");
		return -1;
	}
	if (read(r, buf, 1) != -1 || errno != EAGAIN) {
		fail("more data than was written in the pipe");
		return -1;
	}
	/* the ends are still one pipe */
	if (write(w, "x", 1) != 1 || read(r2, buf, 1) != 1 || buf[0] != 'x') {
		fail("the two ends are not one pipe any more");
		return -1;
	}
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int p1[2], p2[2], p3[2], r2;
	char *want = malloc(BIG), buf[sizeof(small)];

	test_init(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	fill(want, BIG, 42);
	if (pipe(p1) || pipe(p2) || pipe(p3) || fcntl(p1[1], F_SETPIPE_SZ, PIPE_SZ) < 0) {
		fail_perror("can't make the pipes");
		return 1;
	}
	if (write(p1[1], want, BIG) != BIG || write(p2[1], small, sizeof(small)) != sizeof(small)) {
		fail_perror("can't fill the pipes");
		return 1;
	}
	fcntl(p1[0], F_SETFL, O_NONBLOCK);
	r2 = dup(p1[0]);
	close(p2[1]);
	close(p3[0]);

	test_daemon();
	test_waitsig();

	if (check_pipe1(p1[0], r2, p1[1], want))
		return 1;
	if (read_all(p2[0], buf, sizeof(small)) || memcmp(buf, small, sizeof(small)) ||
	    read(p2[0], buf, 1) != 0) {
		fail("the read-only pipe lost its data or its EOF");
		return 1;
	}
	if (write(p3[1], "x", 1) != -1 || errno != EPIPE) {
		fail("a write into a pipe without readers did not fail with EPIPE");
		return 1;
	}
	pass();
	return 0;
}
