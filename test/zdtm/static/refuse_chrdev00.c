/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refuse_chrdev00: a character device with state of its own (/dev/kmsg keeps a read
 * position in the kernel log) makes the dump fail naming the device (refuse_chrdev00.desc);
 * the fd must still read the log afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char rec[8192];
	int fd;

	test_init(argc, argv);
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		fail_perror("open /dev/kmsg");
		return 1;
	}

	test_daemon();
	test_waitsig();

	/* A record, or EAGAIN at the end of the log; EPIPE (overrun) also proves it is kmsg. */
	if (read(fd, rec, sizeof(rec)) < 0 && errno != EAGAIN && errno != EPIPE) {
		fail_perror("read from the kept /dev/kmsg fd");
		return 1;
	}
	pass();
	return 0;
}
