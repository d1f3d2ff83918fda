/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ghost_limit00: holds a deleted file of 2 MiB. Without --ghost-limit it is over the
 * default 1 MiB limit and the dump must be refused (ghost_limit00.desc), leaving the task
 * as it was; ghost_limit01 dumps it with --ghost-limit 4M and checks the content.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SIZE (2 << 20)

int main(int argc, char **argv)
{
	char *want = malloc(SIZE), *got = malloc(SIZE);
	const char *path;
	struct stat st;
	int fd, i;

	test_init(argc, argv);
	for (i = 0; i < SIZE; i++)
		want[i] = (char)(i * 31 + (i >> 12));
	path = test_path("big");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, want, SIZE) != SIZE || unlink(path)) {
		fail_perror("can't make the deleted file");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (fstat(fd, &st) || st.st_nlink || st.st_size != SIZE ||
	    pread(fd, got, SIZE, 0) != SIZE || memcmp(got, want, SIZE)) {
		fail("the deleted file's content or size changed");
		return 1;
	}
	pass();
	return 0;
}
