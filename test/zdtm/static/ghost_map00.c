/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ghost_map00: mappings of a deleted file come back with the file's content: a MAP_PRIVATE
 * mapping with a page changed by the task (its own copy) and one left as the file has it,
 * and a MAP_SHARED mapping whose writes must still reach the file through its fd.
 * /proc/self/maps must still show the file as deleted.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PG 4096

static int maps_show_deleted(const char *path)
{
	char line[4200], want[4200];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	snprintf(want, sizeof(want), "%s (deleted)", path);
	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, want) != NULL;
	if (f)
		fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	char path[4096], buf[PG];
	unsigned char *priv, *shared;
	int fd, i;

	test_init(argc, argv);
	snprintf(path, sizeof(path), "%s", test_path("mapped"));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	for (i = 0; i < 2; i++) {
		memset(buf, 'a' + i, PG);
		if (fd < 0 || write(fd, buf, PG) != PG) {
			fail_perror("can't write %s", path);
			return 1;
		}
	}
	priv = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	shared = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
	if (priv == MAP_FAILED || shared == MAP_FAILED || unlink(path)) {
		fail_perror("can't map or unlink %s", path);
		return 1;
	}
	priv[0] = 'P';
	shared[1] = 'S';

	test_daemon();
	test_waitsig();

	if (priv[0] != 'P' || priv[1] != 'a' || priv[PG] != 'b') {
		fail("the private mapping changed: %c %c %c", priv[0], priv[1], priv[PG]);
		return 1;
	}
	if (shared[0] != 'b' || shared[1] != 'S') {
		fail("the shared mapping changed: %c %c", shared[0], shared[1]);
		return 1;
	}
	shared[2] = 'T';
	if (pread(fd, buf, 3, PG) != 3 || memcmp(buf, "bST", 3) || pread(fd, buf, 1, 0) != 1 ||
	    buf[0] != 'a') {
		fail("the file behind the fd is not the one behind the shared mapping");
		return 1;
	}
	if (maps_show_deleted(path) < 2) {
		fail("/proc/self/maps does not show %s as deleted twice", path);
		return 1;
	}
	pass();
	return 0;
}
