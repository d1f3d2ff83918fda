/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysv_shm_tree00: a SysV shm segment attached by a parent and its child (inherited
 * across fork) stays one segment after restore: writes are seen both ways, the content
 * written before the dump is intact, and shmctl counts two attaches. A write the child
 * makes just before the dump, after the parent's last look, must survive too: the
 * segment is filled once, not once per task.
 */
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SIZE (3 * 4096)

static unsigned char *mem;

static int child(int go, int back)
{
	char c;

	if (read(go, &c, 1) != 1)
		return 2;
	if (mem[0] != 's' || memcmp(mem + 50, "before", 6))
		return 3;
	if (memcmp(mem + 100, "parent", 6))
		return 4; /* the parent's write after restore is not seen */
	memcpy(mem + 200, "child", 5);
	return write(back, "d", 1) == 1 ? 0 : 5;
}

int main(int argc, char **argv)
{
	struct shmid_ds ds;
	int go[2], back[2], id;
	char c;
	pid_t kid;

	test_init(argc, argv);
	id = shmget(IPC_PRIVATE, SIZE, 0600 | IPC_CREAT);
	mem = id < 0 ? (void *)-1 : shmat(id, NULL, 0);
	if (mem == (void *)-1 || pipe(go) || pipe(back)) {
		fail_perror("can't create the segment");
		return 1;
	}
	mem[0] = 's';
	kid = fork();
	if (kid < 0) {
		fail_perror("fork");
		return 1;
	}
	if (kid == 0) {
		memcpy(mem + 50, "before", 6);
		if (write(back[1], "r", 1) != 1)
			_exit(1);
		_exit(child(go[0], back[1]));
	}
	if (read(back[0], &c, 1) != 1) {
		fail("the child did not start");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (shmctl(id, IPC_STAT, &ds) || ds.shm_nattch != 2)
		fail("the segment has %lu attaches, not 2", (unsigned long)ds.shm_nattch);
	memcpy(mem + 100, "parent", 6);
	if (write(go[1], "g", 1) != 1 || read(back[0], &c, 1) != 1)
		fail("the child did not answer");
	else if (memcmp(mem + 200, "child", 5))
		fail("the child's write after restore is not seen by the parent");
	test_wait_child(kid, "child");
	shmdt(mem);
	shmctl(id, IPC_RMID, NULL);
	if (!test_failed())
		pass();
	return test_failed();
}
