/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/dump.c - the generic walk over a task's fds: every open file description becomes
 * one FileEntry in files.img (dup'ed fds share it, as kcmp tells), every fd one FdinfoEntry
 * in fdinfo-N.img. The kind-specific part is in the handlers (files-*.c); an fd no handler
 * takes fails the dump, naming the fd and its kind. cwd, root, exe and mapped files are
 * regular FileEntries too.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "array.h"
#include "compel/infect.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "ns.h"
#include "log.h"
#include "proc-fdinfo.h"
#include "proc-parse.h"

int open_proc_fd(const struct fd_parms *p, int flags)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", p->pid, p->fd);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		pr_perror("Can't open fd %d of task %d (%s) through /proc", p->fd, p->pid, p->link);
	}
	return fd;
}

char *link_path(const char *link)
{
	static const char deleted[] = " (deleted)";
	size_t n = strlen(link), d = sizeof(deleted) - 1;
	char *s = strdup(link);

	if (s && n > d && !strcmp(s + n - d, deleted))
		s[n - d] = 0;
	return s;
}

int fill_reg_entry(RegFileEntry *r, uint32_t id, const char *path, uint32_t flags, uint64_t pos,
		   const struct stat *st, FownEntry *fown)
{
	reg_file_entry__init(r);
	r->fown = fown;
	r->name = strdup(path);
	if (!r->fown) {
		r->fown = calloc(1, sizeof(*r->fown));
		if (r->fown)
			fown_entry__init(r->fown);
	}
	if (!r->name || !r->fown)
		return -ENOMEM;
	r->id = id;
	r->flags = flags;
	r->pos = pos;
	if (st) {
		r->has_mode = 1;
		r->mode = st->st_mode;
		if (S_ISREG(st->st_mode)) {
			r->has_size = 1;
			r->size = st->st_size;
		}
	}
	return 0;
}

/* A new, empty FileEntry in the table; the caller fills its payload. */
FileEntry *files_new(struct file_table *ft, FdTypes type)
{
	FileEntry *fe;

	if (ARRAY_ADD_ROOM(ft->files, ft->nr))
		return NULL;
	fe = calloc(1, sizeof(*fe));
	if (!fe)
		return NULL;
	file_entry__init(fe);
	fe->type = type;
	fe->id = ++ft->next_id;
	ft->files[ft->nr++] = fe;
	return fe;
}

int files_add(struct file_table *ft, const char *path, uint32_t flags, uint64_t pos,
	      const struct stat *st, uint32_t *id)
{
	FileEntry *fe = files_new(ft, FD_TYPES__REG);

	if (!fe)
		return -ENOMEM;
	fe->reg = malloc(sizeof(*fe->reg));
	if (!fe->reg)
		return -ENOMEM;
	*id = fe->id;
	return fill_reg_entry(fe->reg, fe->id, path, flags, pos, st, NULL);
}

static FileEntry *files_find(const struct file_table *ft, uint32_t id)
{
	size_t i;

	/* ids are handed out in order: the entry is usually at id - 1 */
	if (id && id <= ft->nr && ft->files[id - 1]->id == id)
		return ft->files[id - 1];
	for (i = 0; i < ft->nr; i++)
		if (ft->files[i]->id == id)
			return ft->files[i];
	return NULL;
}

static int parse_pos_flags(struct fd_parms *p)
{
	struct fdinfo_common c;
	int ret;

	ret = parse_fdinfo_common(p->fdinfo, p->fdinfo_path, &c);
	if (ret)
		return ret;
	p->pos = (uint64_t)c.pos;
	p->flags = c.flags;
	return 0;
}

static int fdt_add(struct fd_table *t, int fd, uint32_t id, FdTypes type, bool cloexec)
{
	FdinfoEntry *e;

	if (ARRAY_ADD_ROOM(t->fds, t->nr))
		return -ENOMEM;
	e = &t->fds[t->nr++];
	fdinfo_entry__init(e);
	e->id = id;
	e->fd = fd;
	e->type = type;
	e->flags = cloexec ? FD_CLOEXEC : 0;
	return 0;
}

/* <0, 0, >0 as s sorts before, with, after the fd in p; -EIO if kcmp fails. */
static int seen_cmp(const struct seen_fd *s, const struct fd_parms *p, int *err)
{
	long r;

	if (s->dev != p->st.st_dev)
		return s->dev < p->st.st_dev ? -1 : 1;
	if (s->ino != p->st.st_ino)
		return s->ino < p->st.st_ino ? -1 : 1;
	/* kcmp orders open files: 0 same, 1 first is less, 2 first is greater */
	r = syscall(SYS_kcmp, s->pid, p->pid, KCMP_FILE, s->fd, p->fd);
	if (r < 0 || r > 2) {
		pr_perror("kcmp of fd %d of task %d and fd %d of task %d failed", s->fd, s->pid,
			  p->fd, p->pid);
		*err = -EIO;
		return 0;
	}
	return r == 0 ? 0 : r == 1 ? -1 : 1;
}

/*
 * An earlier fd on the same open file description, in this task (dup) or in another one of
 * the tree (inherited over fork, passed over a socket), or NULL: one FileEntry for both.
 * *pos is where the fd goes in the walk's order otherwise (kcmp's order is global).
 */
static const struct seen_fd *find_dup(const struct fd_walk *w, const struct fd_parms *p,
				      size_t *pos, int *err)
{
	size_t lo = 0, hi = w->nr;

	while (lo < hi && !*err) {
		size_t mid = lo + (hi - lo) / 2;
		int c = seen_cmp(&w->seen[mid], p, err);

		if (!c && !*err)
			return &w->seen[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return NULL;
}

static int remember_fd(struct fd_walk *w, const struct fd_parms *p, uint32_t id, FdTypes type,
		       size_t pos)
{
	if (ARRAY_ADD_ROOM(w->seen, w->nr))
		return -ENOMEM;
	memmove(&w->seen[pos + 1], &w->seen[pos], (w->nr - pos) * sizeof(w->seen[0]));
	w->seen[pos] = (struct seen_fd){ p->st.st_dev, p->st.st_ino, p->pid, p->fd, id, type };
	w->nr++;
	return 0;
}

/* "socket", "anon_inode:[io_uring]" -> "io_uring", ...: what the refusal names. */
static const char *kind_name(const struct fd_parms *p, char *buf, size_t len)
{
	const char *l = p->link;

	if (S_ISSOCK(p->st.st_mode))
		return "socket";
	if (fd_is_mqueue(p))
		return "POSIX message queue";
	if (!strncmp(l, "anon_inode:", 11)) {
		l += 11;
		snprintf(buf, len, "%.*s", (int)strcspn(l + (*l == '['), "]"), l + (*l == '['));
		return buf;
	}
	/* Major and minor say which driver: enough to look the device up. */
	if (S_ISCHR(p->st.st_mode) || S_ISBLK(p->st.st_mode)) {
		snprintf(buf, len, "%s device %u:%u",
			 S_ISCHR(p->st.st_mode) ? "character" : "block", major(p->st.st_rdev),
			 minor(p->st.st_rdev));
		return buf;
	}
	return "unknown file";
}

/*
 * The file is remembered before its handler runs: a socket's dump may meet files queued
 * on it (SCM_RIGHTS), which go through the same walk and move the seen list around.
 */
static int dump_new_file(struct dump_ctx *dc, struct fd_walk *w, struct fd_parms *p,
			 const struct fd_handler *h, size_t pos, uint32_t *id)
{
	FileEntry *fe = files_new(dc->files, h->type);
	int ret;

	if (!fe)
		return -ENOMEM;
	p->fown = calloc(1, sizeof(*p->fown));
	if (!p->fown)
		return -ENOMEM;
	fown_entry__init(p->fown);
	*id = fe->id;
	ret = remember_fd(w, p, fe->id, h->type, pos);
	ret = ret ?: h->dump(dc, p, fe);
	if (!h->fown) { /* a kind without an owner (nsfs): nothing took it */
		free(p->fown);
		p->fown = NULL;
	}
	return ret;
}

static int dump_one_fd(struct dump_ctx *dc, struct fd_walk *w, struct fd_parms *p)
{
	const struct fd_handler *h;
	const struct seen_fd *dup;
	uint32_t id, cloexec;
	size_t pos = 0;
	char kind[32];
	int ret, err = 0;

	ret = parse_pos_flags(p);
	if (ret)
		return ret;
	cloexec = p->flags & O_CLOEXEC;
	p->flags &= ~O_CLOEXEC;
	dup = find_dup(w, p, &pos, &err);
	if (err)
		return err;
	if (dup) {
		pr_debug("fd %d shares file id %u with fd %d of task %d\n", p->fd, dup->id, dup->fd,
			 dup->pid);
		/* another process's POSIX locks on the open file show only in its fdinfo */
		ret = dup->pid != p->pid ? dump_fd_locks(dc, p, true) : 0;
		return ret ?: fdt_add(&dc->fdt, p->fd, dup->id, dup->type, cloexec);
	}
	/* A dup in this task shows the same locks: they belong to the open file or the task. */
	ret = dump_fd_locks(dc, p, false);
	if (ret)
		return ret;
	h = fd_handler_pick(p);
	if (!h) {
		pr_err("fd %d of task %d is %s (%s): checkpointing this kind of file is not "
		       "supported yet\n",
		       p->fd, p->pid, p->link, kind_name(p, kind, sizeof(kind)));
		return -EOPNOTSUPP;
	}
	pr_debug("fd %d: %s, %s\n", p->fd, h->name, p->link);
	ret = dump_new_file(dc, w, p, h, pos, &id);
	return ret ?: fdt_add(&dc->fdt, p->fd, id, h->type, cloexec);
}

/* What /proc says about fd of task pid: link, stat and fdinfo (malloc'ed, *fdinfo). */
static int read_fd_parms(pid_t pid, int fd, struct fd_parms *p, char *target, size_t len)
{
	char path[64];
	ssize_t n;

	p->pid = pid;
	p->fd = fd;
	p->link = target;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	n = readlink(path, target, len - 1);
	if (n < 0) {
		pr_perror("Can't read link %s", path);
		return -errno;
	}
	target[n] = 0;
	if (stat(path, &p->st)) {
		pr_perror("Can't stat fd %d of task %d (%s)", fd, pid, target);
		return -errno;
	}
	snprintf(p->fdinfo_path, sizeof(p->fdinfo_path), "/proc/%d/fdinfo/%d", pid, fd);
	p->fdinfo = read_proc_file(p->fdinfo_path, NULL);
	return p->fdinfo ? 0 : -EIO;
}

/* Gather what /proc says about fd, then dump it. */
static int collect_one_fd(struct dump_ctx *dc, struct fd_walk *w, int fd)
{
	char target[PATH_MAX];
	struct fd_parms p = {};
	int ret;

	ret = read_fd_parms(dc->pid, fd, &p, target, sizeof(target));
	/* criu's write tracker, left by a pre-dump (mem/track.c): not the task's */
	if (!ret && memtrack_fd_is_tracker(dc, fd, p.link, &p.st))
		pr_info("fd %d of task %d: criu's write tracker, not dumped\n", fd, dc->pid);
	else
		ret = ret ?: dump_one_fd(dc, w, &p);
	free((char *)p.fdinfo);
	return ret;
}

static int keep_inflight_fd(struct files_dump_state *fs, int fd)
{
	if (ARRAY_ADD_ROOM(fs->inflight_fds, fs->nr_inflight_fds))
		return -ENOMEM;
	fs->inflight_fds[fs->nr_inflight_fds++] = fd;
	return 0;
}

/* The owner of a queued file, read on criu's copy: it is the same open file. */
static void inflight_fown(int fd, FownEntry *fown)
{
	struct f_owner_ex owner = {};
	int sig;

	if (!fcntl(fd, F_GETOWN_EX, &owner)) {
		fown->pid_type = owner.type;
		fown->pid = owner.pid;
	}
	sig = fcntl(fd, F_GETSIG);
	if (sig > 0)
		fown->signum = sig;
}

/* p->fd is consumed: kept in fstate, or closed on failure before that. */
static int dump_new_inflight(struct dump_ctx *dc, struct fd_walk *w, struct fd_parms *p, size_t pos,
			     uint32_t *id)
{
	const struct fd_handler *h;
	char kind[32];
	int ret;

	if (fdinfo_has_locks(p->fdinfo)) {
		pr_err("A file queued in flight on a unix socket of task %d (%s) holds a lock: "
		       "not supported yet\n",
		       dc->pid, p->link);
		ret = -EOPNOTSUPP;
		goto out_close;
	}
	h = fd_handler_pick(p);
	if (!h) {
		pr_err("A file queued in flight on a unix socket of task %d is %s (%s): "
		       "checkpointing this kind of file is not supported yet\n",
		       dc->pid, p->link, kind_name(p, kind, sizeof(kind)));
		ret = -EOPNOTSUPP;
		goto out_close;
	}
	ret = keep_inflight_fd(dc->fstate, p->fd);
	if (ret)
		goto out_close;
	pr_debug("queued file: %s, %s (criu's fd %d)\n", h->name, p->link, p->fd);
	/* from here the fd belongs to fstate, whatever happens */
	ret = dump_new_file(dc, w, p, h, pos, id);
	if (p->fown) {
		inflight_fown(p->fd, p->fown); /* criu's view, named as the images do */
		p->fown->pid = ns_dump_img_pid(dc->tree, p->fown->pid);
	}
	return ret;
out_close:
	close(p->fd);
	return ret;
}

int dump_inflight_file(struct dump_ctx *dc, int fd, uint32_t *id)
{
	struct fd_walk *w = &dc->tree->seen_fds;
	const struct seen_fd *dup;
	char target[PATH_MAX];
	struct fd_parms p = {};
	size_t pos = 0;
	int ret, err = 0;

	/* getpid(), not "self": kcmp compares it with the tasks' fds by pid */
	ret = read_fd_parms(getpid(), fd, &p, target, sizeof(target));
	ret = ret ?: parse_pos_flags(&p);
	if (ret)
		goto out_close;
	p.flags &= ~O_CLOEXEC;
	p.in_flight = true;
	dup = find_dup(w, &p, &pos, &err);
	ret = err;
	if (ret || dup) {
		if (dup)
			*id = dup->id;
		goto out_close;
	}
	ret = dump_new_inflight(dc, w, &p, pos, id);
	free((char *)p.fdinfo);
	return ret;
out_close:
	free((char *)p.fdinfo);
	close(fd);
	return ret;
}

static int cmp_fd(const void *a, const void *b)
{
	return ((const FdinfoEntry *)a)->fd - ((const FdinfoEntry *)b)->fd;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The task's fd numbers, sorted, so that a dup is always met after its original. */
static int list_fds(pid_t pid, int **fds, size_t *nr)
{
	struct dirent *de;
	char path[64];
	DIR *d;

	*fds = NULL;
	*nr = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (ARRAY_ADD_ROOM(*fds, *nr)) {
			closedir(d);
			return -ENOMEM;
		}
		(*fds)[(*nr)++] = atoi(de->d_name);
	}
	closedir(d);
	qsort(*fds, *nr, sizeof(int), cmp_int);
	return 0;
}

static int collect_fds(struct dump_ctx *dc)
{
	struct fd_walk *w = &dc->tree->seen_fds;
	size_t i, nr;
	int *fds, ret;

	ret = dump_find_fd_table(dc);
	if (ret || dc->files_owner)
		return ret; /* a shared table's fds are the first sharer's */
	ret = list_fds(dc->pid, &fds, &nr);
	for (i = 0; !ret && i < nr; i++)
		ret = collect_one_fd(dc, w, fds[i]);
	free(fds);
	if (!ret)
		qsort(dc->fdt.fds, dc->fdt.nr, sizeof(dc->fdt.fds[0]), cmp_fd);
	return ret;
}

/* A deleted cwd or root comes back as a ghost directory; a deleted exe is refused. */
static int collect_deleted_link(struct dump_ctx *dc, const char *what, uint32_t flags,
				const struct stat *st, const char *target, uint32_t *id)
{
	char *path;
	int ret;

	if (!strcmp(what, "exe") || !S_ISDIR(st->st_mode)) {
		pr_err("The %s of task %d, %s, is deleted: not supported yet\n", what, dc->pid,
		       target);
		return -EOPNOTSUPP;
	}
	path = link_path(target);
	if (!path)
		return -ENOMEM;
	ret = files_add(dc->files, path, flags, 0, st, id);
	ret = ret ?: dump_ghost_file(dc, NULL, st, path, *id);
	free(path);
	return ret;
}

/* cwd, root and exe: links under /proc/PID that name a path. */
static int collect_link(struct dump_ctx *dc, const char *what, uint32_t flags, uint32_t *id)
{
	char link[64], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/%s", dc->pid, what);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		pr_perror("Can't read link %s", link);
		return -errno;
	}
	target[n] = 0;
	if (stat(link, &st)) {
		pr_perror("Can't stat %s (%s)", link, target);
		return -errno;
	}
	if (strstr(target, " (deleted)"))
		return collect_deleted_link(dc, what, flags, &st, target, id);
	return mntns_dump_check_path(dc, what, target, &st)
		       ?: files_add(dc->files, target, flags, 0, &st, id);
}

int collect_task_files(struct dump_ctx *dc)
{
	int ret;

	ret = collect_link(dc, "exe", O_RDONLY, &dc->exe_id);
	ret = ret ?: collect_link(dc, "cwd", O_RDONLY | O_DIRECTORY, &dc->cwd_id);
	ret = ret ?: collect_link(dc, "root", O_RDONLY | O_DIRECTORY, &dc->root_id);
	return ret ?: collect_fds(dc);
}

/* The fown entry of the file behind fd number fd, or NULL if its kind has none. */
FownEntry *dump_fd_fown(struct dump_ctx *dc, size_t fdt_index)
{
	const FdinfoEntry *e = &dc->fdt.fds[fdt_index];
	const struct fd_handler *h = fd_handler_of(e->type);
	FileEntry *fe = files_find(dc->files, e->id);

	if (!h || !fe || !h->fown)
		return NULL;
	return h->fown(fe);
}

static int write_fdinfo_image(struct dump_ctx *dc)
{
	struct cr_img *img;
	size_t i;
	int ret = 0;

	img = open_image_at(dc->dfd, CR_FD_FDINFO, O_DUMP, task_files_id(dc));
	if (!img)
		return -EIO;
	for (i = 0; !ret && i < dc->fdt.nr; i++)
		ret = pb_write_one(img, &dc->fdt.fds[i].base);
	return close_image(img) ?: ret;
}

/* files.img: once per dump, after every task's files are in the table */
int write_file_entries(struct dump_tree *dt)
{
	struct cr_img *img;
	size_t i;
	int ret = 0;

	img = open_image_at(dt->dfd, CR_FD_FILES, O_DUMP, 0);
	if (!img)
		return -EIO;
	for (i = 0; !ret && i < dt->files.nr; i++)
		ret = pb_write_one(img, &dt->files.files[i]->base);
	return close_image(img) ?: ret;
}

int write_files_images(struct dump_ctx *dc)
{
	/* one fdinfo image per table: the first sharer wrote it */
	if (dc->files_owner)
		return 0;
	return write_fdinfo_image(dc);
}

void free_file_tables(struct dump_ctx *dc)
{
	free(dc->fdt.fds);
	memset(&dc->fdt, 0, sizeof(dc->fdt));
}

void files_dump_state_fini(struct files_dump_state *fs, bool failed)
{
	size_t i;

	for (i = 0; i < fs->nr_inflight_fds; i++)
		close(fs->inflight_fds[i]);
	free(fs->inflight_fds);
	fs->inflight_fds = NULL;
	fs->nr_inflight_fds = 0;
	files_dump_priv_fini(fs, failed);
}

void free_tree_files(struct dump_tree *dt)
{
	size_t i;

	for (i = 0; i < dt->files.nr; i++)
		protobuf_c_message_free_unpacked(&dt->files.files[i]->base, NULL);
	free(dt->files.files);
	files_dump_state_fini(&dt->fstate, false);
	free(dt->seen_fds.seen);
	dump_fd_tables_free(dt);
	memset(&dt->files, 0, sizeof(dt->files));
	memset(&dt->seen_fds, 0, sizeof(dt->seen_fds));
}
