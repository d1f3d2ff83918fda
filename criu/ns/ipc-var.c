/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/ipc-var.c - the sysctls of an ipc namespace (/proc/sys/kernel: sem, msg*, shm*,
 * *_next_id; /proc/sys/fs/mqueue), in ipcns-var-ID.img (CRIU's format). Each is a file of
 * the namespace of the process that opens it: dump reads them in the tree's namespace,
 * restore writes them in the root's new one, the next ids after the objects are made.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "proc-parse.h"
#include "internal.h"

#include "ipc-var.pb-c.h"

#define SEM_CTLS 4

#define U32(f) offsetof(IpcVarEntry, f), false
#define U64(f) offsetof(IpcVarEntry, f), true
#define HAS(f) offsetof(IpcVarEntry, has_##f)
#define NO_HAS ((size_t)-1)
#define K(n)   "/proc/sys/kernel/" n
#define MQ(n)  "/proc/sys/fs/mqueue/" n

/* Every single-number sysctl of the entry; has: NO_HAS for the required fields. */
static const struct ipc_sysctl {
	const char *path;
	size_t off;
	bool wide;
	size_t has;
	bool next_id; /* restored after the objects */
} ipc_sysctls[] = {
	{ K("msgmax"), U32(msg_ctlmax), NO_HAS, false },
	{ K("msgmnb"), U32(msg_ctlmnb), NO_HAS, false },
	{ K("msgmni"), U32(msg_ctlmni), NO_HAS, false },
	{ K("auto_msgmni"), U32(auto_msgmni), NO_HAS, false },
	{ K("shmmax"), U64(shm_ctlmax), NO_HAS, false },
	{ K("shmall"), U64(shm_ctlall), NO_HAS, false },
	{ K("shmmni"), U32(shm_ctlmni), NO_HAS, false },
	{ K("shm_rmid_forced"), U32(shm_rmid_forced), NO_HAS, false },
	{ MQ("queues_max"), U32(mq_queues_max), NO_HAS, false },
	{ MQ("msg_max"), U32(mq_msg_max), NO_HAS, false },
	{ MQ("msgsize_max"), U32(mq_msgsize_max), NO_HAS, false },
	{ MQ("msg_default"), U32(mq_msg_default), HAS(mq_msg_default), false },
	{ MQ("msgsize_default"), U32(mq_msgsize_default), HAS(mq_msgsize_default), false },
	{ K("msg_next_id"), U32(msg_next_id), HAS(msg_next_id), true },
	{ K("sem_next_id"), U32(sem_next_id), HAS(sem_next_id), true },
	{ K("shm_next_id"), U32(shm_next_id), HAS(shm_next_id), true },
};

/* shmmax and shmall go up to 2^64 - 1: above what read_proc_number() takes */
static int read_u64(const char *path, uint64_t *v)
{
	char *buf = read_proc_file(path, NULL), *end;
	int ret = 0;

	if (!buf)
		return -EIO;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (errno || end == buf || buf[0] == '-' || (*end && strcmp(end, "\n"))) {
		pr_err("%s does not hold an unsigned number: '%.32s'\n", path, buf);
		ret = -EINVAL;
	}
	free(buf);
	return ret;
}

static void put_field(IpcVarEntry *e, const struct ipc_sysctl *s, uint64_t v)
{
	char *p = (char *)e + s->off;

	if (s->wide)
		*(uint64_t *)p = v;
	else
		*(uint32_t *)p = (uint32_t)v;
	if (s->has != NO_HAS)
		*(protobuf_c_boolean *)((char *)e + s->has) = 1;
}

static int read_sem(IpcVarEntry *e, uint32_t *sem)
{
	char *buf = read_proc_file(K("sem"), NULL);
	int n;

	if (!buf)
		return -EIO;
	n = sscanf(buf, "%u %u %u %u", &sem[0], &sem[1], &sem[2], &sem[3]);
	free(buf);
	if (n != SEM_CTLS) {
		pr_err(K("sem") " does not hold %d numbers\n", SEM_CTLS);
		return -EINVAL;
	}
	e->n_sem_ctls = SEM_CTLS;
	e->sem_ctls = sem;
	return 0;
}

int ipcns_var_dump(int dfd, uint32_t id)
{
	IpcVarEntry e = IPC_VAR_ENTRY__INIT;
	uint32_t sem[SEM_CTLS];
	struct cr_img *img;
	uint64_t wide;
	size_t i;
	int64_t v;
	int ret;

	ret = read_sem(&e, sem);
	for (i = 0; !ret && i < sizeof(ipc_sysctls) / sizeof(ipc_sysctls[0]); i++) {
		const struct ipc_sysctl *s = &ipc_sysctls[i];

		if (s->has != NO_HAS && access(s->path, R_OK))
			continue; /* an optional one this kernel lacks */
		if (s->wide) {
			ret = read_u64(s->path, &wide);
		} else {
			ret = read_proc_number(s->path, s->next_id ? -1 : 0, UINT32_MAX, &v);
			wide = (uint64_t)v;
		}
		if (!ret)
			put_field(&e, s, wide);
	}
	if (ret)
		return ret;
	img = open_image_at(dfd, CR_FD_IPC_VAR, O_DUMP, id);
	if (!img)
		return -EIO;
	ret = pb_write_one(img, &e.base);
	return close_image(img) ?: ret;
}

int ns_write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(val);
	int ret = 0;

	if (fd < 0 || write(fd, val, len) != (ssize_t)len) {
		pr_perror("Can't set %s to %s", path, val);
		ret = -EPERM;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

static int write_field(const IpcVarEntry *e, const struct ipc_sysctl *s)
{
	const char *p = (const char *)e + s->off;
	char val[32];

	if (s->has != NO_HAS && !*(const protobuf_c_boolean *)((const char *)e + s->has))
		return 0;
	if (s->wide)
		snprintf(val, sizeof(val), "%" PRIu64, *(const uint64_t *)p);
	else if (s->next_id && (int)*(const uint32_t *)p < 0)
		return 0; /* -1: none asked for, as in a new namespace; the kernel takes no -1 */
	else if (s->next_id)
		snprintf(val, sizeof(val), "%d", (int)*(const uint32_t *)p);
	else
		snprintf(val, sizeof(val), "%" PRIu32, *(const uint32_t *)p);
	/* auto_msgmni is gone from newer kernels, where it reads 0 and takes only 0 */
	if (!strcmp(s->path, K("auto_msgmni")) && access(s->path, W_OK))
		return 0;
	return ns_write_sysctl(s->path, val);
}

static int restore_vars(int dfd, uint32_t id, bool next_ids)
{
	IpcVarEntry *e;
	struct cr_img *img;
	char sem[64];
	size_t i;
	int ret;

	img = open_image_at(dfd, CR_FD_IPC_VAR, O_RSTR, id);
	if (!img)
		return -EIO;
	ret = pb_read_one(img, &ipc_var_entry__descriptor, (ProtobufCMessage **)&e);
	close_image(img);
	if (ret)
		return ret;
	if (!next_ids && e->n_sem_ctls != SEM_CTLS) {
		pr_err("ipcns-var-%u.img: %zu semaphore limits, not %d\n", id, e->n_sem_ctls,
		       SEM_CTLS);
		ret = -EINVAL;
	} else if (!next_ids) {
		snprintf(sem, sizeof(sem), "%u %u %u %u", e->sem_ctls[0], e->sem_ctls[1],
			 e->sem_ctls[2], e->sem_ctls[3]);
		ret = ns_write_sysctl(K("sem"), sem);
	}
	for (i = 0; !ret && i < sizeof(ipc_sysctls) / sizeof(ipc_sysctls[0]); i++)
		if (ipc_sysctls[i].next_id == next_ids)
			ret = write_field(e, &ipc_sysctls[i]);
	ipc_var_entry__free_unpacked(e, NULL);
	return ret;
}

int ipcns_var_restore(int dfd, uint32_t id)
{
	return restore_vars(dfd, id, false);
}

int ipcns_var_restore_next_ids(int dfd, uint32_t id)
{
	return restore_vars(dfd, id, true);
}

int ipcns_set_next_id(const char *kind, int id)
{
	char path[64], val[16];

	snprintf(path, sizeof(path), "/proc/sys/kernel/%s_next_id", kind);
	snprintf(val, sizeof(val), "%d", id);
	return ns_write_sysctl(path, val);
}
