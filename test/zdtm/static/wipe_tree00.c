/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wipe_tree00: areas that a fork wipes keep that behaviour in a parent and its child after
 * restore. One area is MADV_WIPEONFORK, the other MAP_DROPPABLE (Linux 6.11+, whose pages
 * the kernel may also drop under memory pressure). Both are set up before the fork, so
 * the child started with them empty and then wrote its own data, as the parent did.
 * After restore each task finds its own data (a droppable page may also read as zeros,
 * never as the other task's), its VmFlags still say "wf" (and "dp"), and a process it
 * forks then reads zeros from both.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#define PG	 4096
#define NR_PAGES 4

static unsigned char *wipe, *drop;

static void fill(unsigned char *p, char who)
{
	int i;

	for (i = 0; i < NR_PAGES * PG; i++)
		p[i] = (unsigned char)(who + i % 199);
}

/* 0 when right; may_drop: a whole page of zeros is right too */
static int check(const unsigned char *p, char who, int may_drop)
{
	int pg, i;

	for (pg = 0; pg < NR_PAGES; pg++) {
		const unsigned char *q = p + pg * PG;
		int zero = 1, mine = 1;

		for (i = 0; i < PG; i++) {
			zero &= !q[i];
			mine &= q[i] == (unsigned char)(who + (pg * PG + i) % 199);
		}
		if (!mine && !(may_drop && zero))
			return -1;
	}
	return 0;
}

static int all_zero(const unsigned char *p)
{
	int i;

	for (i = 0; i < NR_PAGES * PG; i++)
		if (p[i])
			return 0;
	return 1;
}

/* 0 when all is right, else the number of the failed check */
static int check_task(char who)
{
	int status;
	pid_t pid;

	if (check(wipe, who, 0))
		return 1;
	if (check(drop, who, 1))
		return 2;
	if (test_vma_has_flag(wipe, "wf") != 1 || test_vma_has_flag(drop, "dp") != 1 ||
	    test_vma_has_flag(drop, "wf") != 1)
		return 3;
	pid = fork();
	if (pid == 0)
		_exit(all_zero(wipe) && all_zero(drop) ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
		return 4;
	return 0;
}

int main(int argc, char **argv)
{
	int go[2], back[2], ret;
	pid_t kid;
	char c;

	test_init(argc, argv);
	wipe = mmap(NULL, NR_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	drop = mmap(NULL, NR_PAGES * PG, PROT_READ | PROT_WRITE, MAP_DROPPABLE | MAP_ANONYMOUS, -1,
		    0);
	if (wipe == MAP_FAILED || drop == MAP_FAILED ||
	    madvise(wipe, NR_PAGES * PG, MADV_WIPEONFORK)) {
		fail_perror("can't map the areas (MAP_DROPPABLE needs Linux 6.11)");
		return 1;
	}
	fill(wipe, 'p');
	fill(drop, 'p');
	if (pipe(go) || pipe(back) || (kid = fork()) < 0) {
		fail_perror("fork");
		return 1;
	}
	if (kid == 0) {
		if (!all_zero(wipe) || !all_zero(drop))
			_exit(9); /* the fork did not wipe them */
		fill(wipe, 'c');
		fill(drop, 'c');
		if (write(back[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(8);
		_exit(check_task('c'));
	}
	if (read(back[0], &c, 1) != 1) {
		fail("the child did not start");
		return 1;
	}
	ret = check_task('p');
	if (ret) {
		fail("check %d fails before the dump", ret);
		return 1;
	}

	test_daemon();
	test_waitsig();

	ret = check_task('p');
	if (ret)
		fail("the parent: check %d failed after restore", ret);
	if (write(go[1], "g", 1) != 1)
		fail_perror("can't wake the child");
	test_wait_child(kid, "child");
	if (!test_failed())
		pass();
	return test_failed();
}
