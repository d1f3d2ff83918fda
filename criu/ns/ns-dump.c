/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/ns-dump.c - the dump of the tree's own namespaces (ns.h): which of the root's are not
 * criu's, the root's ids for the images' names (utsns-ID.img, ...), and the time criu spends
 * in the tree's ipc namespace so that the SysV code (mem/sysv-shm.c, ipc-*.c) sees its
 * objects.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dump.h"
#include "log.h"
#include "netns.h"
#include "ns.h"
#include "internal.h"
#include "mnt.h"

/* ipcns-shm-1.img: the host's segments are named as before namespaces were saved */
#define HOST_SYSV_ID 1

static const struct {
	int kind;
	const char *link;
} saved_kinds[] = {
	{ NS_PID, "pid" },   { NS_IPC, "ipc" }, { NS_UTS, "uts" },
	{ NS_TIME, "time" }, { NS_NET, "net" }, { NS_MNT, "mnt" },
};

int ns_enter(pid_t pid, const char *link, int nstype, int *back)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", link);
	*back = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, link);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*back < 0 || fd < 0 || setns(fd, nstype)) {
		pr_perror("Can't enter the %s namespace of task %d", link, pid);
		if (fd >= 0)
			close(fd);
		if (*back >= 0)
			close(*back);
		*back = -1;
		return -EPERM;
	}
	close(fd);
	return 0;
}

int ns_leave(int back, int nstype, const char *link)
{
	int ret = 0;

	if (setns(back, nstype)) {
		pr_perror("Can't go back to criu's own %s namespace", link);
		ret = -EPERM;
	}
	close(back);
	return ret;
}

int ns_dump_begin(struct dump_tree *dt)
{
	TaskKobjIdsEntry ids = TASK_KOBJ_IDS_ENTRY__INIT;
	struct ns_ids *n = &dt->ns;
	pid_t root = dt->tasks[0]->pid;
	size_t i;
	int ret;

	ret = ns_ids_fill(n, root, &ids);
	if (ret)
		return ret;
	n->root[NS_PID] = ids.pid_ns_id;
	n->root[NS_IPC] = ids.ipc_ns_id;
	n->root[NS_UTS] = ids.uts_ns_id;
	n->root[NS_TIME] = ids.time_ns_id;
	n->root[NS_NET] = ids.net_ns_id;
	n->root[NS_MNT] = ids.mnt_ns_id;
	for (i = 0; i < sizeof(saved_kinds) / sizeof(saved_kinds[0]); i++) {
		ret = ns_is_criu_own(root, saved_kinds[i].link);
		if (ret < 0)
			return ret;
		if (!ret) {
			n->root_own |= NS_BIT(saved_kinds[i].kind);
			pr_info("Task %d has a %s namespace of its own (id %u): saved\n", root,
				saved_kinds[i].link, n->root[saved_kinds[i].kind]);
		}
	}
	n->root[NS_USER] = ids.user_ns_id;
	ret = ns_is_criu_own(root, "user");
	if (ret < 0)
		return ret;
	if (!ret) {
		n->root_own |= NS_BIT(NS_USER);
		ret = userns_dump_begin(n, root);
		if (ret)
			return ret;
	}
	if (n->root_own & NS_BIT(NS_PID)) {
		ret = pidns_dump_check_root(root);
		if (ret)
			return ret;
	}
	ret = pidns_dump_map(dt, n->root_own & NS_BIT(NS_PID));
	if (ret)
		return ret;
	/* criu works in the tree's network namespace: sock_diag, /proc/self/net, the lock */
	if (n->root_own & NS_BIT(NS_NET)) {
		ret = netns_dump_enter(root, n->root[NS_NET]);
		if (ret)
			return ret;
	}
	if (!(n->root_own & NS_BIT(NS_IPC)))
		return 0;
	ret = ns_enter(root, "ipc", CLONE_NEWIPC, &n->criu_ipc_fd);
	if (!ret)
		n->in_tree_ipc = true;
	return ret;
}

void ns_dump_end(struct dump_tree *dt)
{
	pidns_dump_unmap(dt);
	free(dt->ns.user);
	dt->ns.user = NULL;
	userns_nested_dump_free(&dt->ns);
	netns_dump_leave();
	if (!dt->ns.in_tree_ipc)
		return;
	dt->ns.in_tree_ipc = false;
	ns_leave(dt->ns.criu_ipc_fd, CLONE_NEWIPC, "ipc");
}

/* Every thread of pid in its leader's network namespace: a thread's own is not restored */
static int check_threads_net(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir) {
		pr_perror("Can't list the threads of task %d", pid);
		return -errno;
	}
	while (!ret && (d = readdir(dir))) {
		pid_t tid = atoi(d->d_name);

		if (tid <= 0 || tid == pid)
			continue;
		ret = ns_is_same(pid, "net", tid, "net");
		if (ret == 0) {
			pr_err("Thread %d of task %d is in another network namespace than its "
			       "leader: a thread's own network namespace is not supported yet\n",
			       tid, pid);
			ret = -EOPNOTSUPP;
		} else if (ret == 1) {
			ret = 0;
		}
	}
	closedir(dir);
	return ret;
}

int ns_dump_task_net(struct dump_ctx *dc)
{
	TaskKobjIdsEntry ids = TASK_KOBJ_IDS_ENTRY__INIT;
	struct ns_ids *n = &dc->tree->ns;
	int ret;

	if (!(n->root_own & NS_BIT(NS_NET)))
		return 0;
	ret = ns_ids_fill(n, dc->pid, &ids) ?: check_threads_net(dc->pid);
	return ret ?: netns_dump_task(dc->pid, ids.net_ns_id);
}

uint32_t ns_dump_ipc_id(const struct dump_tree *dt)
{
	return ns_dump_own_ipc(dt) ? dt->ns.root[NS_IPC] : HOST_SYSV_ID;
}

bool ns_dump_own_ipc(const struct dump_tree *dt)
{
	return dt->ns.root_own & NS_BIT(NS_IPC);
}

int ns_dump_write(struct dump_tree *dt)
{
	const struct ns_ids *n = &dt->ns;
	pid_t root = dt->tasks[0]->pid;
	int ret = 0;

	if (n->user)
		ret = userns_dump_write(dt->dfd, n->root[NS_USER], n->user);
	ret = ret ?: userns_nested_dump_write(dt);
	if (!ret && (n->root_own & NS_BIT(NS_UTS)))
		ret = utsns_dump(dt->dfd, root, n->root[NS_UTS]);
	if (!ret && (n->root_own & NS_BIT(NS_IPC))) {
		ret = ipcns_var_dump(dt->dfd, n->root[NS_IPC]);
		ret = ret ?: ipcns_sem_dump(dt->dfd, n->root[NS_IPC]);
		ret = ret ?: ipcns_msg_dump(dt->dfd, n->root[NS_IPC]);
	}
	if (!ret && (n->root_own & NS_BIT(NS_TIME)))
		ret = timens_dump(dt->dfd, root, n->root[NS_TIME]);
	if (!ret && n->pids)
		ret = pidns_dump_write(dt);
	if (!ret && (n->root_own & NS_BIT(NS_NET)))
		ret = netns_dump_write(dt->dfd, dt->opts->externals, dt->opts->nr_externals,
				       dt->opts->empty_ns_net);
	if (!ret && (n->root_own & NS_BIT(NS_MNT)))
		ret = mntns_dump(dt->dfd, root, n->root[NS_MNT], &dt->opts->mnt, 0)
			      ?: mntns_dump_nested(dt, n->root[NS_MNT]);
	return ret;
}
