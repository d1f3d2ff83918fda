/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shm_file_tree00: MAP_SHARED mappings of regular files, used by a parent and its child,
 * stay mappings of one file: a file on disk that both map read-write (the child inherited
 * the mapping), the same file mapped read-only by the child through an fd it opened
 * O_RDONLY and closed, and a deleted file both map read-write. After restore the parent
 * writes to both files through its mappings and the child must see it (also through its
 * read-only mapping); the child writes back and the parent must see that, also through
 * read() on its fd of the deleted file.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PG 4096

static unsigned char *disk_rw, *disk_ro, *gone;

static int map_file(const char *path, int unlink_it, int *fd_out, unsigned char **map)
{
	char page[PG];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	memset(page, unlink_it ? 'g' : 'd', PG);
	if (fd < 0 || write(fd, page, PG) != PG || write(fd, page, PG) != PG)
		return -1;
	*map = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*map == MAP_FAILED || (unlink_it && unlink(path)))
		return -1;
	*fd_out = fd;
	return 0;
}

static int child(int go, int back)
{
	char c;

	if (read(go, &c, 1) != 1)
		return 2;
	if (disk_rw[0] != 'd' || disk_rw[PG] != 'd' || gone[PG + 5] != 'g')
		return 3; /* content written before the dump */
	if (memcmp(disk_rw + 1, "parent", 6) || memcmp(gone + 1, "parent", 6))
		return 4; /* the parent's writes after restore are not seen */
	if (memcmp(disk_ro + 1, "parent", 6))
		return 5; /* ... nor through the read-only mapping */
	memcpy(disk_rw + PG + 1, "child", 5);
	memcpy(gone + PG + 1, "child", 5);
	if (write(back, "d", 1) != 1)
		return 6;
	return 0;
}

int main(int argc, char **argv)
{
	int go[2], back[2], disk_fd, gone_fd;
	char buf[8], c;
	pid_t kid;

	test_init(argc, argv);
	if (map_file(test_path("disk"), 0, &disk_fd, &disk_rw) ||
	    map_file(test_path("gone"), 1, &gone_fd, &gone) || pipe(go) || pipe(back)) {
		fail_perror("can't set up the files");
		return 1;
	}
	kid = fork();
	if (kid < 0) {
		fail_perror("fork");
		return 1;
	}
	if (kid == 0) {
		int ro = open(test_path("disk"), O_RDONLY);

		disk_ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
		if (ro < 0 || disk_ro == MAP_FAILED)
			_exit(1);
		close(ro);
		_exit(child(go[0], back[1]));
	}

	test_daemon();
	test_waitsig();

	memcpy(disk_rw + 1, "parent", 6);
	memcpy(gone + 1, "parent", 6);
	if (write(go[1], "g", 1) != 1 || read(back[0], &c, 1) != 1)
		fail("the child did not answer");
	else if (memcmp(disk_rw + PG + 1, "child", 5) || memcmp(gone + PG + 1, "child", 5))
		fail("the child's writes after restore are not seen by the parent");
	else if (pread(gone_fd, buf, 5, PG + 1) != 5 || memcmp(buf, "child", 5))
		fail("the deleted file behind the fd is not the one the child maps");
	test_wait_child(kid, "child");
	if (!test_failed())
		pass();
	return test_failed();
}
