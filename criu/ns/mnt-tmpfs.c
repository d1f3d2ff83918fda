/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-tmpfs.c - the files of a tmpfs of the tree's mount namespace, as a gzip'ed tar
 * stream in tmpfs-dev-DEV.tar.gz.img (CRIU's name and format; DEV is mnt_entry.root_dev).
 * Dump: a child of criu enters the tree's mount namespace, clones the tmpfs mount there
 * (a detached copy without the mounts on it, so the files under them and the mount points
 * are in the archive), comes back and runs tar in the copy; criu compresses the stream
 * into the image. Restore: criu makes the new tmpfs detached, before the root exists, and
 * runs tar in it, fed what criu decompresses; the root attaches it where it was
 * (mnt-restore.c). The gzip layer is zlib's, in criu: tar's --gzip would run gzip through
 * a shell, two more programs per tmpfs (and the shell can't find its cwd in the copy).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "image.h"
#include "log.h"
#include "mnt.h"

#define TAR "/usr/bin/tar"

/* In the child: the tmpfs at mountpoint of the namespace of pid, cloned bare, as cwd. */
static int enter_tmpfs_copy(pid_t pid, const char *mountpoint, uint32_t mnt_id)
{
	char path[64];
	struct statx stx;
	int root, ns, own, at, copy;

	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (root < 0 || ns < 0 || own < 0 || setns(ns, CLONE_NEWNS)) {
		pr_perror("Can't enter the mount namespace of task %d", pid);
		return -1;
	}
	at = openat(root, mountpoint[1] ? mountpoint + 1 : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (at < 0 || statx(at, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx)) {
		pr_perror("Can't open the tmpfs at %s", mountpoint);
		return -1;
	}
	if (stx.stx_mnt_id != mnt_id) {
		pr_err("The tmpfs at %s (mount %u) is under another mount there: its files can't "
		       "be read yet\n",
		       mountpoint, mnt_id);
		return -1;
	}
	copy = open_tree(at, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (copy < 0 || setns(own, CLONE_NEWNS) || fchdir(copy)) {
		pr_perror("Can't copy the tmpfs at %s", mountpoint);
		return -1;
	}
	return 0;
}

/* Run tar in a child: dump (stdout to out) or restore (stdin from in), cwd the tmpfs. */
static pid_t run_tar(bool dump, int pipe_end, pid_t pid, const MntEntry *e, int mnt_fd)
{
	char *const create[] = { TAR,	     "--create", "--numeric-owner",
				 "--sparse", "--xattrs", "--file=-",
				 ".",	     NULL };
	char *const extract[] = { TAR,
				  "--extract",
				  "--numeric-owner",
				  "--preserve-permissions",
				  "--same-owner",
				  "--xattrs",
				  "--file=-",
				  NULL };
	pid_t child = fork();

	if (child)
		return child;
	if (dump ? enter_tmpfs_copy(pid, e->mountpoint, e->mnt_id) : fchdir(mnt_fd))
		_exit(2);
	if (dup2(pipe_end, dump ? 1 : 0) < 0 || dup2(log_get_fd(), 2) < 0)
		_exit(3);
	execv(TAR, dump ? create : extract);
	pr_perror("Can't run %s for the tmpfs at %s", TAR, e->mountpoint);
	_exit(4);
}

static int wait_tar(pid_t child, const MntEntry *e)
{
	int status;

	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status)) {
		pr_err("tar of the tmpfs at %s (mount %u) failed (status %#x): see above\n",
		       e->mountpoint, e->mnt_id, status);
		return -EIO;
	}
	return 0;
}

#define GZ_CHUNK 65536

/* zlib's stream with the gzip header and trailer (windowBits 16 + 15) */
#define GZ_WINDOW (16 + MAX_WBITS)

/* Whatever zlib has for the image, after in (flush: Z_NO_FLUSH, or Z_FINISH at the end). */
static int deflate_into(z_stream *z, struct cr_img *img, int flush)
{
	unsigned char out[GZ_CHUNK];
	int zret, ret;

	do {
		z->next_out = out;
		z->avail_out = sizeof(out);
		zret = deflate(z, flush);
		if (zret == Z_STREAM_ERROR)
			return -EIO;
		ret = img_write_buf(img, out, sizeof(out) - z->avail_out);
		if (ret)
			return ret;
	} while (z->avail_out == 0);
	return 0;
}

/* tar's stream from fd, gzip'ed into img */
static int compress_stream(int fd, struct cr_img *img, const MntEntry *e)
{
	unsigned char in[GZ_CHUNK];
	z_stream z = {};
	ssize_t n;
	int ret = 0;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZ_WINDOW, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK) {
		pr_err("Can't start compressing the tmpfs at %s: out of memory\n", e->mountpoint);
		return -ENOMEM;
	}
	while (!ret && (n = read(fd, in, sizeof(in))) != 0) {
		if (n < 0) {
			ret = -errno;
			break;
		}
		z.next_in = in;
		z.avail_in = n;
		ret = deflate_into(&z, img, Z_NO_FLUSH);
	}
	ret = ret ?: deflate_into(&z, img, Z_FINISH);
	deflateEnd(&z);
	if (ret)
		pr_err("Can't write tmpfs-dev-%u.tar.gz.img: %d\n", e->root_dev, ret);
	return ret;
}

int mnt_tmpfs_dump(int dfd, pid_t pid, const MntEntry *e)
{
	struct cr_img *img;
	int p[2], ret;
	pid_t child;

	if (pipe2(p, O_CLOEXEC)) {
		pr_perror("Can't make a pipe for the tmpfs at %s", e->mountpoint);
		return -errno;
	}
	child = run_tar(true, p[1], pid, e, -1);
	close(p[1]);
	if (child < 0) {
		pr_perror("Can't fork for the tmpfs at %s", e->mountpoint);
		close(p[0]);
		return -EIO;
	}
	img = open_image_at(dfd, CR_FD_TMPFS_DEV, O_DUMP, e->root_dev);
	ret = img ? compress_stream(p[0], img, e) : -EIO;
	close(p[0]);
	ret = wait_tar(child, e) ?: ret;
	ret = (img ? close_image(img) : -EIO) ?: ret;
	if (!ret)
		pr_info("tmpfs at %s: its files saved\n", e->mountpoint);
	return ret;
}

static int write_all(int fd, const unsigned char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n <= 0)
			return -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/* The image, gunzip'ed, into the pipe, whole; a bad or cut stream is an error. */
static int feed(int dfd, const MntEntry *e, int out)
{
	struct cr_img *img = open_image_at(dfd, CR_FD_TMPFS_DEV, O_RSTR, e->root_dev);
	unsigned char in[GZ_CHUNK], buf[GZ_CHUNK];
	int fd, zret = Z_OK, ret = 0;
	z_stream z = {};
	ssize_t n;

	if (!img)
		return -EIO;
	fd = img_raw_fd(img);
	if (fd < 0 || inflateInit2(&z, GZ_WINDOW) != Z_OK) {
		close_image(img);
		return fd < 0 ? fd : -ENOMEM;
	}
	while (!ret && zret != Z_STREAM_END && (n = read(fd, in, sizeof(in))) > 0) {
		z.next_in = in;
		z.avail_in = n;
		do {
			z.next_out = buf;
			z.avail_out = sizeof(buf);
			zret = inflate(&z, Z_NO_FLUSH);
			if (zret != Z_OK && zret != Z_STREAM_END && zret != Z_BUF_ERROR) {
				pr_err("tmpfs-dev-%u.tar.gz.img is no gzip stream (%s): bad "
				       "image\n",
				       e->root_dev, z.msg ?: "zlib error");
				ret = -EINVAL;
				break;
			}
			ret = write_all(out, buf, sizeof(buf) - z.avail_out);
			if (ret)
				pr_perror("Can't give tmpfs-dev-%u.tar.gz.img to tar", e->root_dev);
		} while (!ret && zret != Z_STREAM_END && z.avail_out == 0);
	}
	if (!ret && zret != Z_STREAM_END) {
		pr_err("tmpfs-dev-%u.tar.gz.img ends before its gzip stream does: bad image\n",
		       e->root_dev);
		ret = -EINVAL;
	}
	inflateEnd(&z);
	close_image(img);
	return ret;
}

int mnt_tmpfs_fill(int dfd, const MntEntry *e, int mnt_fd)
{
	struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old;
	int p[2], ret;
	pid_t child;

	if (pipe2(p, O_CLOEXEC)) {
		pr_perror("Can't make a pipe for the tmpfs at %s", e->mountpoint);
		return -errno;
	}
	child = run_tar(false, p[0], 0, e, mnt_fd);
	close(p[0]);
	if (child < 0) {
		pr_perror("Can't fork for the tmpfs at %s", e->mountpoint);
		close(p[1]);
		return -EIO;
	}
	/* a tar that gives up early must be an error said here, not a SIGPIPE killing criu */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	ret = feed(dfd, e, p[1]);
	close(p[1]);
	sigtimedwait(&pipe_set, NULL, &zero);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return wait_tar(child, e) ?: ret;
}
