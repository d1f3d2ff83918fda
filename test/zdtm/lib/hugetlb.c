/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Huge pages for the hugetlb tests. The host keeps no huge pages by default: a test adds
 * what it needs to the kernel's pool for its run and gives them back when it exits (or
 * the runner does, if it was killed: a leftover). Other tests may do the same at the same
 * time, so each change is a read-modify-write of nr_hugepages under an flock (the
 * runner takes the same one), by the number of pages, not to an absolute value.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "zdtmtst.h"

#define HUGETLB_SYSFS "/sys/kernel/mm/hugepages/hugepages-%lukB/%s"
#define HUGETLB_LOCK  "/run/zdtm-hugetlb.lock"

static struct {
	unsigned long size_kb;
	unsigned int nr;
} added[4];
static int nr_added;

static int pool_file(unsigned long size_kb, const char *name, int flags)
{
	char path[128];

	snprintf(path, sizeof(path), HUGETLB_SYSFS, size_kb, name);
	return open(path, flags | O_CLOEXEC);
}

static long pool_read(unsigned long size_kb, const char *name)
{
	char buf[32] = "";
	int fd = pool_file(size_kb, name, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

static int pool_write(unsigned long size_kb, long nr)
{
	char buf[32];
	int fd = pool_file(size_kb, "nr_hugepages", O_WRONLY);
	int len = snprintf(buf, sizeof(buf), "%ld\n", nr);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, buf, len) == len;
	close(fd);
	return ok ? 0 : -1;
}

static int pool_lock(void)
{
	int fd = open(HUGETLB_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0 && flock(fd, LOCK_EX)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void pool_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock */
}

/* Give back what this test added, as many pages as it added. */
static void give_back(void)
{
	int lock = pool_lock(), i;

	for (i = 0; i < nr_added; i++) {
		long now = pool_read(added[i].size_kb, "nr_hugepages");

		if (now >= (long)added[i].nr)
			pool_write(added[i].size_kb, now - added[i].nr);
	}
	nr_added = 0;
	pool_unlock(lock);
}

void test_hugetlb_reserve(unsigned long size_kb, unsigned int nr)
{
	long before, after, nr_free;
	int lock;

	if (pool_read(size_kb, "nr_hugepages") < 0)
		test_skip("this kernel has no %lu kB huge pages", size_kb);
	if (nr_added == (int)(sizeof(added) / sizeof(added[0])))
		test_skip("test_hugetlb_reserve(): too many calls");
	lock = pool_lock();
	before = pool_read(size_kb, "nr_hugepages");
	if (lock < 0 || before < 0 || pool_write(size_kb, before + nr)) {
		pool_unlock(lock);
		test_skip("can't add %u huge pages of %lu kB to the pool (%s): needs root", nr,
			  size_kb, strerror(errno));
	}
	after = pool_read(size_kb, "nr_hugepages");
	nr_free = pool_read(size_kb, "free_hugepages");
	if (after < before + nr) {
		pool_write(size_kb, before);
		pool_unlock(lock);
		test_skip("the kernel could provide only %ld of %u huge pages of %lu kB",
			  after - before, nr, size_kb);
	}
	test_note_leftover("hugepages %lu %u", size_kb, nr);
	if (!nr_added)
		atexit(give_back);
	added[nr_added].size_kb = size_kb;
	added[nr_added++].nr = nr;
	pool_unlock(lock);
	test_msg("%u huge pages of %lu kB added to the pool (%ld free now)\n", nr, size_kb,
		 nr_free);
}

int test_hugetlb_vma(const void *addr, unsigned long *page_kb, char *path, size_t path_len)
{
	unsigned long start, end, kb = 0;
	char line[512], name[256];
	int in = 0, ht = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (ht < 0 && fgets(line, sizeof(line), f)) {
		name[0] = '\0';
		/* a mapping's first line; "Key:" lines never parse as a range */
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255[^\n]", &start, &end, name) >= 2) {
			in = (unsigned long)addr >= start && (unsigned long)addr < end;
			if (in && path)
				snprintf(path, path_len, "%s", name);
			continue;
		}
		if (!in)
			continue;
		if (!strncmp(line, "KernelPageSize:", 15))
			kb = strtoul(line + 15, NULL, 10);
		else if (!strncmp(line, "VmFlags:", 8))
			ht = strstr(line, " ht") != NULL;
	}
	fclose(f);
	if (page_kb)
		*page_kb = kb;
	return ht;
}
