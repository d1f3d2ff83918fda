/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files_shared03: a child cloned with CLONE_FILES owns (F_SETOWN) a pipe in the fd table it
 * shares with its parent, with a real-time signal and O_ASYNC. After restore the read end
 * must name the child as owner with that signal, and bytes written to the pipe must signal
 * the child, telling the read end's fd.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
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

/* Exit codes: 10 set-up, 11 lost root, 12 no signal. */
static int child(int kept, int ready, int go)
{
	sigset_t sig;
	char c;

	sigemptyset(&sig);
	sigaddset(&sig, OWNER_SIG);
	if (sigprocmask(SIG_BLOCK, &sig, NULL) || take_ownership(kept) ||
	    write(ready, "r", 1) != 1)
		return 10;
	if (read(go, &c, 1) != 1)
		return 11;
	return got_sigio(kept) ? 0 : 12;
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
	int kept[2], ready[2], go[2], status;
	pid_t pid;
	char c;

	test_init(argc, argv);
	if (pipe(kept) || pipe(ready) || pipe(go)) {
		fail_perror("pipe");
		return 1;
	}
	pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0) {
		fail_perror("clone(CLONE_FILES)");
		return 1;
	}
	if (pid == 0)
		_exit(child(kept[0], ready[1], go[0]));
	if (read(ready[0], &c, 1) != 1) {
		fail("the child did not take ownership of the pipe");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (check_owner(kept[0], pid, "read end"))
		goto out_kill;
	if (write(go[1], "g", 1) != 1 || write(kept[1], "k", 1) != 1) {
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
