/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/ns-ids.c - namespace ids for ids-PID.img and inventory.root_ids (see ns-ids.h).
 * A namespace is known by the inode of /proc/PID/ns/KIND.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "ns-ids.h"

/* CRIU's order of lookup; the order the first eight ids are handed out in */
static const char *const ns_kind_names[NS_IDS_KINDS] = {
	"pid", "net", "ipc", "uts", "time", "mnt", "user", "cgroup",
};

/* 0 and *ino set; -ENOENT if this kernel has no such namespace; else -errno. */
static int ns_inode(pid_t pid, unsigned int kind, ino_t *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns_kind_names[kind]);
	if (!stat(path, &st)) {
		*ino = st.st_ino;
		return 0;
	}
	if (errno == ENOENT)
		return -ENOENT;
	pr_perror("Can't read the %s namespace of task %d", ns_kind_names[kind], pid);
	return -errno;
}

/* The id of (kind, ino): an earlier one's, or the next number. 0 when the table is full. */
static unsigned int ns_id_of(struct ns_ids *n, unsigned int kind, ino_t ino)
{
	size_t i;

	for (i = 0; i < n->nr; i++)
		if (n->seen[i].kind == kind && n->seen[i].ino == ino)
			return i + 1;
	if (n->nr == NS_IDS_MAX)
		return 0;
	n->seen[n->nr].kind = kind;
	n->seen[n->nr].ino = ino;
	return ++n->nr;
}

int ns_ids_fill(struct ns_ids *n, pid_t pid, TaskKobjIdsEntry *ids)
{
	uint32_t *id[NS_IDS_KINDS] = { &ids->pid_ns_id,	 &ids->net_ns_id,   &ids->ipc_ns_id,
				       &ids->uts_ns_id,	 &ids->time_ns_id,  &ids->mnt_ns_id,
				       &ids->user_ns_id, &ids->cgroup_ns_id };
	protobuf_c_boolean *has[NS_IDS_KINDS] = { &ids->has_pid_ns_id,	&ids->has_net_ns_id,
						  &ids->has_ipc_ns_id,	&ids->has_uts_ns_id,
						  &ids->has_time_ns_id, &ids->has_mnt_ns_id,
						  &ids->has_user_ns_id, &ids->has_cgroup_ns_id };
	unsigned int kind;
	ino_t ino = 0;
	int ret;

	for (kind = 0; kind < NS_IDS_KINDS; kind++) {
		ret = ns_inode(pid, kind, &ino);
		if (ret == -ENOENT)
			continue; /* not in this kernel: CRIU leaves the field out too */
		if (ret)
			return ret;
		*id[kind] = ns_id_of(n, kind, ino);
		if (!*id[kind]) {
			pr_err("Task %d: more than %d namespaces in the tree\n", pid, NS_IDS_MAX);
			return -E2BIG;
		}
		*has[kind] = 1;
	}
	return 0;
}

int ns_ids_init(struct ns_ids *n)
{
	TaskKobjIdsEntry own = TASK_KOBJ_IDS_ENTRY__INIT;

	n->nr = 0;
	n->user = NULL;
	n->nested = NULL;
	return ns_ids_fill(n, getpid(), &own);
}
