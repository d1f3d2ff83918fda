/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_scm02: a child queues files on its own socket (SCM_RIGHTS) and closes them, while
 * its parent keeps them open: a pipe's read end (the parent keeps the write end) and a
 * regular file opened before the fork (one open file in both). After restore the child
 * receives them: the pipe must be the parent's (data written before the dump and after the
 * restore), and the file must share its offset with the parent's fd.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

/* Exit codes: 2 setup, 3 go, 4 message, 5 pipe, 6 shared offset. */
static int child(int rd, int file, int ready, int go)
{
	char buf[32] = {}, c;
	int sk[2], fds[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sk) ||
	    test_send_fds(sk[0], "files", (int[]){ rd, file }, 2))
		return 2;
	close(rd);
	close(file);
	if (write(ready, "r", 1) != 1)
		return 2;
	if (read(go, &c, 1) != 1)
		return 3;
	if (test_recv_fds(sk[1], "files", fds, 2))
		return 4;
	if (read(fds[0], buf, sizeof(buf)) != 11 || memcmp(buf, "beforeafter", 11))
		return 5;
	/* the parent wrote 10 bytes, then 5 after restore */
	if (lseek(fds[1], 0, SEEK_CUR) != 15)
		return 6;
	return 0;
}

int main(int argc, char **argv)
{
	int p[2], ready[2], go[2], file, status;
	char c;
	pid_t kid;

	test_init(argc, argv);
	file = open(test_path("shared"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (file < 0 || pipe(p) || pipe(ready) || pipe(go) || write(file, "0123456789", 10) != 10) {
		fail_perror("setup");
		return 1;
	}
	kid = fork();
	if (kid == 0) {
		close(p[1]);
		close(ready[0]);
		close(go[1]);
		_exit(child(p[0], file, ready[1], go[0]));
	}
	close(p[0]);
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) != 1 || write(p[1], "before", 6) != 6) {
		fail_perror("the child did not queue its files");
		return 1;
	}
	test_daemon();
	test_waitsig();

	if (write(p[1], "after", 5) != 5 || write(file, "abcde", 5) != 5 ||
	    write(go[1], "g", 1) != 1) {
		fail_perror("can't write after restore");
		return 1;
	}
	if (waitpid(kid, &status, 0) != kid) {
		fail_perror("child %d is no longer ours", kid);
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("child: check %d failed (2 setup, 3 go, 4 message, 5 pipe, 6 shared offset)",
		     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return 1;
	}
	pass();
	return 0;
}
