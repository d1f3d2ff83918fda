/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd00: a memfd keeps its name, content (with a hole), size and seals; a second open
 * of it (read-only, through /proc/self/fd) stays a separate open file on the same inode.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SIZE	(64 << 10)
#define TAIL_AT (40 << 10)
#define SEALS	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
static const char head[] = "memfd head", tail[] = "memfd tail";

int main(int argc, char **argv)
{
	char path[64], link[PATH_MAX], buf[16];
	int mfd, ro;
	ssize_t n;

	test_init(argc, argv);
	mfd = memfd_create("zdtm-memfd", MFD_ALLOW_SEALING);
	if (mfd < 0 || ftruncate(mfd, SIZE) || pwrite(mfd, head, sizeof(head), 0) < 0 ||
	    pwrite(mfd, tail, sizeof(tail), TAIL_AT) < 0 || fcntl(mfd, F_ADD_SEALS, SEALS)) {
		fail_perror("can't set up the memfd");
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	ro = open(path, O_RDONLY);
	if (ro < 0 || lseek(ro, 3, SEEK_SET) != 3) {
		fail_perror("can't open the memfd again");
		return 1;
	}

	test_daemon();
	test_waitsig();

	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0 || (link[n] = 0, strcmp(link, "/memfd:zdtm-memfd (deleted)"))) {
		fail("the memfd is now %s", n < 0 ? "?" : link);
		return 1;
	}
	if (lseek(mfd, 0, SEEK_END) != SIZE || fcntl(mfd, F_GET_SEALS) != SEALS) {
		fail("size or seals changed (seals %#x)", fcntl(mfd, F_GET_SEALS));
		return 1;
	}
	if (pread(ro, buf, sizeof(head), 0) != sizeof(head) || memcmp(buf, head, sizeof(head)) ||
	    pread(ro, buf, sizeof(tail), TAIL_AT) != sizeof(tail) ||
	    memcmp(buf, tail, sizeof(tail))) {
		fail("the memfd's content changed");
		return 1;
	}
	if ((fcntl(ro, F_GETFL) & O_ACCMODE) != O_RDONLY || lseek(ro, 0, SEEK_CUR) != 3) {
		fail("the read-only open lost its mode or position");
		return 1;
	}
	if (pwrite(mfd, "Q", 1, 1) != 1 || pread(ro, buf, 1, 1) != 1 || buf[0] != 'Q') {
		fail("the two opens are not on one memfd any more");
		return 1;
	}
	pass();
	return 0;
}
