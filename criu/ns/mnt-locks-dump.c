/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-locks-dump.c - the kernel's locks of the mounts of a mount namespace owned by a user
 * namespace other than criu's (a copy made across user namespaces: fs/namespace.c locks every
 * mount to its parent and the flags it has), into mnt-locks-ID.img (ours). The kernel shows
 * no lock, so a child of criu tries in a throwaway copy of the namespace made in its owner
 * (no lock of its own added), made private first so that nothing goes back: an unmount that
 * is EINVAL is a mount locked to its parent, a flag that can't be cleared (EPERM) is locked.
 * Leaf first, in the copy's order reversed: a mount found unlocked goes, which uncovers what
 * it hid. A mount whose path leads elsewhere still (under a locked overmount) is not probed:
 * it is restored unlocked, and said so. The live namespace is never touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "image.h"
#include "log.h"
#include "proc-mountinfo.h"
#include "mnt.h"

#include "mnt-locks.pb-c.h"

/* What the child found for one live mount */
struct lock_found {
	int32_t mnt_id;
	uint8_t probed; /* its path led to it */
	uint8_t locked;
	uint32_t flags; /* MNT_F_* locked */
};

static const struct {
	uint32_t f;
	uint64_t attr;
} lockable[] = {
	{ MNT_F_RDONLY, MOUNT_ATTR_RDONLY },
	{ MNT_F_NOSUID, MOUNT_ATTR_NOSUID },
	{ MNT_F_NODEV, MOUNT_ATTR_NODEV },
	{ MNT_F_NOEXEC, MOUNT_ATTR_NOEXEC },
};

static int try_attr(const char *path, uint64_t set, uint64_t clr)
{
	struct mount_attr a = { .attr_set = set, .attr_clr = clr };

	return mount_setattr(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, &a, sizeof(a)) ? errno : 0;
}

/* The locked flags of the mount at path, which has flags (MNT_F_*) */
static uint32_t probe_flags(const char *path, uint32_t flags)
{
	uint32_t locked = 0;
	size_t k;

	for (k = 0; k < sizeof(lockable) / sizeof(lockable[0]); k++)
		if ((flags & lockable[k].f) && try_attr(path, 0, lockable[k].attr) == EPERM)
			locked |= lockable[k].f;
	/* the atime setting, whatever it is, is locked as a whole */
	if (try_attr(path, flags & MNT_F_NOATIME ? MOUNT_ATTR_RELATIME : MOUNT_ATTR_NOATIME,
		     MOUNT_ATTR__ATIME) == EPERM)
		locked |= MNT_F_NOATIME;
	return locked;
}

static bool same_mount(const struct proc_mount *a, const struct proc_mount *b)
{
	return a->maj == b->maj && a->min == b->min && !strcmp(a->root, b->root) &&
	       !strcmp(a->mountpoint, b->mountpoint);
}

/* The live mount the copy's mount c is of: the n-th alike in both lists */
static int live_of(const struct proc_mount_list *live, const struct proc_mount_list *copy, size_t c)
{
	size_t i, nth = 0;

	for (i = 0; i < c; i++)
		nth += same_mount(&copy->m[i], &copy->m[c]);
	for (i = 0; i < live->nr; i++)
		if (same_mount(&live->m[i], &copy->m[c]) && !nth--)
			return i;
	return -1;
}

static void probe_one(const struct proc_mount *m, int copy_id, bool is_root,
		      struct lock_found *found)
{
	struct statx stx;

	if (statx(AT_FDCWD, m->mountpoint, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) ||
	    (int)stx.stx_mnt_id != copy_id)
		return; /* shadowed: not probed */
	found->probed = 1;
	found->flags = probe_flags(m->mountpoint, mnt_flags_of(m->opts));
	/* the root has no parent to be locked to */
	if (!is_root && umount2(m->mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW) && errno == EINVAL)
		found->locked = 1;
}

/* Where the child stopped, its exit status */
enum {
	PROBE_DONE,
	PROBE_SETNS_MNT,
	PROBE_SETNS_USER,
	PROBE_COPY,
	PROBE_MOUNTINFO,
	PROBE_WRITE,
};

static const char *const probe_steps[] = {
	[PROBE_SETNS_MNT] = "entering the mount namespace",
	[PROBE_SETNS_USER] = "entering its user namespace",
	[PROBE_COPY] = "making a private copy of it",
	[PROBE_MOUNTINFO] = "reading the copy's mountinfo",
	[PROBE_WRITE] = "sending what it found",
};

/* The child: in a copy of the namespace in its owner, each mount of live probed */
static int probe_copy(int mnt_fd, int user_fd, int proc_fd, const struct proc_mount_list *live,
		      struct lock_found *found)
{
	struct proc_mount_list copy = {};
	char buf[1 << 16], *text = NULL;
	size_t len = 0, c;
	ssize_t n;
	int fd, i;

	if (setns(mnt_fd, CLONE_NEWNS))
		return PROBE_SETNS_MNT;
	if (setns(user_fd, CLONE_NEWUSER))
		return PROBE_SETNS_USER;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return PROBE_COPY;
	/* the namespace's /proc may be of another pid namespace: criu's tells "self" */
	fd = openat(proc_fd, "self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return PROBE_MOUNTINFO;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *grown = realloc(text, len + n + 1);

		if (!grown)
			break;
		text = grown;
		memcpy(text + len, buf, n);
		len += n;
	}
	close(fd);
	if (!text || n != 0 || parse_mountinfo_buf((text[len] = '\0', text), &copy))
		return PROBE_MOUNTINFO;
	for (c = copy.nr; c-- > 0;) {
		i = live_of(live, &copy, c);
		if (i >= 0)
			probe_one(&copy.m[c], copy.m[c].mnt_id, !strcmp(copy.m[c].mountpoint, "/"),
				  &found[i]);
	}
	return 0;
}

static int write_locks(int dfd, uint32_t id, const struct proc_mount_list *l,
		       const struct lock_found *found)
{
	struct cr_img *img = open_image_at(dfd, CR_FD_MNT_LOCKS, O_DUMP, id);
	size_t i, nr = 0;
	int ret = 0;

	if (!img)
		return -EIO;
	for (i = 0; !ret && i < l->nr; i++) {
		MntLockEntry e = MNT_LOCK_ENTRY__INIT;

		if (!found[i].probed) {
			pr_warn("Mount %d at %s is under a locked overmount: its locks can't be "
				"probed, it will be restored unlocked\n",
				l->m[i].mnt_id, l->m[i].mountpoint);
			continue;
		}
		if (!found[i].locked && !found[i].flags)
			continue;
		e.mnt_id = l->m[i].mnt_id;
		e.locked = found[i].locked;
		e.lock_flags = found[i].flags;
		pr_info("mount %d at %s: %slocked, flags %#x locked\n", e.mnt_id,
			l->m[i].mountpoint, e.locked ? "" : "not ", e.lock_flags);
		ret = pb_write_one(img, &e.base);
		nr++;
	}
	ret = close_image(img) ?: ret;
	pr_info("mount namespace %u: %zu mounts with locks\n", id, nr);
	return ret;
}

/* The user namespace that owns the mount namespace of pid, if it is not criu's; else -1 */
static int foreign_owner(int mnt_fd)
{
	struct stat own, owner;
	int fd = ioctl(mnt_fd, NS_GET_USERNS);

	if (fd < 0 || fstat(fd, &owner) || stat("/proc/self/ns/user", &own)) {
		pr_warn("Can't find the owner of the tree's mount namespace (%s): its mounts will "
			"be restored unlocked\n",
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (own.st_ino == owner.st_ino && own.st_dev == owner.st_dev) {
		close(fd);
		return -1;
	}
	return fd;
}

static int run_probe(int mnt_fd, int user_fd, const struct proc_mount_list *l,
		     struct lock_found *found)
{
	int proc_fd = open("/proc", O_DIRECTORY | O_RDONLY | O_CLOEXEC), p[2], status = -1, ret;
	size_t want = l->nr * sizeof(*found), got = 0;
	ssize_t n = 0;
	pid_t kid;

	if (proc_fd < 0 || pipe2(p, O_CLOEXEC)) {
		pr_warn("Can't prepare the probe of the mount locks (%s): the mounts will be "
			"restored unlocked\n",
			strerror(errno));
		if (proc_fd >= 0)
			close(proc_fd);
		return -EAGAIN;
	}
	kid = fork();
	if (kid == 0) {
		close(p[0]);
		ret = probe_copy(mnt_fd, user_fd, proc_fd, l, found);
		if (!ret && write(p[1], found, want) != (ssize_t)want)
			ret = PROBE_WRITE;
		_exit(ret);
	}
	close(p[1]);
	close(proc_fd);
	while (kid > 0 && got < want && (n = read(p[0], (char *)found + got, want - got)) > 0)
		got += n;
	close(p[0]);
	if (kid > 0 && waitpid(kid, &status, 0) == kid && WIFEXITED(status) &&
	    !WEXITSTATUS(status) && got == want)
		return 0;
	/* the dump goes on: the restore makes the mounts unlocked, as without the probe */
	pr_warn("The probe of the mount locks (a child in a copy of the tree's mount namespace) "
		"failed (%s): the mounts will be restored unlocked\n",
		kid < 0 ? "fork"
		: WIFEXITED(status) && WEXITSTATUS(status) > 0 && WEXITSTATUS(status) <= PROBE_WRITE
			? probe_steps[WEXITSTATUS(status)]
			: "killed, or it said too little");
	return -EAGAIN;
}

int mnt_locks_dump(int dfd, pid_t pid, uint32_t id, const struct proc_mount_list *l)
{
	struct lock_found *found = calloc(l->nr ?: 1, sizeof(*found));
	char path[64];
	int mnt_fd, user_fd, ret;

	if (!found)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	mnt_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (mnt_fd < 0) {
		pr_perror("Can't open %s to probe its mount locks", path);
		free(found);
		return -errno;
	}
	user_fd = foreign_owner(mnt_fd);
	ret = 0;
	if (user_fd >= 0) {
		ret = run_probe(mnt_fd, user_fd, l, found);
		ret = ret == -EAGAIN ? 0 : ret ?: write_locks(dfd, id, l, found);
		close(user_fd);
	}
	close(mnt_fd);
	free(found);
	return ret;
}
