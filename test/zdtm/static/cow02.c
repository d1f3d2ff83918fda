/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cow02: copy-on-write sharing over three generations. The root fills a private anonymous
 * mapping and forks a child; the child writes some pages and then forks a grandchild, which
 * writes others; the root writes others after its fork. A page is on one frame in every task
 * that still has the copy its last writer made (before the fork of the later tasks) and on
 * frames of their own elsewhere: /proc/PID/pagemap must show exactly that again after
 * restore, and every task must find its own content.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PG	   4096
#define NR_PAGES   32
#define NR_FILLED  24 /* 24..31 are never touched */
#define PM_PRESENT (1ULL << 63)
#define PM_PFN	   ((1ULL << 55) - 1)

enum { ROOT, CHILD, GRANDCHILD, NR_TASKS };

static unsigned char *mem;

/* Who wrote the copy of page pg that task has: 'o' before any fork, 0 for none. */
static char page_owner(int pg, int task)
{
	static const char by[3][NR_TASKS] = {
		{ 'o', 'c', 'c' }, /* 4..7: the child, before it forked the grandchild */
		{ 'o', 'o', 'g' }, /* 8..11: the grandchild */
		{ 'p', 'o', 'o' }, /* 12..15: the root, after it forked the child */
	};

	if (pg >= NR_FILLED)
		return 0;
	if (pg >= 4 && pg < 16)
		return by[(pg - 4) / 4][task];
	return 'o';
}

static unsigned char byte_of(char who, int pg, int i)
{
	return who ? (unsigned char)(who * 7 + pg * 5 + i % 253) : 0;
}

/* The pages task writes itself (letter: its mark), or every page when letter is 'o'. */
static void fill(int task, char letter)
{
	int pg, i;

	for (pg = 0; pg < NR_FILLED; pg++) {
		if (letter != 'o' && page_owner(pg, task) != letter)
			continue;
		for (i = 0; i < PG; i++)
			mem[pg * PG + i] = byte_of(letter, pg, i);
	}
}

static int content_ok(int task)
{
	int pg, i;

	for (pg = 0; pg < NR_PAGES; pg++)
		for (i = 0; i < PG; i++)
			if (mem[pg * PG + i] != byte_of(page_owner(pg, task), pg, i)) {
				test_msg("task %d: page %d byte %d is %#x\n", task, pg, i,
					 mem[pg * PG + i]);
				return 0;
			}
	return 1;
}

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

/* For every pair of tasks: one frame where both have the same writer's copy, else two. */
static int frames_as_written(const pid_t *pids)
{
	uint64_t pfn[NR_TASKS][NR_PAGES];
	int a, b, pg;

	for (a = 0; a < NR_TASKS; a++)
		if (read_pfns(pids[a], pfn[a]))
			return 0;
	for (pg = 0; pg < NR_PAGES; pg++) {
		for (a = 0; a < NR_TASKS; a++) {
			if (!page_owner(pg, a))
				continue;
			if (!pfn[a][pg]) {
				fail("page %d of task %d has no frame", pg, a);
				return 0;
			}
			for (b = a + 1; b < NR_TASKS; b++) {
				int same = page_owner(pg, a) == page_owner(pg, b);

				if (same != (pfn[a][pg] == pfn[b][pg])) {
					fail("page %d: tasks %d and %d have frames %#llx and "
					     "%#llx, "
					     "%s expected",
					     pg, a, b, (unsigned long long)pfn[a][pg],
					     (unsigned long long)pfn[b][pg], same ? "one" : "two");
					return 0;
				}
			}
		}
	}
	return 1;
}

/* A descendant: answer '1' (content as expected) or '0' on each byte from go, then exit. */
static int serve(int task, int go, int back)
{
	char c, ok;

	while (read(go, &c, 1) == 1 && c == '?') {
		ok = content_ok(task) ? '1' : '0';
		if (write(back, &ok, 1) != 1)
			return 1;
	}
	return 0;
}

/* The child and the grandchild each send their pid on back once ready. */
static int child(int go[2][2], int back)
{
	pid_t kid, me;
	int status;

	/* the root's ends: closing them tells us to go */
	close(go[0][1]);
	close(go[1][1]);
	fill(CHILD, 'c');
	kid = fork();
	if (kid < 0)
		return 1;
	if (kid == 0) {
		fill(GRANDCHILD, 'g');
		me = getpid();
		if (write(back, &me, sizeof(me)) != sizeof(me))
			_exit(1);
		_exit(serve(GRANDCHILD, go[1][0], back));
	}
	me = getpid();
	if (write(back, &me, sizeof(me)) != sizeof(me) || serve(CHILD, go[0][0], back))
		return 1;
	return waitpid(kid, &status, 0) == kid && WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1;
}

/* Both descendants check their content; 1 if both say so. */
static int ask_both(int go[2][2], int back)
{
	char c;
	int k, ok = 1;

	for (k = 0; k < 2; k++)
		if (write(go[k][1], "?", 1) != 1)
			return 0;
	for (k = 0; k < 2; k++)
		ok &= read(back, &c, 1) == 1 && c == '1';
	return ok;
}

int main(int argc, char **argv)
{
	int go[2][2], back[2], k;
	pid_t pids[NR_TASKS] = {};

	test_init(argc, argv);
	mem = mmap(NULL, NR_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || pipe(go[0]) || pipe(go[1]) || pipe(back)) {
		fail_perror("can't map memory or make pipes");
		return 1;
	}
	fill(ROOT, 'o');
	pids[ROOT] = getpid();
	pids[CHILD] = fork();
	if (pids[CHILD] < 0) {
		fail_perror("fork");
		return 1;
	}
	if (pids[CHILD] == 0)
		_exit(child(go, back[1]));
	fill(ROOT, 'p');
	for (k = 0; k < 2; k++) {
		pid_t pid;

		if (read(back[0], &pid, sizeof(pid)) != sizeof(pid)) {
			fail("the descendants did not get ready");
			return 1;
		}
		if (pid != pids[CHILD])
			pids[GRANDCHILD] = pid;
	}
	if (!frames_as_written(pids)) {
		fail("the pages are not shared as expected before the dump");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (!content_ok(ROOT))
		fail("the root's memory changed");
	else if (!ask_both(go, back[0]))
		fail("a descendant found its memory changed");
	else
		frames_as_written(pids);
	for (k = 0; k < 2; k++)
		close(go[k][1]);
	test_wait_child(pids[CHILD], "child");
	if (!test_failed())
		pass();
	return test_failed();
}
