/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seccomp_strict00: a task in strict seccomp mode (only read, write, exit, sigreturn)
 * checkpoints and comes back in strict mode (the runner compares the Seccomp: line of
 * /proc/PID/status), still asleep in read() and still handling SIGTERM.
 *
 * In strict mode the library's verdict code can't run (it opens files), so the verdict
 * goes through an fd opened beforehand and the test ends with the plain exit syscall.
 */
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char *outfile(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--outfile=", 10))
			return argv[i] + 10;
	return NULL;
}

int main(int argc, char **argv)
{
	const char *path = outfile(argc, argv);
	int p[2], out = 1, eintr = 0;
	char c;

	test_init(argc, argv);
	if (path)
		out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0 || pipe(p)) {
		fail_perror("can't prepare the verdict fd and the pipe");
		return 1;
	}
	test_daemon();
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT)) {
		fail_perror("can't enter strict seccomp mode");
		return 1;
	}
	/* nothing writes to the pipe: only a signal ends this read */
	while (!test_sig_received) {
		if (read(p[0], &c, 1) < 0 && errno == EINTR)
			eintr++;
	}
	if (eintr > 0)
		write(out, "PASS\n", 5);
	else
		write(out, "FAIL: read() did not return EINTR for SIGTERM\n", 46);
	syscall(SYS_exit, 0);
	return 0;
}
