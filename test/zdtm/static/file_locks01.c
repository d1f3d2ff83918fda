/* SPDX-License-Identifier: GPL-2.0 */
/*
 * file_locks01: with --file-locks, every kind of lock comes back with its range and type:
 * a shared flock, two POSIX locks (a write lock on bytes 10-19, a read lock from 100 to the
 * end), an OFD write lock on 50-89 and a read lease on another file. A child forked after
 * restore probes them with F_GETLK and flock; the OFD lock is probed with F_OFD_GETLK from a
 * fresh open file; the lease is asked back with F_GETLEASE. Free ranges must stay free.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

/* The POSIX lock a conflicting write lock on [start, start+len) would meet, seen by cmd. */
static int probe(int fd, int cmd, off_t start, off_t len, struct flock *fl)
{
	*fl = (struct flock){
		.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len
	};
	return fcntl(fd, cmd, fl);
}

static int expect(int fd, int cmd, off_t start, off_t len, short type, off_t lstart, off_t llen,
		  pid_t pid)
{
	struct flock fl;

	if (probe(fd, cmd, start, len, &fl))
		return 10;
	if (fl.l_type != type)
		return 11;
	if (type == F_UNLCK)
		return 0;
	if (fl.l_start != lstart || fl.l_len != llen || fl.l_pid != pid)
		return 12;
	return 0;
}

/* Run in a child: another process must meet each lock of the parent exactly. */
static int child_probe(const char *path, pid_t parent)
{
	int fd = open(path, O_RDWR), ret;

	if (fd < 0)
		return 2;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK)
		return 3;
	if (flock(fd, LOCK_SH | LOCK_NB))
		return 4; /* the flock is shared: a second reader gets in */
	flock(fd, LOCK_UN);
	ret = expect(fd, F_GETLK, 0, 10, F_UNLCK, 0, 0, 0);
	ret = ret ?: expect(fd, F_GETLK, 5, 10, F_WRLCK, 10, 10, parent);
	ret = ret ?: expect(fd, F_GETLK, 20, 30, F_UNLCK, 0, 0, 0);
	ret = ret ?: expect(fd, F_GETLK, 1000, 1, F_RDLCK, 100, 0, parent);
	return ret;
}

static int check_in_child(const char *path)
{
	pid_t parent = getpid(), pid = fork();
	int status;

	if (pid == 0)
		_exit(child_probe(path, parent));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(int argc, char **argv)
{
	struct flock wr = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 10 };
	struct flock rd = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 100 };
	struct flock ofd = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 50, .l_len = 40 };
	char path[4096], lpath[4096];
	int a, b, c, l, probe_fd, ret;

	test_init(argc, argv);
	snprintf(path, sizeof(path), "%s", test_path("locked"));
	snprintf(lpath, sizeof(lpath), "%s", test_path("leased"));
	a = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	b = open(path, O_RDWR);
	c = open(path, O_RDWR);
	l = open(lpath, O_RDONLY | O_CREAT | O_TRUNC, 0600);
	if (a < 0 || b < 0 || c < 0 || l < 0 || flock(a, LOCK_SH) || fcntl(b, F_SETLK, &wr) ||
	    fcntl(b, F_SETLK, &rd) || fcntl(c, F_OFD_SETLK, &ofd) ||
	    fcntl(l, F_SETLEASE, F_RDLCK)) {
		fail_perror("can't take the locks");
		return 1;
	}

	test_daemon();
	test_waitsig();

	ret = check_in_child(path);
	if (ret) {
		fail("the flock or POSIX locks are not as dumped (child said %d)", ret);
		return 1;
	}
	probe_fd = open(path, O_RDWR);
	ret = expect(probe_fd, F_OFD_GETLK, 45, 5, F_UNLCK, 0, 0, 0);
	ret = ret ?: expect(probe_fd, F_OFD_GETLK, 80, 15, F_WRLCK, 50, 40, -1);
	if (ret) {
		fail("the OFD lock is not as dumped (%d)", ret);
		return 1;
	}
	close(probe_fd);
	if (fcntl(l, F_GETLEASE) != F_RDLCK) {
		fail("the read lease is gone (F_GETLEASE says %d)", fcntl(l, F_GETLEASE));
		return 1;
	}
	pass();
	return 0;
}
