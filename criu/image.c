/* SPDX-License-Identifier: GPL-2.0 */
/*
 * image.c - image files: their names and magics, and buffered reading and writing of
 * length-prefixed protobuf entries. Images are untrusted input on restore: every length
 * is checked against a limit and against what the file still holds before memory is
 * allocated for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "imgset.h"
#include "log.h"
#include "magic.h"

/* Large enough that a typical image is one write(); entries bigger than this bypass it. */
#define IMG_BUF_SIZE (64u << 10)
#define IMG_NAME_MAX 64

enum img_head {
	HEAD_COMMON,  /* IMG_COMMON_MAGIC, then the kind's magic */
	HEAD_SERVICE, /* IMG_SERVICE_MAGIC, then the kind's magic */
	HEAD_OWN,     /* the kind's magic alone: inventory.img */
	HEAD_RAW,     /* no header: raw data */
};

struct img_desc {
	const char *fmt; /* file name; per-id kinds take the id through "%lu" */
	uint32_t magic;
	enum img_head head;
	bool per_id;
};

static const struct img_desc img_descs[CR_FD_MAX] = {
	[CR_FD_INVENTORY] = { "inventory.img", INVENTORY_MAGIC, HEAD_OWN, false },
	[CR_FD_STATS_DUMP] = { "stats-dump", STATS_MAGIC, HEAD_SERVICE, false },
	[CR_FD_STATS_RESTORE] = { "stats-restore", STATS_MAGIC, HEAD_SERVICE, false },
	[CR_FD_PSTREE] = { "pstree.img", PSTREE_MAGIC, HEAD_COMMON, false },
	[CR_FD_CORE] = { "core-%lu.img", CORE_MAGIC, HEAD_COMMON, true },
	[CR_FD_IDS] = { "ids-%lu.img", IDS_MAGIC, HEAD_COMMON, true },
	[CR_FD_MM] = { "mm-%lu.img", MM_MAGIC, HEAD_COMMON, true },
	[CR_FD_PAGEMAP] = { "pagemap-%lu.img", PAGEMAP_MAGIC, HEAD_COMMON, true },
	[CR_FD_PAGES] = { "pages-%lu.img", PAGES_MAGIC, HEAD_RAW, true },
	[CR_FD_FS] = { "fs-%lu.img", FS_MAGIC, HEAD_COMMON, true },
	[CR_FD_FDINFO] = { "fdinfo-%lu.img", FDINFO_MAGIC, HEAD_COMMON, true },
	[CR_FD_FILES] = { "files.img", FILES_MAGIC, HEAD_COMMON, false },
	[CR_FD_PIPES_DATA] = { "pipes-data.img", PIPES_DATA_MAGIC, HEAD_COMMON, false },
	[CR_FD_FIFO_DATA] = { "fifo-data.img", FIFO_DATA_MAGIC, HEAD_COMMON, false },
	[CR_FD_MEMFD_INODE] = { "memfd.img", MEMFD_INODE_MAGIC, HEAD_COMMON, false },
	[CR_FD_SECCOMP] = { "seccomp.img", SECCOMP_MAGIC, HEAD_COMMON, false },
	[CR_FD_REMAP_FPATH] = { "remap-fpath.img", REMAP_FPATH_MAGIC, HEAD_COMMON, false },
	[CR_FD_GHOST_FILE] = { "ghost-file-%lu.img", GHOST_FILE_MAGIC, HEAD_COMMON, true },
	[CR_FD_SHMEM_PAGEMAP] = { "pagemap-shmem-%lu.img", SHMEM_PAGEMAP_MAGIC, HEAD_COMMON, true },
	[CR_FD_SK_QUEUES] = { "sk-queues.img", SK_QUEUES_MAGIC, HEAD_COMMON, false },
	[CR_FD_TTY_INFO] = { "tty-info.img", TTY_INFO_MAGIC, HEAD_COMMON, false },
	[CR_FD_FILE_LOCKS] = { "filelocks.img", FILE_LOCKS_MAGIC, HEAD_COMMON, false },
	[CR_FD_IPCNS_SHM] = { "ipcns-shm-%lu.img", IPCNS_SHM_MAGIC, HEAD_COMMON, true },
	[CR_FD_TASK_EXTRA] = { "task-extra-%lu.img", TASK_EXTRA_MAGIC, HEAD_COMMON, true },
	[CR_FD_TTY_DATA] = { "tty-data.img", TTY_DATA_MAGIC, HEAD_COMMON, false },
	[CR_FD_TTY_EXTRA] = { "tty-extra.img", TTY_EXTRA_MAGIC, HEAD_COMMON, false },
	[CR_FD_EVENTPOLL_EXTRA] = { "eventpoll-extra.img", EVENTPOLL_EXTRA_MAGIC, HEAD_COMMON,
				    false },
	[CR_FD_PIDFD_EXTRA] = { "pidfd-extra.img", PIDFD_EXTRA_MAGIC, HEAD_COMMON, false },
	[CR_FD_UTSNS] = { "utsns-%lu.img", UTSNS_MAGIC, HEAD_COMMON, true },
	[CR_FD_IPC_VAR] = { "ipcns-var-%lu.img", IPC_VAR_MAGIC, HEAD_COMMON, true },
	[CR_FD_IPCNS_SEM] = { "ipcns-sem-%lu.img", IPCNS_SEM_MAGIC, HEAD_COMMON, true },
	[CR_FD_IPCNS_MSG] = { "ipcns-msg-%lu.img", IPCNS_MSG_MAGIC, HEAD_COMMON, true },
	[CR_FD_TIMENS] = { "timens-%lu.img", TIMENS_MAGIC, HEAD_COMMON, true },
	[CR_FD_MNTS] = { "mountpoints-%lu.img", MNTS_MAGIC, HEAD_COMMON, true },
	[CR_FD_TMPFS_DEV] = { "tmpfs-dev-%lu.tar.gz.img", RAW_IMAGE_MAGIC, HEAD_RAW, true },
	[CR_FD_NS_PIDS] = { "ns-pids.img", NS_PIDS_MAGIC, HEAD_COMMON, false },
	[CR_FD_TCP_STREAM] = { "tcp-stream-%lx.img", TCP_STREAM_MAGIC, HEAD_COMMON, true },
	[CR_FD_INET_EXTRA] = { "inet-extra.img", INET_EXTRA_MAGIC, HEAD_COMMON, false },
	[CR_FD_NETLINK_EXTRA] = { "netlink-extra.img", NETLINK_EXTRA_MAGIC, HEAD_COMMON, false },
	[CR_FD_PACKET_RING] = { "packet-ring-%lu.img", PACKET_RING_MAGIC, HEAD_COMMON, true },
	[CR_FD_NETDEV] = { "netdev-%lu.img", NETDEV_MAGIC, HEAD_COMMON, true },
	[CR_FD_NETNS] = { "netns-%lu.img", NETNS_MAGIC, HEAD_COMMON, true },
	[CR_FD_IFADDR] = { "ifaddr-%lu.img", IFADDR_MAGIC, HEAD_RAW, true },
	[CR_FD_ROUTE] = { "route-%lu.img", ROUTE_MAGIC, HEAD_RAW, true },
	[CR_FD_ROUTE6] = { "route6-%lu.img", ROUTE6_MAGIC, HEAD_RAW, true },
	[CR_FD_RULE] = { "rule-%lu.img", RULE_MAGIC, HEAD_RAW, true },
	[CR_FD_IPTABLES] = { "iptables-%lu.img", IPTABLES_MAGIC, HEAD_RAW, true },
	[CR_FD_IP6TABLES] = { "ip6tables-%lu.img", IP6TABLES_MAGIC, HEAD_RAW, true },
	[CR_FD_NFTABLES] = { "nftables-%lu.img", NFTABLES_MAGIC, HEAD_RAW, true },
	[CR_FD_CGROUP] = { "cgroup.img", CGROUP_MAGIC, HEAD_COMMON, false },
	[CR_FD_MEMTRACK] = { "memtrack.img", MEMTRACK_MAGIC, HEAD_COMMON, false },
	[CR_FD_USERNS] = { "userns-%lu.img", USERNS_MAGIC, HEAD_COMMON, true },
	[CR_FD_USERNS_EXTRA] = { "userns-extra-%lu.img", USERNS_EXTRA_MAGIC, HEAD_COMMON, true },
	[CR_FD_CONNTRACK] = { "conntrack-%lu.img", CONNTRACK_MAGIC, HEAD_COMMON, true },
	[CR_FD_RULE6] = { "rule6-%lu.img", RULE6_MAGIC, HEAD_RAW, true },
	[CR_FD_CPUINFO] = { "cpuinfo.img", CPUINFO_MAGIC, HEAD_COMMON, false },
	[CR_FD_NETNS_EXTRA] = { "netns-extra-%lu.img", NETNS_EXTRA_MAGIC, HEAD_COMMON, true },
	[CR_FD_PACKET_EXTRA] = { "packet-extra-%lu.img", PACKET_EXTRA_MAGIC, HEAD_COMMON, true },
	[CR_FD_NEIGH] = { "neigh-%lu.img", NEIGH_MAGIC, HEAD_COMMON, true },
	[CR_FD_TC] = { "tc-%lu.img", TC_MAGIC, HEAD_COMMON, true },
	[CR_FD_MNT_LOCKS] = { "mnt-locks-%lu.img", MNT_LOCKS_MAGIC, HEAD_COMMON, true },
};

struct cr_img {
	int fd;
	enum img_type type;
	bool writing;
	int err;	      /* first write error: later writes and close_image() return it */
	struct sum_file *sum; /* writing into an image set: its sums, taken on the way */
	bool raw;	      /* written through img_raw_fd(): the writer adds the sums */
	bool in_set;	      /* writing into the image set of a dump: fsync'ed at close */
	char *buf;
	size_t head;	/* reading: first unconsumed byte in buf */
	size_t tail;	/* end of valid (reading) or pending (writing) bytes in buf */
	long long left; /* reading: file bytes not yet pulled into buf, -1 if unknown */
	char name[IMG_NAME_MAX];
};

int img_name(enum img_type type, unsigned long id, char *buf, size_t len)
{
	const struct img_desc *d;
	int n;

	if ((unsigned int)type >= CR_FD_MAX || !img_descs[type].fmt) {
		pr_err("Unknown image type %d\n", (int)type);
		return -EINVAL;
	}
	d = &img_descs[type];
	if (d->per_id)
		n = snprintf(buf, len, d->fmt, id);
	else
		n = snprintf(buf, len, "%s", d->fmt);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

const char *img_path(const struct cr_img *img)
{
	return img->name;
}

/* write() all of it, through short writes and signals. */
static int write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t n = write(fd, c, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		c += n;
		len -= n;
	}
	return 0;
}

static int img_write_out(struct cr_img *img, const void *p, size_t len)
{
	int ret = write_all(img->fd, p, len);

	if (ret) {
		errno = -ret;
		pr_perror("%s: cannot write the image (disk full?)", img->name);
	} else if (img->sum && !img->raw) {
		ret = imgset_feed(img->sum, p, len);
	}
	if (ret)
		img->err = ret;
	return ret;
}

static int img_flush(struct cr_img *img)
{
	int ret;

	if (img->err)
		return img->err;
	if (!img->tail)
		return 0;
	ret = img_write_out(img, img->buf, img->tail);
	img->tail = 0;
	return ret;
}

/* Append bytes to the write buffer; what does not fit goes straight to the file. */
static int img_put(struct cr_img *img, const void *p, size_t len)
{
	int ret;

	if (img->err)
		return img->err;
	if (img->tail + len > IMG_BUF_SIZE) {
		ret = img_flush(img);
		if (ret)
			return ret;
		if (len >= IMG_BUF_SIZE)
			return img_write_out(img, p, len);
	}
	memcpy(img->buf + img->tail, p, len);
	img->tail += len;
	return 0;
}

/*
 * Make at least `want` (<= IMG_BUF_SIZE) unconsumed bytes sit in the read buffer, or as
 * many as the file still has. Returns how many are there, or -errno.
 */
static ssize_t img_want(struct cr_img *img, size_t want)
{
	while (img->tail - img->head < want) {
		ssize_t n;

		if (img->head) {
			memmove(img->buf, img->buf + img->head, img->tail - img->head);
			img->tail -= img->head;
			img->head = 0;
		}
		n = read(img->fd, img->buf + img->tail, IMG_BUF_SIZE - img->tail);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			pr_perror("%s: cannot read the image", img->name);
			return n;
		}
		if (n == 0)
			break;
		img->tail += n;
		if (img->left >= 0)
			img->left = img->left > n ? img->left - n : 0;
	}
	return img->tail - img->head;
}

/* Copy len bytes out; *got < len means the file ended first. */
static int img_get(struct cr_img *img, void *dst, size_t len, size_t *got)
{
	char *d = dst;

	*got = 0;
	while (*got < len) {
		size_t chunk = len - *got;
		ssize_t have;

		if (chunk > IMG_BUF_SIZE)
			chunk = IMG_BUF_SIZE;
		have = img_want(img, chunk);
		if (have < 0)
			return have;
		if (have == 0)
			break;
		if ((size_t)have < chunk)
			chunk = have;
		memcpy(d + *got, img->buf + img->head, chunk);
		img->head += chunk;
		*got += chunk;
	}
	return 0;
}

static int img_check_magic(struct cr_img *img, uint32_t expected, const char *what)
{
	uint32_t magic;
	size_t got;
	int ret;

	ret = img_get(img, &magic, sizeof(magic), &got);
	if (ret)
		return ret;
	if (got < sizeof(magic)) {
		pr_err("%s: file too short for an image header (not a CRIU image or truncated)\n",
		       img->name);
		return -EINVAL;
	}
	if (magic != expected) {
		pr_err("%s: bad %smagic 0x%08x, expected 0x%08x (not a CRIU image or corrupted)\n",
		       img->name, what, magic, expected);
		return -EINVAL;
	}
	return 0;
}

static int img_start_read(struct cr_img *img)
{
	const struct img_desc *d = &img_descs[img->type];
	struct stat st;
	int ret;

	if (fstat(img->fd, &st)) {
		ret = -errno;
		pr_perror("%s: cannot stat the image", img->name);
		return ret;
	}
	img->left = S_ISREG(st.st_mode) ? (long long)st.st_size : -1;

	if (d->head == HEAD_COMMON || d->head == HEAD_SERVICE) {
		uint32_t set = d->head == HEAD_COMMON ? IMG_COMMON_MAGIC : IMG_SERVICE_MAGIC;

		ret = img_check_magic(img, set, "set ");
		if (ret)
			return ret;
	}
	if (d->head != HEAD_RAW)
		return img_check_magic(img, d->magic, "");
	return 0;
}

static int img_start_write(struct cr_img *img)
{
	const struct img_desc *d = &img_descs[img->type];
	struct stat st;
	uint32_t magic;

	/* O_CREAT's mode does not apply to a file that was already there. */
	if (fstat(img->fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) != 0600 &&
	    fchmod(img->fd, 0600))
		pr_warn("%s: cannot make the image 0600: %m\n", img->name);

	if (d->head == HEAD_COMMON || d->head == HEAD_SERVICE) {
		magic = d->head == HEAD_COMMON ? IMG_COMMON_MAGIC : IMG_SERVICE_MAGIC;
		img_put(img, &magic, sizeof(magic));
	}
	if (d->head != HEAD_RAW) {
		magic = d->magic;
		img_put(img, &magic, sizeof(magic));
	}
	return img->err;
}

static struct cr_img *img_open(int dfd, enum img_type type, int flags, unsigned long id,
			       bool optional)
{
	struct cr_img *img;
	int ret;

	img = calloc(1, sizeof(*img));
	if (!img) {
		ret = -ENOMEM;
		goto out_err;
	}
	img->fd = -1;
	img->type = type;
	img->writing = (flags & O_ACCMODE) != O_RDONLY;
	ret = img_name(type, id, img->name, sizeof(img->name));
	if (ret)
		goto out_free;
	img->buf = malloc(IMG_BUF_SIZE);
	if (!img->buf) {
		pr_err("%s: no memory for the image buffer\n", img->name);
		ret = -ENOMEM;
		goto out_free;
	}

	/* inventory.img says the set is complete: it gets its name at the commit */
	if (img->writing && type == CR_FD_INVENTORY && imgset_writing(dfd))
		img->fd = openat(dfd, INVENTORY_TMP, flags | O_CLOEXEC, 0600);
	else
		img->fd = openat(dfd, img->name, flags | O_CLOEXEC, 0600);
	if (img->fd < 0) {
		ret = -errno;
		if (!(optional && ret == -ENOENT))
			pr_perror("%s: cannot %s the image", img->name,
				  img->writing ? "create" : "open");
		goto out_free;
	}

	if (img->writing) {
		img->in_set = imgset_writing(dfd);
		img->sum = imgset_opened(dfd, img->name);
		ret = img_start_write(img);
	} else {
		ret = imgset_check_member(dfd, img->name) ?: img_start_read(img);
	}
	if (ret)
		goto out_close;
	return img;

out_close:
	close(img->fd);
out_free:
	free(img->buf);
	free(img);
out_err:
	errno = -ret;
	return NULL;
}

struct cr_img *open_image_at(int dfd, enum img_type type, int flags, unsigned long id)
{
	return img_open(dfd, type, flags, id, false);
}

struct cr_img *open_image_optional(int dfd, enum img_type type, unsigned long id)
{
	return img_open(dfd, type, O_RSTR, id, true);
}

/* Flushed and, in an image set, on disk (fsync) with its sums complete. */
static int img_finish_write(struct cr_img *img)
{
	int ret = img_flush(img);

	if (ret || !img->in_set)
		return ret;
	if (fsync(img->fd)) {
		ret = -errno;
		pr_perror("%s: cannot fsync the image (disk full or failing?)", img->name);
		return ret;
	}
	return 0;
}

int close_image(struct cr_img *img)
{
	struct stat st;
	int ret = 0;

	if (!img)
		return 0;
	if (img->writing)
		ret = img_finish_write(img);
	if (!ret && img->sum && fstat(img->fd, &st)) {
		ret = -errno;
		pr_perror("%s: cannot stat the image", img->name);
	}
	if (close(img->fd) && !ret) {
		ret = -errno;
		pr_perror("%s: cannot close the image", img->name);
	}
	if (img->sum) {
		img->sum->open = false;
		if (!ret)
			ret = imgset_closed(img->sum, st.st_size);
	}
	free(img->buf);
	free(img);
	return ret;
}

struct sum_file *img_raw_sums(struct cr_img *img)
{
	return img->writing && img->raw ? img->sum : NULL;
}

int img_raw_fd(struct cr_img *img)
{
	size_t unread = img->tail - img->head;

	if (img->writing) {
		int ret = img_flush(img);

		if (ret)
			return ret;
		if (img->sum && img->sum->block_fill) {
			pr_err("%s: raw writes after buffered ones can't be summed\n", img->name);
			return -EINVAL;
		}
		img->raw = true;
		return img->fd;
	}
	if (unread) {
		/* Give back the read-ahead so the fd's offset is where the reader stopped. */
		if (lseek(img->fd, -(off_t)unread, SEEK_CUR) < 0) {
			int ret = -errno;

			pr_perror("%s: cannot rewind the image", img->name);
			return ret;
		}
		if (img->left >= 0)
			img->left += unread;
	}
	img->head = img->tail = 0;
	return img->fd;
}

int img_write_buf(struct cr_img *img, const void *buf, size_t len)
{
	if (!img->writing) {
		pr_err("%s: image is open for reading, not writing\n", img->name);
		return -EBADF;
	}
	return img_put(img, buf, len);
}

int img_read_buf(struct cr_img *img, void *buf, size_t len)
{
	size_t got;
	int ret;

	if (img->writing) {
		pr_err("%s: image is open for writing, not reading\n", img->name);
		return -EBADF;
	}
	ret = img_get(img, buf, len, &got);
	if (ret)
		return ret;
	if (got < len) {
		pr_err("%s: truncated data: %zu of %zu bytes before the end of the file\n",
		       img->name, got, len);
		return -EIO;
	}
	return 0;
}

int pb_write_one(struct cr_img *img, const ProtobufCMessage *msg)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	uint32_t len32 = len;
	char *tmp;
	int ret;

	if (!img->writing) {
		pr_err("%s: image is open for reading, not writing\n", img->name);
		return -EBADF;
	}
	if (len > IMG_MAX_ENTRY_SIZE) {
		pr_err("%s: %s entry of %zu bytes is over the %u-byte entry limit\n", img->name,
		       msg->descriptor->name, len, IMG_MAX_ENTRY_SIZE);
		return -E2BIG;
	}
	if (img->err)
		return img->err;

	if (sizeof(len32) + len <= IMG_BUF_SIZE) {
		/* Pack in place: the usual case, no copy. */
		if (img->tail + sizeof(len32) + len > IMG_BUF_SIZE) {
			ret = img_flush(img);
			if (ret)
				return ret;
		}
		memcpy(img->buf + img->tail, &len32, sizeof(len32));
		protobuf_c_message_pack(msg, (uint8_t *)img->buf + img->tail + sizeof(len32));
		img->tail += sizeof(len32) + len;
		return 0;
	}

	tmp = malloc(sizeof(len32) + len);
	if (!tmp) {
		pr_err("%s: no memory to pack a %zu-byte entry\n", img->name, len);
		return -ENOMEM;
	}
	memcpy(tmp, &len32, sizeof(len32));
	protobuf_c_message_pack(msg, (uint8_t *)tmp + sizeof(len32));
	ret = img_put(img, tmp, sizeof(len32) + len);
	free(tmp);
	return ret;
}

/* Read the u32 length of the next entry: 1 with *len set, 0 at a clean end, or -errno. */
static int img_read_len(struct cr_img *img, uint32_t *len)
{
	size_t got;
	int ret;

	ret = img_get(img, len, sizeof(*len), &got);
	if (ret)
		return ret;
	if (got == 0)
		return 0;
	if (got < sizeof(*len)) {
		pr_err("%s: truncated entry: the file ends inside an entry's length\n", img->name);
		return -EIO;
	}
	if (*len > IMG_MAX_ENTRY_SIZE) {
		pr_err("%s: entry length %u is over the %u-byte limit (corrupted image)\n",
		       img->name, *len, IMG_MAX_ENTRY_SIZE);
		return -EINVAL;
	}
	if (img->left >= 0 && *len > img->left + (img->tail - img->head)) {
		pr_err("%s: truncated entry: length %u, but only %llu bytes left in the file\n",
		       img->name, *len, img->left + (unsigned long long)(img->tail - img->head));
		return -EIO;
	}
	return 1;
}

int pb_read_one_eof(struct cr_img *img, const ProtobufCMessageDescriptor *desc,
		    ProtobufCMessage **msg)
{
	const uint8_t *data;
	uint8_t *tmp = NULL;
	uint32_t len;
	size_t got;
	int ret;

	*msg = NULL;
	if (img->writing) {
		pr_err("%s: image is open for writing, not reading\n", img->name);
		return -EBADF;
	}
	ret = img_read_len(img, &len);
	if (ret <= 0)
		return ret;

	if (len <= IMG_BUF_SIZE) {
		ssize_t have = img_want(img, len);

		if (have < 0)
			return have;
		got = (size_t)have < len ? (size_t)have : len;
		data = (uint8_t *)img->buf + img->head;
		img->head += got;
	} else {
		tmp = malloc(len);
		if (!tmp) {
			pr_err("%s: no memory for a %u-byte entry\n", img->name, len);
			return -ENOMEM;
		}
		ret = img_get(img, tmp, len, &got);
		if (ret)
			goto out_free;
		data = tmp;
	}
	if (got < len) {
		pr_err("%s: truncated entry: %zu of %u bytes before the end of the file\n",
		       img->name, got, len);
		ret = -EIO;
		goto out_free;
	}

	*msg = protobuf_c_message_unpack(desc, NULL, len, data);
	if (!*msg) {
		pr_err("%s: cannot decode a %u-byte %s entry (corrupted image or wrong kind)\n",
		       img->name, len, desc->name);
		ret = -EINVAL;
		goto out_free;
	}
	ret = 1;
out_free:
	free(tmp);
	return ret;
}

int pb_read_one(struct cr_img *img, const ProtobufCMessageDescriptor *desc, ProtobufCMessage **msg)
{
	int ret = pb_read_one_eof(img, desc, msg);

	if (ret == 0) {
		pr_err("%s: unexpected end of file, a %s entry was expected\n", img->name,
		       desc->name);
		return -EIO;
	}
	return ret < 0 ? ret : 0;
}
