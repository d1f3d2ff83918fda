/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seccomp00: a chain of two seccomp filters still applies after restore, in the same
 * order: each makes one syscall fail with its own errno, everything else still works.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

/* nr == `nr` ? ERRNO(err) : ALLOW */
static int deny(int nr, int err)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static void check(const char *when)
{
	errno = 0;
	if (syscall(SYS_getppid) != -1 || errno != EHOSTDOWN)
		fail("%s: getppid was not refused by the first filter (errno %d)", when, errno);
	errno = 0;
	if (syscall(SYS_getpgid, 0) != -1 || errno != ENOTNAM)
		fail("%s: getpgid was not refused by the second filter (errno %d)", when, errno);
	if (syscall(SYS_getpid) != getpid() || syscall(SYS_gettid) <= 0)
		fail("%s: allowed syscalls fail", when);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	test_daemon();
	/* as root without no_new_privs: the restore must not need it either */
	if (deny(SYS_getppid, EHOSTDOWN) || deny(SYS_getpgid, ENOTNAM)) {
		fail_perror("can't install the filters");
		return 1;
	}
	check("before");
	if (test_failed())
		return 1;
	test_waitsig();
	check("after restore");
	if (!test_failed())
		pass();
	return test_failed();
}
