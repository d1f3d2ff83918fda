/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns_outside00 (ns flavour): a file the test holds on a mount its mount namespace no
 * longer shows: a tmpfs is mounted, a file made in it, then the tmpfs is unmounted lazily
 * (MNT_DETACH) while the test still holds the file. $ZDTM_OUT_CASE picks how: "fd" (an open
 * fd), "map" (a shared mapping, the fd closed) or "cwd" (the test's working directory is
 * the tmpfs's root). Its path names nothing in the namespace any more, so the dump must be
 * refused naming the file; the test runs on and the file still holds its bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define BYTES "held on a detached mount"

static int fd = -1;
static char *map;

static int hold(const char *how, const char *dir, const char *file)
{
	if (!strcmp(how, "cwd"))
		return chdir(dir);
	fd = open(file, O_RDWR);
	if (fd < 0)
		return -1;
	if (!strcmp(how, "fd"))
		return 0;
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	fd = -1;
	return map == MAP_FAILED ? -1 : 0;
}

static int setup(void)
{
	const char *how = getenv("ZDTM_OUT_CASE");
	char dir[PATH_MAX], file[PATH_MAX + 8];
	int wfd;

	snprintf(dir, sizeof(dir), "%s", test_path("outside"));
	snprintf(file, sizeof(file), "%s/f", dir);
	if (!how || mkdir(dir, 0755) || mount("zdtm", dir, "tmpfs", 0, "size=1m")) {
		fail("ZDTM_OUT_CASE unset, or mkdir/mount %s: %s", dir, strerror(errno));
		return -1;
	}
	wfd = open(file, O_CREAT | O_WRONLY, 0600);
	if (wfd < 0 || ftruncate(wfd, 4096) || pwrite(wfd, BYTES, sizeof(BYTES), 0) < 0 ||
	    close(wfd) || hold(how, dir, file) || umount2(dir, MNT_DETACH)) {
		fail("making and holding %s (%s): %s", file, how, strerror(errno));
		return -1;
	}
	return 0;
}

static void check(void)
{
	char buf[sizeof(BYTES)];

	if (map && memcmp(map, BYTES, sizeof(BYTES)))
		fail("the mapping lost its bytes");
	if (fd >= 0 &&
	    (pread(fd, buf, sizeof(buf), 0) != sizeof(buf) || memcmp(buf, BYTES, sizeof(BYTES))))
		fail("the fd lost its file's bytes");
	if (!map && fd < 0) {
		int cfd = open("f", O_RDONLY);

		if (cfd < 0 || read(cfd, buf, sizeof(buf)) != sizeof(buf) ||
		    memcmp(buf, BYTES, sizeof(BYTES)))
			fail("the working directory lost its file");
		if (cfd >= 0)
			close(cfd);
	}
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
