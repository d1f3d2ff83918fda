/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/pipe.c - pipes and FIFOs. Each end is an open file (PipeEntry / FifoEntry in
 * files.img) naming its pipe by inode number; the bytes in flight are saved once per pipe
 * in pipes-data.img (fifo-data.img) with the pipe's size. Dump copies them with tee(2),
 * which leaves the task's pipe untouched whatever happens next. Restore makes the pipe
 * once, refills it, and hands each end to the fds that had it. An unlinked FIFO is made
 * again at its path for the open and unlinked after (files/remap.c).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"

#include "pipe-data.pb-c.h"

struct held_pipe {
	uint32_t pipe_id;
	bool fifo;
	int fds[2];    /* pipe: read and write end; fifo: an O_RDWR keeper in fds[0] */
	bool given[2]; /* the first user of an end gets its description */
};

struct pipe_data_ent {
	uint32_t pipe_id;
	uint32_t size; /* 0: not recorded */
	uint32_t bytes;
	char *data;
};

struct pipe_data_set {
	struct pipe_data_ent *ents;
	size_t nr;
};

/* The dump's: the pipes whose data is saved, and the data images, opened on first use. */
struct pipe_dump {
	struct cr_img *pipes_data;
	struct cr_img *fifo_data;
	uint64_t *seen; /* inode numbers */
	size_t nr_seen;
};

/* A task's restore: the pipes made, held until the end, and the data images once read. */
struct pipe_rst {
	struct held_pipe *pipes;
	size_t nr_pipes;
	struct pipe_data_set *pipe_data;
	struct pipe_data_set *fifo_data;
};

static int pipe_dump_close(struct files_dump_state *fs, void *priv)
{
	struct pipe_dump *pd = priv;
	int ret = close_image(pd->pipes_data);

	ret = close_image(pd->fifo_data) ?: ret;
	pd->pipes_data = pd->fifo_data = NULL;
	return ret;
}

static void pipe_dump_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	struct pipe_dump *pd = priv;

	pipe_dump_close(fs, pd);
	free(pd->seen);
}

static const struct files_dump_key pipe_dump_key = {
	.name = "pipes",
	.size = sizeof(struct pipe_dump),
	.close = pipe_dump_close,
	.fini = pipe_dump_fini,
};

static void pipe_rst_fini(struct rst_fds *rf, void *priv, bool failed);

static const struct rst_fds_key pipe_rst_key = {
	.name = "pipes",
	.size = sizeof(struct pipe_rst),
	.fini = pipe_rst_fini,
};

/* ---- dump ---- */

static bool pipe_match(const struct fd_parms *p)
{
	return S_ISFIFO(p->st.st_mode) && !strncmp(p->link, "pipe:[", 6);
}

static bool fifo_match(const struct fd_parms *p)
{
	return S_ISFIFO(p->st.st_mode) && p->link[0] == '/' && !(p->flags & O_PATH);
}

static bool pipe_seen(const struct pipe_dump *pd, uint64_t ino)
{
	size_t i;

	for (i = 0; i < pd->nr_seen; i++)
		if (pd->seen[i] == ino)
			return true;
	return false;
}

/* Copy the bytes in flight without taking them out: tee into a pipe of ours. */
static int peek_pipe(int fd, char *buf, uint32_t bytes, uint32_t size)
{
	int tmp[2], ret = 0;
	ssize_t n;

	if (pipe2(tmp, O_CLOEXEC | O_NONBLOCK)) {
		pr_perror("Can't create a pipe to copy pipe data");
		return -errno;
	}
	if (fcntl(tmp[1], F_SETPIPE_SZ, size) < 0) {
		pr_perror("Can't size a pipe to %u bytes to copy pipe data", size);
		ret = -errno;
		goto out_close;
	}
	n = tee(fd, tmp[1], bytes, SPLICE_F_NONBLOCK);
	if (n != (ssize_t)bytes) {
		pr_perror("tee copied %zd of %u bytes in a pipe", n, bytes);
		ret = -EIO;
		goto out_close;
	}
	if (read(tmp[0], buf, bytes) != (ssize_t)bytes) {
		pr_perror("Can't read %u bytes of pipe data back", bytes);
		ret = -EIO;
	}
out_close:
	close(tmp[0]);
	close(tmp[1]);
	return ret;
}

static int write_pipe_data(struct cr_img *img, const struct fd_parms *p, uint32_t pipe_id)
{
	PipeDataEntry pde = PIPE_DATA_ENTRY__INIT;
	char *buf = NULL;
	int fd, size, bytes = 0, ret = 0;

	fd = open_proc_fd(p, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	size = fcntl(fd, F_GETPIPE_SZ);
	if (size < 0 || ioctl(fd, FIONREAD, &bytes)) {
		pr_perror("Can't read the size and fill of the pipe of fd %d", p->fd);
		ret = -errno;
		goto out;
	}
	if (bytes) {
		buf = malloc(bytes);
		ret = buf ? peek_pipe(fd, buf, bytes, size) : -ENOMEM;
	}
	pde.pipe_id = pipe_id;
	pde.bytes = bytes;
	pde.has_size = 1;
	pde.size = size;
	ret = ret ?: pb_write_one(img, &pde.base);
	if (!ret && bytes)
		ret = img_write_buf(img, buf, bytes);
	pr_debug("pipe %u: %d bytes in flight, size %d\n", pipe_id, bytes, size);
out:
	free(buf);
	close(fd);
	return ret;
}

/* Save the pipe's data the first time one of its ends is met. */
static int dump_data_once(struct dump_ctx *dc, const struct fd_parms *p, bool fifo)
{
	struct pipe_dump *pd = files_dump_priv(dc->fstate, &pipe_dump_key);
	struct cr_img **img;

	if (!pd)
		return -ENOMEM;
	if (pipe_seen(pd, p->st.st_ino))
		return 0;
	if (ARRAY_ADD_ROOM(pd->seen, pd->nr_seen))
		return -ENOMEM;
	pd->seen[pd->nr_seen++] = p->st.st_ino;
	img = fifo ? &pd->fifo_data : &pd->pipes_data;
	if (!*img) {
		*img = open_image_at(dc->dfd, fifo ? CR_FD_FIFO_DATA : CR_FD_PIPES_DATA, O_DUMP, 0);
		if (!*img)
			return -EIO;
	}
	return write_pipe_data(*img, p, p->st.st_ino);
}

static int check_pipe_flags(const struct fd_parms *p)
{
	if (p->flags & O_DIRECT) {
		pr_err("fd %d of task %d is a packet-mode (O_DIRECT) pipe: not supported yet\n",
		       p->fd, p->pid);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int pipe_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	PipeEntry *pe = malloc(sizeof(*pe));

	if (!pe)
		return -ENOMEM;
	pipe_entry__init(pe);
	fe->pipe = pe;
	pe->id = fe->id;
	pe->pipe_id = p->st.st_ino;
	pe->flags = p->flags;
	pe->fown = p->fown;
	return check_pipe_flags(p) ?: dump_data_once(dc, p, false);
}

/* The FIFO's path; an unlinked FIFO is a ghost that restore makes and unlinks again. */
static int fifo_add_path(struct dump_ctx *dc, const struct fd_parms *p, uint32_t *regf_id)
{
	char *path = link_path(p->link);
	int ret;

	if (!path)
		return -ENOMEM;
	ret = files_add(dc->files, path, p->flags, 0, &p->st, regf_id);
	if (!ret && strcmp(path, p->link))
		ret = dump_ghost_file(dc, NULL, &p->st, path, *regf_id);
	free(path);
	return ret;
}

static int fifo_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	FifoEntry *fi = malloc(sizeof(*fi));
	uint32_t regf_id;
	int ret;

	if (!fi)
		return -ENOMEM;
	fifo_entry__init(fi);
	fe->fifo = fi;
	free(p->fown); /* fifo_entry has no fown: the path's reg entry would */
	ret = check_pipe_flags(p);
	ret = ret ?: fifo_add_path(dc, p, &regf_id);
	if (ret)
		return ret;
	fi->id = fe->id;
	fi->pipe_id = p->st.st_ino;
	fi->has_regf_id = 1;
	fi->regf_id = regf_id;
	return dump_data_once(dc, p, true);
}

static FownEntry *pipe_fown(const FileEntry *fe)
{
	return fe->pipe ? fe->pipe->fown : NULL;
}

/* ---- restore ---- */

static int pipe_check(const FileEntry *fe)
{
	if (!fe->pipe || fe->pipe->id != fe->id || (fe->pipe->flags & O_ACCMODE) > O_WRONLY) {
		pr_err("files.img: file id %u has a bad pipe entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

static int fifo_check(const FileEntry *fe)
{
	if (!fe->fifo || fe->fifo->id != fe->id || !fe->fifo->has_regf_id) {
		pr_err("files.img: file id %u has a bad fifo entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

static int read_data_set(struct rst_fds *rf, enum img_type type, struct pipe_data_set **out)
{
	struct pipe_data_set *set = calloc(1, sizeof(*set));
	PipeDataEntry *e;
	struct cr_img *img;
	int ret;

	if (!set)
		return -ENOMEM;
	*out = set;
	img = open_image_optional(rst_images_dfd(rf), type, 0);
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, &pipe_data_entry__descriptor, (ProtobufCMessage **)&e)) >
	       0) {
		bool room = !ARRAY_ADD_ROOM(set->ents, set->nr);

		if (room)
			set->ents[set->nr] =
				(struct pipe_data_ent){ e->pipe_id, e->has_size ? e->size : 0,
							e->bytes, malloc(e->bytes + 1) };
		protobuf_c_message_free_unpacked(&e->base, NULL);
		if (!room || !set->ents[set->nr].data) {
			ret = -ENOMEM;
			break;
		}
		ret = img_read_buf(img, set->ents[set->nr].data, set->ents[set->nr].bytes);
		set->nr++;
		if (ret)
			break;
	}
	close_image(img);
	return ret;
}

static const struct pipe_data_ent *find_data(const struct pipe_data_set *set, uint32_t pipe_id)
{
	size_t i;

	for (i = 0; i < set->nr; i++)
		if (set->ents[i].pipe_id == pipe_id)
			return &set->ents[i];
	return NULL;
}

/* Size the new pipe as it was and put the bytes in flight back. */
static int refill(struct rst_fds *rf, bool fifo, uint32_t pipe_id, int wfd)
{
	struct pipe_rst *pr = rst_fds_priv(rf, &pipe_rst_key);
	struct pipe_data_set **set;
	const struct pipe_data_ent *d;
	int ret;

	if (!pr)
		return -ENOMEM;
	set = fifo ? &pr->fifo_data : &pr->pipe_data;
	if (!*set) {
		ret = read_data_set(rf, fifo ? CR_FD_FIFO_DATA : CR_FD_PIPES_DATA, set);
		if (ret)
			return ret;
	}
	d = find_data(*set, pipe_id);
	if (!d)
		return 0;
	if (d->size && fcntl(wfd, F_SETPIPE_SZ, d->size) < 0) {
		pr_perror("Can't set the size of pipe %u to %u", pipe_id, d->size);
		return -errno;
	}
	if (d->bytes && write(wfd, d->data, d->bytes) != (ssize_t)d->bytes) {
		pr_perror("Can't put %u bytes back into pipe %u", d->bytes, pipe_id);
		return -EIO;
	}
	return 0;
}

static struct held_pipe *find_held(struct rst_fds *rf, uint32_t pipe_id, bool fifo)
{
	struct pipe_rst *pr = rst_fds_priv_find(rf, &pipe_rst_key);
	size_t i;

	for (i = 0; pr && i < pr->nr_pipes; i++)
		if (pr->pipes[i].pipe_id == pipe_id && pr->pipes[i].fifo == fifo)
			return &pr->pipes[i];
	return NULL;
}

static struct held_pipe *add_held(struct rst_fds *rf, uint32_t pipe_id, bool fifo)
{
	struct pipe_rst *pr = rst_fds_priv(rf, &pipe_rst_key);
	struct held_pipe *n;

	if (!pr || ARRAY_ADD_ROOM(pr->pipes, pr->nr_pipes))
		return NULL;
	n = &pr->pipes[pr->nr_pipes++];
	*n = (struct held_pipe){ pipe_id, fifo, { -1, -1 }, { false, false } };
	return n;
}

static int make_pipe(struct rst_fds *rf, struct held_pipe *hp)
{
	int fds[2], i, ret;

	if (pipe2(fds, O_CLOEXEC)) {
		pr_perror("Can't create pipe %u", hp->pipe_id);
		return -errno;
	}
	ret = refill(rf, false, hp->pipe_id, fds[1]);
	for (i = 0; i < 2; i++) {
		hp->fds[i] = rst_hold_fd(rf, fds[i]);
		if (hp->fds[i] < 0)
			ret = ret ?: hp->fds[i];
	}
	return ret;
}

/* The held end itself for its first user, a fresh open of it for any other. */
static int give_end(struct held_pipe *hp, int end, uint32_t flags)
{
	char path[32];
	int fd;

	if (!hp->given[end]) {
		hp->given[end] = true;
		fd = fcntl(hp->fds[end], F_DUPFD_CLOEXEC, 0);
	} else {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", hp->fds[end]);
		fd = open(path, (flags & O_ACCMODE) | O_CLOEXEC);
	}
	if (fd < 0)
		pr_perror("Can't take an end of pipe %u", hp->pipe_id);
	return fd < 0 ? -errno : fd;
}

static int pipe_open(struct rst_fds *rf, const FileEntry *fe)
{
	const PipeEntry *pe = fe->pipe;
	struct held_pipe *hp = find_held(rf, pe->pipe_id, false);
	char what[32];
	int fd, ret;

	if (!hp) {
		hp = add_held(rf, pe->pipe_id, false);
		if (!hp)
			return -ENOMEM;
		ret = make_pipe(rf, hp);
		if (ret)
			return ret;
	}
	fd = give_end(hp, (pe->flags & O_ACCMODE) == O_WRONLY, pe->flags);
	snprintf(what, sizeof(what), "pipe file id %u", fe->id);
	if (fd >= 0 && (ret = rst_set_fl(fd, pe->flags, what))) {
		close(fd);
		return ret;
	}
	return fd;
}

/* The first open of a FIFO is a read-write keeper: later opens of either end don't block. */
static int make_fifo_keeper(struct rst_fds *rf, struct held_pipe *hp, const char *path)
{
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC), ret;

	if (fd < 0) {
		pr_perror("Can't open the FIFO %s", path);
		return -errno;
	}
	ret = refill(rf, true, hp->pipe_id, fd);
	hp->fds[0] = rst_hold_fd(rf, fd);
	return ret ?: (hp->fds[0] < 0 ? hp->fds[0] : 0);
}

static int fifo_open(struct rst_fds *rf, const FileEntry *fe)
{
	const FileEntry *rfe = rst_find_file(rf->ctx, fe->fifo->regf_id);
	const RegFileEntry *reg = rfe ? rfe->reg : NULL;
	struct held_pipe *hp = find_held(rf, fe->fifo->pipe_id, true);
	char what[32];
	int fd, ret;

	if (!reg) {
		pr_err("FIFO file id %u: its path (file id %u) is missing\n", fe->id,
		       fe->fifo->regf_id);
		return -ENOENT;
	}
	ret = rst_prepare_remap(rf, reg);
	if (ret)
		return ret;
	if (!hp) {
		hp = add_held(rf, fe->fifo->pipe_id, true);
		if (!hp)
			return -ENOMEM;
		ret = make_fifo_keeper(rf, hp, reg->name);
		if (ret)
			return ret;
	}
	snprintf(what, sizeof(what), "FIFO file id %u", fe->id);
	fd = rst_open_reg_entry(rf->ctx, reg, (reg->flags & ~O_NONBLOCK) | O_NONBLOCK, what);
	if (fd >= 0 && (ret = rst_set_fl(fd, reg->flags, what))) {
		close(fd);
		return ret;
	}
	return fd;
}

static void free_data_set(struct pipe_data_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->nr; i++)
		free(set->ents[i].data);
	free(set->ents);
	free(set);
}

/* Ends nobody took close now: the pipe is left with the ends the task had. */
static void pipe_rst_fini(struct rst_fds *rf, void *priv, bool failed)
{
	struct pipe_rst *pr = priv;
	size_t i;

	for (i = 0; i < pr->nr_pipes; i++) {
		if (pr->pipes[i].fds[0] >= 0)
			close(pr->pipes[i].fds[0]);
		if (pr->pipes[i].fds[1] >= 0)
			close(pr->pipes[i].fds[1]);
	}
	free(pr->pipes);
	free_data_set(pr->pipe_data);
	free_data_set(pr->fifo_data);
}

const struct fd_handler pipe_handler = {
	.type = FD_TYPES__PIPE,
	.name = "pipe",
	.match = pipe_match,
	.dump = pipe_dump,
	.check = pipe_check,
	.open = pipe_open,
	.fown = pipe_fown,
};

/* An unlinked FIFO goes away again once every fd has it. */
static int fifo_post_open(struct rst_fds *rf, const FileEntry *fe, int fd)
{
	return rst_remap_done(rf, fe->fifo->regf_id);
}

const struct fd_handler fifo_handler = {
	.type = FD_TYPES__FIFO,
	.name = "fifo",
	.match = fifo_match,
	.dump = fifo_dump,
	.check = fifo_check,
	.open = fifo_open,
	.post_open = fifo_post_open,
};
