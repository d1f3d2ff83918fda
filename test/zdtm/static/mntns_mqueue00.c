/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns_mqueue00 (ns flavour): an mqueue file system mounted by the namespace's init, with
 * no queue in it, comes back as an mqueue mount at the same place with the same per-mount
 * flags, and it is the restored ipc namespace's: a queue made with mq_open() after the
 * restore shows up in it, and one made in it is a queue mq_open() can open and use.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

static char dir[PATH_MAX];

static int setup(void)
{
	snprintf(dir, sizeof(dir), "%s", test_path("mq"));
	if (mkdir(dir, 0755) || mount("mqueue", dir, "mqueue", MS_NOSUID | MS_NODEV, NULL)) {
		fail("mounting an mqueue on %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* mq_open() names the namespace's queues; the mount must list the same ones. */
static void check_queue_seen(void)
{
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 16 };
	static char buf[1 << 16]; /* above any mq_msgsize the namespace allows */
	char path[PATH_MAX + 16];
	unsigned int prio;
	mqd_t q;
	int fd;

	q = mq_open("/zdtm-after", O_CREAT | O_RDWR, 0600, &attr);
	if (q == (mqd_t)-1) {
		fail("mq_open after the restore: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/zdtm-after", dir);
	if (access(path, F_OK))
		fail("the queue made by mq_open() is not in the restored mount %s", dir);
	mq_close(q);
	mq_unlink("/zdtm-after");
	/* the other way round: a file made in the mount is a queue */
	snprintf(path, sizeof(path), "%s/zdtm-made", dir);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	q = mq_open("/zdtm-made", O_RDWR);
	if (fd < 0 || q == (mqd_t)-1 || mq_send(q, "ping", 5, 3) ||
	    mq_receive(q, buf, sizeof(buf), &prio) != 5 || strcmp(buf, "ping") || prio != 3)
		fail("a queue made in the restored mount does not work: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	if (q != (mqd_t)-1)
		mq_close(q);
	mq_unlink("/zdtm-made");
}

static void check(void)
{
	struct statvfs vfs;
	struct statfs fs;

	if (statfs(dir, &fs) || fs.f_type != MQUEUE_MAGIC) {
		fail("%s is not an mqueue mount after the restore", dir);
		return;
	}
	if (statvfs(dir, &vfs) || !(vfs.f_flag & ST_NOSUID) || !(vfs.f_flag & ST_NODEV))
		fail("%s lost its nosuid,nodev flags", dir);
	check_queue_seen();
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
