/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hugetlb_shm00: shared anonymous hugetlb memory (mmap MAP_SHARED | MAP_ANONYMOUS |
 * MAP_HUGETLB, "/anon_hugepage (deleted)" in maps) that a parent and its two children
 * inherited across fork is one hugetlb region after restore, as shm_tree00 checks for
 * normal pages. Before the dump task t writes into huge page t of four; after restore the
 * parent writes into the fourth, which each child must see, the first child writes there
 * too and the second child must see it, and the parent must see what both wrote. Every
 * task checks that the region is hugetlb memory of 2 MiB pages and that all the data
 * written before the dump is there. The region had a fifth huge page, written and then
 * unmapped before the fork: no task can reach it, its file still holds it. After restore
 * the parent checks that the region's file holds the three huge pages written before the
 * dump that a task maps, and no more (the fourth was never touched).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define HP	(2UL << 20)
#define NR_HP	4
#define NR_KIDS 2

static unsigned char *shm;

static unsigned char pattern(int t, unsigned long i)
{
	return (unsigned char)(0x30 + t * 11 + i % 241);
}

/* Three pieces of huge page t: its start, its middle and its last bytes. */
static void fill_hp(int t)
{
	unsigned long i;

	for (i = 0; i < 4096; i++) {
		shm[t * HP + i] = pattern(t, i);
		shm[t * HP + HP / 2 + i] = pattern(t, i + 1);
		shm[t * HP + HP - 4096 + i] = pattern(t, i + 2);
	}
}

static int hp_intact(int t)
{
	unsigned long i;

	for (i = 0; i < 4096; i++)
		if (shm[t * HP + i] != pattern(t, i) ||
		    shm[t * HP + HP / 2 + i] != pattern(t, i + 1) ||
		    shm[t * HP + HP - 4096 + i] != pattern(t, i + 2))
			return 0;
	return 1;
}

static int all_intact(void)
{
	int t;

	for (t = 0; t <= NR_KIDS; t++)
		if (!hp_intact(t))
			return 0;
	return 1;
}

static int is_huge_shared(void)
{
	unsigned long kb = 0;
	char path[256] = "";

	return test_hugetlb_vma(shm, &kb, path, sizeof(path)) == 1 && kb == HP / 1024 &&
	       !strcmp(path, "/anon_hugepage (deleted)");
}

/* Huge pages the region's file holds (st_blocks of its map_files link), or -1. */
static long pages_held(void)
{
	char link[96];
	struct stat st;

	snprintf(link, sizeof(link), "/proc/self/map_files/%lx-%lx", (unsigned long)shm,
		 (unsigned long)shm + NR_HP * HP);
	if (stat(link, &st))
		return -1;
	return (long)(st.st_blocks * 512 / HP);
}

static const char *mark(int who)
{
	return who == 0	  ? "parent after restore"
	       : who == 1 ? "child 0 after restore"
			  : "child 1 after restore";
}

static char *mark_at(int who)
{
	return (char *)shm + NR_HP * HP - HP + who * 4096 * 3;
}

static int child(int k, int go)
{
	char c;

	fill_hp(k + 1);
	if (read(go, &c, 1) != 1)
		return 2;
	if (!is_huge_shared())
		return 3;
	if (!all_intact())
		return 4;
	if (strcmp(mark_at(0), mark(0)))
		return 5; /* the parent's write is not seen here */
	if (k == 1 && strcmp(mark_at(1), mark(1)))
		return 6; /* the sibling's write is not seen here */
	strcpy(mark_at(k + 1), mark(k + 1));
	return 0;
}

int main(int argc, char **argv)
{
	int go[NR_KIDS][2], k, i;
	pid_t kid[NR_KIDS];
	long held;

	test_init(argc, argv);
	test_hugetlb_reserve(HP / 1024, NR_HP + 1);
	shm = mmap(NULL, (NR_HP + 1) * HP, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (shm == MAP_FAILED)
		test_skip("can't map %d huge pages of 2 MiB: %s", NR_HP + 1, strerror(errno));
	fill_hp(NR_HP);
	if (munmap(shm + NR_HP * HP, HP)) {
		fail_perror("can't unmap the fifth huge page");
		return 1;
	}
	fill_hp(0);
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
	for (i = 0; i < 500 && !all_intact(); i++)
		usleep(10000);
	if (!all_intact() || !is_huge_shared() || pages_held() != NR_KIDS + 2) {
		fail("before the dump: the children's writes are not seen, or the region is not "
		     "what it should be (%ld huge pages held)",
		     pages_held());
		return 1;
	}

	test_daemon();
	test_waitsig();

	held = pages_held();
	if (!is_huge_shared())
		fail("after restore the region is not shared hugetlb memory of 2 MiB pages");
	else if (!all_intact())
		fail("the data written before the dump changed");
	else if (held != NR_KIDS + 1)
		fail("the region holds %ld huge pages after restore, not the %d written and mapped",
		     held, NR_KIDS + 1);
	strcpy(mark_at(0), mark(0));
	for (k = 0; k < NR_KIDS; k++) {
		if (write(go[k][1], "g", 1) != 1)
			fail_perror("can't wake child %d", k);
		test_wait_child(kid[k], k ? "child 1" : "child 0");
	}
	if (strcmp(mark_at(1), mark(1)) || strcmp(mark_at(2), mark(2)))
		fail("the children's writes after restore are not seen by the parent");
	if (!test_failed())
		pass();
	return test_failed();
}
