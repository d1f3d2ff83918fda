/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plugin/fdstore.c - the store of open files plugins share between restored tasks
 * (fdstore.h). It is a datagram socket pair made by criu before the root is forked, which
 * every task inherits: fdstore_add() queues a one-byte datagram carrying the fd, and the
 * datagram's place in the queue is the file's number; fdstore_get() peeks at that place
 * (SO_PEEK_OFF skips one datagram per byte), which gives a new fd and leaves the queue as it
 * was. The tasks run at once, so a pipe holding one token, the count of files stored, is the
 * lock: reading it takes the lock, writing it back gives it up.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd-pass.h"
#include "fdstore.h"
#include "log.h"
#include "plugin.h"
#include "restore-ctx.h"

#define FDSTORE_SNDBUF (64 << 20) /* each queued fd costs a buffer: room for many */

enum { STORE_QUEUE, STORE_SEND, STORE_LOCK_IN, STORE_LOCK_OUT, STORE_NR_FDS };

static int store_fds[STORE_NR_FDS] = { -1, -1, -1, -1 };
_Static_assert(STORE_NR_FDS == FDSTORE_NR_KEEP, "fdstore.h counts the store's fds");

static int store_lock(int *count)
{
	if (store_fds[STORE_LOCK_IN] < 0) {
		pr_err("A plugin used criu's fd store, which exists only in a restore, from "
		       "RESTORE_INIT until the tasks' files are made\n");
		return -1;
	}
	if (read(store_fds[STORE_LOCK_IN], count, sizeof(*count)) != sizeof(*count)) {
		pr_perror("Can't take the fd store's lock");
		return -1;
	}
	return 0;
}

static int store_unlock(int count)
{
	if (write(store_fds[STORE_LOCK_OUT], &count, sizeof(count)) != sizeof(count)) {
		pr_perror("Can't give the fd store's lock back");
		return -1;
	}
	return 0;
}

static int send_fd(int fd)
{
	char byte = 0;

	if (fd_pass_send(store_fds[STORE_SEND], &byte, 1, fd, MSG_DONTWAIT) != 1) {
		pr_perror("Can't put fd %d in the fd store", fd);
		return -1;
	}
	return 0;
}

int fdstore_add(int fd)
{
	int count, ret;

	if (store_lock(&count))
		return -1;
	ret = send_fd(fd);
	if (store_unlock(ret ? count : count + 1) || ret)
		return -1;
	return count;
}

static int peek_fd(int id)
{
	char byte;
	int fd;

	if (setsockopt(store_fds[STORE_QUEUE], SOL_SOCKET, SO_PEEK_OFF, &id, sizeof(id))) {
		pr_perror("Can't seek to file %d of the fd store", id);
		return -1;
	}
	if (fd_pass_recv(store_fds[STORE_QUEUE], &byte, 1, &fd,
			 MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1) {
		pr_perror("Can't read file %d of the fd store", id);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd < 0) {
		pr_err("File %d of the fd store came without its fd\n", id);
		return -1;
	}
	/* criu's fds are close-on-exec; the plugin's new fd is the task's: as CRIU gives it */
	if (fcntl(fd, F_SETFD, 0)) {
		pr_perror("Can't clear close-on-exec of file %d of the fd store", id);
		close(fd);
		return -1;
	}
	return fd;
}

int fdstore_get(int id)
{
	int count, fd = -1;

	if (store_lock(&count))
		return -1;
	if (id < 0 || id >= count)
		pr_err("The fd store has no file %d (it holds %d)\n", id, count);
	else
		fd = peek_fd(id);
	if (store_unlock(count)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Move fd above every fd of the tasks (they are put in place over criu's). */
static int raise_fd(int *fd, int min)
{
	int high = fcntl(*fd, F_DUPFD_CLOEXEC, min);

	if (high < 0) {
		pr_perror("Can't move the fd store's fd %d above fd %d", *fd, min - 1);
		return -1;
	}
	close(*fd);
	*fd = high;
	return 0;
}

static int make_store(void)
{
	int size = FDSTORE_SNDBUF, count = 0;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, store_fds + STORE_QUEUE)) {
		pr_perror("Can't make the plugins' fd store");
		return -errno;
	}
	if (pipe2(store_fds + STORE_LOCK_IN, O_CLOEXEC)) {
		pr_perror("Can't make the plugins' fd store's lock");
		return -errno;
	}
	/* without CAP_NET_ADMIN the smaller limit of net.core.wmem_max holds */
	if (setsockopt(store_fds[STORE_SEND], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) &&
	    setsockopt(store_fds[STORE_SEND], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size))) {
		pr_perror("Can't give the plugins' fd store room");
		return -errno;
	}
	return store_unlock(count) ? -EIO : 0;
}

int fdstore_init(void)
{
	unsigned int nr;
	int ret;

	cr_plugins_list(&nr);
	if (!nr || store_fds[STORE_QUEUE] >= 0)
		return 0;
	ret = make_store();
	if (ret)
		fdstore_close();
	return ret;
}

int rst_fdstore_prepare(const struct rst_ctx *ctx)
{
	int i;

	if (store_fds[STORE_QUEUE] < 0)
		return 0;
	for (i = 0; i < STORE_NR_FDS; i++)
		if (raise_fd(&store_fds[i], ctx->fd_top + 1))
			return -EMFILE;
	pr_debug("plugins' fd store on fds %d-%d\n", store_fds[0], store_fds[STORE_NR_FDS - 1]);
	return 0;
}

int fdstore_keep_fds(int *keep)
{
	int i;

	if (store_fds[STORE_QUEUE] < 0)
		return 0;
	for (i = 0; i < STORE_NR_FDS; i++)
		keep[i] = store_fds[i];
	return STORE_NR_FDS;
}

void fdstore_close(void)
{
	int i;

	for (i = 0; i < STORE_NR_FDS; i++) {
		if (store_fds[i] >= 0)
			close(store_fds[i]);
		store_fds[i] = -1;
	}
}
