// SPDX-License-Identifier: GPL-2.0
/*
 * A container's init for runc-locks.py, built static: it takes a flock() on /locks/flock,
 * a POSIX (fcntl F_SETLK) write lock on /locks/posix and an OFD (F_OFD_SETLK) write lock on
 * /locks/ofd, writes "locked" to /run/locked, then counts in /run/count. Whoever looks from
 * outside sees whether the locks are still held, and by whom.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0)
		text = NULL;
	close(fd);
}

static int write_lock(const char *path, int cmd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open(path, O_RDWR);

	if (fd < 0 || fcntl(fd, cmd, &fl))
		return -1;
	return 0;
}

int main(void)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	unsigned long i;
	char buf[32];
	int fd;

	fd = open("/locks/flock", O_RDWR);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) || write_lock("/locks/posix", F_SETLK) ||
	    write_lock("/locks/ofd", F_OFD_SETLK)) {
		put("/run/locked", "ERR can't take the locks\n");
		return 1;
	}
	put("/run/locked", "locked\n");
	for (i = 1;; i++) {
		snprintf(buf, sizeof(buf), "%lu\n", i);
		put("/run/count", buf);
		nanosleep(&pause, NULL);
	}
}
