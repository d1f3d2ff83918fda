/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tty_node00: the node of a pty slave, /dev/pts/N, keeps its owner and mode: pty A's slave
 * is open and its node was given to 1000:5 with mode 0620 (what a login does); pty B's
 * slave was never opened and its node was given to 1001:1001, mode 0604, by path. Pty C's
 * slave was opened and closed again: its master must read EIO afterwards, as it did, and
 * pty B's master must still read EAGAIN (a slave never opened).
 */
#define _XOPEN_SOURCE 600
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static int ma, sa, mb, mc;

static int new_master(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);

	return m < 0 || unlockpt(m) ? -1 : m;
}

static int setup(void)
{
	int sc;

	ma = new_master();
	mb = new_master();
	mc = new_master();
	if (ma < 0 || mb < 0 || mc < 0)
		return -1;
	sa = open(ptsname(ma), O_RDWR | O_NOCTTY);
	sc = open(ptsname(mc), O_RDWR | O_NOCTTY);
	if (sa < 0 || sc < 0 || close(sc))
		return -1;
	if (fchown(sa, 1000, 5) || fchmod(sa, 0620))
		return -1;
	return chown(ptsname(mb), 1001, 1001) || chmod(ptsname(mb), 0604) ? -1 : 0;
}

static void check_node(int m, uid_t uid, gid_t gid, mode_t mode)
{
	const char *path = ptsname(m);
	struct stat st;

	if (!path || stat(path, &st)) {
		fail_perror("can't stat the slave of master %d", m);
		return;
	}
	if (st.st_uid != uid || st.st_gid != gid || (st.st_mode & 07777) != mode)
		fail("%s is %u:%u mode %o, expected %u:%u mode %o", path, st.st_uid, st.st_gid,
		     st.st_mode & 07777, uid, gid, mode);
}

static void check_read(int m, int err, const char *what)
{
	char c;

	if (read(m, &c, 1) >= 0 || errno != err)
		fail("the master of %s reads %s, expected %s", what, strerror(errno),
		     strerror(err));
}

static void check(void)
{
	check_node(ma, 1000, 5, 0620);
	check_node(mb, 1001, 1001, 0604);
	check_read(mb, EAGAIN, "a slave never opened");
	check_read(mc, EIO, "a slave closed");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
