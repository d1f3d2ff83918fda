/* SPDX-License-Identifier: GPL-2.0 */
/*
 * madv00: every madvise state that smaps shows in VmFlags survives a checkpoint, on
 * anonymous and on file mappings: MADV_RANDOM (rr), MADV_SEQUENTIAL (sr), MADV_MERGEABLE
 * (mg), MADV_HUGEPAGE (hg), MADV_NOHUGEPAGE (nh), MADV_DONTDUMP (dd), MADV_DONTFORK (dc)
 * and, anonymous only, MADV_WIPEONFORK (wf). Each area is its own mapping with contents;
 * file areas map a private file read-write MAP_SHARED or MAP_PRIVATE in turn. After
 * restore each area has its contents and its code in VmFlags, and no other advice code.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define AREA_PAGES 4

static const struct {
	int advice;
	const char *code;
} advices[] = {
	{ MADV_RANDOM, "rr" },	 { MADV_SEQUENTIAL, "sr" }, { MADV_MERGEABLE, "mg" },
	{ MADV_HUGEPAGE, "hg" }, { MADV_NOHUGEPAGE, "nh" }, { MADV_DONTDUMP, "dd" },
	{ MADV_DONTFORK, "dc" }, { MADV_WIPEONFORK, "wf" },
};

#define NR_ADVICES (sizeof(advices) / sizeof(advices[0]))
#define NR_AREAS   (2 * NR_ADVICES)

struct area {
	size_t advice;
	int file;
	uint8_t *p;
};

static struct area areas[NR_AREAS];
static size_t nr_areas;
static size_t len;

static uint8_t pattern(size_t area, size_t i)
{
	return (uint8_t)(area * 37 + i * 11 + 3);
}

static int map_area(struct area *a, int fd, int idx)
{
	int flags = a->file ? (idx & 1 ? MAP_PRIVATE : MAP_SHARED) : MAP_PRIVATE | MAP_ANONYMOUS;
	size_t i;

	a->p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, a->file ? fd : -1,
		    a->file ? (off_t)(idx * len) : 0);
	if (a->p == MAP_FAILED)
		return -1;
	for (i = 0; i < len; i++)
		a->p[i] = pattern(idx, i);
	return madvise(a->p, len, advices[a->advice].advice);
}

static int setup(void)
{
	const char *path = test_path("file");
	size_t i;
	int fd;

	len = AREA_PAGES * (size_t)sysconf(_SC_PAGESIZE);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, NR_AREAS * len))
		return -1;
	for (i = 0; i < NR_ADVICES; i++) {
		areas[nr_areas] = (struct area){ .advice = i };
		if (map_area(&areas[nr_areas], fd, nr_areas)) {
			fail_perror("anonymous area with %s", advices[i].code);
			return -1;
		}
		nr_areas++;
		if (advices[i].advice == MADV_WIPEONFORK)
			continue; /* the kernel takes it on private anonymous memory only */
		areas[nr_areas] = (struct area){ .advice = i, .file = 1 };
		if (map_area(&areas[nr_areas], fd, nr_areas)) {
			fail_perror("file area with %s", advices[i].code);
			return -1;
		}
		nr_areas++;
	}
	close(fd);
	return 0;
}

static void check(void)
{
	char flags[512];
	size_t i, j, k;

	for (i = 0; i < nr_areas; i++) {
		struct area *a = &areas[i];
		const char *kind = a->file ? "file" : "anonymous";

		for (j = 0; j < len; j++)
			if (a->p[j] != pattern(i, j))
				break;
		if (j != len)
			fail("%s area %s lost its contents at byte %zu", kind,
			     advices[a->advice].code, j);
		if (test_vmflags(a->p, flags, sizeof(flags))) {
			fail("%s area %s is no longer a mapping of its own", kind,
			     advices[a->advice].code);
			continue;
		}
		for (k = 0; k < NR_ADVICES; k++)
			if (test_vmflags_has(flags, advices[k].code) != (k == a->advice))
				fail("%s area %s has VmFlags:%s", kind, advices[a->advice].code,
				     flags);
	}
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
