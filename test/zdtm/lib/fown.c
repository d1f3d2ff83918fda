// SPDX-License-Identifier: GPL-2.0
/* Owners of open files (F_SETOWN) and the signals they get, for the tests that set them. */
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

int test_take_fown(int fd)
{
	sigset_t sig;

	sigemptyset(&sig);
	sigaddset(&sig, TEST_FOWN_SIG);
	return sigprocmask(SIG_BLOCK, &sig, NULL) || fcntl(fd, F_SETOWN, getpid()) ||
	       fcntl(fd, F_SETSIG, TEST_FOWN_SIG) ||
	       fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
}

int test_got_fown_sig(int fd)
{
	struct timespec tmo = { 5, 0 };
	siginfo_t si = {};
	sigset_t sig;
	int got;

	sigemptyset(&sig);
	sigaddset(&sig, TEST_FOWN_SIG);
	got = sigtimedwait(&sig, &si, &tmo);
	if (got == TEST_FOWN_SIG && si.si_code == POLL_IN && si.si_fd == fd)
		return 1;
	test_msg("waiting for fd %d: got signal %d, code %d, fd %d\n", fd, got, si.si_code,
		 si.si_fd);
	return 0;
}

int test_check_fown(int fd, pid_t want, const char *what)
{
	struct f_owner_ex owner;

	if (fcntl(fd, F_GETOWN_EX, &owner) || owner.pid != want ||
	    (owner.type != F_OWNER_PID && owner.type != F_OWNER_TID)) {
		fail("%s: owner %d (type %d), want %d", what, owner.pid, owner.type, want);
		return -1;
	}
	if (fcntl(fd, F_GETSIG) != TEST_FOWN_SIG) {
		fail("%s: owner signal %d, want %d", what, fcntl(fd, F_GETSIG), TEST_FOWN_SIG);
		return -1;
	}
	return 0;
}
