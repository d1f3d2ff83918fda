/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/tty-queue.c - bytes queued in a pty: written on the master and not read yet on the
 * slave (the slave's input), or written on the slave and not read yet on the master. A tty
 * has no way to look at them without taking them, so the dump takes them last, once every
 * other check has passed and the tree is still frozen, and puts them back before the tree
 * runs again, unless the dump succeeded and the tree is killed. They go to tty-data.img as
 * CRIU saves them: each side's bytes under the id of the side they were read from.
 *
 * Putting bytes back goes through the line discipline again, which must leave them as they
 * were: no echo, no signal characters, no input or output mapping. So they are written
 * while the slave's termios is a "replay" one made from its own, which is set back after.
 * In canonical mode the slave's bytes are kept as the keys that queue them: each line as
 * read, its special characters escaped with VLNEXT, ended as it was ended (newline, EOL,
 * or EOF, which the kernel does not keep in the line), then the line still being typed,
 * which the kernel only lets go of outside canonical mode (read_partial()).
 *
 * The slave's input is only read where a slave is open in the tree, or was closed: opening
 * one then changes nothing the master sees. A slave never opened can't be looked at.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "tty-priv.h"

#define QUEUE_MAX (64 * 1024) /* more than a pty's buffers hold */
#define LNEXT_DEF 0x16	      /* ^V */
#define EOF_DEF	  0x04	      /* ^D */
#define VDISABLE  0

/* The termios the bytes are written under, made from the slave's own. */
static void replay_termios(const struct termios2 *real, struct termios2 *t)
{
	*t = *real;
	t->c_iflag = 0;
	t->c_oflag &= ~OPOST;
	/* ICANON and EXTPROC stay: changing them resets the lines already queued */
	t->c_lflag &= ICANON | EXTPROC;
	if (t->c_lflag & ICANON) {
		t->c_lflag |= IEXTEN;
		if (t->c_cc[VLNEXT] == VDISABLE)
			t->c_cc[VLNEXT] = LNEXT_DEF;
		if (t->c_cc[VEOF] == VDISABLE)
			t->c_cc[VEOF] = EOF_DEF;
	}
}

/* A character a canonical line discipline acts on under t (NUL never is). */
static bool is_special(const struct termios2 *t, uint8_t c)
{
	static const int keys[] = { VERASE, VKILL, VEOF, VEOL, VWERASE, VLNEXT, VEOL2 };
	size_t i;

	if (c == '\n')
		return true;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (c != VDISABLE && t->c_cc[keys[i]] == c)
			return true;
	return false;
}

static bool ends_line(const struct termios2 *real, uint8_t c)
{
	return c == '\n' || (c != VDISABLE && c == real->c_cc[VEOL]) ||
	       (c != VDISABLE && c == real->c_cc[VEOL2] && (real->c_lflag & IEXTEN));
}

static int append(uint8_t **buf, size_t *nr, const uint8_t *data, size_t len)
{
	if (*nr + len > QUEUE_MAX)
		return -E2BIG;
	if (ARRAY_RESERVE(*buf, *nr, len ?: 1))
		return -ENOMEM;
	memcpy(*buf + *nr, data, len);
	*nr += len;
	return 0;
}

/*
 * One canonical line as its keys: specials escaped, ended as it was (EOF if not a char);
 * a partial line (still being typed) is not ended at all.
 */
static int append_line(uint8_t **buf, size_t *nr, const struct termios2 *real, const uint8_t *line,
		       size_t len, bool partial)
{
	struct termios2 t;
	bool ended = !partial && len && ends_line(real, line[len - 1]);
	size_t i;
	int ret = 0;

	replay_termios(real, &t);
	for (i = 0; !ret && i < len; i++) {
		if (is_special(&t, line[i]) && !(ended && i == len - 1))
			ret = append(buf, nr, &t.c_cc[VLNEXT], 1);
		ret = ret ?: append(buf, nr, &line[i], 1);
	}
	if (!ret && !ended && !partial)
		ret = append(buf, nr, &t.c_cc[VEOF], 1);
	return ret;
}

/* poll() makes the tty hand its pending bytes to the line discipline; it takes nothing. */
static void settle(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	poll(&pfd, 1, 0);
}

/* The master's queue: raw bytes (a master's line discipline is always raw). */
static int read_master(struct tty_pty *pty, bool pkt)
{
	uint8_t buf[4097];
	int n = 0, ret = 0;
	ssize_t r;

	for (;;) {
		settle(pty->mfd);
		if (ioctl(pty->mfd, FIONREAD, &n)) {
			pr_perror("Can't count the bytes queued on the master of pty %u",
				  pty->index);
			return -errno;
		}
		if (n <= 0)
			return 0;
		/* VMIN is 1 on a master: the bytes counted come at once */
		r = read(pty->mfd, buf, (n < 4096 ? n : 4096) + pkt);
		if (r < 0 || (pkt && (r < 1 || buf[0] != TIOCPKT_DATA))) {
			pr_perror("Can't read the bytes queued on the master of pty %u",
				  pty->index);
			return r < 0 ? -errno : -EIO;
		}
		ret = append(&pty->out, &pty->nr_out, buf + pkt, r - pkt);
		if (ret)
			return ret;
	}
}

/* The slave's queue through a slave of criu's own: lines in canonical mode, else bytes. */
/*
 * What a canonical slave holds after its last line end: the kernel neither counts nor
 * reads it, until the line discipline leaves canonical mode for a moment (with no line
 * queued any more, that loses nothing but a pending VLNEXT).
 */
static int read_partial(struct tty_pty *pty, int sfd, const struct termios2 *real)
{
	struct termios2 t = *real;
	uint8_t buf[4096];
	ssize_t r;
	int ret;

	t.c_lflag &= ~ICANON;
	t.c_cc[VMIN] = t.c_cc[VTIME] = 0;
	if (ioctl(sfd, TCSETS2, &t)) {
		pr_perror("Can't reach the line being typed on pty %u", pty->index);
		return -errno;
	}
	settle(sfd);
	r = read(sfd, buf, sizeof(buf));
	ret = r < 0 && errno != EAGAIN ? -errno : 0;
	if (ioctl(sfd, TCSETS2, real)) {
		pr_perror("Can't set the termios of pty %u back", pty->index);
		ret = ret ?: -errno;
	}
	if (!ret && r > 0)
		ret = append_line(&pty->in, &pty->nr_in, real, buf, r, true);
	return ret;
}

static int read_slave(struct tty_pty *pty, int sfd, const struct termios2 *real)
{
	bool canon = (real->c_lflag & ICANON) && !(real->c_lflag & EXTPROC);
	uint8_t buf[4096];
	int ret = 0, rounds;
	ssize_t r;

	for (rounds = 0; !ret && rounds < QUEUE_MAX; rounds++) {
		settle(sfd);
		r = read(sfd, buf, sizeof(buf));
		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0) {
			pr_perror("Can't read the bytes queued on the slave of pty %u", pty->index);
			return -errno;
		}
		if (!canon && !r)
			break;
		/* canonical: one line per read, an empty one was a lone EOF */
		ret = canon ? append_line(&pty->in, &pty->nr_in, real, buf, r, false)
			    : append(&pty->in, &pty->nr_in, buf, r);
	}
	return !ret && canon ? read_partial(pty, sfd, real) : ret;
}

/* A slave of criu's own, non-blocking; a locked pty is unlocked for the open. */
static int open_peer(int mfd, unsigned int index)
{
	int locked = 0, zero = 0, one = 1, fd;

	if (ioctl(mfd, TIOCGPTLCK, &locked) || (locked && ioctl(mfd, TIOCSPTLCK, &zero))) {
		pr_perror("Can't unlock pty %u to reach its slave", index);
		return -errno;
	}
	fd = ioctl(mfd, TIOCGPTPEER, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		pr_perror("Can't open a slave of pty %u", index);
	fd = fd < 0 ? -errno : fd;
	if (locked && ioctl(mfd, TIOCSPTLCK, &one)) {
		pr_perror("Can't lock pty %u again", index);
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	return fd;
}

static int write_all(int fd, const uint8_t *data, size_t len, const char *what, unsigned int index)
{
	ssize_t r;

	while (len) {
		r = write(fd, data, len);
		if (r <= 0) {
			pr_perror("Can't queue %zu bytes on the %s of pty %u again", len, what,
				  index);
			return r < 0 ? -errno : -EIO;
		}
		data += r;
		len -= r;
	}
	return 0;
}

/*
 * Queue in (the slave's input, written on the master) and out (written on the slave, for
 * the master) under the replay termios, let the line disciplines take them, set real back.
 */
static int requeue(int mfd, unsigned int index, const struct termios2 *real, const uint8_t *in,
		   size_t nr_in, const uint8_t *out, size_t nr_out)
{
	struct termios2 t;
	int sfd, ret;

	if (!nr_in && !nr_out)
		return 0;
	sfd = open_peer(mfd, index);
	if (sfd < 0)
		return sfd;
	replay_termios(real, &t);
	if (ioctl(mfd, TCSETS2, &t)) {
		ret = -errno;
		pr_perror("Can't set the termios of pty %u to queue its bytes", index);
		goto out_close;
	}
	ret = write_all(mfd, in, nr_in, "slave", index);
	ret = ret ?: write_all(sfd, out, nr_out, "master", index);
	settle(sfd);
	settle(mfd);
	if (ioctl(mfd, TCSETS2, real) && !ret) {
		ret = -errno;
		pr_perror("Can't set the termios of pty %u back", index);
	}
out_close:
	close(sfd);
	return ret;
}

static int write_data(struct cr_img *img, uint32_t id, const uint8_t *data, size_t len)
{
	TtyDataEntry e = TTY_DATA_ENTRY__INIT;

	if (!len)
		return 0;
	e.tty_id = id;
	e.data.data = (uint8_t *)data;
	e.data.len = len;
	return pb_write_one(img, &e.base);
}

/* Take the bytes of one pty; on failure, put back what was taken. */
static int take_pty(struct tty_pty *pty)
{
	struct pollfd pfd = { .events = POLLPRI };
	bool reach_slave = pty->slave_in_tree || (pty->extra && pty->extra->slave_closed);
	struct termios2 real;
	int pkt = 0, sfd = -1, ret;

	pty->mfd = tty_grab_task_fd(pty->master_pid, pty->master_fd);
	if (pty->mfd < 0)
		return pty->mfd;
	pfd.fd = pty->mfd;
	if (ioctl(pty->mfd, TCGETS2, &real) || ioctl(pty->mfd, TIOCGPKT, &pkt) ||
	    poll(&pfd, 1, 0) < 0) {
		pr_perror("Can't read the modes of pty %u", pty->index);
		return -errno;
	}
	if (pkt && (pfd.revents & POLLPRI)) {
		pr_err("pty %u has a packet mode status byte waiting for its master: "
		       "checkpointing it is not supported yet\n",
		       pty->index);
		return -EOPNOTSUPP;
	}
	sfd = reach_slave ? open_peer(pty->mfd, pty->index) : -ENOENT;
	if (sfd < 0 && sfd != -ENOENT)
		return sfd;
	ret = read_master(pty, pkt);
	if (!ret && sfd >= 0)
		ret = read_slave(pty, sfd, &real);
	if (sfd >= 0)
		close(sfd);
	if (ret == -E2BIG)
		pr_err("pty %u has more than %d bytes queued: not supported\n", pty->index,
		       QUEUE_MAX);
	if (ret && requeue(pty->mfd, pty->index, &real, pty->in, pty->nr_in, pty->out, pty->nr_out))
		pr_err("pty %u lost its queued bytes\n", pty->index);
	if (ret)
		pty->nr_in = pty->nr_out = 0;
	return ret;
}

int tty_queue_take(struct tty_dump *td, int dfd)
{
	struct cr_img *img = NULL;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < td->nr_ptys; i++) {
		struct tty_pty *pty = td->ptys[i];

		if (!pty->master_pid)
			continue;
		ret = take_pty(pty);
		if (ret || (!pty->nr_in && !pty->nr_out))
			continue;
		pr_info("pty %u: %zu bytes queued for the slave, %zu for the master\n", pty->index,
			pty->nr_in, pty->nr_out);
		if (!img)
			img = open_image_at(dfd, CR_FD_TTY_DATA, O_DUMP, 0);
		if (!img)
			return -EIO;
		ret = write_data(img, tty_info_id(TTY_SLAVE, pty->index), pty->in, pty->nr_in);
		ret = ret
			      ?: write_data(img, tty_info_id(TTY_MASTER, pty->index), pty->out,
					    pty->nr_out);
	}
	return img ? close_image(img) ?: ret : ret;
}

void tty_put_back_queues(struct dump_tree *dt, bool killed)
{
	struct tty_dump *td = tty_dump_find(&dt->fstate);
	struct termios2 real;
	size_t i;

	for (i = 0; !killed && td && i < td->nr_ptys; i++) {
		struct tty_pty *pty = td->ptys[i];

		if (pty->mfd < 0 || (!pty->nr_in && !pty->nr_out))
			continue;
		if (ioctl(pty->mfd, TCGETS2, &real) || requeue(pty->mfd, pty->index, &real, pty->in,
							       pty->nr_in, pty->out, pty->nr_out))
			pr_err("pty %u lost its queued bytes\n", pty->index);
		pty->nr_in = pty->nr_out = 0;
	}
}

void tty_queue_free(struct tty_pty *pty)
{
	if (pty->mfd >= 0)
		close(pty->mfd);
	if (pty->extra)
		protobuf_c_message_free_unpacked(&pty->extra->base, NULL);
	free(pty->in);
	free(pty->out);
	free(pty->holders);
	free(pty);
}

/* ---- restore --------------------------------------------------------------------------- */

/* tty-data.img, read on first use in the task that makes ptys. */
struct tty_data_rst {
	TtyDataEntry **entries;
	size_t nr;
	bool loaded;
	int err;
};

static void data_rst_fini(struct rst_fds *rf, void *priv, bool failed)
{
	struct tty_data_rst *dr = priv;
	size_t i;

	for (i = 0; i < dr->nr; i++)
		protobuf_c_message_free_unpacked(&dr->entries[i]->base, NULL);
	free(dr->entries);
}

static const struct rst_fds_key data_rst_key = {
	.name = "tty data",
	.size = sizeof(struct tty_data_rst),
	.fini = data_rst_fini,
};

static int load_data(struct tty_data_rst *dr, int dfd)
{
	struct cr_img *img = open_image_optional(dfd, CR_FD_TTY_DATA, 0);
	TtyDataEntry *e;
	int ret;

	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, &tty_data_entry__descriptor, (ProtobufCMessage **)&e)) >
	       0) {
		if (ARRAY_ADD_ROOM(dr->entries, dr->nr)) {
			protobuf_c_message_free_unpacked(&e->base, NULL);
			ret = -ENOMEM;
			break;
		}
		dr->entries[dr->nr++] = e;
		if (e->data.len > QUEUE_MAX) {
			pr_err("tty-data.img: %zu bytes for terminal %u, more than a pty holds\n",
			       e->data.len, e->tty_id);
			ret = -EINVAL;
			break;
		}
	}
	close_image(img);
	return ret;
}

static const TtyDataEntry *find_data(const struct tty_data_rst *dr, uint32_t id)
{
	size_t i;

	for (i = 0; i < dr->nr; i++)
		if (dr->entries[i]->tty_id == id)
			return dr->entries[i];
	return NULL;
}

int tty_queue_restore(struct rst_fds *rf, unsigned int index, int mfd, const TtyInfoEntry *si)
{
	struct tty_data_rst *dr = rst_fds_priv(rf, &data_rst_key);
	const TtyDataEntry *in, *out;
	struct termios2 real;

	if (!dr)
		return -ENOMEM;
	if (!dr->loaded) {
		dr->loaded = true;
		dr->err = load_data(dr, rst_images_dfd(rf));
	}
	if (dr->err)
		return dr->err;
	in = find_data(dr, tty_info_id(TTY_SLAVE, index));
	out = find_data(dr, tty_info_id(TTY_MASTER, index));
	if (!in && !out)
		return 0;
	if (!si->termios) {
		pr_err("tty-data.img has bytes for pty %u, whose termios tty-info.img lacks\n",
		       index);
		return -EINVAL;
	}
	tty_termios_from(&real, si->termios);
	pr_info("pty %u: %zu bytes queued again for the slave, %zu for the master\n", index,
		in ? in->data.len : 0, out ? out->data.len : 0);
	return requeue(mfd, index, &real, in ? in->data.data : NULL, in ? in->data.len : 0,
		       out ? out->data.data : NULL, out ? out->data.len : 0);
}
