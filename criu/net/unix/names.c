/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/unix/names.c - the path a unix socket is bound to, at dump and at restore.
 *
 * A relative name was resolved from the cwd of whoever bound it: the dump looks for the
 * socket's inode under the task's cwd, then its root, and saves that directory as the
 * entry's name_dir; restore binds (and connects, and sends) from there. A name whose path
 * was removed since, or now leads to another file, or lies in a removed directory, is
 * saved with "deleted": restore binds at the old path all the same (the socket keeps that
 * name, getsockname tells it), making the missing directories and moving a file that has
 * taken the name aside, and once the task's sockets are made (others of the group connect
 * to the name meanwhile) removes what it made and puts back what it moved. CRIU reads
 * and writes both fields this way.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "array.h"
#include "files.h"
#include "internal.h"
#include "log.h"

/* ---- dump ---- */

static int fill_perms(UnixSkEntry *ue, const struct stat *st)
{
	ue->file_perms = malloc(sizeof(*ue->file_perms));
	if (!ue->file_perms)
		return -ENOMEM;
	file_perms_entry__init(ue->file_perms);
	ue->file_perms->mode = st->st_mode;
	ue->file_perms->uid = st->st_uid;
	ue->file_perms->gid = st->st_gid;
	return 0;
}

static bool is_this_sk(const char *path, const struct usk_diag *d, struct stat *st)
{
	return !stat(path, st) && S_ISSOCK(st->st_mode) && d->has_vfs && st->st_ino == d->vfs_ino;
}

/* The directory of the task (its cwd, then its root) from which name leads to the socket. */
static int resolve_relative(const struct fd_parms *p, const struct usk_diag *d, const char *name,
			    UnixSkEntry *ue)
{
	static const char *const dirs[] = { "cwd", "root" };
	char link[64], dir[PATH_MAX], path[PATH_MAX + NAME_MAX_LEN + 2];
	struct stat st;
	ssize_t len;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(link, sizeof(link), "/proc/%d/%s", p->pid, dirs[i]);
		len = readlink(link, dir, sizeof(dir) - 1);
		if (len <= 0)
			continue;
		dir[len] = 0;
		if (dir[0] != '/' || strstr(dir, " (deleted)"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (!is_this_sk(path, d, &st))
			continue;
		ue->name_dir = strdup(dir);
		return ue->name_dir ? fill_perms(ue, &st) : -ENOMEM;
	}
	pr_err("fd %d of task %d (socket:[%u]) is bound to the relative path %s, which leads "
	       "to it neither from the task's cwd nor from its root: not supported\n",
	       p->fd, p->pid, d->ino, name);
	return -EOPNOTSUPP;
}

int unix_dump_name(const struct fd_parms *p, const struct usk_diag *d, UnixSkEntry *ue)
{
	char path[NAME_MAX_LEN + 1];
	struct stat st;

	if (!d->namelen || !d->name[0])
		return 0; /* unnamed or abstract */
	memcpy(path, d->name, d->namelen);
	path[d->namelen] = 0;
	if (path[0] != '/')
		return resolve_relative(p, d, path, ue);
	if (is_this_sk(path, d, &st))
		return fill_perms(ue, &st);
	pr_info("socket:[%u]: %s was removed or replaced since it was bound\n", d->ino, path);
	ue->has_deleted = ue->deleted = true;
	return 0;
}

/* ---- restore ---- */

/* What binding a deleted name made, undone once the task's sockets are made. */
struct name_undo {
	char *path;  /* the socket file bound there */
	ino_t ino;   /* its inode: removed only if still there */
	char *moved; /* a file that had the name, moved here meanwhile, or NULL */
	char **dirs; /* directories made for it, deepest last */
	size_t nr_dirs;
};

struct unix_names {
	struct name_undo *v;
	size_t nr;
};

static void names_fini(struct rst_fds *rf, void *priv, bool failed);

static const struct rst_fds_key names_key = {
	.name = "unix names",
	.size = sizeof(struct unix_names),
	.fini = names_fini,
};

int unix_name_enter(const UnixSkEntry *ue, int *saved)
{
	*saved = -1;
	if (!ue->name_dir || !ue->name.len || !ue->name.data[0] || ue->name.data[0] == '/')
		return 0;
	*saved = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*saved < 0 || chdir(ue->name_dir)) {
		pr_perror("Can't enter %s, where socket:[%u]'s relative name leads", ue->name_dir,
			  ue->ino);
		if (*saved >= 0)
			close(*saved);
		*saved = -1;
		return -ENOENT;
	}
	return 0;
}

void unix_name_leave(int saved)
{
	if (saved < 0)
		return;
	if (fchdir(saved))
		pr_perror("Can't go back to the restore's directory");
	close(saved);
}

/* The missing directories above path, made (0700) and noted in u, outermost first. */
static int make_parents(char *path, struct name_undo *u)
{
	char *slash = path;
	struct stat st;
	int ret = 0;

	while (!ret && (slash = strchr(slash + 1, '/'))) {
		*slash = 0;
		if (stat(path, &st) && errno == ENOENT) {
			if (mkdir(path, 0700)) {
				pr_perror("Can't make %s again to bind a socket in it", path);
				ret = -errno;
			} else if (ARRAY_ADD_ROOM(u->dirs, u->nr_dirs) ||
				   !(u->dirs[u->nr_dirs] = strdup(path))) {
				rmdir(path);
				ret = -ENOMEM;
			} else {
				u->nr_dirs++;
			}
		}
		*slash = '/';
	}
	return ret;
}

/* A file that took the name: out of the way, in the same directory, until undo. */
static int move_aside(const char *path, const UnixSkEntry *ue, struct name_undo *u)
{
	char tmp[PATH_MAX];
	struct stat st;

	if (lstat(path, &st))
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.criu-unix-%u-%d", path, ue->ino, getpid());
	if (rename(path, tmp)) {
		pr_perror("Can't move %s aside to bind socket:[%u] there", path, ue->ino);
		return -errno;
	}
	u->moved = strdup(tmp);
	if (!u->moved) {
		rename(tmp, path);
		return -ENOMEM;
	}
	return 0;
}

static void undo_one(struct name_undo *u)
{
	struct stat st;

	if (u->path && !lstat(u->path, &st) && st.st_ino == u->ino && unlink(u->path))
		pr_perror("Can't remove %s, a removed socket's name bound again", u->path);
	if (u->moved && rename(u->moved, u->path))
		pr_perror("Can't put %s back in place", u->path);
	while (u->nr_dirs--) {
		if (rmdir(u->dirs[u->nr_dirs]))
			pr_perror("Can't remove %s again", u->dirs[u->nr_dirs]);
		free(u->dirs[u->nr_dirs]);
	}
	free(u->dirs);
	free(u->moved);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

/* Before bind(): make the deleted name's path bindable, noting how to undo it. */
int unix_name_prepare(struct rst_fds *rf, const UnixSkEntry *ue, struct name_undo **undo)
{
	struct unix_names *un = rst_fds_priv(rf, &names_key);
	struct name_undo *u;
	int ret;

	*undo = NULL;
	if (!ue->deleted || !ue->name.len || ue->name.data[0] != '/')
		return 0;
	if (!un || ARRAY_ADD_ROOM(un->v, un->nr))
		return -ENOMEM;
	u = &un->v[un->nr];
	memset(u, 0, sizeof(*u));
	u->path = strndup((const char *)ue->name.data, ue->name.len);
	if (!u->path)
		return -ENOMEM;
	un->nr++;
	ret = make_parents(u->path, u) ?: move_aside(u->path, ue, u);
	*undo = u;
	return ret;
}

/* After bind(): the inode the socket file got, so undo removes that one only. */
int unix_name_bound(struct name_undo *u)
{
	struct stat st;

	if (!u)
		return 0;
	if (lstat(u->path, &st)) {
		pr_perror("Can't stat %s, just bound", u->path);
		return -errno;
	}
	u->ino = st.st_ino;
	return 0;
}

static int undo_all(struct unix_names *un)
{
	unsigned long errors = log_error_count();
	size_t i;

	/* the newest first: a later bind may have moved an earlier one's file */
	for (i = un->nr; i > 0; i--)
		undo_one(&un->v[i - 1]);
	un->nr = 0;
	return log_error_count() == errors ? 0 : -EIO;
}

int unix_names_done(struct rst_fds *rf)
{
	struct unix_names *un = rst_fds_priv_find(rf, &names_key);

	return un ? undo_all(un) : 0;
}

static void names_fini(struct rst_fds *rf, void *priv, bool failed)
{
	struct unix_names *un = priv;

	undo_all(un);
	free(un->v);
}
