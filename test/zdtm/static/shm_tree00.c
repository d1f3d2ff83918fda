/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shm_tree00: a MAP_SHARED | MAP_ANONYMOUS region that a parent and its two children
 * inherited across fork is still one region after restore. Before the dump each task
 * wrote its own page of it and read the others'; after restore the parent writes a page
 * that each child must see, the first child writes one the second child must see, and the
 * parent must see what both children wrote. Every page written before the dump must still
 * hold its pattern in every task.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PG	 4096
#define NR_PAGES 8
#define NR_KIDS	 2

static unsigned char *shm;

/* Page t is written before the dump by task t (0 the parent, 1 and 2 the children). */
static void fill_page(int t)
{
	int i;

	for (i = 0; i < PG; i++)
		shm[t * PG + i] = (unsigned char)(0x40 + t * 7 + i % 13);
}

static int pre_dump_pages_intact(void)
{
	int t, i;

	for (t = 0; t <= NR_KIDS; t++)
		for (i = 0; i < PG; i++)
			if (shm[t * PG + i] != (unsigned char)(0x40 + t * 7 + i % 13))
				return 0;
	return 1;
}

/* After restore: page 4 holds the parent's mark, page 5 + k child k's (k = 0, 1). */
static int child(int k, int go)
{
	char c;

	fill_page(k + 1);
	if (read(go, &c, 1) != 1)
		return 2;
	if (!pre_dump_pages_intact())
		return 3;
	if (memcmp(shm + 4 * PG, "parent after restore", 21))
		return 4; /* the parent's write is not seen here */
	if (k == 1 && memcmp(shm + 5 * PG, "child 0 after restore", 22))
		return 5; /* the sibling's write is not seen here */
	memcpy(shm + (5 + k) * PG, k ? "child 1 after restore" : "child 0 after restore", 22);
	return 0;
}

int main(int argc, char **argv)
{
	int go[NR_KIDS][2], k, i;
	pid_t kid[NR_KIDS];

	test_init(argc, argv);
	shm = mmap(NULL, NR_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		fail_perror("can't map shared memory");
		return 1;
	}
	fill_page(0);
	for (k = 0; k < NR_KIDS; k++) {
		if (pipe(go[k])) {
			fail_perror("pipe");
			return 1;
		}
		kid[k] = fork();
		if (kid[k] < 0) {
			fail_perror("fork");
			return 1;
		}
		if (kid[k] == 0)
			_exit(child(k, go[k][0]));
	}
	/* both children wrote their pages: the parent sees them before the dump */
	for (i = 0; i < 500 && !pre_dump_pages_intact(); i++)
		usleep(10000);
	if (!pre_dump_pages_intact()) {
		fail("the children's writes are not seen before the dump");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (!pre_dump_pages_intact())
		fail("the pages written before the dump changed");
	memcpy(shm + 4 * PG, "parent after restore", 21);
	for (k = 0; k < NR_KIDS; k++) {
		if (write(go[k][1], "g", 1) != 1)
			fail_perror("can't wake child %d", k);
		test_wait_child(kid[k], k ? "child 1" : "child 0");
	}
	if (memcmp(shm + 5 * PG, "child 0 after restore", 22) ||
	    memcmp(shm + 6 * PG, "child 1 after restore", 22))
		fail("the children's writes after restore are not seen by the parent");
	if (!test_failed())
		pass();
	return test_failed();
}
