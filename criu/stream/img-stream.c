/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stream/img-stream.c - --stream (img-stream.h), CRIU's image streamer protocol: criu
 * connects to the streamer's socket once; for each image it sends a request (a uint32
 * length, then an img_streamer_request_entry: field 1, the file name), and passes one end
 * of a pipe in SCM_RIGHTS (with one byte of data): the write end to restore, the read end to
 * dump. To restore, the streamer first answers each request with an img_streamer_reply_entry
 * (field 1: whether it has the file), and criu passes a pipe only for a file it has. The
 * bytes go through the pipe, and its close ends the file.
 *
 * The run works on a staging directory on tmpfs (/dev/shm), so that images keep their
 * random access: a dump or pre-dump sends its files once the image set is complete, before
 * the tree is released (a streamer that fails then fails the dump, leaving the tree
 * running; a pre-dump in read mode, once its pages are read); a restore
 * fetches, before anything else, inventory.img, checksums.img and every file that set lists.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fd-pass.h"
#include "img-stream.h"
#include "log.h"
#include "sumset.h"

#define STREAM_CAPTURE_SOCK "streamer-capture.sock"
#define STREAM_SERVE_SOCK   "streamer-serve.sock"
#define STREAM_NAME_MAX	    255
#define STREAM_PIPE_SIZE    (1 << 20)

static struct {
	int sk; /* -1: no stream */
	bool dump;
	char staging[64];
	struct sigaction old_sigpipe; /* a streamer that died gives EPIPE, not the signal */
} st = { .sk = -1 };

static int write_all(int fd, const void *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		p = (const char *)p + n;
		len -= n;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		p = (char *)p + n;
		len -= n;
	}
	return 0;
}

/* img_streamer_request_entry { required string filename = 1; }, length-prefixed */
static int send_request(const char *name)
{
	size_t len = strlen(name);
	uint8_t msg[4 + 3 + STREAM_NAME_MAX];
	uint32_t body;
	size_t n = 4;

	if (len > STREAM_NAME_MAX)
		return -ENAMETOOLONG;
	msg[n++] = 0x0a; /* field 1, length-delimited */
	if (len >= 0x80)
		msg[n++] = 0x80 | (len & 0x7f), msg[n++] = len >> 7;
	else
		msg[n++] = len;
	memcpy(msg + n, name, len);
	n += len;
	body = n - 4;
	memcpy(msg, &body, 4);
	if (write_all(st.sk, msg, n)) {
		pr_perror("Can't ask the image streamer for %s", name);
		return -EIO;
	}
	return 0;
}

/* img_streamer_reply_entry { required bool exists = 1; }: 1, 0, or -errno */
static int recv_reply(const char *name)
{
	uint8_t msg[16];
	uint32_t len;

	if (read_all(st.sk, &len, 4) || len < 2 || len > sizeof(msg) || read_all(st.sk, msg, len)) {
		pr_err("The image streamer did not answer the request for %s\n", name);
		return -EIO;
	}
	if (msg[0] != 0x08 || msg[1] > 1) {
		pr_err("The image streamer's answer for %s is not an img_streamer_reply_entry\n",
		       name);
		return -EPROTO;
	}
	return msg[1];
}

static int send_fd(int fd, const char *name)
{
	char byte = 0;

	if (fd_pass_send(st.sk, &byte, 1, fd, MSG_NOSIGNAL) != 1) {
		pr_perror("Can't pass the image streamer the pipe of %s", name);
		return -EIO;
	}
	return 0;
}

/* A pipe for one file: its streamer end passed over, ours returned; -errno on failure. */
static int file_pipe(const char *name)
{
	int p[2], ours, theirs, ret;

	if (pipe2(p, O_CLOEXEC)) {
		pr_perror("Can't make the pipe of %s", name);
		return -errno;
	}
	fcntl(p[1], F_SETPIPE_SZ, STREAM_PIPE_SIZE);
	ours = st.dump ? p[1] : p[0];
	theirs = st.dump ? p[0] : p[1];
	ret = send_fd(theirs, name);
	close(theirs);
	if (ret) {
		close(ours);
		return ret;
	}
	return ours;
}

/* from -> to by splice until EOF (len: the bytes, or -1 for "until the pipe ends") */
static int pump(int from, int to, const char *name)
{
	ssize_t n;

	for (;;) {
		n = splice(from, NULL, to, NULL, STREAM_PIPE_SIZE, SPLICE_F_MOVE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pr_perror("Can't move %s %s the image streamer", name,
				  st.dump ? "to" : "from");
			return -errno;
		}
		if (!n)
			return 0;
	}
}

static int send_file(int dfd, const char *name)
{
	int fd, pfd, ret;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open the staged %s", name);
		return -errno;
	}
	ret = send_request(name);
	pfd = ret ? ret : file_pipe(name);
	if (pfd >= 0) {
		ret = pump(fd, pfd, name);
		close(pfd);
	} else {
		ret = pfd;
	}
	close(fd);
	return ret;
}

int stream_dump_send(int staged_dfd)
{
	struct dirent *de;
	DIR *d;
	int fd, ret = 0;
	unsigned int n = 0;

	if (st.sk < 0 || !st.dump)
		return 0;
	fd = fcntl(staged_dfd, F_DUPFD_CLOEXEC, 0);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		pr_perror("Can't list the staged images");
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	while (!ret && (de = readdir(d))) {
		if (de->d_type != DT_REG)
			continue;
		ret = send_file(staged_dfd, de->d_name);
		n++;
	}
	closedir(d);
	if (ret)
		pr_err("The images could not all go to the image streamer: the dump fails and the "
		       "tree runs on\n");
	else
		pr_info("%u images sent to the image streamer\n", n);
	return ret;
}

/* Restore: one file into the staging directory; -ENOENT if the streamer has none. */
static int fetch_file(int dfd, const char *name)
{
	int fd, pfd, ret;

	if (!faccessat(dfd, name, F_OK, 0))
		return 0; /* a set may name a file twice: once is enough */
	ret = send_request(name) ?: recv_reply(name);
	if (ret <= 0)
		return ret ?: -ENOENT;
	pfd = file_pipe(name);
	if (pfd < 0)
		return pfd;
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_perror("Can't stage %s", name);
		close(pfd);
		return -errno;
	}
	ret = pump(pfd, fd, name);
	close(fd);
	close(pfd);
	return ret;
}

static void report_sums(void *arg, const char *msg)
{
	pr_err("%s\n", msg);
}

static int fetch_set(int dfd)
{
	struct sum_set *set;
	size_t i;
	int ret;

	ret = fetch_file(dfd, "inventory.img");
	if (ret == -ENOENT)
		pr_err("The image streamer has no inventory.img: no image set to restore\n");
	if (ret)
		return ret;
	ret = fetch_file(dfd, SUMSET_IMG);
	if (ret == -ENOENT)
		pr_err("The image streamer has no %s, the list of the set's files (a dump with "
		       "--skip-checksums, or CRIU's): restoring it with --stream is not supported "
		       "yet\n",
		       SUMSET_IMG);
	if (ret)
		return ret;
	ret = sumset_load(dfd, &set, report_sums, NULL);
	if (ret)
		return ret;
	for (i = 0; !ret && i < set->nr_files; i++) {
		ret = fetch_file(dfd, set->files[i]->name);
		if (ret == -ENOENT)
			pr_err("The image streamer has no %s, which the set lists\n",
			       set->files[i]->name);
	}
	if (!ret)
		pr_info("%zu images fetched from the image streamer\n", set->nr_files + 2);
	sumset_free(set);
	return ret;
}

static int connect_streamer(const struct cr_options *o)
{
	const char *sock = st.dump ? STREAM_CAPTURE_SOCK : STREAM_SERVE_SOCK;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s", o->images_dir, sock) >=
	    (int)sizeof(addr.sun_path)) {
		pr_err("--stream: the path of %s in %s is too long for a unix socket\n", sock,
		       o->images_dir);
		return -ENAMETOOLONG;
	}
	st.sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (st.sk < 0 || connect(st.sk, (struct sockaddr *)&addr, sizeof(addr))) {
		pr_perror("--stream: can't connect to the image streamer at %s (is it running, "
			  "in %s mode?)",
			  addr.sun_path, st.dump ? "capture" : "serve");
		if (st.sk >= 0)
			close(st.sk);
		st.sk = -1;
		return -ECONNREFUSED;
	}
	return 0;
}

/*
 * What a streamed run can't do. CRIU's streamer takes one image set at a time and CRIU
 * makes no incremental images with it ("Image streaming lacks support for incremental
 * images"): it neither links a streamed dump to --prev-images-dir nor reads a parent on a
 * streamed restore, so a streamed pre-dump is a set of its own and the dump after it is
 * whole. criu does the same, and says so (run: the options the run works with).
 */
static int check_options(const struct cr_options *o, struct cr_options *run)
{
	const char *what = o->use_page_server ? "--page-server"
			   : o->lazy_pages    ? "--lazy-pages"
					      : NULL;

	*run = *o;
	if (what) {
		pr_err("--stream with %s is not supported yet\n", what);
		return -EOPNOTSUPP;
	}
	if (o->prev_images_dir) {
		pr_warn("--stream: image streaming takes no incremental images (as in CRIU): "
			"--prev-images-dir %s is ignored, every page is dumped\n",
			o->prev_images_dir);
		run->prev_images_dir = NULL;
		run->auto_dedup = false;
	}
	return 0;
}

int stream_begin(const struct cr_options *o, int images_dfd, int *staged_dfd,
		 struct cr_options *run)
{
	int ret;

	*staged_dfd = -1;
	st.dump = o->command == CMD_DUMP || o->command == CMD_PRE_DUMP;
	ret = check_options(o, run);
	if (ret)
		return ret;
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN }, &st.old_sigpipe);
	ret = connect_streamer(o);
	if (ret) {
		sigaction(SIGPIPE, &st.old_sigpipe, NULL);
		return ret;
	}
	snprintf(st.staging, sizeof(st.staging), "/dev/shm/criu-stream.XXXXXX");
	if (!mkdtemp(st.staging)) {
		pr_perror("--stream: can't make a staging directory in /dev/shm");
		st.staging[0] = 0;
		stream_end(-1);
		return -EIO;
	}
	*staged_dfd = open(st.staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*staged_dfd < 0) {
		pr_perror("--stream: can't open %s", st.staging);
		stream_end(-1);
		return -EIO;
	}
	pr_info("--stream: images staged in %s\n", st.staging);
	ret = st.dump ? 0 : fetch_set(*staged_dfd);
	if (ret) {
		stream_end(*staged_dfd);
		*staged_dfd = -1;
	}
	return ret;
}

void stream_end(int staged_dfd)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if (st.sk < 0)
		return;
	close(st.sk);
	st.sk = -1;
	sigaction(SIGPIPE, &st.old_sigpipe, NULL);
	if (!st.staging[0])
		return;
	fd = open(st.staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(fd, de->d_name, 0);
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
	if (rmdir(st.staging))
		pr_perror("--stream: can't remove the staging directory %s", st.staging);
	st.staging[0] = 0;
	if (staged_dfd >= 0)
		close(staged_dfd);
}
