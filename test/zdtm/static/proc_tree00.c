/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc_tree00: a child holds /proc/<pid>/stat and the /proc/<pid> directory of its
 * younger sibling, a task of the tree that does not exist yet when the first child is
 * made again at restore. The first child reads the stat file through its fd: it must name
 * the sibling (its pid and comm), and the directory fd must lead to that sibling's files.
 * Not supported yet: the dump refuses those fds, naming them (proc_tree00.desc), and the
 * fds must be intact afterwards.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static int stat_names(int fd, pid_t pid)
{
	char buf[256], want[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = 0;
	snprintf(want, sizeof(want), "%d (sibling)", pid);
	return !strncmp(buf, want, strlen(want));
}

static int holder(int go, int ready, pid_t *sib_pid)
{
	int sfd, dfd, cfd;
	pid_t sib;
	char path[64], c;

	if (read(ready, &sib, sizeof(sib)) != sizeof(sib))
		return 2;
	snprintf(path, sizeof(path), "/proc/%d/stat", sib);
	sfd = open(path, O_RDONLY);
	snprintf(path, sizeof(path), "/proc/%d", sib);
	dfd = open(path, O_RDONLY | O_DIRECTORY);
	if (sfd < 0 || dfd < 0 || !stat_names(sfd, sib) || write(ready, "o", 1) != 1)
		return 3;
	(void)sib_pid;
	if (read(go, &c, 1) != 1)
		return 4;
	if (!stat_names(sfd, sib))
		return 5;
	cfd = openat(dfd, "comm", O_RDONLY);
	if (cfd < 0 || read(cfd, path, sizeof(path)) != 8 || strncmp(path, "sibling\n", 8))
		return 6;
	return 0;
}

static int sibling(int go, int named)
{
	char c;

	if (prctl(PR_SET_NAME, "sibling") || write(named, "n", 1) != 1)
		return 3;
	return read(go, &c, 1) == 1 ? 0 : 2;
}

int main(int argc, char **argv)
{
	int go[2], sync[2], named[2];
	pid_t first, second;
	char c;

	test_init(argc, argv);
	if (pipe(go) || pipe(named) || socketpair(AF_UNIX, SOCK_STREAM, 0, sync)) {
		fail_perror("pipe");
		return 1;
	}
	first = fork();
	if (first == 0) {
		close(sync[0]);
		_exit(holder(go[0], sync[1], NULL));
	}
	second = fork();
	if (second == 0)
		_exit(sibling(go[0], named[1]));
	/* the holder checks the sibling's name: it must have it first */
	if (first < 0 || second < 0 || read(named[0], &c, 1) != 1 ||
	    write(sync[0], &second, sizeof(second)) != sizeof(second) ||
	    read(sync[0], &c, 1) != 1) {
		fail("the children did not start");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (write(go[1], "gg", 2) != 2) {
		fail_perror("can't wake the children");
		return 1;
	}
	if (test_wait_child(first, "the holder of the sibling's /proc files") |
	    test_wait_child(second, "the sibling"))
		return 1;
	pass();
	return 0;
}
