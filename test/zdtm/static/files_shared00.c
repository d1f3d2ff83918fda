/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files_shared00: a child cloned with CLONE_FILES (a process, not a thread) shares its
 * parent's fd table, and after restore it still does. kcmp says there is one table; an fd
 * the child opened before the dump is the parent's; an fd the child opens after restore is
 * the parent's too (same number, same file); an fd the child closes is gone for the parent;
 * the offset of the file both wrote to is the sum of their writes.
 */
#include <fcntl.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

struct shared {
	int file;	   /* both write: the parent 10 bytes, the child 5 */
	int closeme;	   /* the child closes it after restore */
	int go[2], ack[2]; /* parent -> child steps, child -> parent fd numbers */
};

/* The child's steps; its exit status says which failed. */
static int child(struct shared *s)
{
	int fd;
	char c;

	if (write(s->file, "abcde", 5) != 5)
		return 2;
	fd = open(test_path("kid"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(s->ack[1], &fd, sizeof(fd)) != sizeof(fd))
		return 3;
	/* dumped and restored while it waits here */
	if (read(s->go[0], &c, 1) != 1)
		return 4;
	fd = open(test_path("new"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(s->ack[1], &fd, sizeof(fd)) != sizeof(fd))
		return 5;
	if (read(s->go[0], &c, 1) != 1)
		return 6;
	if (close(s->closeme) || write(s->ack[1], &fd, sizeof(fd)) != sizeof(fd))
		return 7;
	return 0;
}

/* A number from the child; a child that died can't answer: give up after 10 seconds. */
static int read_ack(const struct shared *s, int *val)
{
	struct pollfd p = { .fd = s->ack[0], .events = POLLIN };

	if (poll(&p, 1, 10000) != 1 || read(s->ack[0], val, sizeof(*val)) != sizeof(*val)) {
		fail_perror("no answer from the child");
		return -1;
	}
	return 0;
}

static int step(const struct shared *s, int *val)
{
	if (write(s->go[1], "g", 1) != 1) {
		fail_perror("can't wake the child");
		return -1;
	}
	return read_ack(s, val);
}

/* fd is open in this task and is the file at path. */
static int same_file(int fd, const char *path, const char *what)
{
	struct stat a, b;

	if (fstat(fd, &a) || stat(path, &b)) {
		fail_perror("%s: fd %d is not open in the parent", what, fd);
		return -1;
	}
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		fail("%s: fd %d is another file than %s", what, fd, path);
		return -1;
	}
	return 0;
}

static int one_table(pid_t kid)
{
	if (syscall(SYS_kcmp, getpid(), kid, KCMP_FILES, 0, 0)) {
		fail("the parent and child %d have different fd tables", kid);
		return -1;
	}
	return 0;
}

static int check_after(struct shared *s, pid_t kid, int kidfd)
{
	int newfd;
	off_t off;

	if (one_table(kid) || same_file(kidfd, test_path("kid"), "fd opened before the dump"))
		return -1;
	off = lseek(s->file, 0, SEEK_CUR);
	if (off != 15) {
		fail("the shared file is at offset %lld, not 15", (long long)off);
		return -1;
	}
	if (step(s, &newfd) || same_file(newfd, test_path("new"), "fd opened after restore"))
		return -1;
	if (step(s, &newfd))
		return -1;
	if (fcntl(s->closeme, F_GETFD) != -1 || errno != EBADF) {
		fail("fd %d closed by the child is still open in the parent", s->closeme);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct shared s;
	int kidfd, status;
	pid_t kid;

	test_init(argc, argv);
	s.file = open(test_path("shared"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	s.closeme = open(test_path("closeme"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (s.file < 0 || s.closeme < 0 || pipe(s.go) || pipe(s.ack) ||
	    write(s.file, "0123456789", 10) != 10) {
		fail_perror("setup");
		return 1;
	}
	kid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);
	if (kid == 0)
		_exit(child(&s));
	if (kid < 0) {
		fail_perror("clone(CLONE_FILES)");
		return 1;
	}
	if (read_ack(&s, &kidfd) || one_table(kid) ||
	    same_file(kidfd, test_path("kid"), "fd opened before the dump"))
		return 1;

	test_daemon();
	test_waitsig();

	if (check_after(&s, kid, kidfd))
		return 1;
	if (waitpid(kid, &status, 0) != kid) {
		fail_perror("child %d is no longer ours", kid);
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("child: check %d failed (2 write, 3 open before, 4 wait, 5 open after, "
		     "6 wait, 7 close)",
		     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return 1;
	}
	pass();
	return 0;
}
