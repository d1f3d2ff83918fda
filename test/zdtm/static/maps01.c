/* SPDX-License-Identifier: GPL-2.0 */
/*
 * maps01: the madvise state of mappings survives a checkpoint, and acts as it did. Areas
 * with MADV_DONTFORK, MADV_WIPEONFORK, MADV_HUGEPAGE, MADV_NOHUGEPAGE and MADV_DONTDUMP, and
 * a MAP_GROWSDOWN area, each with contents. After restore each area has its contents and
 * its VmFlags code in /proc/self/smaps, and a child forked then does not get the DONTFORK
 * area and reads zeros from the WIPEONFORK one.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define AREA_PAGES 4

struct area {
	const char *name;
	int advice; /* -1: none, the mmap flag tells */
	int mmap_flags;
	const char *vmflag; /* two-letter code in smaps' VmFlags */
	uint8_t *p;
};

static struct area areas[] = {
	{ "dontfork", MADV_DONTFORK, 0, "dc", NULL },
	{ "wipeonfork", MADV_WIPEONFORK, 0, "wf", NULL },
	{ "hugepage", MADV_HUGEPAGE, 0, "hg", NULL },
	{ "nohugepage", MADV_NOHUGEPAGE, 0, "nh", NULL },
	{ "dontdump", MADV_DONTDUMP, 0, "dd", NULL },
	{ "growsdown", -1, MAP_GROWSDOWN, "gd", NULL },
};

#define NR_AREAS (sizeof(areas) / sizeof(areas[0]))

static size_t area_len(void)
{
	return AREA_PAGES * (size_t)sysconf(_SC_PAGESIZE);
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

static int same(const uint8_t *p, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed * 31 + i * 7 + 1))
			return 0;
	return 1;
}

static int setup(void)
{
	size_t len = area_len(), i;

	for (i = 0; i < NR_AREAS; i++) {
		struct area *a = &areas[i];

		a->p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | a->mmap_flags, -1, 0);
		if (a->p == MAP_FAILED || (a->advice >= 0 && madvise(a->p, len, a->advice))) {
			fail_perror("can't make the %s area", a->name);
			return -1;
		}
		fill(a->p, len, i);
	}
	return 0;
}

/* In a child forked now: 0 when dontfork is gone and wipeonfork reads zeros. */
static int child_view(void)
{
	struct area *dontfork = &areas[0], *wipe = &areas[1];
	size_t len = area_len(), i;

	if (test_vma_has_flag(dontfork->p, "dc") != -1)
		return 1;
	for (i = 0; i < len; i++)
		if (wipe->p[i])
			return 2;
	return 0;
}

static void check(void)
{
	size_t len = area_len(), i;
	int status;
	pid_t pid;

	for (i = 0; i < NR_AREAS; i++) {
		struct area *a = &areas[i];
		/* a growsdown area's start moves down as it grows: look it up by its start */
		int flag = test_vma_has_flag(a->p, a->vmflag);

		if (!same(a->p, len, i))
			fail("the %s area lost its contents", a->name);
		if (flag != 1)
			fail("the %s area has no '%s' in VmFlags (%d)", a->name, a->vmflag, flag);
	}
	pid = fork();
	if (pid < 0) {
		fail_perror("fork");
		return;
	}
	if (pid == 0)
		_exit(child_view());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("a forked child got the dontfork area or the wipeonfork contents (%#x)",
		     status);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
