/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fifo00: a named pipe open at both ends, with data in flight, comes back as the same
 * FIFO (same path and inode) with its data and each end's flags.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char msg[] = "bytes waiting in a fifo";

int main(int argc, char **argv)
{
	struct stat st0, st;
	char buf[sizeof(msg)];
	const char *path;
	int r, w;

	test_init(argc, argv);
	path = test_path("fifo");
	unlink(path);
	if (mkfifo(path, 0600)) {
		fail_perror("mkfifo %s", path);
		return 1;
	}
	r = open(path, O_RDONLY | O_NONBLOCK);
	w = open(path, O_WRONLY);
	if (r < 0 || w < 0 || write(w, msg, sizeof(msg)) != sizeof(msg) || fstat(r, &st0)) {
		fail_perror("can't set up the fifo");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (fstat(r, &st) || st.st_ino != st0.st_ino || !S_ISFIFO(st.st_mode)) {
		fail("the fifo is not the same file");
		return 1;
	}
	if ((fcntl(r, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) != (O_RDONLY | O_NONBLOCK) ||
	    (fcntl(w, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) != O_WRONLY) {
		fail("fifo end flags changed");
		return 1;
	}
	if (read(r, buf, sizeof(buf)) != sizeof(msg) || memcmp(buf, msg, sizeof(msg))) {
		fail("the fifo's data was lost");
		return 1;
	}
	if (read(r, buf, 1) != -1 || errno != EAGAIN) {
		fail("extra data in the fifo");
		return 1;
	}
	pass();
	return 0;
}
