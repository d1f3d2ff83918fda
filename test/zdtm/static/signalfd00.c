/* SPDX-License-Identifier: GPL-2.0 */
/*
 * signalfd00: a signalfd keeps the set of signals it reads: after restore a blocked
 * SIGUSR1 is read from it, while SIGUSR2 (not in its mask) is not.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct signalfd_siginfo si;
	sigset_t set, blk;
	int sfd;

	test_init(argc, argv);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN + 3);
	blk = set;
	sigaddset(&blk, SIGUSR2);
	sfd = signalfd(-1, &set, SFD_NONBLOCK);
	if (sfd < 0 || sigprocmask(SIG_BLOCK, &blk, NULL)) {
		fail_perror("can't set up the signalfd");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (!(fcntl(sfd, F_GETFL) & O_NONBLOCK)) {
		fail("the signalfd lost O_NONBLOCK");
		return 1;
	}
	kill(getpid(), SIGUSR2);
	if (read(sfd, &si, sizeof(si)) != -1 || errno != EAGAIN) {
		fail("the signalfd reads SIGUSR2, which is not in its mask");
		return 1;
	}
	kill(getpid(), SIGRTMIN + 3);
	if (read(sfd, &si, sizeof(si)) != sizeof(si) || (int)si.ssi_signo != SIGRTMIN + 3) {
		fail("the signalfd does not read SIGRTMIN+3");
		return 1;
	}
	kill(getpid(), SIGUSR1);
	if (read(sfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != SIGUSR1) {
		fail("the signalfd does not read SIGUSR1");
		return 1;
	}
	pass();
	return 0;
}
