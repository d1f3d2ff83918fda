/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/epoll.c - epoll instances and what they watch: one eventpoll_tfd_entry per "tfd:"
 * line of /proc/PID/fdinfo (fd number, events, data). Restore creates the instance with
 * the other fds and adds the watches once every fd of the task exists again.
 *
 * The kernel keys a watch by its file and the fd number it was added under, which the task
 * may have closed or dup'ed elsewhere since. kcmp(KCMP_EPOLL_TFD) tells the file behind a
 * watch: the entry's tfd is the fd that holds it now (as CRIU saves it), and when that is
 * not the key, eventpoll-extra.img (ours) keeps the key. Restore adds such a watch through
 * the key's number, lending it the file for the call and giving the number back after.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "proc-fdinfo.h"

#include "eventpoll-extra.pb-c.h"

static bool epoll_match(const struct fd_parms *p)
{
	return !strcmp(p->link, "anon_inode:[eventpoll]");
}

/* The dump's: eventpoll-extra.img, open once a watch's fd moved, the keys written. */
struct epoll_dump {
	struct cr_img *img;
};

static int epoll_dump_close(struct files_dump_state *fs, void *priv)
{
	struct epoll_dump *ed = priv;
	int ret = close_image(ed->img);

	ed->img = NULL;
	return ret;
}

static void epoll_dump_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	epoll_dump_close(fs, priv);
}

static const struct files_dump_key epoll_dump_key = {
	.name = "epoll keys",
	.size = sizeof(struct epoll_dump),
	.close = epoll_dump_close,
	.fini = epoll_dump_fini,
};

/* kcmp(2)'s KCMP_EPOLL_TFD argument (linux/kcmp.h) */
struct epoll_slot {
	uint32_t efd, tfd, toff;
};

/* Is fd of the task the file watched in slot? */
static bool holds_target(pid_t pid, int fd, struct epoll_slot *slot)
{
	return syscall(SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, fd, (unsigned long)slot) == 0;
}

/* The task's fd that holds the file behind the watch, or -ENOENT. */
static int find_target(const struct fd_parms *p, struct epoll_slot *slot)
{
	char path[64];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	if (holds_target(p->pid, slot->tfd, slot))
		return slot->tfd;
	snprintf(path, sizeof(path), "/proc/%d/fd", p->pid);
	d = opendir(path);
	if (!d) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	while (ret == -ENOENT && (de = readdir(d)))
		if (de->d_name[0] != '.' && holds_target(p->pid, atoi(de->d_name), slot))
			ret = atoi(de->d_name);
	closedir(d);
	return ret;
}

static int note_key(struct dump_ctx *dc, uint32_t id, uint32_t index, uint32_t key)
{
	struct epoll_dump *ed = files_dump_priv(dc->fstate, &epoll_dump_key);
	EventpollExtraEntry x = EVENTPOLL_EXTRA_ENTRY__INIT;

	if (!ed)
		return -ENOMEM;
	if (!ed->img)
		ed->img = open_image_at(dc->dfd, CR_FD_EVENTPOLL_EXTRA, O_DUMP, 0);
	if (!ed->img)
		return -EIO;
	x.id = id;
	x.index = index;
	x.key = key;
	return pb_write_one(ed->img, &x.base);
}

/* Which of the watches keyed by w->tfd this is (kcmp's toff): the earlier lines tell. */
static uint32_t key_offset(const struct fdinfo_epoll_tfd *tfds, size_t i)
{
	uint32_t toff = 0;
	size_t j;

	for (j = 0; j < i; j++)
		toff += tfds[j].tfd == tfds[i].tfd;
	return toff;
}

static int add_tfd(struct dump_ctx *dc, EventpollFileEntry *e, const struct fdinfo_epoll_tfd *tfds,
		   size_t i, const struct fd_parms *p)
{
	const struct fdinfo_epoll_tfd *w = &tfds[i];
	struct epoll_slot slot = { p->fd, w->tfd, key_offset(tfds, i) };
	EventpollTfdEntry *t;
	int fd;

	if (ARRAY_ADD_ROOM(e->tfd, e->n_tfd))
		return -ENOMEM;
	t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	eventpoll_tfd_entry__init(t);
	e->tfd[e->n_tfd++] = t;
	t->id = e->id;
	t->events = w->events;
	t->data = w->data;
	t->has_dev = t->has_inode = t->has_pos = 1;
	t->dev = w->sdev;
	t->inode = w->ino;
	t->pos = w->pos;
	fd = find_target(p, &slot);
	if (fd == -ENOENT)
		pr_err("epoll fd %d of task %d watches, as fd %d, a file the task holds no fd of "
		       "any more: not supported\n",
		       p->fd, p->pid, w->tfd);
	if (fd < 0)
		return fd == -ENOENT ? -EOPNOTSUPP : fd;
	t->tfd = fd;
	if (fd == w->tfd)
		return 0;
	pr_info("epoll fd %d of task %d: the watch keyed by fd %d is on fd %d's file\n", p->fd,
		p->pid, w->tfd, fd);
	return note_key(dc, e->id, e->n_tfd - 1, w->tfd);
}

static int epoll_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	EventpollFileEntry *e = malloc(sizeof(*e));
	struct fdinfo_epoll_tfd *tfds;
	size_t nr, i;
	int ret;

	if (!e)
		return -ENOMEM;
	eventpoll_file_entry__init(e);
	fe->epfd = e;
	e->fown = p->fown;
	e->id = fe->id;
	e->flags = p->flags;
	ret = parse_fdinfo_epoll(p->fdinfo, p->fdinfo_path, &tfds, &nr);
	for (i = 0; !ret && i < nr; i++)
		ret = add_tfd(dc, e, tfds, i, p);
	free(tfds);
	return ret;
}

static int epoll_check(const FileEntry *fe)
{
	if (!fe->epfd || fe->epfd->id != fe->id) {
		pr_err("files.img: file id %u has a bad eventpoll entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

static int epoll_open(struct rst_fds *rf, const FileEntry *fe)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);

	if (fd < 0) {
		pr_perror("Can't create epoll file id %u", fe->id);
		return -errno;
	}
	if (rst_set_fl(fd, fe->epfd->flags, "epoll")) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/* eventpoll-extra.img, read on first use; a set CRIU wrote has none. */
struct epoll_rst {
	EventpollExtraEntry **v;
	size_t nr;
	bool loaded;
	int err;
};

static void epoll_rst_fini(struct rst_fds *rf, void *priv, bool failed)
{
	struct epoll_rst *er = priv;
	size_t i;

	for (i = 0; i < er->nr; i++)
		protobuf_c_message_free_unpacked(&er->v[i]->base, NULL);
	free(er->v);
}

static const struct rst_fds_key epoll_rst_key = {
	.name = "epoll keys",
	.size = sizeof(struct epoll_rst),
	.fini = epoll_rst_fini,
};

static int load_keys(struct epoll_rst *er, int dfd)
{
	struct cr_img *img = open_image_optional(dfd, CR_FD_EVENTPOLL_EXTRA, 0);
	EventpollExtraEntry *x;
	int ret;

	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, &eventpoll_extra_entry__descriptor,
				      (ProtobufCMessage **)&x)) > 0) {
		if (ARRAY_ADD_ROOM(er->v, er->nr)) {
			protobuf_c_message_free_unpacked(&x->base, NULL);
			ret = -ENOMEM;
			break;
		}
		er->v[er->nr++] = x;
	}
	close_image(img);
	return ret;
}

/* The number watch index of epoll file id is keyed by; -errno if the image can't be read. */
static int64_t watch_key(struct rst_fds *rf, const FileEntry *fe, size_t index)
{
	struct epoll_rst *er = rst_fds_priv(rf, &epoll_rst_key);
	size_t i;

	if (!er)
		return -ENOMEM;
	if (!er->loaded) {
		er->loaded = true;
		er->err = load_keys(er, rst_images_dfd(rf));
	}
	if (er->err)
		return er->err;
	for (i = 0; i < er->nr; i++)
		if (er->v[i]->id == fe->id && er->v[i]->index == index)
			return er->v[i]->key;
	return fe->epfd->tfd[index]->tfd;
}

/*
 * Watch target's file under fd number key: key lends its place (whatever is there, even
 * the epoll itself or one of criu's fds, waits on a copy above every fd) for the call.
 */
static int add_keyed(int epfd, int target, int key, struct epoll_event *ev)
{
	int saved = -1, fdfl = fcntl(key, F_GETFD), ret = 0;

	if (fdfl >= 0) {
		saved = fcntl(key, F_DUPFD_CLOEXEC, key + 1);
		if (saved < 0)
			goto err;
	}
	if (dup2(target, key) < 0)
		goto err_saved;
	if (epoll_ctl(key == epfd ? saved : epfd, EPOLL_CTL_ADD, key, ev))
		ret = -errno;
	if (saved >= 0 ? dup3(saved, key, fdfl & FD_CLOEXEC ? O_CLOEXEC : 0) < 0 : close(key))
		goto err_saved;
	if (saved >= 0)
		close(saved);
	errno = -ret;
	return ret;
err_saved:
	if (saved >= 0)
		close(saved);
err:
	pr_perror("Can't lend fd %d to fd %d's file to add an epoll watch", key, target);
	return -errno;
}

static int epoll_post_open(struct rst_fds *rf, const FileEntry *fe, int fd)
{
	size_t i;
	int ret;

	for (i = 0; i < fe->epfd->n_tfd; i++) {
		const EventpollTfdEntry *t = fe->epfd->tfd[i];
		struct epoll_event ev = { .events = t->events, .data.u64 = t->data };
		int64_t key = watch_key(rf, fe, i);

		if (key < 0)
			return key;
		if (key == t->tfd)
			ret = epoll_ctl(fd, EPOLL_CTL_ADD, t->tfd, &ev) ? -errno : 0;
		else
			ret = add_keyed(fd, t->tfd, key, &ev);
		if (ret) {
			errno = -ret;
			pr_perror("epoll fd %d: can't watch fd %u again as fd %" PRId64
				  " (events %#x)",
				  fd, t->tfd, key, t->events);
			return ret;
		}
	}
	return 0;
}

static FownEntry *epoll_fown(const FileEntry *fe)
{
	return fe->epfd ? fe->epfd->fown : NULL;
}

const struct fd_handler epoll_handler = {
	.type = FD_TYPES__EVENTPOLL,
	.name = "eventpoll",
	.match = epoll_match,
	.dump = epoll_dump,
	.check = epoll_check,
	.open = epoll_open,
	.post_open = epoll_post_open,
	.fown = epoll_fown,
};
