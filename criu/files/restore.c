/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/restore.c - put back a task's open files, cwd, root and umask. Runs in the forked
 * task, before its memory is rebuilt. Each open file is opened once by its kind's handler
 * (files-*.c) and dup'ed to every fd that shared it at dump. A regular file whose size or
 * mode changed since the dump is not the dumped file: it is refused, because the program
 * would see other data.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "files.h"
#include "log.h"
#include "restore-ctx.h"
#include "tree.h"

/* File status flags F_SETFL can change; the access mode and creation flags it can't. */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_NDELAY | O_DIRECT | O_NOATIME | O_ASYNC)
/* How long a file a plugin asks to retry may wait for another task's (on a loaded machine) */
#define RETRY_LIMIT_MS 30000

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int close_fd_range(unsigned int from, unsigned int to)
{
	if (syscall(SYS_close_range, from, to, 0)) {
		pr_perror("Can't close inherited fds %u-%u", from, to);
		return -errno;
	}
	return 0;
}

/* Close every fd criu inherited except keep[]: the task must start with only its own. */
int rst_close_foreign_fds(const int *keep, int nr_keep)
{
	unsigned int from = 0;
	int sorted[8], i;

	if (nr_keep > 8)
		return -EINVAL;
	memcpy(sorted, keep, nr_keep * sizeof(int));
	qsort(sorted, nr_keep, sizeof(int), cmp_int);
	for (i = 0; i < nr_keep; i++) {
		unsigned int k = sorted[i];

		if (k > from && close_fd_range(from, k - 1))
			return -errno;
		if (k + 1 > from)
			from = k + 1;
	}
	return close_fd_range(from, ~0U);
}

const FileEntry *rst_find_file(const struct rst_ctx *ctx, uint32_t id)
{
	size_t i;

	/* dump numbers files in files.img order from 1: try that place first */
	if (id && id <= ctx->nr_files && ctx->files[id - 1]->id == id)
		return ctx->files[id - 1];

	for (i = 0; i < ctx->nr_files; i++)
		if (ctx->files[i]->id == id)
			return ctx->files[i];
	return NULL;
}

int rst_images_dfd(const struct rst_fds *rf)
{
	return rf->ctx->dfd;
}

int rst_check_file_entry(const FileEntry *fe)
{
	const struct fd_handler *h = fd_handler_of(fe->type);

	if (!h) {
		pr_err("files.img: file id %u has type %d, which this criu can't restore\n", fe->id,
		       fe->type);
		return -EOPNOTSUPP;
	}
	return h->check(fe);
}

int rst_hold_fd(const struct rst_fds *rf, int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, rf->min_held);

	if (nfd < 0) {
		pr_perror("Can't move fd %d above %d", fd, rf->min_held);
		nfd = -errno;
	}
	close(fd);
	return nfd;
}

int rst_set_fl(int fd, uint32_t flags, const char *what)
{
	if (fcntl(fd, F_SETFL, flags & SETFL_MASK)) {
		pr_perror("%s: can't set its file flags %#o", what, flags);
		return -errno;
	}
	return 0;
}

/* The file at fd must look as it did at dump (its rwx bits aside, if the user says so). */
static int check_reg(const struct rst_ctx *ctx, const RegFileEntry *reg, int fd, const char *what)
{
	mode_t skip = ctx->ro->skip_file_rwx_check ? 0777 : 0;
	struct stat st;

	if (fstat(fd, &st)) {
		pr_perror("Can't stat %s (%s)", reg->name, what);
		return -errno;
	}
	if (reg->has_mode && (st.st_mode & ~skip) != (reg->mode & ~skip)) {
		bool rwx_only = !((st.st_mode ^ reg->mode) & ~0777);

		pr_err("%s: %s changed since the dump (mode %o, was %o); restore refuses it%s\n",
		       what, reg->name, st.st_mode, reg->mode,
		       rwx_only ? " (--skip-file-rwx-check accepts other rwx bits)" : "");
		return -ESTALE;
	}
	if (reg->has_size && S_ISREG(st.st_mode) && (uint64_t)st.st_size != reg->size) {
		pr_err("%s: %s changed since the dump (size %ld, was %lu); restore refuses it\n",
		       what, reg->name, (long)st.st_size, (unsigned long)reg->size);
		return -ESTALE;
	}
	return 0;
}

int rst_open_reg_entry(const struct rst_ctx *ctx, const RegFileEntry *reg, int flags,
		       const char *what)
{
	int fd, ret;

	flags &= ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY);
	if (flags & O_PATH)
		flags &= O_PATH | O_NOFOLLOW | O_DIRECTORY;
	fd = open(reg->name, flags | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_perror("%s: can't open %s (flags %#o); was it removed since the dump?", what,
			  reg->name, flags);
		return ret;
	}
	ret = check_reg(ctx, reg, fd, what);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int rst_open_reg(const struct rst_ctx *ctx, uint32_t id, int flags, const char *what)
{
	const RegFileEntry *reg = rst_find_reg(ctx, id);
	const FileEntry *fe = reg ? NULL : rst_find_file(ctx, id);

	if (fe && fe->type == FD_TYPES__MEMFD)
		return rst_open_memfd_mapping(ctx, fe, flags, what);

	if (!reg) {
		pr_err("%s: file id %u is missing in files.img\n", what, id);
		return -ENOENT;
	}
	return rst_open_remapped(ctx, reg, flags, what);
}

/* A file opened before its own fd, because a socket's queue carries it (SCM_RIGHTS). */
struct ahead_file {
	uint32_t id;
	int fd;
};

int rst_take_ahead(struct rst_fds *rf, uint32_t id)
{
	size_t i;
	int fd;

	for (i = 0; i < rf->nr_ahead; i++) {
		if (rf->ahead[i].id != id)
			continue;
		fd = fcntl(rf->ahead[i].fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			pr_perror("Can't dup file id %u, opened for a socket's queue", id);
		return fd < 0 ? -errno : fd;
	}
	return -ENOENT;
}

/* A transit fd of the file: from the owner, or the owner's own once it is open. */
static int transit_fd_of(const struct rst_fds *rf, uint32_t id)
{
	size_t i;

	for (i = 0; i < rf->ctx->nr_transit; i++) {
		const struct rst_transit *tr = &rf->ctx->transit[i];

		if (tr->id != id)
			continue;
		/* the owner fills its transit fds after its own: each number is this file's */
		if (tr->owner != rf->t->pid || fcntl(tr->fd, F_GETFD) >= 0)
			return tr->fd;
	}
	return -ENOENT;
}

/*
 * Open a file through its kind's handler, with the owner (F_SETOWN) it had; -EAGAIN for a
 * plugin's file (FD_TYPES__EXT) when the plugin asks to be called again (RESTORE_EXT_FILE).
 */
static int open_file_once(struct rst_fds *rf, const FileEntry *fe)
{
	const struct fd_handler *h = fd_handler_of(fe->type);
	const FownEntry *fown;
	pid_t claimer;
	int fd, ret;

	/* --inherit-fd: the user's file stands for it, as it is (no owner set) */
	fd = rst_inherit_open(rf->ctx, fe);
	if (fd != -ENOENT)
		return fd;
	fd = h->open(rf, fe);
	if (fd < 0)
		return fd;
	fown = rst_file_fown(fe);
	claimer = rst_fown_claimer(rf->ctx, fe);
	/* an owner of the tree may not exist yet: it sets itself as owner (files/fown-claims.c) */
	ret = fown && (!claimer || claimer == rf->t->pid) ? rst_set_fown(rf->ctx, fd, fown) : 0;
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * A plugin's file may wait for a file another task makes (a dmabuf for the process that
 * owns its buffer): ask again, a little later each time, for a while.
 */
static int retry_wait(unsigned int *waited_ms, uint32_t id)
{
	unsigned int nap_ms = *waited_ms < 100 ? 1 : 20;

	if (*waited_ms >= RETRY_LIMIT_MS) {
		pr_err("File id %u: the plugin restoring it still asks to be called again after "
		       "%u s; the file it waits for was not made (a task restored after this one, "
		       "such as a child, may hold it)\n",
		       id, RETRY_LIMIT_MS / 1000);
		return -ETIMEDOUT;
	}
	usleep(nap_ms * 1000);
	*waited_ms += nap_ms;
	return 0;
}

int rst_open_file(struct rst_fds *rf, const FileEntry *fe)
{
	unsigned int waited_ms = 0;
	int fd, ret;

	while ((fd = open_file_once(rf, fe)) == -EAGAIN && fe->type == FD_TYPES__EXT) {
		ret = retry_wait(&waited_ms, fe->id);
		if (ret)
			return ret;
	}
	return fd;
}

static int open_ahead(struct rst_fds *rf, const FileEntry *fe)
{
	int fd;

	if (ARRAY_ADD_ROOM(rf->ahead, rf->nr_ahead))
		return -ENOMEM;
	fd = rst_open_file(rf, fe);
	if (fd < 0)
		return fd;
	fd = rst_hold_fd(rf, fd);
	if (fd < 0)
		return fd;
	rf->ahead[rf->nr_ahead++] = (struct ahead_file){ fe->id, fd };
	pr_debug("%s file id %u opened ahead as %d, for a socket's queue\n",
		 fd_handler_of(fe->type)->name, fe->id, fd);
	return fd;
}

int rst_borrow_file(struct rst_fds *rf, uint32_t id)
{
	const FileEntry *fe = rst_find_file(rf->ctx, id);
	size_t i;
	int fd;

	for (i = 0; i < rf->nr_done; i++)
		if (rf->t->fds[i]->id == id && (!rf->pending || !rf->pending[i]))
			return rf->t->fds[i]->fd;
	fd = transit_fd_of(rf, id);
	if (fd >= 0)
		return fd;
	for (i = 0; i < rf->nr_ahead; i++)
		if (rf->ahead[i].id == id)
			return rf->ahead[i].fd;
	if (!fe) {
		pr_err("File id %u is missing in files.img\n", id);
		return -ENOENT;
	}
	return open_ahead(rf, fe);
}

static void ahead_fini(struct rst_fds *rf)
{
	size_t i;

	for (i = 0; i < rf->nr_ahead; i++)
		close(rf->ahead[i].fd);
	free(rf->ahead);
	rf->ahead = NULL;
	rf->nr_ahead = 0;
}

/* An fd sharing its open file with an earlier one (dup) must share it again. */
static int find_shared(const struct rst_task *t, size_t upto, uint32_t id)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (t->fds[i]->id == id)
			return t->fds[i]->fd;
	return -ENOENT;
}

/* Put fd at number target; fd itself is consumed. */
static int install_fd(int fd, int target, const char *what)
{
	if (fd == target)
		return 0;
	if (dup2(fd, target) < 0) {
		pr_perror("%s: can't move it into place", what);
		close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

/*
 * The kernel names in SIGIO's si_fd the fd that O_ASYNC was set on, and the file was opened
 * at another number, or came on a transit fd: set O_ASYNC again on its own number.
 */
static int pin_async_fd(int fd, const char *what)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || !(fl & O_ASYNC))
		return 0;
	if (fcntl(fd, F_SETFL, fl & ~O_ASYNC) || fcntl(fd, F_SETFL, fl)) {
		pr_perror("%s: can't set O_ASYNC on it again", what);
		return -errno;
	}
	return 0;
}

static bool same_file_pending(const struct rst_fds *rf, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (rf->pending[j] && rf->t->fds[j]->id == rf->t->fds[i]->id)
			return true;
	return false;
}

static int open_one_fd(struct rst_fds *rf, size_t i)
{
	const FdinfoEntry *e = rf->t->fds[i];
	const FileEntry *fe = rst_find_file(rf->ctx, e->id);
	const struct fd_handler *h = fd_handler_of(fe->type);
	int fd, shared = find_shared(rf->t, i, e->id);
	char what[32];
	int ret;

	snprintf(what, sizeof(what), "fd %u", e->fd);
	/* an fd of a file put off waits with it, to be the same open file */
	if (same_file_pending(rf, i))
		return -EAGAIN;
	/* a file shared with other tasks came down from its owner: same open file */
	if (shared < 0)
		shared = rst_transit_fd(rf->ctx, rf->t, e->id);
	if (shared >= 0) {
		if (dup2(shared, e->fd) < 0) {
			pr_perror("%s: can't dup fd %d to it", what, shared);
			return -errno;
		}
	} else {
		/* a socket's queue may have needed the file already: the same open file */
		fd = rst_take_ahead(rf, fe->id);
		if (fd == -ENOENT)
			fd = open_file_once(rf, fe);
		if (fd < 0)
			return fd;
		pr_debug("%s: %s file id %u opened as %d\n", what, h->name, fe->id, fd);
		ret = install_fd(fd, e->fd, what);
		if (ret)
			return ret;
	}
	ret = pin_async_fd(e->fd, what);
	if (ret)
		return ret;
	if (fcntl(e->fd, F_SETFD, e->flags & FD_CLOEXEC)) {
		pr_perror("%s: can't set its fd flags", what);
		return -errno;
	}
	return 0;
}

/* Once every fd exists: what needs other fds (epoll targets) or all users (ghosts). */
static int post_open_fds(struct rst_fds *rf)
{
	size_t i;
	int ret;

	for (i = 0; i < rf->t->nr_fds; i++) {
		const FdinfoEntry *e = rf->t->fds[i];
		const FileEntry *fe = rst_find_file(rf->ctx, e->id);
		const struct fd_handler *h = fd_handler_of(fe->type);

		if (!h->post_open || find_shared(rf->t, i, e->id) >= 0 ||
		    rst_transit_fd(rf->ctx, rf->t, e->id) >= 0)
			continue;
		ret = h->post_open(rf, fe, e->fd);
		if (ret)
			return ret;
	}
	return 0;
}

/* Only a plugin's file is put off (another handler's EAGAIN is its failure). */
static bool asks_retry(const struct rst_fds *rf, size_t i, int ret)
{
	return ret == -EAGAIN && rst_find_file(rf->ctx, rf->t->fds[i]->id)->type == FD_TYPES__EXT;
}

/*
 * The fds whose plugin asked to be called again, once the others are made (CRIU's order):
 * in rounds, waiting between rounds that made none, since they wait for other tasks then.
 */
static int open_pending_fds(struct rst_fds *rf, size_t nr_pending)
{
	unsigned int waited_ms = 0;
	size_t i, before;
	int ret;

	while (nr_pending) {
		before = nr_pending;
		for (i = 0; i < rf->t->nr_fds; i++) {
			if (!rf->pending[i])
				continue;
			ret = open_one_fd(rf, i);
			if (asks_retry(rf, i, ret))
				continue;
			if (ret)
				return ret;
			rf->pending[i] = false;
			nr_pending--;
		}
		if (nr_pending < before)
			continue;
		for (i = 0; !rf->pending[i]; i++)
			;
		ret = retry_wait(&waited_ms, rf->t->fds[i]->id);
		if (ret)
			return ret;
	}
	return 0;
}

int rst_restore_fds(const struct rst_ctx *ctx, const struct rst_task *t)
{
	struct rst_fds rf = { .ctx = ctx, .t = t, .min_held = ctx->fd_top + 1 };
	size_t i, nr_pending = 0;
	int ret = 0;

	rf.pending = calloc(t->nr_fds + 1, sizeof(*rf.pending));
	if (!rf.pending)
		return -ENOMEM;
	for (i = 0; !ret && i < t->nr_fds; i++) {
		rf.nr_done = i;
		ret = open_one_fd(&rf, i);
		if (asks_retry(&rf, i, ret)) {
			rf.pending[i] = true;
			nr_pending++;
			ret = 0;
		}
	}
	rf.nr_done = t->nr_fds;
	ret = ret ?: open_pending_fds(&rf, nr_pending);
	free(rf.pending);
	rf.pending = NULL;
	ret = ret ?: post_open_fds(&rf);
	ret = ret ?: rst_open_transit(&rf);
	ret = ret ?: tty_restore_done(&rf);
	ret = ret ?: unix_names_done(&rf);
	/* files opened for a socket's queue only: the queue holds them now */
	ahead_fini(&rf);
	rst_fds_fini(&rf, ret != 0);
	if (!ret && t->shares_files)
		pr_info("fd table shared with parent %u (CLONE_FILES)\n", t->pstree->ppid);
	else if (!ret)
		pr_info("restored %zu fds\n", t->nr_fds);
	return ret;
}

/* Check the cwd the way fds are checked, enter it, and set the umask (fs.img too). */
int rst_restore_cwd(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const RegFileEntry *reg = rst_find_reg(ctx, t->fs->cwd_id);
	int fd, ret = 0;

	fd = rst_open_reg(ctx, t->fs->cwd_id, O_RDONLY | O_DIRECTORY, "cwd");
	if (fd < 0)
		return fd;
	if (fchdir(fd)) {
		ret = -errno;
		pr_perror("Can't set the cwd to %s", reg->name);
	}
	close(fd);
	if (!ret && t->fs->has_umask)
		umask(t->fs->umask);
	return ret;
}

/*
 * Last of all before the restorer: paths (the images, /proc) are criu's until then. The root
 * is entered through an fd, so a removed directory works too, and the cwd stays where it is.
 */
int rst_restore_root(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const RegFileEntry *reg = rst_find_reg(ctx, t->fs->root_id);
	int fd, cwd, ret = 0;

	if (!strcmp(reg->name, "/"))
		return 0;
	fd = rst_open_reg(ctx, t->fs->root_id, O_RDONLY | O_DIRECTORY, "root");
	if (fd < 0)
		return fd;
	cwd = open(".", O_PATH | O_CLOEXEC);
	if (cwd < 0) {
		ret = -errno;
		pr_perror("Can't keep the cwd while the root changes");
		goto out_close_root;
	}
	if (fchdir(fd) || chroot(".") || fchdir(cwd)) {
		ret = -errno;
		pr_perror("Can't set the root to %s", reg->name);
	}
	close(cwd);
out_close_root:
	close(fd);
	return ret;
}
