/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ghost00: deleted files that are still open come back deleted, with their content,
 * mode, position and holes: a sparse file (data, a 512 KiB hole, data) opened twice (one
 * of them dup'ed), and a small file in append mode.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define HOLE_AT 8192
#define TAIL_AT (HOLE_AT + (512 << 10))
static const char head[] = "head of a sparse deleted file";
static const char tail[] = "and its tail";

static int check_sparse(int fd, struct stat *st0)
{
	char buf[64];
	struct stat st;

	if (fstat(fd, &st) || st.st_nlink != 0 || st.st_size != st0->st_size ||
	    (st.st_mode & 07777) != 0640) {
		fail("the sparse ghost: nlink %lu size %ld mode %o", (unsigned long)st.st_nlink,
		     (long)st.st_size, st.st_mode & 07777);
		return -1;
	}
	if (pread(fd, buf, sizeof(head), 0) != sizeof(head) || memcmp(buf, head, sizeof(head)) ||
	    pread(fd, buf, sizeof(tail), TAIL_AT) != sizeof(tail) ||
	    memcmp(buf, tail, sizeof(tail))) {
		fail("the sparse ghost's content changed");
		return -1;
	}
	if (lseek(fd, HOLE_AT, SEEK_HOLE) != HOLE_AT ||
	    lseek(fd, HOLE_AT, SEEK_DATA) < TAIL_AT - 4096) {
		fail("the sparse ghost lost its hole");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int sp, sp2, sp3, ap;
	struct stat st0;
	char buf[8];
	const char *path;
	char path2[4096];

	test_init(argc, argv);
	path = test_path("sparse");
	sp = open(path, O_RDWR | O_CREAT | O_TRUNC, 0640);
	if (sp < 0 || pwrite(sp, head, sizeof(head), 0) != sizeof(head) ||
	    pwrite(sp, tail, sizeof(tail), TAIL_AT) != sizeof(tail)) {
		fail_perror("can't write %s", path);
		return 1;
	}
	fchmod(sp, 0640);
	sp2 = open(path, O_RDONLY);
	sp3 = dup(sp2);
	lseek(sp2, 5, SEEK_SET);
	fstat(sp, &st0);
	unlink(path);
	strcpy(path2, test_path("append"));
	ap = open(path2, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	if (sp2 < 0 || sp3 < 0 || ap < 0 || write(ap, "abc", 3) != 3 || unlink(path2)) {
		fail_perror("can't set up the ghosts");
		return 1;
	}

	test_daemon();
	test_waitsig();

	/* positions first: the SEEK_HOLE checks below move them */
	if (lseek(sp3, 0, SEEK_CUR) != 5 || read(sp2, buf, 3) != 3 ||
	    lseek(sp3, 0, SEEK_CUR) != 8) {
		fail("the dup'ed ghost fd lost its shared position");
		return 1;
	}
	if (check_sparse(sp, &st0) || check_sparse(sp2, &st0))
		return 1;
	if (pwrite(sp, "Z", 1, 0) != 1 || pread(sp2, buf, 1, 0) != 1 || buf[0] != 'Z') {
		fail("two opens of one ghost are not one file any more");
		return 1;
	}
	if (write(ap, "d", 1) != 1 || lseek(ap, 0, SEEK_CUR) != 4) {
		fail("the append ghost lost O_APPEND or its size");
		return 1;
	}
	if (access(path, F_OK) == 0 || access(path2, F_OK) == 0) {
		fail("a ghost file is visible at its path after restore");
		return 1;
	}
	pass();
	return 0;
}
