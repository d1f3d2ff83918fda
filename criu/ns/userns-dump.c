/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/userns-dump.c - the dump of the tree root's own user namespace (userns.h). Saved when
 * it is a child of criu's, every task of the tree is in it, and the root's uts, ipc and time
 * namespaces of its own are owned by it: the restore makes them the same way. Its pid
 * namespace may be owned by it or by criu's (the restore makes the latter: ns/userns-restore.c).
 * Its network and cgroup namespaces of its own must be owned by it too (the rootless
 * container's shape). Refused: a mount namespace of the tree's in it (its restore from
 * criu's side is not done for a user namespace yet), and threads of a task in a pid
 * namespace below the tree's.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "proc-status.h"
#include "image.h"
#include "log.h"
#include "ns.h"
#include "internal.h"
#include "userns.h"

#include "userns.pb-c.h"
#include "userns-extra.pb-c.h"

/*
 * The inode of the user namespace that owns (NS_GET_USERNS) or is the parent of
 * (NS_GET_PARENT) pid's namespace of kind link; 0 when it can't be told.
 */
static ino_t ns_related(pid_t pid, const char *link, unsigned long req)
{
	struct stat st = {};
	char path[64];
	int fd, rel;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, link);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	rel = ioctl(fd, req);
	close(fd);
	if (rel < 0)
		return 0;
	if (fstat(rel, &st))
		st.st_ino = 0;
	close(rel);
	return st.st_ino;
}

/* The namespaces the restore makes in the user namespace must be owned by it now. */
static int check_owners(pid_t root, unsigned int own)
{
	static const struct {
		int kind; /* -1: cgroup, which root_own does not hold */
		const char *link;
	} owned[] = { { NS_UTS, "uts" }, { NS_IPC, "ipc" }, { NS_TIME, "time" },
		      { NS_NET, "net" }, { NS_MNT, "mnt" }, { -1, "cgroup" } };
	struct stat user;
	char path[64];
	size_t i;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", root);
	if (stat(path, &user)) {
		pr_perror("Can't read the user namespace of task %d", root);
		return -errno;
	}
	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		bool mine = owned[i].kind < 0 ? ns_is_criu_own(root, owned[i].link) == 0
					      : own & NS_BIT(owned[i].kind);

		if (!mine || ns_related(root, owned[i].link, NS_GET_USERNS) == user.st_ino)
			continue;
		pr_err("Task %d's %s namespace is not owned by its user namespace: the restore "
		       "would make it so; not supported yet\n",
		       root, owned[i].link);
		return -EOPNOTSUPP;
	}
	return 0;
}

int userns_dump_begin(struct ns_ids *n, pid_t root)
{
	struct stat mine;
	int ret;

	if (stat("/proc/self/ns/user", &mine) ||
	    ns_related(root, "user", NS_GET_PARENT) != mine.st_ino) {
		pr_err("Task %d is in a user namespace that is not a child of criu's: nested user "
		       "namespaces are not supported yet; run criu in the parent of the task's\n",
		       root);
		return -EOPNOTSUPP;
	}
	ret = check_owners(root, n->root_own);
	if (ret)
		return ret;
	n->user = calloc(1, sizeof(*n->user));
	if (!n->user)
		return -ENOMEM;
	ret = userns_maps_read(root, n->user);
	if (ret)
		return ret;
	pr_info("Task %d has a user namespace of its own (id %u, %zu uid and %zu gid extents, "
		"setgroups %s): saved\n",
		root, n->root[NS_USER], n->user->uid.nr, n->user->gid.nr,
		n->user->setgroups ? "allow" : "deny");
	return 0;
}

/*
 * Threads in the user namespace are cloned without set_tid, after criu set ns_last_pid of
 * criu's level and of the tree's (ns/userns-threads.c): not of a pid namespace below those.
 * So are all threads of a tree in criu's user namespace with tasks in nested ones: there
 * userns-nested-dump.c refuses such threads once it knows of a nested one.
 */
int ns_check_threads(struct dump_tree *dt, pid_t pid, size_t nr_threads)
{
	pid_t nspid[33]; /* the kernel's deepest nesting and criu's level */
	int n;

	n = userns_nested_dump_task(dt, pid);
	if (n || nr_threads < 2)
		return n;
	n = parse_proc_nspid(pid, 0, nspid, sizeof(nspid) / sizeof(nspid[0]));
	if (!dt->ns.user && n > USERNS_THREAD_LEVELS)
		return userns_nested_dump_deep_threads(dt, pid);
	if (!dt->ns.user)
		return 0;
	if (n < 0 || n > USERNS_THREAD_LEVELS) {
		pr_err("Task %d has %zu threads in a pid namespace below the tree's, in the tree's "
		       "user namespace: restoring them is not supported yet\n",
		       pid, nr_threads);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int id_inside(const struct userns_map *m, bool gid, const char *what, pid_t pid,
		     uint32_t *id)
{
	uint32_t in;

	if (userns_id_inside(m, *id, &in)) {
		*id = in;
		return 0;
	}
	return userns_unmapped_dump(m, gid, pid, what, id);
}

int ns_dump_creds(const struct dump_tree *dt, pid_t pid, CredsEntry *c)
{
	const struct userns_maps *m = userns_nested_dump_maps(dt, pid) ?: dt->ns.user;
	uint32_t *uids[] = { &c->uid, &c->euid, &c->suid, &c->fsuid };
	uint32_t *gids[] = { &c->gid, &c->egid, &c->sgid, &c->fsgid };
	size_t i;
	int ret = 0;

	if (!m)
		return 0;
	for (i = 0; !ret && i < 4; i++)
		ret = id_inside(&m->uid, false, "uid", pid, uids[i])
			      ?: id_inside(&m->gid, true, "gid", pid, gids[i]);
	for (i = 0; !ret && i < c->n_groups; i++)
		ret = id_inside(&m->gid, true, "supplementary group", pid, &c->groups[i]);
	return ret;
}

static void fill_map(const struct userns_map *m, UidGidExtent *ext, UidGidExtent **ptrs)
{
	size_t i;

	for (i = 0; i < m->nr; i++) {
		uid_gid_extent__init(&ext[i]);
		ext[i].first = m->e[i].first;
		ext[i].lower_first = m->e[i].lower;
		ext[i].count = m->e[i].count;
		ptrs[i] = &ext[i];
	}
}

static int write_one(int dfd, int type, uint32_t id, const ProtobufCMessage *msg)
{
	struct cr_img *img = open_image_at(dfd, type, O_DUMP, id);
	int ret;

	if (!img)
		return -EIO;
	ret = pb_write_one(img, msg);
	return close_image(img) ?: ret;
}

/* The extents of both maps and the pointers protobuf-c wants to them */
struct userns_pb {
	UidGidExtent ext[2][USERNS_MAX_EXTENTS];
	UidGidExtent *ptrs[2][USERNS_MAX_EXTENTS];
};

int userns_dump_write(int dfd, uint32_t id, const struct userns_maps *m)
{
	UsernsEntry e = USERNS_ENTRY__INIT;
	UsernsExtraEntry x = USERNS_EXTRA_ENTRY__INIT;
	struct userns_pb *pb = malloc(sizeof(*pb));
	int ret;

	if (!pb)
		return -ENOMEM;
	fill_map(&m->uid, pb->ext[0], pb->ptrs[0]);
	fill_map(&m->gid, pb->ext[1], pb->ptrs[1]);
	e.n_uid_map = m->uid.nr;
	e.uid_map = pb->ptrs[0];
	e.n_gid_map = m->gid.nr;
	e.gid_map = pb->ptrs[1];
	x.setgroups = m->setgroups;
	x.has_parent_id = m->parent != 0;
	x.parent_id = m->parent;
	x.has_owner_uid = m->has_owner;
	x.owner_uid = m->owner;
	ret = write_one(dfd, CR_FD_USERNS, id, &e.base);
	ret = ret ?: write_one(dfd, CR_FD_USERNS_EXTRA, id, &x.base);
	free(pb);
	return ret;
}
