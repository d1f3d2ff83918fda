/* SPDX-License-Identifier: GPL-2.0 */
/*
 * maps00: the common kinds of memory mappings survive a checkpoint, contents and all.
 *
 * Anonymous private memory, brk heap, a private file mapping with one page changed (the
 * file itself must stay unchanged), a shared file mapping (still shared with the file
 * after restore), PROT_NONE and read-only areas with contents, and a 256 MiB sparse area
 * with a few touched pages (the rest must read zero and must not be populated).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SPARSE_SIZE (256UL << 20)

static size_t page;

static const unsigned long sparse_pages[] = { 0, 1, 4097, 32768, 65535 };
#define NR_SPARSE (sizeof(sparse_pages) / sizeof(sparse_pages[0]))

struct areas {
	uint8_t *anon, *heap, *priv, *shared, *none, *ro, *sparse;
	void *brk_end;
	char priv_path[4096], shared_path[4096];
};

static void fill(void *p, size_t len, uint32_t seed)
{
	uint32_t *w = p;
	size_t i;

	for (i = 0; i < len / 4; i++)
		w[i] = seed * 0x9e3779b1u + (uint32_t)i;
}

/* Returns 1 when len bytes at base + off hold what fill(base, .., seed) put there. */
static int check_range(const char *what, const void *base, size_t off, size_t len, uint32_t seed)
{
	const uint32_t *w = base;
	size_t i;

	for (i = off / 4; i < (off + len) / 4; i++) {
		uint32_t want = seed * 0x9e3779b1u + (uint32_t)i;

		if (w[i] != want) {
			fail("%s: word %zu is %#x, expected %#x", what, i - off / 4, w[i], want);
			return 0;
		}
	}
	return 1;
}

static int check(const char *what, const void *p, size_t len, uint32_t seed)
{
	return check_range(what, p, 0, len, seed);
}

/* Find the line of /proc/self/maps that holds addr: perms and path (empty for anon). */
static int find_vma(const void *addr, char perms[5], char *path, size_t plen)
{
	unsigned long start, end, a = (unsigned long)addr;
	char line[4200];
	int found = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f)) {
		int off = 0;

		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s%n", &start, &end, perms, &off) < 3)
			continue;
		if (a < start || a >= end)
			continue;
		found = 1;
		while (line[off] == ' ')
			off++;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, plen, "%s", line + off);
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

static void check_vma(const char *what, const void *addr, const char *perms, const char *path)
{
	char p[5], file[4096];

	if (find_vma(addr, p, file, sizeof(file))) {
		fail("%s: no mapping at %p after restore", what, addr);
		return;
	}
	if (strcmp(p, perms))
		fail("%s: mapping at %p is %s, expected %s", what, addr, p, perms);
	if (strcmp(file, path))
		fail("%s: mapping at %p is of '%s', expected '%s'", what, addr, file, path);
}

static void *map_anon(size_t len, uint32_t seed)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	fill(p, len, seed);
	return p;
}

/* Create path with contents fill(seed) (or zeros for seed 0) and map it. */
static void *map_file(const char *path, size_t len, int flags, uint32_t seed)
{
	void *buf = NULL, *p = MAP_FAILED;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, len))
		goto out_close;
	if (seed) {
		buf = malloc(len);
		if (!buf)
			goto out_close;
		fill(buf, len, seed);
		if (pwrite(fd, buf, len, 0) != (ssize_t)len)
			goto out_free;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
out_free:
	free(buf);
out_close:
	close(fd); /* the mapping alone must keep the file: no fd to restore */
	return p == MAP_FAILED ? NULL : p;
}

static int setup(struct areas *a)
{
	unsigned long i;

	snprintf(a->priv_path, sizeof(a->priv_path), "%s", test_path("private"));
	snprintf(a->shared_path, sizeof(a->shared_path), "%s", test_path("shared"));

	a->anon = map_anon(8 * page, 1);
	a->heap = sbrk(3 * page);
	if (a->heap == (void *)-1)
		return -1;
	fill(a->heap, 3 * page, 2);
	a->priv = map_file(a->priv_path, 4 * page, MAP_PRIVATE, 3);
	a->shared = map_file(a->shared_path, 2 * page, MAP_SHARED, 0);
	a->none = map_anon(2 * page, 6);
	a->ro = map_anon(3 * page, 7);
	a->sparse = mmap(NULL, SPARSE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!a->anon || !a->priv || !a->shared || !a->none || !a->ro || a->sparse == MAP_FAILED)
		return -1;

	fill(a->priv + page, page, 4); /* one COW page; the file keeps pattern 3 */
	fill(a->shared, 2 * page, 5);  /* goes to the file */
	if (mprotect(a->none, 2 * page, PROT_NONE) || mprotect(a->ro, 3 * page, PROT_READ))
		return -1;
	for (i = 0; i < NR_SPARSE; i++)
		fill(a->sparse + sparse_pages[i] * page, page, 10 + i);
	a->brk_end = sbrk(0);
	return 0;
}

static void check_file(const char *what, const char *path, off_t off, size_t len, uint32_t seed)
{
	void *buf = malloc(len);
	int fd = open(path, O_RDONLY);

	if (fd < 0 || !buf || pread(fd, buf, len, off) != (ssize_t)len)
		fail_perror("%s: can't read %s", what, path);
	else
		check(what, buf, len, seed);
	if (fd >= 0)
		close(fd);
	free(buf);
}

/* The shared mapping must still be the file: writes go both ways. */
static void check_shared(struct areas *a)
{
	int fd;

	check("shared mapping", a->shared, 2 * page, 5);
	check_file("shared file", a->shared_path, 0, 2 * page, 5);

	fill(a->shared, page, 20);
	if (msync(a->shared, page, MS_SYNC))
		fail_perror("msync");
	check_file("shared file after a write to the mapping", a->shared_path, 0, page, 20);

	fd = open(a->shared_path, O_WRONLY);
	if (fd >= 0) {
		uint8_t *buf = malloc(page);

		fill(buf, page, 21);
		if (pwrite(fd, buf, page, page) != (ssize_t)page)
			fail_perror("pwrite %s", a->shared_path);
		free(buf);
		close(fd);
		check("shared mapping after a write to the file", a->shared + page, page, 21);
	} else {
		fail_perror("open %s", a->shared_path);
	}
}

static unsigned long vma_rss_kb(const void *addr)
{
	char line[512], want[32];
	unsigned long kb = ~0UL;
	int in_vma = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return kb;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, want, strlen(want)))
			in_vma = 1;
		else if (in_vma && sscanf(line, "Rss: %lu kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static void check_sparse(struct areas *a)
{
	unsigned long i, j, rss = vma_rss_kb(a->sparse);
	char name[64];

	/* Checked first: reading the zero pages below maps nothing, but be safe. */
	if (rss > 64 * page / 1024)
		fail("sparse area is populated after restore: Rss %lu kB", rss);
	for (i = 0; i < NR_SPARSE; i++) {
		snprintf(name, sizeof(name), "sparse page %lu", sparse_pages[i]);
		check(name, a->sparse + sparse_pages[i] * page, page, 10 + i);
	}
	for (i = 0, j = 0; i < SPARSE_SIZE / page; i++) {
		const uint64_t *w = (const uint64_t *)(a->sparse + i * page);
		size_t k;

		if (j < NR_SPARSE && sparse_pages[j] == i) {
			j++;
			continue;
		}
		for (k = 0; k < page / 8; k++)
			if (w[k]) {
				fail("untouched sparse page %lu is not zero at word %zu", i, k);
				return;
			}
	}
	check_vma("sparse", a->sparse + SPARSE_SIZE - 1, "rw-p", "");
}

static void verify(struct areas *a)
{
	/* First, before anything here can malloc and move brk. */
	if (sbrk(0) != a->brk_end)
		fail("brk is %p, expected %p", sbrk(0), a->brk_end);
	check("heap", a->heap, 3 * page, 2);
	check("anon", a->anon, 8 * page, 1);
	check_vma("anon", a->anon, "rw-p", "");

	check_range("private file page 0", a->priv, 0, page, 3);
	check("private file page 1 (modified)", a->priv + page, page, 4);
	check_range("private file pages 2-3", a->priv, 2 * page, 2 * page, 3);
	check_file("private file on disk", a->priv_path, 0, 4 * page, 3);
	check_vma("private file", a->priv, "rw-p", a->priv_path);

	check_vma("shared file", a->shared, "rw-s", a->shared_path);
	check_shared(a);

	check_vma("PROT_NONE", a->none, "---p", "");
	if (mprotect(a->none, 2 * page, PROT_READ))
		fail_perror("mprotect PROT_NONE area");
	else
		check("PROT_NONE area", a->none, 2 * page, 6);

	check_vma("read-only", a->ro, "r--p", "");
	check("read-only area", a->ro, 3 * page, 7);

	check_sparse(a);
}

int main(int argc, char **argv)
{
	static struct areas a;

	test_init(argc, argv);
	page = sysconf(_SC_PAGESIZE);
	free(malloc(1)); /* let malloc set up its heap before we move brk ourselves */

	if (setup(&a)) {
		fail_perror("can't set up the mappings");
		goto out;
	}

	test_daemon();
	test_waitsig();

	verify(&a);
	if (!test_failed())
		pass();
out:
	unlink(a.priv_path);
	unlink(a.shared_path);
	return test_failed();
}
