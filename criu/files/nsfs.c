/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/nsfs.c - namespace files (/proc/PID/ns/KIND, whose link reads "KIND:[INODE]") held
 * open. Tasks in namespaces other than criu's are refused (criu/ns/ns-check.c), so an
 * nsfs file of the tree names one of criu's own namespaces: it is saved as its kind
 * (ns_cflag) and restore opens criu's own /proc/CRIU/ns file of that kind. A file of any
 * other namespace (one that no task is in any more) is refused, naming it.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "log.h"
#include "ns-ids.h"
#include "restore-ctx.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* In CRIU's order of namespace ids: criu's own namespace of kind i has id i + 1. */
static const struct {
	const char *name;
	uint32_t cflag;
} ns_kinds[] = {
	{ "pid", CLONE_NEWPID },   { "net", CLONE_NEWNET },	  { "ipc", CLONE_NEWIPC },
	{ "uts", CLONE_NEWUTS },   { "time", CLONE_NEWTIME },	  { "mnt", CLONE_NEWNS },
	{ "user", CLONE_NEWUSER }, { "cgroup", CLONE_NEWCGROUP },
};

#define NR_NS_KINDS (sizeof(ns_kinds) / sizeof(ns_kinds[0]))

/* The kind named by a link "KIND:[INODE]", or -1. */
static int ns_kind_of(const char *link)
{
	char name[16];
	unsigned long ino;
	size_t i;

	if (sscanf(link, "%15[a-z]:[%lu]", name, &ino) != 2)
		return -1;
	for (i = 0; i < NR_NS_KINDS; i++)
		if (!strcmp(name, ns_kinds[i].name))
			return i;
	return -1;
}

static bool nsfs_match(const struct fd_parms *p)
{
	return ns_kind_of(p->link) >= 0 && S_ISREG(p->st.st_mode);
}

/* criu's own namespace of kind, as ns_ids_init() saw it before the dump began */
static ino_t criu_own_ino(const struct dump_ctx *dc, int kind, ino_t now)
{
	const struct ns_ids *n = &dc->tree->ns;
	size_t i;

	for (i = 0; i < n->nr; i++)
		if (n->seen[i].kind == (unsigned int)kind)
			return n->seen[i].ino;
	return now;
}

static int nsfs_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	int kind = ns_kind_of(p->link);
	ino_t own_ino;
	NsFileEntry *e = malloc(sizeof(*e));
	char own[32];
	struct stat st;

	if (!e)
		return -ENOMEM;
	ns_file_entry__init(e);
	fe->nsf = e;
	snprintf(own, sizeof(own), "/proc/self/ns/%s", ns_kinds[kind].name);
	if (stat(own, &st)) {
		pr_perror("Can't stat criu's own %s", own);
		return -errno;
	}
	/* criu may work inside the tree's network namespace: its own were numbered first */
	own_ino = criu_own_ino(dc, kind, st.st_ino);
	if (own_ino != p->st.st_ino) {
		pr_err("fd %d of task %d is %s, a namespace that is not criu's (criu's is "
		       "%s:[%lu]): only files of criu's own namespaces are supported yet\n",
		       p->fd, p->pid, p->link, ns_kinds[kind].name, (unsigned long)own_ino);
		return -EOPNOTSUPP;
	}
	/* restore opens /proc/CRIU/ns/KIND, which a tree with its own /proc can't reach */
	if (dc->tree->ns.root_own & NS_BIT(NS_MNT)) {
		pr_err("fd %d of task %d is %s, a namespace of criu's, held by a tree in a mount "
		       "namespace of its own: not supported yet (a task there can't reopen criu's "
		       "namespaces)\n",
		       p->fd, p->pid, p->link);
		return -EOPNOTSUPP;
	}
	e->id = fe->id;
	e->ns_id = kind + 1;
	e->ns_cflag = ns_kinds[kind].cflag;
	e->flags = p->flags;
	return 0;
}

static int nsfs_kind_by_cflag(uint32_t cflag)
{
	size_t i;

	for (i = 0; i < NR_NS_KINDS; i++)
		if (ns_kinds[i].cflag == cflag)
			return i;
	return -1;
}

static int nsfs_check(const FileEntry *fe)
{
	if (!fe->nsf || fe->nsf->id != fe->id || nsfs_kind_by_cflag(fe->nsf->ns_cflag) < 0 ||
	    fe->nsf->ns_id != (uint32_t)nsfs_kind_by_cflag(fe->nsf->ns_cflag) + 1) {
		pr_err("files.img: file id %u has a bad namespace file entry (or one of a "
		       "namespace other than criu's, which this criu can't restore)\n",
		       fe->id);
		return -EINVAL;
	}
	return 0;
}

static int nsfs_open(struct rst_fds *rf, const FileEntry *fe)
{
	int kind = nsfs_kind_by_cflag(fe->nsf->ns_cflag), fd;
	char path[48];

	/* criu's, not the task's: the tree may have namespaces of its own */
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", rf->ctx->criu_pid, ns_kinds[kind].name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open %s for file id %u", path, fe->id);
		return -errno;
	}
	if (rst_set_fl(fd, fe->nsf->flags, path)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

const struct fd_handler nsfs_handler = {
	.type = FD_TYPES__NS,
	.name = "namespace file",
	.match = nsfs_match,
	.dump = nsfs_dump,
	.check = nsfs_check,
	.open = nsfs_open,
};
