/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stopped-reader: blocks in read() on a pipe it holds both ends of, with a SIGTERM handler
 * installed without SA_RESTART. The kernel ends that read with EINTR when SIGTERM comes;
 * the exit status says what read() returned: 7 for EINTR, 3 for anything else.
 * Used by test/others/stopped-task.py.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void on_sigterm(int sig)
{
	(void)sig;
}

int main(void)
{
	struct sigaction sa;
	int fds[2];
	ssize_t ret;
	char c;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigterm;
	if (sigaction(SIGTERM, &sa, NULL) || pipe(fds))
		return 2;
	ret = read(fds[0], &c, 1);
	return ret < 0 && errno == EINTR ? 7 : 3;
}
