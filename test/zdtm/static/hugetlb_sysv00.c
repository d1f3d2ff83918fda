/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hugetlb_sysv00: a System V shared memory segment made with SHM_HUGETLB (2 MiB pages, a
 * size that is not a multiple of them) and attached twice, read-write and read-only,
 * keeps its size, mode and data, and both attaches are still the one segment after
 * restore: a write through the first is seen through the second, and through a new attach.
 * Both attaches are hugetlb memory of 2 MiB pages, before and after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "zdtmtst.h"

#define HP    (2UL << 20)
#define SIZE  (2 * HP + 4096)
#define NR_HP 3
#define MODE  0640

static int id = -1;
static unsigned char *rw, *ro;
static const unsigned long pieces[] = { 0, HP + 100, SIZE - 4096 };

static unsigned char pattern(unsigned long off, unsigned long i)
{
	return (unsigned char)(0x21 + off % 97 + i % 233);
}

static int data_ok(const unsigned char *p)
{
	unsigned long k, i;

	for (k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++)
		for (i = 0; i < 4096; i++)
			if (p[pieces[k] + i] != pattern(pieces[k], i))
				return 0;
	return 1;
}

static void remove_segment(void)
{
	if (id >= 0)
		shmctl(id, IPC_RMID, NULL);
}

static void check_attach(const void *p, const char *what)
{
	unsigned long kb = 0;
	char path[256] = "";

	if (test_hugetlb_vma(p, &kb, path, sizeof(path)) != 1 || kb != HP / 1024 ||
	    strncmp(path, "/SYSV", 5))
		fail("the %s attach is not hugetlb SysV memory (%lu kB pages, \"%s\")", what, kb,
		     path);
}

static void check(void)
{
	struct shmid_ds ds;

	if (shmctl(id, IPC_STAT, &ds)) {
		fail_perror("shmctl(IPC_STAT)");
		return;
	}
	if (ds.shm_segsz != SIZE || (ds.shm_perm.mode & 0777) != MODE)
		fail("the segment has size %lu and mode %o", (unsigned long)ds.shm_segsz,
		     ds.shm_perm.mode & 0777);
	check_attach(rw, "read-write");
	check_attach(ro, "read-only");
	if (!data_ok(rw) || !data_ok(ro))
		fail("the segment lost its data");
}

int main(int argc, char **argv)
{
	static const char msg[] = "written after restore";
	unsigned long k, i;
	unsigned char *again;

	test_init(argc, argv);
	test_hugetlb_reserve(HP / 1024, NR_HP);
	id = shmget(IPC_PRIVATE, SIZE, IPC_CREAT | SHM_HUGETLB | MODE);
	if (id < 0)
		test_skip("shmget(SHM_HUGETLB): %s", strerror(errno));
	test_note_leftover("sysv-shm %d", id);
	atexit(remove_segment);
	rw = shmat(id, NULL, 0);
	ro = shmat(id, NULL, SHM_RDONLY);
	if (rw == (void *)-1 || ro == (void *)-1) {
		fail_perror("shmat");
		return 1;
	}
	for (k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++)
		for (i = 0; i < 4096; i++)
			rw[pieces[k] + i] = pattern(pieces[k], i);
	check();
	if (test_failed())
		return 1;

	test_daemon();
	test_waitsig();

	check();
	memcpy(rw + HP / 2, msg, sizeof(msg));
	if (memcmp(ro + HP / 2, msg, sizeof(msg)))
		fail("the read-only attach does not see a write through the other one");
	again = shmat(id, NULL, SHM_RDONLY);
	if (again == (void *)-1 || !data_ok(again) || memcmp(again + HP / 2, msg, sizeof(msg)))
		fail("a new attach does not see the segment's data");
	if (!test_failed())
		pass();
	return test_failed();
}
