/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/remap-dump.c - the dump side of files/remap.c: a deleted file, directory or FIFO
 * saved as a ghost (ghost-file-ID.img, content with its holes up to --ghost-limit), an
 * unlinked file with another link saved as a link_remap hard link next to its old path
 * (--link-remap), and remap-fpath.img mapping each open file's id to the one or the other.
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

/* An inode saved once (ghost id or link_remap file id), whatever number of files use it. */
struct remap_seen {
	dev_t dev;
	ino_t ino;
	uint32_t id;
	char *link; /* link_remap path made at dump, removed if the dump fails */
};

struct remap_dump {
	struct remap_seen *seen;
	size_t nr;
	uint32_t next_ghost_id;
	uint32_t next_link;
	struct cr_img *img; /* remap-fpath.img, opened on the first remap */
};

static void remap_dump_fini(struct files_dump_state *fs, void *priv, bool failed);

static int remap_dump_close(struct files_dump_state *fs, void *priv);

static const struct files_dump_key remap_dump_key = {
	.name = "deleted files",
	.size = sizeof(struct remap_dump),
	.close = remap_dump_close,
	.fini = remap_dump_fini,
};

static struct remap_dump *remap_state(struct files_dump_state *fs)
{
	return files_dump_priv(fs, &remap_dump_key);
}

static const struct remap_seen *find_seen(const struct remap_dump *rd, const struct stat *st,
					  bool link)
{
	size_t i;

	for (i = 0; i < rd->nr; i++)
		if (rd->seen[i].dev == st->st_dev && rd->seen[i].ino == st->st_ino &&
		    !rd->seen[i].link == !link)
			return &rd->seen[i];
	return NULL;
}

static int add_seen(struct remap_dump *rd, const struct stat *st, uint32_t id, char *link)
{
	if (ARRAY_ADD_ROOM(rd->seen, rd->nr))
		return -ENOMEM;
	rd->seen[rd->nr++] = (struct remap_seen){ st->st_dev, st->st_ino, id, link };
	return 0;
}

/* Copy [off, off + len) of fd into the image. */
static int copy_chunk(struct cr_img *img, int fd, uint64_t off, uint64_t len, char *buf)
{
	while (len) {
		ssize_t n = pread(fd, buf, len < GHOST_BUF ? len : GHOST_BUF, off);

		if (n <= 0) {
			pr_perror("Can't read a deleted file's content at %" PRIu64, off);
			return -EIO;
		}
		if (img_write_buf(img, buf, n))
			return -EIO;
		off += n;
		len -= n;
	}
	return 0;
}

/* Every data extent as a (chunk entry, bytes) pair: holes stay holes at restore. */
static int write_ghost_chunks(struct cr_img *img, struct file_extents *fx)
{
	char *buf = malloc(GHOST_BUF);
	uint64_t from = 0;
	int ret;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		GhostChunkEntry ce = GHOST_CHUNK_ENTRY__INIT;

		ret = file_next_extent(fx, from, &ce.off, &ce.len);
		if (ret <= 0)
			break;
		ret = pb_write_one(img, &ce.base);
		ret = ret ?: copy_chunk(img, fx->fd, ce.off, ce.len, buf);
		if (ret)
			break;
		from = ce.off + ce.len;
	}
	free(buf);
	return ret;
}

/* Only the data counts against --ghost-limit: a sparse file is as big as what it holds. */
static int check_ghost_limit(struct dump_ctx *dc, struct file_extents *fx, const char *path)
{
	uint64_t data;
	int ret = file_data_size(fx, dc->opts->ghost_limit, &data);

	if (ret)
		return ret;
	if (data > dc->opts->ghost_limit) {
		pr_err("Can't dump ghost file %s of %" PRIu64 " size (more than %" PRIu64
		       " bytes of data), increase limit (--ghost-limit)\n",
		       path, fx->size, dc->opts->ghost_limit);
		return -EFBIG;
	}
	return 0;
}

/* The content of a regular file comes through src (a /proc link); others have none. */
static int write_ghost_image(struct dump_ctx *dc, const char *src, const struct stat *st,
			     const char *path, uint32_t gid)
{
	struct file_extents fx = { -1, st->st_size, dc->opts->ghost_fiemap, false };
	GhostFileEntry ge = GHOST_FILE_ENTRY__INIT;
	Timeval atim = TIMEVAL__INIT, mtim = TIMEVAL__INIT;
	struct cr_img *img;
	int fd = -1, ret;

	if (S_ISLNK(st->st_mode)) {
		/* a symlink's target is its content, as CRIU saves it */
		ge.has_size = 1;
		ge.size = strlen(src);
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		ge.has_rdev = 1;
		ge.rdev = st->st_rdev;
	} else if (S_ISREG(st->st_mode)) {
		fd = open(src, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			pr_perror("Can't open the deleted file behind %s", src);
			return -errno;
		}
		ge.has_chunks = ge.has_size = 1;
		ge.chunks = true;
		ge.size = st->st_size;
		fx.fd = fd;
		ret = check_ghost_limit(dc, &fx, path);
		if (ret) {
			close(fd);
			return ret;
		}
	}
	ge.uid = st->st_uid;
	ge.gid = st->st_gid;
	ge.mode = st->st_mode;
	ge.has_dev = ge.has_ino = 1;
	ge.dev = st->st_dev;
	ge.ino = st->st_ino;
	atim.tv_sec = st->st_atim.tv_sec;
	atim.tv_usec = st->st_atim.tv_nsec / 1000;
	mtim.tv_sec = st->st_mtim.tv_sec;
	mtim.tv_usec = st->st_mtim.tv_nsec / 1000;
	ge.atim = &atim;
	ge.mtim = &mtim;

	img = open_image_at(dc->dfd, CR_FD_GHOST_FILE, O_DUMP, gid);
	ret = img ? pb_write_one(img, &ge.base) : -EIO;
	if (!ret && fd >= 0)
		ret = write_ghost_chunks(img, &fx);
	if (!ret && S_ISLNK(st->st_mode))
		ret = img_write_buf(img, src, ge.size);
	if (fd >= 0)
		close(fd);
	return img ? (close_image(img) ?: ret) : ret;
}

static int write_remap(struct dump_ctx *dc, uint32_t orig_id, uint32_t remap_id, RemapType type)
{
	RemapFilePathEntry rpe = REMAP_FILE_PATH_ENTRY__INIT;
	struct remap_dump *rd = files_dump_priv_find(dc->fstate, &remap_dump_key);

	if (!rd->img) {
		rd->img = open_image_at(dc->dfd, CR_FD_REMAP_FPATH, O_DUMP, 0);
		if (!rd->img)
			return -EIO;
	}
	rpe.orig_id = orig_id;
	rpe.remap_id = remap_id;
	rpe.has_remap_type = 1;
	rpe.remap_type = type;
	return pb_write_one(rd->img, &rpe.base);
}

int dump_ghost_file(struct dump_ctx *dc, const char *src, const struct stat *st, const char *path,
		    uint32_t file_id)
{
	struct remap_dump *rd = remap_state(dc->fstate);
	const struct remap_seen *s;
	uint32_t gid;
	int ret;

	if (!rd)
		return -ENOMEM;
	ret = mntns_dump_check_deleted(dc, path, st);
	if (ret)
		return ret;
	s = find_seen(rd, st, false);
	if (s) {
		gid = s->id;
	} else {
		gid = ++rd->next_ghost_id;
		ret = write_ghost_image(dc, src, st, path, gid);
		ret = ret ?: add_seen(rd, st, gid, NULL);
		if (ret)
			return ret;
	}
	pr_info("deleted %s (mode %o) saved as ghost %u\n", path, st->st_mode, gid);
	return write_remap(dc, file_id, gid, REMAP_TYPE__GHOST);
}

/* A new hard link next to path, to the file the task has open. */
static char *make_link_remap(struct remap_dump *rd, const struct fd_parms *p, const char *path)
{
	char src[64], at[PATH_MAX + 32], *dir = strdup(path), *name = malloc(PATH_MAX);
	/* a task of a mount namespace of its own: the link is made on its mount of the file */
	int own_mnt = ns_is_criu_own(p->pid, "mnt");

	if (!dir || !name || own_mnt < 0)
		goto out_free;
	snprintf(src, sizeof(src), "/proc/%d/fd/%d", p->pid, p->fd);
	for (;;) {
		snprintf(name, PATH_MAX, "%s/link_remap.%u", dirname(dir), ++rd->next_link);
		snprintf(at, sizeof(at), "/proc/%d/root%s", p->pid, name);
		if (!linkat(AT_FDCWD, src, AT_FDCWD, own_mnt ? name : at, AT_SYMLINK_FOLLOW))
			break;
		if (errno != EEXIST) {
			pr_perror("Can't link the unlinked file %s back as %s", p->link, name);
			goto out_free;
		}
		strcpy(dir, path); /* dirname() may have cut it */
	}
	free(dir);
	return name;
out_free:
	free(dir);
	free(name);
	return NULL;
}

int dump_link_remap(struct dump_ctx *dc, const struct fd_parms *p, const char *path,
		    uint32_t file_id)
{
	struct remap_dump *rd;
	const struct remap_seen *s;
	uint32_t rid;
	char *link;
	int ret;

	if (!dc->opts->link_remap) {
		pr_err("fd %d of task %d is %s: the file was unlinked from this path but has %lu "
		       "other hard link(s); dump it with --link-remap\n",
		       p->fd, p->pid, p->link, (unsigned long)p->st.st_nlink);
		return -EOPNOTSUPP;
	}
	rd = remap_state(dc->fstate);
	if (!rd)
		return -ENOMEM;
	ret = mntns_dump_check_deleted(dc, path, &p->st);
	if (ret)
		return ret;
	s = find_seen(rd, &p->st, true);
	if (s)
		return write_remap(dc, file_id, s->id, REMAP_TYPE__LINKED);
	link = make_link_remap(rd, p, path);
	if (!link)
		return -EIO;
	ret = add_seen(rd, &p->st, 0, link);
	if (ret) {
		unlink(link);
		free(link);
		return ret;
	}
	ret = files_add(dc->files, link, O_RDONLY, 0, &p->st, &rid);
	if (ret)
		return ret;
	rd->seen[rd->nr - 1].id = rid;
	pr_info("fd %d: unlinked file %s saved as the link %s\n", p->fd, p->link, link);
	return write_remap(dc, file_id, rid, REMAP_TYPE__LINKED);
}

/* Before the point of no return: remap-fpath.img is complete, its close checked. */
static int remap_dump_close(struct files_dump_state *fs, void *priv)
{
	struct remap_dump *rd = priv;
	int ret = close_image(rd->img);

	rd->img = NULL;
	return ret;
}

/* failed: remove the link_remap files this dump made */
static void remap_dump_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	struct remap_dump *rd = priv;
	size_t i;

	for (i = 0; i < rd->nr; i++) {
		if (failed && rd->seen[i].link && unlink(rd->seen[i].link))
			pr_perror("Can't remove %s, made for the failed dump", rd->seen[i].link);
		free(rd->seen[i].link);
	}
	if (rd->img)
		close_image(rd->img);
	free(rd->seen);
}
