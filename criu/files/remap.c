/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/remap.c - files that are open (or mapped, or the cwd) but no longer have their path
 * (the dump side is remap-dump.c).
 *
 * A deleted file, directory or FIFO is a "ghost": ghost-file-ID.img keeps its mode, owner,
 * times and, for a regular file, its content (holes kept, up to --ghost-limit). A regular
 * file unlinked from this path but still linked elsewhere is saved with --link-remap: dump
 * makes a hard link "link_remap.N" next to the old path and records it. remap-fpath.img maps
 * the open file's id to the ghost or the link (CRIU's REMAP_TYPE__GHOST / __LINKED).
 *
 * Restore makes the path exist again (creates the ghost, or links the link_remap file back to
 * the old name), lets every fd open it, then removes it: the files are deleted again, as at
 * dump. A failed restore removes what it made; a successful one removes the link_remap files.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "ns.h"
#include "restore-ctx.h"
#include "tree.h"

#include "ghost-file.pb-c.h"
#include "remap-file-path.pb-c.h"

#define GHOST_BUF (64u << 10)

struct remap_ent {
	uint32_t orig_id;
	uint32_t remap_id;
	RemapType type;
	bool made;    /* the path exists again (ghost made or link back) */
	bool removed; /* ... and is gone again */
	bool is_dir;
	bool tmpfile; /* an O_TMPFILE: made again with O_TMPFILE, never named */
	int tmp_fd;   /* ... and held here (above the task's fds) until every fd opened it */
	int accmode;  /* the first file's O_WRONLY or O_RDWR: it takes tmp_fd itself */
	bool tmp_taken;
	const char *path; /* the old path, from files.img */
	const char *link; /* LINKED: the link_remap file */
	/* criu's: path and link under --root (rst_ns_mnt_root()), which path and link point to */
	char *own_path, *own_link;
};

/* A task's restore: remap-fpath.img, read on first use, and what was made of it. */
struct remap_rst {
	struct remap_ent *v;
	size_t nr;
	bool read;
};

static void remap_rst_fini(struct rst_fds *rf, void *priv, bool failed);

static const struct rst_fds_key remap_rst_key = {
	.name = "deleted files",
	.size = sizeof(struct remap_rst),
	.fini = remap_rst_fini,
};

/*
 * criu makes the deleted files before the tree's root exists: those of a tree with a mount
 * namespace of its own under --root, which the root's mount is made of (the dump refused
 * those on other mounts). The tasks open them by their path inside.
 */
static const char *criu_side(struct rst_fds *rf, const char *path, char **own)
{
	const char *root = rst_ns_mnt_root(rf->ctx);

	if (!path || !root || rf != rf->ctx->premade_remaps)
		return path;
	free(*own);
	if (asprintf(own, "%s%s", root, path) < 0) {
		*own = NULL;
		return NULL;
	}
	return *own;
}

static int add_remap(struct rst_fds *rf, const RemapFilePathEntry *e)
{
	struct remap_rst *rr = rst_fds_priv(rf, &remap_rst_key);
	const RegFileEntry *lr = NULL;

	if (!e->has_remap_type || e->remap_type == REMAP_TYPE__LINKED) {
		lr = rst_find_reg(rf->ctx, e->remap_id);
		if (!lr) {
			pr_err("remap-fpath.img: the link of file id %u (file id %u) is not in "
			       "files.img\n",
			       e->orig_id, e->remap_id);
			return -EINVAL;
		}
	} else if (e->remap_type != REMAP_TYPE__GHOST) {
		pr_err("remap-fpath.img: remap type %d is not supported\n", e->remap_type);
		return -EOPNOTSUPP;
	}
	if (!rr || ARRAY_ADD_ROOM(rr->v, rr->nr))
		return -ENOMEM;
	rr->v[rr->nr++] = (struct remap_ent){
		.orig_id = e->orig_id,
		.remap_id = e->remap_id,
		.type = lr ? REMAP_TYPE__LINKED : REMAP_TYPE__GHOST,
		.link = lr ? lr->name : NULL,
		.tmp_fd = -1,
	};
	if (lr) {
		struct remap_ent *r = &rr->v[rr->nr - 1];

		r->link = criu_side(rf, r->link, &r->own_link);
		if (!r->link)
			return -ENOMEM;
	}
	return 0;
}

static int read_remaps(struct rst_fds *rf)
{
	struct remap_rst *rr = rst_fds_priv(rf, &remap_rst_key);
	RemapFilePathEntry *e;
	struct cr_img *img;
	int ret;

	if (!rr)
		return -ENOMEM;
	rr->read = true;
	img = open_image_optional(rst_images_dfd(rf), CR_FD_REMAP_FPATH, 0);
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, &remap_file_path_entry__descriptor,
				      (ProtobufCMessage **)&e)) > 0) {
		ret = add_remap(rf, e);
		protobuf_c_message_free_unpacked(&e->base, NULL);
		if (ret)
			break;
	}
	close_image(img);
	return ret;
}

static struct remap_ent *find_remap(struct rst_fds *rf, uint32_t id)
{
	struct remap_rst *rr = rst_fds_priv_find(rf, &remap_rst_key);
	size_t i;

	for (i = 0; rr && i < rr->nr; i++)
		if (rr->v[i].orig_id == id)
			return &rr->v[i];
	return NULL;
}

/* Another file of the same ghost or link made the path already: share its state. */
static struct remap_ent *remap_twin(struct rst_fds *rf, const struct remap_ent *r)
{
	struct remap_rst *rr = rst_fds_priv_find(rf, &remap_rst_key);
	size_t i;

	for (i = 0; rr && i < rr->nr; i++)
		if (rr->v[i].remap_id == r->remap_id && rr->v[i].type == r->type && rr->v[i].made &&
		    !rr->v[i].removed)
			return &rr->v[i];
	return NULL;
}

static int fill_ghost(struct cr_img *img, int fd, const GhostFileEntry *ge)
{
	GhostChunkEntry *ce;
	char *buf = malloc(GHOST_BUF);
	int ret;

	if (!buf)
		return -ENOMEM;
	while ((ret = pb_read_one_eof(img, &ghost_chunk_entry__descriptor,
				      (ProtobufCMessage **)&ce)) > 0) {
		uint64_t off = ce->off, left = ce->len;

		protobuf_c_message_free_unpacked(&ce->base, NULL);
		ret = 0;
		while (!ret && left) {
			size_t n = left < GHOST_BUF ? left : GHOST_BUF;

			ret = img_read_buf(img, buf, n);
			if (!ret && pwrite(fd, buf, n, off) != (ssize_t)n) {
				pr_perror("Can't write a ghost file's content");
				ret = -EIO;
			}
			off += n;
			left -= n;
		}
		if (ret)
			break;
	}
	free(buf);
	if (!ret && ftruncate(fd, ge->size)) {
		pr_perror("Can't set a ghost file's size");
		ret = -errno;
	}
	return ret;
}

/* Owner, mode and times, by path: a FIFO can't be opened without a peer. */
static int set_ghost_attrs(const char *path, const GhostFileEntry *ge)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };

	if (rst_ns_chown_mode(path, ge->uid, ge->gid,
			      S_ISLNK(ge->mode) ? -1 : (int)(ge->mode & 07777), false)) {
		pr_perror("Can't set the owner or mode of the ghost %s", path);
		return -errno;
	}
	if (ge->atim)
		ts[0] = (struct timespec){ ge->atim->tv_sec, ge->atim->tv_usec * 1000 };
	if (ge->mtim)
		ts[1] = (struct timespec){ ge->mtim->tv_sec, ge->mtim->tv_usec * 1000 };
	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW)) {
		pr_perror("Can't set the times of the ghost %s", path);
		return -errno;
	}
	return 0;
}

static int create_ghost_symlink(struct cr_img *img, const GhostFileEntry *ge, const char *path)
{
	char *target;
	int ret;

	if (!ge->has_size || ge->size >= PATH_MAX) {
		pr_err("%s: a symlink ghost without a target\n", img_path(img));
		return -EINVAL;
	}
	target = calloc(1, ge->size + 1);
	if (!target)
		return -ENOMEM;
	ret = img_read_buf(img, target, ge->size);
	if (!ret && symlink(target, path)) {
		ret = -errno;
		pr_perror("Can't recreate the deleted symlink %s (does something exist there now?)",
			  path);
	}
	free(target);
	return ret;
}

/*
 * The deleted object comes back at its old path: a file with its content, a dir, a FIFO,
 * a symlink, a device node.
 */
static int create_ghost(struct cr_img *img, const GhostFileEntry *ge, const char *path)
{
	int fd, ret = 0;

	if (S_ISDIR(ge->mode)) {
		if (mkdir(path, 0700))
			goto out_err;
		return 0;
	}
	if (S_ISFIFO(ge->mode)) {
		if (mknod(path, S_IFIFO | 0600, 0))
			goto out_err;
		return 0;
	}
	if (S_ISCHR(ge->mode) || S_ISBLK(ge->mode)) {
		if (!ge->has_rdev || mknod(path, (ge->mode & S_IFMT) | 0600, ge->rdev))
			goto out_err;
		return 0;
	}
	if (S_ISLNK(ge->mode))
		return create_ghost_symlink(img, ge, path);
	if (!S_ISREG(ge->mode) || !ge->chunks) {
		pr_err("%s: only regular files saved in chunks, directories, FIFOs, symlinks and "
		       "device nodes can be ghosts (mode %o)\n",
		       img_path(img), ge->mode);
		return -EOPNOTSUPP;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out_err;
	ret = fill_ghost(img, fd, ge);
	close(fd);
	if (ret)
		unlink(path);
	return ret;
out_err:
	ret = -errno;
	pr_perror("Can't recreate the deleted %s (does something exist there now?)", path);
	return ret;
}

/*
 * An O_TMPFILE (its name, "#INODE", was made up by the kernel) comes back as one: unnamed
 * from the start and still linkable, in the same directory.
 */
static int create_tmpfile_ghost(struct rst_fds *rf, struct cr_img *img, const GhostFileEntry *ge,
				struct remap_ent *r)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	char *dir = strdup(r->path);
	int fd, ret;

	if (!dir)
		return -ENOMEM;
	fd = open(dirname(dir), O_TMPFILE | r->accmode | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		pr_perror("Can't make the O_TMPFILE %s again in %s", r->path, dir);
		free(dir);
		return ret;
	}
	free(dir);
	ret = fill_ghost(img, fd, ge);
	if (ge->atim)
		ts[0] = (struct timespec){ ge->atim->tv_sec, ge->atim->tv_usec * 1000 };
	if (ge->mtim)
		ts[1] = (struct timespec){ ge->mtim->tv_sec, ge->mtim->tv_usec * 1000 };
	if (!ret &&
	    (rst_ns_fchown_mode(fd, ge->uid, ge->gid, ge->mode & 07777) || futimens(fd, ts))) {
		ret = -errno;
		pr_perror("Can't set the owner, mode or times of the O_TMPFILE %s", r->path);
	}
	if (ret) {
		close(fd);
		return ret;
	}
	r->tmp_fd = rst_hold_fd(rf, fd);
	return r->tmp_fd < 0 ? r->tmp_fd : 0;
}

/*
 * Each ghost criu makes is marked with the dump it comes from (a user xattr, where the file
 * system has them). A restore killed before it removed its ghosts leaves them at their paths:
 * the next restore of the same images takes such a leftover away instead of failing on it.
 */
#define GHOST_MARK "user.criu.ghost"

static void ghost_mark_text(const struct rst_fds *rf, const struct remap_ent *r, char *buf,
			    size_t len)
{
	const InventoryEntry *inv = rf->ctx->inventory;

	snprintf(buf, len, "%llu:%u", inv ? (unsigned long long)inv->dump_uptime : 0ull,
		 r->remap_id);
}

static void ghost_mark(const struct rst_fds *rf, const struct remap_ent *r)
{
	char mark[64];

	ghost_mark_text(rf, r, mark, sizeof(mark));
	lsetxattr(r->path, GHOST_MARK, mark, strlen(mark), 0); /* a mark is only a help */
}

/* A ghost a killed restore of these same images left: removed. 1: removed, 0: not ours. */
static int remove_leftover_ghost(const struct rst_fds *rf, const struct remap_ent *r)
{
	char mark[64], found[64];
	ssize_t n;

	ghost_mark_text(rf, r, mark, sizeof(mark));
	n = lgetxattr(r->path, GHOST_MARK, found, sizeof(found) - 1);
	if (n <= 0)
		return 0;
	found[n] = 0;
	if (strcmp(found, mark))
		return 0;
	if (unlink(r->path) && (errno != EISDIR || rmdir(r->path)))
		return 0;
	pr_warn("%s: removed a deleted file a killed restore of these images left\n", r->path);
	return 1;
}

static int make_ghost(struct rst_fds *rf, struct remap_ent *r)
{
	GhostFileEntry *ge = NULL;
	struct cr_img *img;
	int ret;

	img = open_image_at(rst_images_dfd(rf), CR_FD_GHOST_FILE, O_RSTR, r->remap_id);
	if (!img)
		return -EIO;
	ret = pb_read_one(img, &ghost_file_entry__descriptor, (ProtobufCMessage **)&ge);
	if (!ret && r->tmpfile && S_ISREG(ge->mode) && ge->chunks) {
		ret = create_tmpfile_ghost(rf, img, ge, r);
		goto out_free;
	}
	if (!ret && remove_leftover_ghost(rf, r))
		pr_debug("%s: made again\n", r->path);
	ret = ret ?: create_ghost(img, ge, r->path);
	if (!ret)
		ghost_mark(rf, r);
	if (!ret) {
		r->is_dir = S_ISDIR(ge->mode);
		ret = set_ghost_attrs(r->path, ge);
		if (ret)
			r->is_dir ? rmdir(r->path) : unlink(r->path);
	}
out_free:
	if (ge)
		protobuf_c_message_free_unpacked(&ge->base, NULL);
	close_image(img);
	return ret;
}

/* A killed restore may have linked it back already: the same inode at the path is fine. */
static bool linked_back_already(const struct remap_ent *r)
{
	struct stat a, b;

	return !stat(r->link, &a) && !lstat(r->path, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static int make_link_back(struct remap_ent *r)
{
	if (link(r->link, r->path) && !(errno == EEXIST && linked_back_already(r))) {
		pr_perror("Can't link %s back to its old name %s (does something exist there "
			  "now?)",
			  r->link, r->path);
		return -errno;
	}
	return 0;
}

static bool is_tmpfile(const RegFileEntry *reg)
{
	return (reg->flags & O_TMPFILE) == O_TMPFILE && (reg->flags & O_ACCMODE) != O_RDONLY;
}

/* Made by criu for every task (rst_remaps_premake()): the task neither makes nor removes it. */
static bool premade(struct rst_fds *rf, uint32_t id)
{
	struct rst_fds *all = rf->ctx->premade_remaps;
	const struct remap_ent *r;

	if (!all || all == rf)
		return false;
	r = find_remap(all, id);
	return r && r->made && !r->tmpfile;
}

int rst_prepare_remap(struct rst_fds *rf, const RegFileEntry *reg)
{
	struct remap_rst *rr = rst_fds_priv(rf, &remap_rst_key);
	struct remap_ent *r, *twin;
	int ret;

	if (!rr)
		return -ENOMEM;
	if (!rr->read) {
		ret = read_remaps(rf);
		if (ret)
			return ret;
	}
	r = find_remap(rf, reg->id);
	if (!r || (r->made && !r->removed) || premade(rf, reg->id))
		return 0;
	r->path = criu_side(rf, reg->name, &r->own_path);
	if (!r->path)
		return -ENOMEM;
	r->tmpfile = is_tmpfile(reg);
	r->accmode = reg->flags & O_ACCMODE;
	twin = remap_twin(rf, r);
	if (twin) {
		r->is_dir = twin->is_dir;
		r->tmp_fd = twin->tmp_fd;
		r->tmp_taken = true; /* another open file of the same O_TMPFILE */
	} else {
		ret = r->type == REMAP_TYPE__GHOST ? make_ghost(rf, r) : make_link_back(r);
		if (ret)
			return ret;
	}
	r->made = true;
	r->removed = false;
	return 0;
}

/* Every fd of the file is open: its path goes away again, as it was at dump. */
int rst_remap_done(struct rst_fds *rf, uint32_t id)
{
	struct remap_rst *rr = rst_fds_priv_find(rf, &remap_rst_key);
	struct remap_ent *r = find_remap(rf, id);
	size_t i;

	if (!r || !r->made || r->removed || premade(rf, id))
		return 0;
	if (r->tmp_fd >= 0) {
		close(r->tmp_fd);
		r->tmp_fd = -1;
	} else if (r->type == REMAP_TYPE__GHOST && lremovexattr(r->path, GHOST_MARK) &&
		   errno != ENODATA && errno != ENOTSUP && errno != EPERM && errno != ENOENT) {
		pr_perror("Can't take the mark off %s", r->path);
		return -errno;
	} else if ((r->is_dir ? rmdir(r->path) : unlink(r->path)) && errno != ENOENT) {
		pr_perror("Can't remove %s again after opening it", r->path);
		return -errno;
	}
	for (i = 0; i < rr->nr; i++)
		if (rr->v[i].remap_id == r->remap_id && rr->v[i].type == r->type && rr->v[i].made) {
			rr->v[i].removed = true;
			rr->v[i].tmp_fd = -1;
		}
	return 0;
}

int rst_open_remap_tmpfile(struct rst_fds *rf, const RegFileEntry *reg, int flags)
{
	struct remap_ent *r = find_remap(rf, reg->id);
	char link[32];
	int fd;

	if (!r || r->tmp_fd < 0)
		return -ENOENT;
	if (!r->tmp_taken && r->accmode == (flags & O_ACCMODE)) {
		/* the open file O_TMPFILE made, with its flags: it is this file */
		fd = dup(r->tmp_fd);
		if (fd < 0) {
			pr_perror("Can't dup the O_TMPFILE %s", reg->name);
			return -errno;
		}
		r->tmp_taken = true;
		if (rst_set_fl(fd, flags, reg->name)) {
			close(fd);
			return -EIO;
		}
		return fd;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", r->tmp_fd);
	flags &= ~(O_TMPFILE | O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY);
	fd = open(link, flags | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		pr_perror("Can't open the O_TMPFILE %s again (flags %#o)", reg->name, flags);
	}
	return fd;
}

static size_t path_len(const struct remap_ent *r)
{
	return r->path ? strlen(r->path) : 0;
}

/* Parents before what lies in them: a removed file in a removed directory. */
static int by_path_len(const void *a, const void *b)
{
	size_t la = path_len(a), lb = path_len(b);

	return la < lb ? -1 : la > lb;
}

int rst_remaps_premake(struct rst_ctx *ctx)
{
	struct rst_fds *rf = calloc(1, sizeof(*rf));
	struct remap_rst *rr;
	size_t i;
	int ret;

	if (!rf)
		return -ENOMEM;
	rf->ctx = ctx;
	ctx->premade_remaps = rf; /* criu's own set: criu_side() */
	ret = read_remaps(rf);
	rr = rst_fds_priv_find(rf, &remap_rst_key);
	for (i = 0; !ret && rr && i < rr->nr; i++) {
		const RegFileEntry *reg = rst_find_reg(ctx, rr->v[i].orig_id);

		if (!reg) {
			pr_err("remap-fpath.img: file %u is not a regular file of files.img\n",
			       rr->v[i].orig_id);
			ret = -EINVAL;
		} else {
			rr->v[i].path = criu_side(rf, reg->name, &rr->v[i].own_path);
			rr->v[i].tmpfile = is_tmpfile(reg);
			if (!rr->v[i].path)
				ret = -ENOMEM;
		}
	}
	if (!ret && rr && rr->nr) /* qsort of no array is undefined */
		qsort(rr->v, rr->nr, sizeof(rr->v[0]), by_path_len);
	for (i = 0; !ret && rr && i < rr->nr; i++)
		if (!rr->v[i].tmpfile)
			ret = rst_prepare_remap(rf, rst_find_reg(ctx, rr->v[i].orig_id));
	if (ret)
		rst_remaps_unmake(ctx, false);
	return ret;
}

void rst_remaps_unmake(struct rst_ctx *ctx, bool restored)
{
	struct rst_fds *rf = ctx->premade_remaps;
	struct remap_rst *rr;
	size_t i;

	if (!rf)
		return;
	rr = rst_fds_priv_find(rf, &remap_rst_key);
	for (i = rr ? rr->nr : 0; i-- > 0;)
		if (rr->v[i].made && !rr->v[i].removed)
			rst_remap_done(rf, rr->v[i].orig_id);
	rst_fds_fini(rf, !restored);
	free(rf);
	ctx->premade_remaps = NULL;
}

/*
 * A failed restore must not leave recreated files behind; a successful one no longer needs
 * the link_remap files dump made.
 */
static void remap_rst_fini(struct rst_fds *rf, void *priv, bool failed)
{
	struct remap_rst *rr = priv;
	size_t i;

	for (i = 0; i < rr->nr; i++) {
		struct remap_ent *r = &rr->v[i];

		if (failed && r->made && !r->removed)
			rst_remap_done(rf, r->orig_id);
		if (!failed && r->link && r->made && unlink(r->link) && errno != ENOENT)
			pr_perror("Can't remove %s after the restore", r->link);
		free(r->own_path);
		free(r->own_link);
	}
	free(rr->v);
}

/*
 * The deleted file may be open in this task already (an fd of the task, another mapping of
 * it): open that one again through /proc, so that a shared mapping and the fd stay one file.
 */
static int reopen_deleted(const RegFileEntry *reg, int flags, const char *what)
{
	char link[300], target[PATH_MAX + 16], want[PATH_MAX + 16];
	struct dirent *de;
	int fd = -ENOENT;
	DIR *d;

	snprintf(want, sizeof(want), "%s (deleted)", reg->name);
	d = opendir("/proc/self/fd");
	if (!d)
		return -ENOENT;
	while (fd == -ENOENT && (de = readdir(d))) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = 0;
		if (strcmp(target, want))
			continue;
		fd = open(link, (flags & ~(O_CREAT | O_EXCL | O_TRUNC)) | O_CLOEXEC);
		if (fd < 0) {
			fd = -errno;
			pr_perror("%s: can't open the deleted %s again through %s", what, reg->name,
				  link);
		}
	}
	closedir(d);
	return fd;
}

/*
 * An fd of this task on the same ghost (another file of the same inode at dump): open it
 * again through /proc. Found by the ghost, not the name: an O_TMPFILE made again is named
 * after its new inode.
 */
static int reopen_ghost_fd(struct rst_fds *rf, const struct remap_ent *r, int flags,
			   const char *what)
{
	const struct rst_task *t = rst_task_by_pid(rf->ctx, rst_own_pid());
	const struct remap_ent *o;
	char link[64];
	size_t i;
	int fd;

	for (i = 0; t && i < t->nr_fds; i++) {
		o = find_remap(rf, t->fds[i]->id);
		if (!o || o == r || o->remap_id != r->remap_id || o->type != r->type ||
		    fcntl(t->fds[i]->fd, F_GETFD) < 0)
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%u", t->fds[i]->fd);
		fd = open(link, (flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_TMPFILE)) | O_CLOEXEC);
		if (fd < 0)
			pr_perror("%s: can't open the deleted %s again through %s", what, r->path,
				  link);
		return fd < 0 ? -errno : fd;
	}
	return -ENOENT;
}

/*
 * A deleted root that is also the task's cwd (entered first) must stay that directory, not
 * a second one made from the same ghost: open the cwd again.
 */
static int reopen_deleted_cwd(const RegFileEntry *reg, int flags, const char *what)
{
	char target[PATH_MAX + 16], want[PATH_MAX + 16];
	ssize_t n;
	int fd;

	snprintf(want, sizeof(want), "%s (deleted)", reg->name);
	n = readlink("/proc/self/cwd", target, sizeof(target) - 1);
	if (n < 0)
		return -ENOENT;
	target[n] = 0;
	if (strcmp(target, want))
		return -ENOENT;
	fd = open("/proc/self/cwd", flags | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		pr_perror("%s: can't open the deleted cwd %s again", what, reg->name);
	}
	return fd;
}

/* cwd, root, exe and mapped files: one open of a path that may need remaking first. */
int rst_open_remapped(const struct rst_ctx *ctx, const RegFileEntry *reg, int flags,
		      const char *what)
{
	struct rst_fds rf = { .ctx = ctx };
	int fd, ret;

	ret = read_remaps(&rf);
	if (!ret && find_remap(&rf, reg->id)) {
		fd = -ENOENT;
		if (S_ISDIR(reg->mode))
			fd = reopen_deleted_cwd(reg, flags, what);
		/* the same inode as an fd of the task: that file (an O_TMPFILE too) */
		if (fd == -ENOENT)
			fd = reopen_ghost_fd(&rf, find_remap(&rf, reg->id), flags, what);
		/* a removed cwd that is also an fd of the task is that directory */
		if (fd == -ENOENT)
			fd = reopen_deleted(reg, flags, what);
		if (fd != -ENOENT) {
			rst_fds_fini(&rf, false);
			return fd;
		}
	}
	ret = ret ?: rst_prepare_remap(&rf, reg);
	fd = ret ?: rst_open_reg_entry(ctx, reg, flags, what);
	ret = rst_remap_done(&rf, reg->id);
	if (ret && fd >= 0) {
		close(fd);
		fd = ret;
	}
	rst_fds_fini(&rf, fd < 0);
	return fd;
}
