/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cow00: private anonymous pages that a parent and its child still share copy-on-write
 * (nobody wrote them since the fork) are still shared after restore, on the kernel's own
 * evidence: /proc/PID/pagemap shows the same page frame at the same address in both. Pages
 * either task wrote after the fork stay its own (different frames, its own content), pages
 * never written stay empty (their frames are the kernel's choice: the zero page or pages of
 * their own), and copy-on-write still works: a page the child writes after restore gets a
 * frame of its own while the parent keeps its content.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PG	   4096
#define NR_PAGES   64
#define NR_FILLED  48 /* 48..63 are never touched */
#define PM_PRESENT (1ULL << 63)
#define PM_PFN	   ((1ULL << 55) - 1)

static unsigned char *mem;

/* Writers of each page: 'o' before the fork, 'c' the child after it, 'p' the parent. */
static char page_owner(int pg, int in_child)
{
	if (pg >= NR_FILLED)
		return 0;
	if (pg >= 10 && pg < 14)
		return in_child ? 'c' : 'o';
	if (pg >= 20 && pg < 24)
		return in_child ? 'o' : 'p';
	return 'o';
}

static void fill(int pg, char who)
{
	int i;

	for (i = 0; i < PG; i++)
		mem[pg * PG + i] = (unsigned char)(who + pg * 3 + i % 251);
}

static int content_ok(int in_child)
{
	int pg, i;

	for (pg = 0; pg < NR_PAGES; pg++) {
		char who = page_owner(pg, in_child);

		for (i = 0; i < PG; i++) {
			unsigned char want = who ? (unsigned char)(who + pg * 3 + i % 251) : 0;

			if (mem[pg * PG + i] != want) {
				test_msg("%s: page %d byte %d is %#x, not %#x\n",
					 in_child ? "child" : "parent", pg, i, mem[pg * PG + i],
					 want);
				return 0;
			}
		}
	}
	return 1;
}

/* The page frame of each page of mem in task pid, 0 when not present. */
static int read_pfns(pid_t pid, uint64_t *pfn)
{
	char path[64];
	int fd, pg;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", test_proc_pid(pid));
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, pfn, NR_PAGES * 8, (uintptr_t)mem / PG * 8) != NR_PAGES * 8) {
		fail_perror("can't read %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	for (pg = 0; pg < NR_PAGES; pg++)
		pfn[pg] = (pfn[pg] & PM_PRESENT) ? pfn[pg] & PM_PFN : 0;
	return 0;
}

/* Same frame where neither task wrote since the fork, different where one did. */
static int frames_shared(pid_t kid)
{
	uint64_t mine[NR_PAGES], its[NR_PAGES];
	int pg;

	if (read_pfns(getpid(), mine) || read_pfns(kid, its))
		return 0;
	for (pg = 0; pg < NR_PAGES; pg++) {
		char who = page_owner(pg, 0), kwho = page_owner(pg, 1);

		/*
		 * Never written: nothing to share. A read maps the shared zero page, or on some
		 * kernels a zeroed page of its own (seen on 6.18): content_ok() checks they are
		 * empty.
		 */
		if (!who)
			continue;
		if (!mine[pg] || !its[pg]) {
			fail("page %d: parent frame %#llx, child frame %#llx", pg,
			     (unsigned long long)mine[pg], (unsigned long long)its[pg]);
			return 0;
		}
		if ((who == kwho) != (mine[pg] == its[pg])) {
			fail("page %d: parent frame %#llx, child frame %#llx: %s expected", pg,
			     (unsigned long long)mine[pg], (unsigned long long)its[pg],
			     who == kwho ? "the same" : "different");
			return 0;
		}
	}
	return 1;
}

static int child(int go, int back)
{
	char c;
	int pg;

	for (pg = 10; pg < 14; pg++)
		fill(pg, 'c');
	if (write(back, "r", 1) != 1)
		return 1;
	if (read(go, &c, 1) != 1 || !content_ok(1))
		return 2;
	if (write(back, "1", 1) != 1 || read(go, &c, 1) != 1)
		return 3;
	fill(0, 'c'); /* after restore: a copy of its own */
	for (pg = 1; pg < NR_PAGES; pg++)
		if (mem[pg * PG] !=
		    (page_owner(pg, 1) ? (unsigned char)(page_owner(pg, 1) + pg * 3) : 0))
			return 4;
	if (write(back, "2", 1) != 1)
		return 5;
	/* stay until the parent has read our pagemap: a zombie has none */
	return read(go, &c, 1) == 1 ? 0 : 6;
}

static int ask(int go, int back, char step)
{
	char c;

	return write(go, &step, 1) == 1 && read(back, &c, 1) == 1 && c == step;
}

int main(int argc, char **argv)
{
	uint64_t mine[NR_PAGES], its[NR_PAGES];
	int go[2], back[2], pg;
	char c;
	pid_t kid;

	test_init(argc, argv);
	mem = mmap(NULL, NR_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || pipe(go) || pipe(back)) {
		fail_perror("can't map memory");
		return 1;
	}
	for (pg = 0; pg < NR_FILLED; pg++)
		fill(pg, 'o');
	kid = fork();
	if (kid < 0) {
		fail_perror("fork");
		return 1;
	}
	if (kid == 0)
		_exit(child(go[0], back[1]));
	for (pg = 20; pg < 24; pg++)
		fill(pg, 'p');
	if (read(back[0], &c, 1) != 1 || !frames_shared(kid)) {
		fail("the pages are not shared as expected before the dump");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (!content_ok(0))
		fail("the parent's memory changed");
	if (!ask(go[1], back[0], '1'))
		fail("the child found its memory changed");
	else if (frames_shared(kid) && !ask(go[1], back[0], '2'))
		fail("the child's write after restore failed");
	else if (!test_failed() && (!content_ok(0) || read_pfns(getpid(), mine) ||
				    read_pfns(kid, its) || mine[0] == its[0]))
		fail("a page the child wrote after restore is not its own copy");
	if (write(go[1], "3", 1) != 1)
		fail_perror("can't let the child go");
	test_wait_child(kid, "child");
	if (!test_failed())
		pass();
	return test_failed();
}
