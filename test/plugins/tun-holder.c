/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test/plugins/tun-holder.c - holds /dev/net/tun open on fd 10 (O_RDWR | O_NONBLOCK, no
 * interface attached), a file criu itself has no handler for, until SIGTERM; then checks
 * that fd 10 is still that device with those flags and still detached (TUNGETIFF answers
 * EBADFD), and writes "ok" or what differs to the file argv[1].
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define HELD_FD 10

static volatile sig_atomic_t stop;

static void on_term(int sig __attribute__((unused)))
{
	stop = 1;
}

static const char *check_fd(void)
{
	unsigned int ifflags;
	struct stat st;
	int fl;

	if (fstat(HELD_FD, &st))
		return "fd 10 is not open";
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 10 || minor(st.st_rdev) != 200)
		return "fd 10 is not /dev/net/tun (10:200)";
	fl = fcntl(HELD_FD, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDWR || !(fl & O_NONBLOCK))
		return "fd 10 lost its flags (O_RDWR | O_NONBLOCK)";
	/* a tun fd without an interface: the kernel answers EBADFD */
	if (ioctl(HELD_FD, TUNGETIFF, &ifflags) == 0 || errno != EBADFD)
		return "fd 10 is not a detached tun file";
	return "ok";
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	const char *res;
	FILE *out;
	int fd;

	if (argc != 2)
		return 2;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
	if (fd < 0 || dup2(fd, HELD_FD) != HELD_FD)
		return 1;
	close(fd);
	sigaction(SIGTERM, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	res = check_fd();
	out = fopen(argv[1], "w");
	if (!out)
		return 1;
	fprintf(out, "%s\n", res);
	fclose(out);
	return strcmp(res, "ok") ? 1 : 0;
}
