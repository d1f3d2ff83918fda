/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipcns00: the SysV objects of the tree's own ipc namespace (pidns flavour) come back with
 * their ids, keys and content: a shared memory segment attached and one left unattached
 * (their bytes), a semaphore set (its values), a message queue (its messages, their types,
 * sizes and bytes, in queue order, an empty one included), and the ipc sysctls the test
 * changed (msgmax, sem limits). The namespace is new, so nothing else is in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SHM_KEY	 0x5a1e0001
#define SEM_KEY	 0x5a1e0002
#define MSG_KEY	 0x5a1e0003
#define SHM_SIZE (3 * 4096 + 100)
#define NSEMS	 5
#define NMSGS	 6
#define MSGMAX	 "12345"
#define SEMLIM	 "250 32000 64 1000"

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static const unsigned short sem_vals[NSEMS] = { 0, 1, 7, 300, 32767 };
static const long msg_types[NMSGS] = { 5, 1, 5, 99, 2, 1 };
static int shm_attached, shm_alone, sem_id, msg_id;
static unsigned char *attach;

struct msg {
	long mtype;
	char text[256];
};

static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 31 + seed);
}

static size_t msg_len(int i)
{
	return i == 3 ? 0 : 17 * (i + 1); /* message 3 has no bytes */
}

static int write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ok = f && fputs(val, f) >= 0;

	return (f && fclose(f)) || !ok ? -1 : 0;
}

static int file_is(const char *path, const char *val)
{
	char buf[128] = "";
	FILE *f = fopen(path, "r");

	if (!f || !fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	/* the kernel shows the sem limits with tabs */
	for (char *p = buf; *p; p++)
		if (*p == '\t')
			*p = ' ';
	return !strcmp(buf, val);
}

static int make_shm(void)
{
	unsigned char *p;

	shm_attached = shmget(SHM_KEY, SHM_SIZE, IPC_CREAT | IPC_EXCL | 0640);
	shm_alone = shmget(IPC_PRIVATE, SHM_SIZE, IPC_CREAT | 0600);
	if (shm_attached < 0 || shm_alone < 0)
		return -1;
	attach = shmat(shm_attached, NULL, 0);
	p = shmat(shm_alone, NULL, 0);
	if (attach == (void *)-1 || p == (void *)-1)
		return -1;
	fill(attach, SHM_SIZE, 1);
	fill(p, SHM_SIZE, 2);
	return shmdt(p);
}

static int make_sem_msg(void)
{
	union semun arg = { .array = (unsigned short *)sem_vals };
	struct msg m;
	int i;

	sem_id = semget(SEM_KEY, NSEMS, IPC_CREAT | IPC_EXCL | 0600);
	if (sem_id < 0 || semctl(sem_id, 0, SETALL, arg))
		return -1;
	msg_id = msgget(MSG_KEY, IPC_CREAT | IPC_EXCL | 0660);
	if (msg_id < 0)
		return -1;
	for (i = 0; i < NMSGS; i++) {
		m.mtype = msg_types[i];
		fill((unsigned char *)m.text, msg_len(i), 40 + i);
		if (msgsnd(msg_id, &m, msg_len(i), IPC_NOWAIT))
			return -1;
	}
	return 0;
}

static int setup(void)
{
	if (write_file("/proc/sys/kernel/msgmax", MSGMAX) ||
	    write_file("/proc/sys/kernel/sem", SEMLIM)) {
		fail_perror("set the ipc sysctls");
		return -1;
	}
	if (make_shm() || make_sem_msg()) {
		fail_perror("make the SysV objects");
		return -1;
	}
	return 0;
}

static void check_shm(void)
{
	unsigned char *want = malloc(SHM_SIZE), *p;

	if (!want)
		return;
	fill(want, SHM_SIZE, 1);
	if (memcmp(attach, want, SHM_SIZE))
		fail("the attached segment's bytes changed");
	if (shmget(SHM_KEY, 0, 0) != shm_attached)
		fail("key %#x no longer names segment %d", SHM_KEY, shm_attached);
	p = shmat(shm_alone, NULL, SHM_RDONLY);
	fill(want, SHM_SIZE, 2);
	if (p == (void *)-1 || memcmp(p, want, SHM_SIZE))
		fail("the unattached segment %d is gone or its bytes changed", shm_alone);
	if (p != (void *)-1)
		shmdt(p);
	free(want);
}

static void check_sem(void)
{
	unsigned short vals[NSEMS];
	union semun arg = { .array = vals };

	if (semget(SEM_KEY, NSEMS, 0) != sem_id || semctl(sem_id, 0, GETALL, arg) ||
	    memcmp(vals, sem_vals, sizeof(vals)))
		fail("semaphore set %d is gone or its values changed", sem_id);
}

/* Read the queue out (after the restore only): types, sizes and bytes in order. */
static void check_msg(void)
{
	unsigned char want[256];
	struct msg m;
	ssize_t n;
	int i;

	if (msgget(MSG_KEY, 0) != msg_id) {
		fail("key %#x no longer names queue %d", MSG_KEY, msg_id);
		return;
	}
	for (i = 0; i < NMSGS; i++) {
		n = msgrcv(msg_id, &m, sizeof(m.text), 0, IPC_NOWAIT);
		fill(want, msg_len(i), 40 + i);
		if (n != (ssize_t)msg_len(i) || m.mtype != msg_types[i] ||
		    memcmp(m.text, want, n)) {
			fail("message %d: %zd bytes of type %ld, want %zu of type %ld", i, n,
			     m.mtype, msg_len(i), msg_types[i]);
			return;
		}
	}
	if (msgrcv(msg_id, &m, sizeof(m.text), 0, IPC_NOWAIT) >= 0)
		fail("queue %d has more messages than were sent", msg_id);
}

static void check(void)
{
	static int after_restore;

	if (!file_is("/proc/sys/kernel/msgmax", MSGMAX) || !file_is("/proc/sys/kernel/sem", SEMLIM))
		fail("the ipc sysctls changed");
	check_shm();
	check_sem();
	if (after_restore++)
		check_msg();
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
