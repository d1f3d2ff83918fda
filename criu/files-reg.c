/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files-reg.c - regular files, directories, stateless character devices and O_PATH fds:
 * saved as a path, open flags and position, reopened by path at restore. A deleted file
 * that is still open is a "ghost": its content goes into ghost-file-ID.img (up to
 * --ghost-limit, holes kept), remap-fpath.img maps the file to it, and restore recreates
 * the file at its path, opens it and unlinks it again.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"

#include "ghost-file.pb-c.h"
#include "remap-file-path.pb-c.h"

#define GHOST_BUF (64u << 10)

/* Character devices that hold no state: reopening the path gives the same thing. */
static const char *const stateless_chrdevs[] = { "/dev/null", "/dev/zero", "/dev/full",
						 "/dev/random", "/dev/urandom" };

struct ghost_seen {
	dev_t dev;
	ino_t ino;
	uint32_t id;
};

static bool is_stateless_chrdev(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(stateless_chrdevs) / sizeof(stateless_chrdevs[0]); i++)
		if (!strcmp(path, stateless_chrdevs[i]))
			return true;
	return false;
}

static bool reg_match(const struct fd_parms *p)
{
	if (p->link[0] != '/')
		return false;
	if (p->flags & O_PATH)
		return true;
	return S_ISREG(p->st.st_mode) || S_ISDIR(p->st.st_mode) ||
	       (S_ISCHR(p->st.st_mode) && is_stateless_chrdev(p->link));
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
static int write_ghost_chunks(struct cr_img *img, int fd, uint64_t size)
{
	char *buf = malloc(GHOST_BUF);
	off_t data, hole = 0;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (!ret && (uint64_t)hole < size) {
		GhostChunkEntry ce = GHOST_CHUNK_ENTRY__INIT;

		data = lseek(fd, hole, SEEK_DATA);
		if (data < 0)
			break;		/* ENXIO: only a hole is left */
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0) {
			ret = -errno;
			pr_perror("Can't find the holes of a deleted file");
			break;
		}
		ce.off = data;
		ce.len = hole - data;
		ret = pb_write_one(img, &ce.base);
		ret = ret ?: copy_chunk(img, fd, data, ce.len, buf);
	}
	free(buf);
	return ret;
}

static int write_ghost_image(struct dump_ctx *dc, const struct fd_parms *p, uint32_t gid)
{
	GhostFileEntry ge = GHOST_FILE_ENTRY__INIT;
	Timeval atim = TIMEVAL__INIT, mtim = TIMEVAL__INIT;
	struct cr_img *img;
	int fd, ret;

	fd = open_proc_fd(p, O_RDONLY);
	if (fd < 0)
		return fd;
	ge.uid = p->st.st_uid;
	ge.gid = p->st.st_gid;
	ge.mode = p->st.st_mode;
	ge.has_dev = ge.has_ino = ge.has_chunks = ge.has_size = 1;
	ge.dev = p->st.st_dev;
	ge.ino = p->st.st_ino;
	ge.chunks = true;
	ge.size = p->st.st_size;
	atim.tv_sec = p->st.st_atim.tv_sec;
	atim.tv_usec = p->st.st_atim.tv_nsec / 1000;
	mtim.tv_sec = p->st.st_mtim.tv_sec;
	mtim.tv_usec = p->st.st_mtim.tv_nsec / 1000;
	ge.atim = &atim;
	ge.mtim = &mtim;

	img = open_image_at(dc->dfd, CR_FD_GHOST_FILE, O_DUMP, gid);
	if (!img) {
		close(fd);
		return -EIO;
	}
	ret = pb_write_one(img, &ge.base);
	ret = ret ?: write_ghost_chunks(img, fd, ge.size);
	close(fd);
	return close_image(img) ?: ret;
}

/* The ghost id for this inode: saved once, however many open files point at it. */
static int ghost_id(struct dump_ctx *dc, const struct fd_parms *p, const char *path,
		    uint32_t *gid)
{
	struct files_dump_state *fs = dc->fstate;
	struct ghost_seen *n;
	size_t i;
	int ret;

	for (i = 0; i < fs->nr_ghosts; i++) {
		if (fs->ghosts[i].dev == p->st.st_dev && fs->ghosts[i].ino == p->st.st_ino) {
			*gid = fs->ghosts[i].id;
			return 0;
		}
	}
	if ((uint64_t)p->st.st_size > dc->opts->ghost_limit) {
		pr_err("Can't dump ghost file %s of %" PRIu64 " size, increase limit\n", path,
		       (uint64_t)p->st.st_size);
		return -EFBIG;
	}
	n = realloc(fs->ghosts, (fs->nr_ghosts + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	fs->ghosts = n;
	*gid = ++fs->next_ghost_id;
	ret = write_ghost_image(dc, p, *gid);
	if (ret)
		return ret;
	n[fs->nr_ghosts++] = (struct ghost_seen){ p->st.st_dev, p->st.st_ino, *gid };
	return 0;
}

int dump_ghost_file(struct dump_ctx *dc, const struct fd_parms *p, uint32_t file_id)
{
	RemapFilePathEntry rpe = REMAP_FILE_PATH_ENTRY__INIT;
	struct files_dump_state *fs = dc->fstate;
	char *path = link_path(p->link);
	uint32_t gid;
	int ret;

	if (!path)
		return -ENOMEM;
	ret = ghost_id(dc, p, path, &gid);
	free(path);
	if (ret)
		return ret;
	if (!fs->remap_fpath) {
		fs->remap_fpath = open_image_at(dc->dfd, CR_FD_REMAP_FPATH, O_DUMP, 0);
		if (!fs->remap_fpath)
			return -EIO;
	}
	rpe.orig_id = file_id;
	rpe.remap_id = gid;
	rpe.has_remap_type = 1;
	rpe.remap_type = REMAP_TYPE__GHOST;
	pr_info("fd %d: deleted file %s saved as ghost %u\n", p->fd, p->link, gid);
	return pb_write_one(fs->remap_fpath, &rpe.base);
}

static int reg_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	bool deleted = S_ISREG(p->st.st_mode) && p->st.st_nlink == 0;
	char *path = link_path(p->link);
	int ret;

	fe->reg = malloc(sizeof(*fe->reg));
	if (!path || !fe->reg) {
		free(path);
		return -ENOMEM;
	}
	ret = fill_reg_entry(fe->reg, fe->id, path, p->flags, p->pos, &p->st, p->fown);
	if (!ret && !deleted && strcmp(path, p->link)) {
		pr_err("fd %d of task %d is %s: deleted files other than regular ones are not "
		       "supported yet\n", p->fd, p->pid, p->link);
		ret = -EOPNOTSUPP;
	}
	free(path);
	if (!ret && deleted)
		ret = dump_ghost_file(dc, p, fe->id);
	return ret;
}

static FownEntry *reg_fown(const FileEntry *fe)
{
	return fe->reg ? fe->reg->fown : NULL;
}

void files_dump_state_fini(struct files_dump_state *fs)
{
	if (fs->remap_fpath)
		close_image(fs->remap_fpath);
	if (fs->pipes_data)
		close_image(fs->pipes_data);
	if (fs->fifo_data)
		close_image(fs->fifo_data);
	if (fs->memfd_inodes)
		close_image(fs->memfd_inodes);
	if (fs->sk_queues)
		close_image(fs->sk_queues);
	free(fs->ghosts);
	free(fs->pipes_seen);
	free(fs->memfds);
	memset(fs, 0, sizeof(*fs));
}

/* ---- restore ---- */

struct remap_ent {
	uint32_t orig_id;
	uint32_t remap_id;
	bool made;		/* the ghost file exists at its path */
	bool unlinked;
	char *path;
};

static int read_remaps(struct rst_fds *rf)
{
	RemapFilePathEntry *e;
	struct cr_img *img;
	int ret;

	rf->remaps_read = true;
	img = open_image_optional(rst_images_dfd(rf), CR_FD_REMAP_FPATH, 0);
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, &remap_file_path_entry__descriptor,
				      (ProtobufCMessage **)&e)) > 0) {
		struct remap_ent *n = realloc(rf->remaps, (rf->nr_remaps + 1) * sizeof(*n));

		if (!n || (e->has_remap_type && e->remap_type != REMAP_TYPE__GHOST)) {
			if (n)
				pr_err("remap-fpath.img: remap type %d is not supported\n",
				       e->remap_type);
			rf->remaps = n ?: rf->remaps;
			protobuf_c_message_free_unpacked(&e->base, NULL);
			ret = n ? -EOPNOTSUPP : -ENOMEM;
			break;
		}
		rf->remaps = n;
		n[rf->nr_remaps++] = (struct remap_ent){ e->orig_id, e->remap_id, false, false, NULL };
		protobuf_c_message_free_unpacked(&e->base, NULL);
	}
	close_image(img);
	return ret;
}

static struct remap_ent *find_remap(struct rst_fds *rf, uint32_t id)
{
	size_t i;

	for (i = 0; i < rf->nr_remaps; i++)
		if (rf->remaps[i].orig_id == id)
			return &rf->remaps[i];
	return NULL;
}

/* Another file of the same ghost made it already: share its state. */
static struct remap_ent *ghost_twin(struct rst_fds *rf, const struct remap_ent *r)
{
	size_t i;

	for (i = 0; i < rf->nr_remaps; i++)
		if (rf->remaps[i].remap_id == r->remap_id && rf->remaps[i].made)
			return &rf->remaps[i];
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

static int set_ghost_attrs(int fd, const GhostFileEntry *ge)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };

	if (fchown(fd, ge->uid, ge->gid) || fchmod(fd, ge->mode & 07777)) {
		pr_perror("Can't set a ghost file's owner or mode");
		return -errno;
	}
	if (ge->atim)
		ts[0] = (struct timespec){ ge->atim->tv_sec, ge->atim->tv_usec * 1000 };
	if (ge->mtim)
		ts[1] = (struct timespec){ ge->mtim->tv_sec, ge->mtim->tv_usec * 1000 };
	if (futimens(fd, ts)) {
		pr_perror("Can't set a ghost file's times");
		return -errno;
	}
	return 0;
}

/* Create the deleted file at its old path with its old content, for the fds to open. */
static int make_ghost(struct rst_fds *rf, struct remap_ent *r, const char *path)
{
	GhostFileEntry *ge = NULL;
	struct cr_img *img;
	int fd = -1, ret;

	img = open_image_at(rst_images_dfd(rf), CR_FD_GHOST_FILE, O_RSTR, r->remap_id);
	if (!img)
		return -EIO;
	ret = pb_read_one(img, &ghost_file_entry__descriptor, (ProtobufCMessage **)&ge);
	if (!ret && (!S_ISREG(ge->mode) || !ge->chunks)) {
		pr_err("ghost-file-%u.img: only regular files saved in chunks are supported\n",
		       r->remap_id);
		ret = -EOPNOTSUPP;
	}
	if (!ret) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			ret = -errno;
			pr_perror("Can't recreate the deleted file %s (something exists there "
				  "now?)", path);
		}
	}
	ret = ret ?: fill_ghost(img, fd, ge);
	ret = ret ?: set_ghost_attrs(fd, ge);
	if (fd >= 0)
		close(fd);
	if (ge)
		protobuf_c_message_free_unpacked(&ge->base, NULL);
	close_image(img);
	if (ret && fd >= 0)
		unlink(path);
	return ret;
}

static int prepare_ghost(struct rst_fds *rf, const RegFileEntry *reg)
{
	struct remap_ent *r, *twin;
	int ret;

	if (!rf->remaps_read) {
		ret = read_remaps(rf);
		if (ret)
			return ret;
	}
	r = find_remap(rf, reg->id);
	if (!r || r->made)
		return 0;
	twin = ghost_twin(rf, r);
	if (!twin) {
		ret = make_ghost(rf, r, reg->name);
		if (ret)
			return ret;
	}
	r->made = true;
	r->path = reg->name;
	return 0;
}

static int reg_check(const FileEntry *fe)
{
	if (!fe->reg || fe->reg->id != fe->id || !fe->reg->name || fe->reg->name[0] != '/') {
		pr_err("files.img: file id %u has a bad reg entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

static int reg_open(struct rst_fds *rf, const FileEntry *fe)
{
	const RegFileEntry *reg = fe->reg;
	char what[32];
	int fd, ret;

	snprintf(what, sizeof(what), "file id %u", fe->id);
	ret = prepare_ghost(rf, reg);
	if (ret)
		return ret;
	fd = rst_open_reg_entry(reg, reg->flags, what);
	if (fd < 0 || (reg->flags & O_PATH) || !reg->pos)
		return fd;
	if (lseek(fd, reg->pos, SEEK_SET) != (off_t)reg->pos) {
		pr_perror("%s: can't seek %s to %" PRIu64, what, reg->name, reg->pos);
		close(fd);
		return -EIO;
	}
	return fd;
}

/* Every fd of a ghost is open: the file goes away again, as it was at dump. */
static int reg_post_open(struct rst_fds *rf, const FileEntry *fe, int fd)
{
	struct remap_ent *r = find_remap(rf, fe->id);
	size_t i;

	if (!r || !r->made || r->unlinked)
		return 0;
	if (unlink(r->path) && errno != ENOENT) {
		pr_perror("Can't unlink the ghost file %s", r->path);
		return -errno;
	}
	for (i = 0; i < rf->nr_remaps; i++)
		if (rf->remaps[i].remap_id == r->remap_id)
			rf->remaps[i].unlinked = true;
	return 0;
}

/* A failed restore must not leave recreated deleted files behind. */
static void reg_rst_fini(struct rst_fds *rf, bool failed)
{
	size_t i;

	for (i = 0; failed && i < rf->nr_remaps; i++) {
		struct remap_ent *r = &rf->remaps[i];

		if (r->made && !r->unlinked && !unlink(r->path))
			r->unlinked = true;
	}
	free(rf->remaps);
	rf->remaps = NULL;
	rf->nr_remaps = 0;
}

const struct fd_handler reg_handler = {
	.type = FD_TYPES__REG,
	.name = "regular file",
	.match = reg_match,
	.dump = reg_dump,
	.check = reg_check,
	.open = reg_open,
	.post_open = reg_post_open,
	.fown = reg_fown,
	.rst_fini = reg_rst_fini,
};
