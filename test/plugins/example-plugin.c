/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test/plugins/example-plugin.c - a plugin with every hook of criu-plugin.h, for
 * test/others/plugins.py. Each call is appended to $CRIU_EXAMPLE_PLUGIN_LOG as one line,
 * "HOOK arg...", so that the test sees which hooks criu called, in which order.
 *
 * It takes one kind of file criu has no handler for: a tun device file (10:200) with no
 * interface attached (TUNGETIFF answers EBADFD). At dump it saves the device path, the file
 * status flags and the device numbers in example-file-ID.img; at restore it opens the path
 * again and checks that it is the same device. It also takes private mappings of /dev/zero
 * (HANDLE_DEVICE_VMA) and hands criu a new fd of the device to map them from at restore
 * (UPDATE_VMA_MAP). It takes a unix stream socket connected to a listener outside the tree
 * bound to a path (DUMP_UNIX_SK: the path in example-unix-ID.img), and connects a new one
 * to that path at restore (RESTORE_UNIX_SK). $CRIU_EXAMPLE_PLUGIN_FAIL names one hook that
 * fails (-EIO). $CRIU_EXAMPLE_PLUGIN_STORE: files go through criu's fd store and a retry.
 * It takes a mount named by $CRIU_EXAMPLE_PLUGIN_MOUNT (DUMP_EXT_MOUNT, RESTORE_EXT_MOUNT) and
 * ifb links (DUMP_EXT_LINK), for test/others/plugin-ns.py.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "criu-plugin.h"
#include "fdstore.h"

struct saved_file {
	char path[256];
	int flags;
	unsigned int major, minor;
};

static int log_call(const char *hook, const char *fmt, ...)
{
	const char *log = getenv("CRIU_EXAMPLE_PLUGIN_LOG");
	const char *fail = getenv("CRIU_EXAMPLE_PLUGIN_FAIL");
	char line[512];
	va_list ap;
	int n, fd;

	n = snprintf(line, sizeof(line), "%s ", hook);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n < (int)sizeof(line) - 1)
		line[n++] = '\n';
	if (log) {
		fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0) {
			if (write(fd, line, n) != n)
				print_on_level(1, "example: short write to %s\n", log);
			close(fd);
		}
	}
	if (fail && !strcmp(fail, hook)) {
		print_on_level(1, "example: %s fails as CRIU_EXAMPLE_PLUGIN_FAIL asks\n", hook);
		return -EIO;
	}
	return 0;
}

/* A tun file with an interface has state this example does not save. */
static bool is_detached_tun(int fd, const struct stat *st)
{
	unsigned int ifflags;

	return S_ISCHR(st->st_mode) && major(st->st_rdev) == 10 && minor(st->st_rdev) == 200 &&
	       ioctl(fd, TUNGETIFF, &ifflags) < 0 && errno == EBADFD;
}

static int example_init(int stage)
{
	return log_call("INIT", "%d", stage);
}

static void example_exit(int stage, int ret)
{
	log_call("EXIT", "%d %d", stage, ret);
}

CR_PLUGIN_REGISTER("example", example_init, example_exit)

static int image_name(char *buf, size_t len, int id)
{
	return snprintf(buf, len, "example-file-%d.img", id) >= (int)len ? -ENAMETOOLONG : 0;
}

static int save_file(int fd, int id, const struct stat *st)
{
	struct saved_file s = {};
	char link[64], name[64];
	ssize_t n;
	int img;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, s.path, sizeof(s.path) - 1);
	s.flags = fcntl(fd, F_GETFL);
	if (n < 0 || s.flags < 0 || image_name(name, sizeof(name), id))
		return -EIO;
	s.major = major(st->st_rdev);
	s.minor = minor(st->st_rdev);
	img = openat(criu_get_image_dir(), name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (img < 0)
		return -errno;
	n = write(img, &s, sizeof(s));
	close(img);
	return n == sizeof(s) ? 0 : -EIO;
}

static int example_dump_ext_file(int fd, int id)
{
	struct stat st;

	if (fstat(fd, &st) || !is_detached_tun(fd, &st)) {
		log_call("DUMP_EXT_FILE", "%d refused", id);
		return -ENOTSUP;
	}
	return log_call("DUMP_EXT_FILE", "%d %u:%u", id, major(st.st_rdev), minor(st.st_rdev))
		       ?: save_file(fd, id, &st);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__DUMP_EXT_FILE, example_dump_ext_file)

static int load_file(int id, struct saved_file *s)
{
	char name[64];
	ssize_t n;
	int img;

	if (image_name(name, sizeof(name), id))
		return -ENAMETOOLONG;
	img = openat(criu_get_image_dir(), name, O_RDONLY | O_CLOEXEC);
	if (img < 0)
		return errno == ENOENT ? -ENOTSUP : -errno;
	n = read(img, s, sizeof(*s));
	close(img);
	if (n != sizeof(*s) || !memchr(s->path, 0, sizeof(s->path)))
		return -EINVAL;
	return 0;
}

/*
 * $CRIU_EXAMPLE_PLUGIN_STORE: criu opens the files at RESTORE_INIT and keeps them in its fd
 * store, which the restored tasks take them from; each task's first two RESTORE_EXT_FILE of a
 * file ask criu to call again (*retry_needed), as a plugin waiting for another task's file
 * does: once the other fds are made criu asks again, then waits a little before the third.
 */
#define RETRIES	   2
#define STORED_MAX 8
static struct {
	int id, store_id;
	int asked; /* in this task: the retries asked */
} stored[STORED_MAX];
static int nr_stored;

static int store_file(int id)
{
	struct saved_file s;
	int fd, ret = load_file(id, &s);

	if (ret)
		return ret;
	if (nr_stored == STORED_MAX)
		return -E2BIG;
	fd = open(s.path, s.flags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	stored[nr_stored].id = id;
	stored[nr_stored].store_id = fdstore_add(fd);
	close(fd);
	return stored[nr_stored++].store_id < 0 ? -EIO : 0;
}

static int store_files(void)
{
	int dfd = dup(criu_get_image_dir()), ret = 0, id;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;

	if (!d)
		return -errno;
	while (!ret && (de = readdir(d)))
		if (sscanf(de->d_name, "example-file-%d.img", &id) == 1)
			ret = store_file(id);
	closedir(d);
	return ret;
}

/* The stored file's fd for this task (the second time it is asked), or -ENOENT. */
static int stored_fd(int id, bool *retry_needed)
{
	int i;

	for (i = 0; i < nr_stored && stored[i].id != id; i++)
		;
	if (i == nr_stored)
		return -ENOENT;
	if (stored[i].asked < RETRIES) {
		stored[i].asked++;
		*retry_needed = true;
		log_call("RESTORE_EXT_FILE", "%d retry", id);
		return 0;
	}
	log_call("RESTORE_EXT_FILE", "%d from the store", id);
	return fdstore_get(stored[i].store_id);
}

/* fd is the saved device again, or it goes. */
static int same_device(int fd, const struct saved_file *s)
{
	struct stat st;

	if (fstat(fd, &st) || major(st.st_rdev) != s->major || minor(st.st_rdev) != s->minor) {
		print_on_level(1, "example: %s is no longer device %u:%u\n", s->path, s->major,
			       s->minor);
		close(fd);
		return -ENODEV;
	}
	return fd;
}

static int example_restore_ext_file(int id, bool *retry_needed)
{
	struct saved_file s;
	int ret, fd;

	if (getenv("CRIU_EXAMPLE_PLUGIN_STORE")) {
		ret = load_file(id, &s);
		if (ret)
			return ret;
		fd = stored_fd(id, retry_needed);
		if (*retry_needed)
			return 0;
		return fd < 0 ? -EIO : same_device(fd, &s);
	}
	ret = log_call("RESTORE_EXT_FILE", "%d", id) ?: load_file(id, &s);
	if (ret)
		return ret;
	fd = open(s.path, s.flags | O_CLOEXEC);
	return fd < 0 ? -errno : same_device(fd, &s);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESTORE_EXT_FILE, example_restore_ext_file)

/* The hooks this plugin only logs: each answers "not mine" unless told to fail. */
#define LOG_ONLY(hook, fmt, ...) (log_call(hook, fmt, ##__VA_ARGS__) ?: -ENOTSUP)

static int unix_image(char *buf, size_t len, int id)
{
	return snprintf(buf, len, "example-unix-%d.img", id) >= (int)len ? -ENAMETOOLONG : 0;
}

/* A stream socket whose peer was accepted by a listener bound to a path: that path. */
static int example_dump_unix_sk(int fd, int id)
{
	struct sockaddr_un peer = {};
	socklen_t len = sizeof(peer);
	int type = 0, img, ret;
	socklen_t tlen = sizeof(type);
	char name[64];
	ssize_t n;

	/* $CRIU_EXAMPLE_PLUGIN_NO_UNIX: leave it to criu (which refuses it) */
	if (getenv("CRIU_EXAMPLE_PLUGIN_NO_UNIX") ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) || type != SOCK_STREAM ||
	    getpeername(fd, (struct sockaddr *)&peer, &len) || len <= sizeof(sa_family_t) ||
	    peer.sun_path[0] != '/')
		return LOG_ONLY("DUMP_UNIX_SK", "%d refused", id);
	ret = log_call("DUMP_UNIX_SK", "%d %s", id, peer.sun_path)
		      ?: unix_image(name, sizeof(name), id);
	if (ret)
		return ret;
	img = openat(criu_get_image_dir(), name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (img < 0)
		return -errno;
	n = write(img, peer.sun_path, sizeof(peer.sun_path));
	close(img);
	return n == sizeof(peer.sun_path) ? 0 : -EIO;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__DUMP_UNIX_SK, example_dump_unix_sk)

static int example_restore_unix_sk(int id)
{
	struct sockaddr_un peer = { .sun_family = AF_UNIX };
	char name[64];
	int img, sk, ret;
	ssize_t n;

	ret = log_call("RESTORE_UNIX_SK", "%d", id) ?: unix_image(name, sizeof(name), id);
	if (ret)
		return ret;
	img = openat(criu_get_image_dir(), name, O_RDONLY | O_CLOEXEC);
	if (img < 0)
		return errno == ENOENT ? -ENOTSUP : -errno;
	n = read(img, peer.sun_path, sizeof(peer.sun_path));
	close(img);
	if (n != sizeof(peer.sun_path) || !memchr(peer.sun_path, 0, sizeof(peer.sun_path)))
		return -EINVAL;
	sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return -errno;
	if (connect(sk, (struct sockaddr *)&peer, sizeof(peer))) {
		ret = -errno;
		print_on_level(1, "example: can't connect to %s again\n", peer.sun_path);
		close(sk);
		return ret;
	}
	return sk;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESTORE_UNIX_SK, example_restore_unix_sk)

/*
 * $CRIU_EXAMPLE_PLUGIN_MOUNT=NAME: a mount whose mount point's last part is NAME is taken
 * (example-mount-ID.img, empty, marks it); at restore the directory
 * $CRIU_EXAMPLE_PLUGIN_MOUNT_SRC is bound there.
 */
static int mount_image(char *buf, size_t len, int id)
{
	return snprintf(buf, len, "example-mount-%d.img", id) >= (int)len ? -ENAMETOOLONG : 0;
}

static int example_dump_ext_mount(char *mountpoint, int id)
{
	const char *name = getenv("CRIU_EXAMPLE_PLUGIN_MOUNT"), *last = strrchr(mountpoint, '/');
	char img[64];
	int fd;

	if (!name || !last || strcmp(last + 1, name))
		return LOG_ONLY("DUMP_EXT_MOUNT", "%s %d refused", mountpoint, id);
	if (log_call("DUMP_EXT_MOUNT", "%s %d", mountpoint, id) ||
	    mount_image(img, sizeof(img), id))
		return -EIO;
	fd = openat(criu_get_image_dir(), img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__DUMP_EXT_MOUNT, example_dump_ext_mount)

static int example_restore_ext_mount(int id, char *mountpoint, char *old_root, int *is_file)
{
	const char *src = getenv("CRIU_EXAMPLE_PLUGIN_MOUNT_SRC");
	char img[64];
	struct stat st;

	if (mount_image(img, sizeof(img), id) || fstatat(criu_get_image_dir(), img, &st, 0))
		return LOG_ONLY("RESTORE_EXT_MOUNT", "%d refused", id);
	if (log_call("RESTORE_EXT_MOUNT", "%d %s", id, old_root))
		return -EIO;
	if (!src || mount(src, mountpoint, NULL, MS_BIND, NULL)) {
		print_on_level(1, "example: can't bind %s for mount %d\n", src ?: "(no source)",
			       id);
		return -EIO;
	}
	return 0;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESTORE_EXT_MOUNT, example_restore_ext_mount)

/* An ifb link is taken: criu saves its parameters, the restore's caller makes it. */
static int example_dump_ext_link(int index, int type, char *kind)
{
	if (strcmp(kind, "ifb"))
		return LOG_ONLY("DUMP_EXT_LINK", "%d %d %s refused", index, type, kind);
	return log_call("DUMP_EXT_LINK", "%d %d %s", index, type, kind);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__DUMP_EXT_LINK, example_dump_ext_link)

/* A private mapping of /dev/zero (1:5) is taken: it holds nothing but what the device gives. */
static int example_handle_device_vma(int fd, const struct stat *st)
{
	if (!S_ISCHR(st->st_mode) || major(st->st_rdev) != 1 || minor(st->st_rdev) != 5)
		return LOG_ONLY("HANDLE_DEVICE_VMA", "%u:%u refused", major(st->st_rdev),
				minor(st->st_rdev));
	return log_call("HANDLE_DEVICE_VMA", "%u:%u", major(st->st_rdev), minor(st->st_rdev));
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__HANDLE_DEVICE_VMA, example_handle_device_vma)

/* The plugin gives criu the fd to map (a new open of the device) and the same offset. */
static int example_update_vma_map(const char *path, const uint64_t addr, const uint64_t old_pgoff,
				  uint64_t *new_pgoff, int *plugin_fd)
{
	int ret = log_call("UPDATE_VMA_MAP", "%s %llx", path, (unsigned long long)addr);

	if (ret)
		return ret;
	*plugin_fd = open("/dev/zero", O_RDWR | O_CLOEXEC);
	if (*plugin_fd < 0)
		return -errno;
	*new_pgoff = old_pgoff;
	return 0;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__UPDATE_VMA_MAP, example_update_vma_map)

static int example_resume_devices_late(int pid)
{
	return log_call("RESUME_DEVICES_LATE", "%d", pid);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESUME_DEVICES_LATE, example_resume_devices_late)

static int example_pause_devices(int pid)
{
	return log_call("PAUSE_DEVICES", "%d", pid);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__PAUSE_DEVICES, example_pause_devices)

static int example_checkpoint_devices(int pid)
{
	return log_call("CHECKPOINT_DEVICES", "%d", pid);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__CHECKPOINT_DEVICES, example_checkpoint_devices)

static int example_post_forking(void)
{
	return log_call("POST_FORKING", "-");
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__POST_FORKING, example_post_forking)

static int example_restore_init(void)
{
	return log_call("RESTORE_INIT", "-")
		       ?: (getenv("CRIU_EXAMPLE_PLUGIN_STORE") ? store_files() : 0);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESTORE_INIT, example_restore_init)

static int example_dump_devices_late(int id)
{
	return log_call("DUMP_DEVICES_LATE", "%d", id);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__DUMP_DEVICES_LATE, example_dump_devices_late)

static int example_update_inetsk(uint32_t family, uint32_t state, uint32_t *src_ip,
				 uint32_t *dst_ip)
{
	return LOG_ONLY("UPDATE_INETSK", "%u %u", family, state);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__UPDATE_INETSK, example_update_inetsk)

static int example_dump_finish(int ret)
{
	return log_call("DUMP_FINISH", "%d", ret);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__DUMP_FINISH, example_dump_finish)
