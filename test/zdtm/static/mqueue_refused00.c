/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mqueue_refused00: an fd on a POSIX message queue (mq_open) is not saved yet: the dump
 * fails naming it (mqueue_refused00.desc) instead of taking it for a regular file of the
 * same name, and the task runs on with its queue and the message in it. The queue's name is
 * removed at once: nothing is left behind if the test is killed.
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

static mqd_t q = (mqd_t)-1;

static int setup(void)
{
	char name[64];

	snprintf(name, sizeof(name), "/zdtm-mq-%d", getpid());
	q = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_NONBLOCK, 0600, NULL);
	if (q == (mqd_t)-1) {
		fail_perror("mq_open");
		return -1;
	}
	if (mq_unlink(name) || mq_send(q, "zdtm", 4, 7)) {
		fail_perror("mq_unlink or mq_send");
		return -1;
	}
	return 0;
}

static void check(void)
{
	static int after;
	struct mq_attr a;
	unsigned int prio;
	char buf[8192];
	ssize_t n;

	if (mq_getattr(q, &a) || a.mq_curmsgs != 1) {
		fail("the queue lost its message");
		return;
	}
	if (!after++)
		return;
	n = mq_receive(q, buf, sizeof(buf), &prio);
	if (n != 4 || prio != 7 || memcmp(buf, "zdtm", 4))
		fail("the message came back as %zd bytes, priority %u", n, prio);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
