/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/time.c - a time namespace: the offsets of CLOCK_MONOTONIC and CLOCK_BOOTTIME from the
 * host's, in timens-ID.img (CRIU's format: a negative offset's seconds are stored as their
 * 64-bit two's complement). Read from /proc/ROOT/timens_offsets at dump. At restore criu
 * unshares a new time namespace for its children, writes the offsets there before any task
 * entered it (the kernel takes them only then), and clones the root into it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "proc-parse.h"
#include "internal.h"

#include "timens.pb-c.h"

/* One "NAME SEC NSEC" line of timens_offsets; the kernel names the clocks. */
static int parse_offset(const char *buf, const char *name, Timespec *ts)
{
	const char *p = strstr(buf, name);
	long long sec;
	long nsec;

	if (!p || (p != buf && p[-1] != '\n') ||
	    sscanf(p + strlen(name), " %lld %ld", &sec, &nsec) != 2 || nsec < 0 ||
	    nsec >= 1000000000L)
		return -EINVAL;
	ts->tv_sec = (uint64_t)sec;
	ts->tv_nsec = (uint64_t)nsec;
	return 0;
}

int timens_dump(int dfd, pid_t root, uint32_t id)
{
	TimensEntry e = TIMENS_ENTRY__INIT;
	Timespec mono = TIMESPEC__INIT, boot = TIMESPEC__INIT;
	struct cr_img *img;
	char path[64], *buf;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/timens_offsets", root);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -EIO;
	ret = parse_offset(buf, "monotonic", &mono) ?: parse_offset(buf, "boottime", &boot);
	if (ret)
		pr_err("%s: no monotonic and boottime offsets in '%.80s'\n", path, buf);
	free(buf);
	if (ret)
		return ret;
	e.monotonic = &mono;
	e.boottime = &boot;
	img = open_image_at(dfd, CR_FD_TIMENS, O_DUMP, id);
	if (!img)
		return -EIO;
	ret = pb_write_one(img, &e.base);
	pr_info("time namespace %u: monotonic %+" PRId64 ".%09" PRIu64 " s, boottime %+" PRId64
		".%09" PRIu64 " s\n",
		id, (int64_t)mono.tv_sec, mono.tv_nsec, (int64_t)boot.tv_sec, boot.tv_nsec);
	return close_image(img) ?: ret;
}

static int check_offset(const char *what, const Timespec *ts)
{
	if (ts && ts->tv_nsec < 1000000000ull)
		return 0;
	pr_err("timens image: the %s offset is missing or has %s nanoseconds\n", what,
	       ts ? "too many" : "no");
	return -EINVAL;
}

/* In criu, after unshare(CLONE_NEWTIME): the offsets of the namespace its children enter. */
int timens_restore_offsets(int dfd, uint32_t id, pid_t pid)
{
	TimensEntry *e;
	struct cr_img *img;
	char buf[128], path[64];
	int ret, fd, len;

	img = open_image_at(dfd, CR_FD_TIMENS, O_RSTR, id);
	if (!img)
		return -EIO;
	ret = pb_read_one(img, &timens_entry__descriptor, (ProtobufCMessage **)&e);
	close_image(img);
	if (ret)
		return ret;
	ret = check_offset("monotonic", e->monotonic) ?: check_offset("boottime", e->boottime);
	len = snprintf(buf, sizeof(buf), "%d %" PRId64 " %" PRIu64 "\n%d %" PRId64 " %" PRIu64 "\n",
		       CLOCK_MONOTONIC, ret ? 0 : (int64_t)e->monotonic->tv_sec,
		       ret ? 0 : e->monotonic->tv_nsec, CLOCK_BOOTTIME,
		       ret ? 0 : (int64_t)e->boottime->tv_sec, ret ? 0 : e->boottime->tv_nsec);
	timens_entry__free_unpacked(e, NULL);
	if (ret)
		return ret;
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/timens_offsets", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/timens_offsets");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, len) != len) {
		pr_perror("Can't set the offsets of the new time namespace (timens-%u.img)", id);
		ret = -EPERM;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}
