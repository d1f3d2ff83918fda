/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree_fown00: a child owns (F_SETOWN) files its parent opened. The root makes two pipes
 * and forks a child; the child sets itself as the owner of both read ends with a real-time
 * signal as their signal and O_ASYNC on, keeps the first read end and closes the second,
 * which only the root still holds. After restore both read ends must name the child as
 * owner with that signal, and bytes written to either pipe must signal the child, each
 * signal telling the fd it came from.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define OWNER_SIG (SIGRTMIN + 3)	/* queued: one per write, with si_fd */

static int take_ownership(int fd)
{
	return fcntl(fd, F_SETOWN, getpid()) || fcntl(fd, F_SETSIG, OWNER_SIG) ||
	       fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
}

/* One OWNER_SIG within 5 s, queued to this task because the pipe read end fd got bytes. */
static int got_sigio(int fd)
{
	struct timespec tmo = { 5, 0 };
	siginfo_t si = {};
	sigset_t sig;
	int got;

	sigemptyset(&sig);
	sigaddset(&sig, OWNER_SIG);
	got = sigtimedwait(&sig, &si, &tmo);

	if (got == OWNER_SIG && si.si_code == POLL_IN && si.si_fd == fd)
		return 1;
	test_msg("waiting for fd %d: got signal %d, code %d, fd %d\n", fd, got, si.si_code,
		 si.si_fd);
	return 0;
}

/* Exit codes: 10 set-up, 11 lost root, 12 no signal for the kept end, 13 for the other. */
static int child(int kept, int other, int ready, int go)
{
	sigset_t sig;
	char c;

	sigemptyset(&sig);
	sigaddset(&sig, OWNER_SIG);
	if (sigprocmask(SIG_BLOCK, &sig, NULL) || take_ownership(kept) ||
	    take_ownership(other) || close(other) || write(ready, "r", 1) != 1)
		return 10;
	if (read(go, &c, 1) != 1)
		return 11;
	if (!got_sigio(kept))
		return 12;
	if (read(go, &c, 1) != 1)
		return 11;
	/* the other end is no fd of ours: the kernel names the fd it had */
	return got_sigio(other) ? 0 : 13;
}

static int check_owner(int fd, pid_t want, const char *what)
{
	struct f_owner_ex owner;

	if (fcntl(fd, F_GETOWN_EX, &owner) || owner.pid != want ||
	    (owner.type != F_OWNER_PID && owner.type != F_OWNER_TID)) {
		fail("%s: owner %d (type %d), want the child %d", what, owner.pid, owner.type,
		     want);
		return -1;
	}
	if (fcntl(fd, F_GETSIG) != OWNER_SIG) {
		fail("%s: owner signal %d, want %d", what, fcntl(fd, F_GETSIG), OWNER_SIG);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int kept[2], other[2], ready[2], go[2], status;
	pid_t pid;
	char c;

	test_init(argc, argv);
	if (pipe(kept) || pipe(other) || pipe(ready) || pipe(go)) {
		fail_perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		fail_perror("fork");
		return 1;
	}
	if (pid == 0)
		_exit(child(kept[0], other[0], ready[1], go[0]));
	if (read(ready[0], &c, 1) != 1) {
		fail("the child did not take ownership of the pipes");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (check_owner(kept[0], pid, "kept read end") ||
	    check_owner(other[0], pid, "read end only the root holds"))
		goto out_kill;
	if (write(go[1], "g", 1) != 1 || write(kept[1], "k", 1) != 1 ||
	    write(go[1], "g", 1) != 1 || write(other[1], "o", 1) != 1) {
		fail_perror("can't wake the child");
		goto out_kill;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("the child failed check %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return 1;
	}
	pass();
	return 0;
out_kill:
	kill(pid, SIGKILL);
	return 1;
}
