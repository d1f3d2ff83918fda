/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mprot_file00: mappings of a file keep the rights of the open file behind them. The file
 * is opened O_RDWR and mapped twice: MAP_SHARED read-only and MAP_SHARED read-write (the
 * kernel lets the read-only one be mprotect'ed to write later, since the file was opened
 * for writing); a third, MAP_PRIVATE read-only, of a file opened O_RDONLY. After restore
 * the read-only shared mapping can be made writable and a write through it reaches the
 * file, and the private one can be made writable (copy-on-write) without touching it.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

static char *ro_shared, *rw_shared, *ro_private;
static size_t page;
static int check_fd;

static int setup(void)
{
	const char *path = test_path("file");
	int fd;

	page = sysconf(_SC_PAGESIZE);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 2 * page))
		return -1;
	ro_shared = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	rw_shared = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
	close(fd);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ro_private = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0);
	check_fd = fd; /* kept to read the file behind the mappings' back */
	if (ro_shared == MAP_FAILED || rw_shared == MAP_FAILED || ro_private == MAP_FAILED)
		return -1;
	strcpy(rw_shared, "second page");
	return 0;
}

static void check(void)
{
	char buf[16] = "";

	if (strcmp(rw_shared, "second page"))
		fail("the read-write shared mapping lost its contents");
	if (mprotect(ro_shared, page, PROT_READ | PROT_WRITE)) {
		fail_perror("mprotect of the read-only shared mapping to read-write");
		return;
	}
	strcpy(ro_shared, "first page");
	if (msync(ro_shared, page, MS_SYNC) || pread(check_fd, buf, sizeof(buf), 0) < 0 ||
	    strcmp(buf, "first page"))
		fail("a write through the shared mapping did not reach the file ('%s')", buf);
	if (mprotect(ro_private, page, PROT_READ | PROT_WRITE)) {
		fail_perror("mprotect of the read-only private mapping to read-write");
		return;
	}
	ro_private[0] = 'X';
	if (pread(check_fd, buf, 1, 0) != 1 || buf[0] != 'f')
		fail("a write to the private mapping reached the file");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	if (setup()) {
		fail_perror("setup");
		return 1;
	}
	test_daemon();
	test_waitsig();
	check(); /* it changes the mappings: once, after restore */
	if (!test_failed())
		pass();
	return test_failed();
}
