/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysv_shm00: SysV shared memory segments come back with their id, key, mode and content:
 * one attached read-write (size not a page multiple), one IPC_PRIVATE attached read-only,
 * and one created but not attached. The attached ones must be real attaches at the same
 * addresses (nattch counts them, shmdt works), the third must be found by its key.
 */
#include <stdio.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PG     4096
#define A_SIZE (3 * PG + 100)

struct seg {
	int id;
	key_t key;
	size_t size;
	int mode;
};

static int check_seg(const struct seg *s, int nattch)
{
	struct shmid_ds ds;

	if (shmctl(s->id, IPC_STAT, &ds)) {
		fail_perror("segment %d is gone", s->id);
		return -1;
	}
	if (ds.shm_perm.__key != s->key || ds.shm_segsz != s->size ||
	    (int)(ds.shm_perm.mode & 0777) != s->mode || (int)ds.shm_nattch != nattch) {
		fail("segment %d: key %#x size %zu mode %o nattch %d", s->id, ds.shm_perm.__key,
		     (size_t)ds.shm_segsz, ds.shm_perm.mode & 0777, (int)ds.shm_nattch);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct seg a, b, c;
	unsigned char *pa, *pb, *pc;
	int i;

	test_init(argc, argv);
	a = (struct seg){ -1, 0x5a000000 | (getpid() & 0xffffff), A_SIZE, 0640 };
	b = (struct seg){ -1, IPC_PRIVATE, PG, 0600 };
	c = (struct seg){ -1, 0x5b000000 | (getpid() & 0xffffff), 2 * PG, 0604 };
	a.id = shmget(a.key, a.size, IPC_CREAT | IPC_EXCL | a.mode);
	b.id = shmget(b.key, b.size, IPC_CREAT | b.mode);
	c.id = shmget(c.key, c.size, IPC_CREAT | IPC_EXCL | c.mode);
	pa = shmat(a.id, NULL, 0);
	pc = shmat(c.id, NULL, 0);
	pb = shmat(b.id, NULL, 0);
	if (a.id < 0 || b.id < 0 || c.id < 0 || pa == (void *)-1 || pb == (void *)-1 ||
	    pc == (void *)-1) {
		fail_perror("can't make the segments");
		return 1;
	}
	for (i = 0; i < A_SIZE; i++)
		pa[i] = i % 251;
	strcpy((char *)pb, "read-only attach");
	strcpy((char *)pc + PG, "not attached");
	shmdt(pc);
	shmdt(pb);
	pb = shmat(b.id, NULL, SHM_RDONLY);
	if (pb == (void *)-1) {
		fail_perror("can't attach read-only");
		return 1;
	}

	test_daemon();
	test_waitsig();

	for (i = 0; i < A_SIZE; i++)
		if (pa[i] != i % 251) {
			fail("byte %d of segment %d is %d", i, a.id, pa[i]);
			return 1;
		}
	if (strcmp((char *)pb, "read-only attach") || check_seg(&a, 1) || check_seg(&b, 1) ||
	    check_seg(&c, 0) || shmget(c.key, 0, 0) != c.id || shmget(a.key, 0, 0) != a.id) {
		fail("the segments are not as dumped");
		return 1;
	}
	pc = shmat(c.id, NULL, SHM_RDONLY);
	if (pc == (void *)-1 || strcmp((char *)pc + PG, "not attached")) {
		fail("the unattached segment lost its content");
		return 1;
	}
	if (shmdt(pa) || shmdt(pb) || check_seg(&a, 0)) {
		fail("the attaches are not real SysV attaches");
		return 1;
	}
	shmctl(a.id, IPC_RMID, NULL);
	shmctl(b.id, IPC_RMID, NULL);
	shmctl(c.id, IPC_RMID, NULL);
	pass();
	return 0;
}
