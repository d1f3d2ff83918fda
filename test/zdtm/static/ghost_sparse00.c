/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ghost_sparse00: deleted sparse files count only their data against --ghost-limit (1 MiB
 * by default). A deleted 1 GiB file holding 4 KiB of data in its middle and a deleted
 * 2 GiB file holding 4 KiB at each end are dumped; after restore each keeps its size, its
 * data where it was, zeros elsewhere, and stays sparse (few blocks allocated).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define GiB  (1LL << 30)
#define DATA 4096

struct sparse {
	int fd;
	long long size;
	long long off[2];
	int nr;
};

static struct sparse files[2] = {
	{ -1, GiB, { GiB / 2 }, 1 },
	{ -1, 2 * GiB, { 0, 2 * GiB - DATA }, 2 },
};

static void pattern(char *buf, long long off)
{
	int i;

	for (i = 0; i < DATA; i++)
		buf[i] = (char)(off / DATA + i * 7);
}

static int setup(void)
{
	char buf[DATA], name[16];
	int i, j;

	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "sparse%d", i);
		files[i].fd = open(test_path(name), O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (files[i].fd < 0 || ftruncate(files[i].fd, files[i].size) ||
		    unlink(test_path(name)))
			return -1;
		for (j = 0; j < files[i].nr; j++) {
			pattern(buf, files[i].off[j]);
			if (pwrite(files[i].fd, buf, DATA, files[i].off[j]) != DATA)
				return -1;
		}
	}
	return 0;
}

static void check_one(const struct sparse *s)
{
	char buf[DATA], want[DATA], zero[DATA] = {};
	struct stat st;
	int j;

	if (fstat(s->fd, &st) || st.st_size != s->size || st.st_nlink) {
		fail("the deleted file is %lld bytes (want %lld)", (long long)st.st_size, s->size);
		return;
	}
	if (st.st_blocks * 512 > 64 * DATA) {
		fail("the file of %lld bytes is not sparse: %lld bytes allocated", s->size,
		     (long long)st.st_blocks * 512);
		return;
	}
	for (j = 0; j < s->nr; j++) {
		pattern(want, s->off[j]);
		if (pread(s->fd, buf, DATA, s->off[j]) != DATA || memcmp(buf, want, DATA)) {
			fail("the data at %lld is lost", s->off[j]);
			return;
		}
	}
	if (pread(s->fd, buf, DATA, s->size / 4) != DATA || memcmp(buf, zero, DATA))
		fail("a hole of the file holds data");
}

static void check(void)
{
	check_one(&files[0]);
	check_one(&files[1]);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
