/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pipe_tree00: what a parent and its child share comes back shared. A pipe from the parent
 * to the child holds data in flight at dump; a file opened before the fork is one open
 * file description in both, so a write by the parent after restore moves the child's
 * offset too.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define BIG 30000

static void fill(char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)(i * 7 + (i >> 8));
}

static int child(int data, int go, int file)
{
	char *want = malloc(BIG), *got = malloc(BIG), c;
	size_t n = 0;

	fill(want, BIG);
	if (read(go, &c, 1) != 1)
		return 2;
	while (n < BIG) {
		ssize_t r = read(data, got + n, BIG - n);

		if (r <= 0)
			return 3;
		n += r;
	}
	if (memcmp(want, got, BIG))
		return 4;
	/* the parent wrote 10 bytes before dump and 5 after restore */
	if (lseek(file, 0, SEEK_CUR) != 15)
		return 5;
	return 0;
}

int main(int argc, char **argv)
{
	char *data = malloc(BIG);
	int p[2], go[2], file, status;
	pid_t kid;

	test_init(argc, argv);
	fill(data, BIG);
	file = open(test_path("shared"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (file < 0 || pipe(p) || pipe(go) || write(file, "0123456789", 10) != 10) {
		fail_perror("setup");
		return 1;
	}
	kid = fork();
	if (kid == 0) {
		close(p[1]);
		close(go[1]);
		_exit(child(p[0], go[0], file));
	}
	close(p[0]);
	close(go[0]);
	if (write(p[1], data, BIG) != BIG) {
		fail_perror("can't fill the pipe");
		return 1;
	}
	test_daemon();
	test_waitsig();

	if (write(file, "abcde", 5) != 5 || write(go[1], "g", 1) != 1) {
		fail_perror("can't write after restore");
		return 1;
	}
	if (waitpid(kid, &status, 0) != kid) {
		fail_perror("child %d is no longer ours", kid);
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("child: check %d failed (2 go, 3 pipe EOF, 4 pipe data, 5 shared offset)",
		     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return 1;
	}
	pass();
	return 0;
}
