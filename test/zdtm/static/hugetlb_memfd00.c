/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hugetlb_memfd00: a hugetlb memfd (memfd_create MFD_HUGETLB, 2 MiB pages) held as an fd
 * and mapped in part keeps its name, size, mode, seals, file position and data, and stays
 * one file: the fd and the mapping see each other's writes after restore. The file has
 * three huge pages: the first was written through a mapping that is gone (its data lives
 * only in the file), the other two through the mapping the task keeps (MAP_SHARED, file
 * offset 2 MiB). A private mapping of the first huge page has its own copy of it, written
 * over. After restore the file is still on hugetlbfs with 2 MiB blocks and holds exactly
 * those three huge pages, and the private copy is still apart from the file.
 */
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "zdtmtst.h"

#define HP    (2UL << 20)
#define NR_HP 3
#define NAME  "zdtm-hugetlb"
#define POS   12345
#define MODE  0640
#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

static int fd;
static unsigned char *map;  /* file pages 1 and 2 */
static unsigned char *priv; /* file page 0, MAP_PRIVATE, written over */

static unsigned char pattern(unsigned long page, unsigned long i)
{
	return (unsigned char)(0x5a + page * 13 + i % 239);
}

/* 4 KiB at the start and at the end of huge page h of the file, seen at base */
static void fill(unsigned char *base, unsigned long h)
{
	unsigned long i;

	for (i = 0; i < 4096; i++) {
		base[i] = pattern(h, i);
		base[HP - 4096 + i] = pattern(h, i + 7);
	}
}

static int file_piece_ok(unsigned long h)
{
	unsigned char buf[4096];
	unsigned long i;

	if (pread(fd, buf, sizeof(buf), h * HP + HP - 4096) != (ssize_t)sizeof(buf))
		return 0;
	for (i = 0; i < sizeof(buf); i++)
		if (buf[i] != pattern(h, i + 7))
			return 0;
	return 1;
}

static int map_ok(void)
{
	unsigned long h, i;

	for (h = 1; h < NR_HP; h++)
		for (i = 0; i < 4096; i++)
			if (map[(h - 1) * HP + i] != pattern(h, i) ||
			    map[(h - 1) * HP + HP - 4096 + i] != pattern(h, i + 7))
				return 0;
	return 1;
}

static int setup(void)
{
	unsigned char *first;

	test_hugetlb_reserve(HP / 1024, NR_HP + 1); /* + the private copy */
	fd = memfd_create(NAME, MFD_HUGETLB | MFD_ALLOW_SEALING);
	if (fd < 0)
		test_skip("memfd_create(MFD_HUGETLB): %s", strerror(errno));
	if (ftruncate(fd, NR_HP * HP) || fchmod(fd, MODE))
		return -1;
	first = mmap(NULL, HP, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (first == MAP_FAILED)
		return -1;
	fill(first, 0);
	munmap(first, HP);
	map = mmap(NULL, (NR_HP - 1) * HP, PROT_READ | PROT_WRITE, MAP_SHARED, fd, HP);
	if (map == MAP_FAILED)
		return -1;
	fill(map, 1);
	fill(map + HP, 2);
	priv = mmap(NULL, HP, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (priv == MAP_FAILED)
		return -1;
	fill(priv, 7); /* the copy-on-write copy: the file keeps page 0's data */
	if (fcntl(fd, F_ADD_SEALS, SEALS) || lseek(fd, POS, SEEK_SET) != POS)
		return -1;
	return 0;
}

static void check_file(void)
{
	char link[64], target[256] = "";
	struct statfs sfs;
	struct stat st;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (readlink(link, target, sizeof(target) - 1) < 0 ||
	    strcmp(target, "/memfd:" NAME " (deleted)")) {
		fail("fd %d is \"%s\", not the memfd " NAME, fd, target);
		return;
	}
	if (fstat(fd, &st) || fstatfs(fd, &sfs)) {
		fail_perror("can't stat the memfd");
		return;
	}
	if (sfs.f_type != HUGETLBFS_MAGIC || st.st_blksize != (blksize_t)HP)
		fail("the memfd is not on hugetlbfs with 2 MiB pages (fs %#lx, block %ld)",
		     (unsigned long)sfs.f_type, (long)st.st_blksize);
	if (st.st_size != (off_t)(NR_HP * HP) || (st.st_mode & 07777) != MODE)
		fail("the memfd has size %ld and mode %o", (long)st.st_size, st.st_mode & 07777);
	if (st.st_blocks * 512 != (blkcnt_t)(NR_HP * HP))
		fail("the memfd holds %ld bytes of huge pages, not %lu", (long)st.st_blocks * 512,
		     NR_HP * HP);
	if (fcntl(fd, F_GET_SEALS) != SEALS || lseek(fd, 0, SEEK_CUR) != POS)
		fail("the memfd has seals %#x and position %ld", fcntl(fd, F_GET_SEALS),
		     (long)lseek(fd, 0, SEEK_CUR));
}

static void check(void)
{
	unsigned long kb = 0;
	char path[256] = "";
	unsigned long h;

	check_file();
	for (h = 0; h < NR_HP; h++)
		if (!file_piece_ok(h))
			fail("the memfd lost the data of its huge page %lu", h);
	if (!map_ok())
		fail("the mapping of the memfd lost its data");
	if (priv[0] != pattern(7, 0) || priv[HP - 1] != pattern(7, 4095 + 7))
		fail("the private mapping of the memfd lost its own copy");
	if (test_hugetlb_vma(map, &kb, path, sizeof(path)) != 1 || kb != HP / 1024 ||
	    strcmp(path, "/memfd:" NAME " (deleted)"))
		fail("the mapping is not the hugetlb memfd (%lu kB pages, \"%s\")", kb, path);
}

/* After restore: a write through the mapping is read back through the fd. */
static void check_shared(void)
{
	static const char msg[] = "written through the mapping after restore";
	char buf[sizeof(msg)];

	memcpy(map + HP / 2, msg, sizeof(msg));
	if (pread(fd, buf, sizeof(buf), HP + HP / 2) != (ssize_t)sizeof(buf) ||
	    memcmp(buf, msg, sizeof(msg)))
		fail("the fd does not see a write through the mapping after restore");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	if (setup()) {
		fail_perror("setup");
		return 1;
	}
	check();
	if (test_failed())
		return 1;
	test_daemon();
	test_waitsig();
	check();
	check_shared();
	if (!test_failed())
		pass();
	return test_failed();
}
