/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ghost_shmap00: a deleted file mapped MAP_SHARED by a parent and its two children, with no
 * fd of it left in any of them (what a POSIX semaphore of Python's multiprocessing is: sem_open
 * then sem_unlink). After restore the three mappings must still be one file: a word written by
 * one task is read by the others, /proc/self/maps shows the same inode in each, and the file
 * is still deleted. A POSIX semaphore in the same file still works between the tasks.
 */
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_KIDS 2

struct shared {
	sem_t sem;
	volatile unsigned long word[NR_KIDS + 1];
};

static struct shared *sh;

/* The inode of the mapping at addr in /proc/self/maps, and whether it says "(deleted)". */
static unsigned long map_inode(const void *addr, int *deleted)
{
	char line[4200], want[32];
	unsigned long ino = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	*deleted = 0;
	if (!f)
		return 0;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %lu", &ino) != 1)
			ino = 0;
		*deleted = strstr(line, "(deleted)") != NULL;
		break;
	}
	fclose(f);
	return ino;
}

/*
 * After restore: the child writes its mark, posts the semaphore, then waits for the
 * parent's mark; it exits with the inode it maps, as seen in its maps (low bits).
 */
static int child(int k, int go)
{
	unsigned long ino;
	int deleted;
	char c;

	if (read(go, &c, 1) != 1)
		return 100;
	sh->word[k] = 0x1000 + k;
	if (sem_post(&sh->sem))
		return 101;
	while (sh->word[0] != 0xfeed)
		usleep(1000);
	ino = map_inode(sh, &deleted);
	if (!deleted)
		return 102;
	return ino & 0x3f;
}

int main(int argc, char **argv)
{
	char path[4096];
	int fd, go[2], status, i, deleted;
	unsigned long ino;
	pid_t kids[NR_KIDS];

	test_init(argc, argv);
	snprintf(path, sizeof(path), "%s", test_path("sem"));
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, 4096)) {
		fail("can't make %s: %m", path);
		return 1;
	}
	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (sh == MAP_FAILED || sem_init(&sh->sem, 1, 0) || pipe(go)) {
		fail("can't set up the shared file: %m");
		return 1;
	}
	close(fd);
	unlink(path);
	for (i = 0; i < NR_KIDS; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			close(go[1]);
			_exit(child(i + 1, go[0]));
		}
	}
	close(go[0]);
	test_daemon();
	test_waitsig();

	ino = map_inode(sh, &deleted);
	if (!deleted)
		fail("the parent's mapping of %s is not deleted any more", path);
	if (write(go[1], "gg", NR_KIDS) != NR_KIDS)
		fail("can't start the children: %m");
	/* each child posts once it wrote its word: the semaphore is one across the tasks */
	for (i = 0; i < NR_KIDS; i++) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 10;
		if (sem_timedwait(&sh->sem, &ts))
			fail("no post from child %d on the shared semaphore: %m", i + 1);
	}
	for (i = 0; i < NR_KIDS; i++)
		if (sh->word[i + 1] != 0x1000ul + i + 1)
			fail("child %d's word is %#lx here: its mapping is another file", i + 1,
			     sh->word[i + 1]);
	sh->word[0] = 0xfeed;
	for (i = 0; i < NR_KIDS; i++) {
		if (waitpid(kids[i], &status, 0) != kids[i] || !WIFEXITED(status)) {
			fail("child %d did not exit (%#x)", i + 1, status);
			continue;
		}
		if (WEXITSTATUS(status) != (int)(ino & 0x3f))
			fail("child %d maps inode ...%#x, the parent %lu, or failed (%d)", i + 1,
			     WEXITSTATUS(status), ino, WEXITSTATUS(status));
	}
	if (!test_failed())
		pass();
	return 0;
}
