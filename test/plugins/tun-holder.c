/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test/plugins/tun-holder.c - holds /dev/net/tun open on fd 10 (O_RDWR | O_NONBLOCK, no
 * interface attached), a file criu itself has no handler for, until SIGTERM (waited for in
 * sigsuspend() with it blocked otherwise: one sent at once after the restore is not lost); then
 * checks that fd 10 is still that device with those flags and still detached (TUNGETIFF answers
 * EBADFD), and writes "ok" or what differs to the file argv[1]. It also maps two pages of
 * /dev/zero privately (a device mapping criu leaves to a plugin) and checks after the
 * restore that they are still there, mapped from /dev/zero, readable (zeros) and writable.
 * With argv[2], fd 11 is a unix stream socket connected to the listener bound there (outside
 * the tree): at SIGTERM it must still be connected there, send "ping" and read "pong".
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define HELD_FD	 10
#define UNIX_FD	 11
#define ZERO_LEN (2 * 4096)

static unsigned char *zero_map;
static const char *unix_path;

static volatile sig_atomic_t stop;

static void on_term(int sig __attribute__((unused)))
{
	stop = 1;
}

/* Is zero_map listed in maps as a private, writable mapping of /dev/zero? */
static bool zero_map_listed(void)
{
	char line[512], want[64];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return false;
	snprintf(want, sizeof(want), "%lx-%lx rw-p", (unsigned long)zero_map,
		 (unsigned long)zero_map + ZERO_LEN);
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, want, strlen(want)) && strstr(line, " /dev/zero");
	fclose(f);
	return found;
}

static const char *check_zero_map(void)
{
	size_t i;

	if (!zero_map_listed())
		return "the /dev/zero mapping is missing or changed";
	for (i = 0; i < ZERO_LEN; i++)
		if (zero_map[i])
			return "the /dev/zero mapping holds non-zero bytes";
	zero_map[ZERO_LEN - 1] = 1;
	return "ok";
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
	return check_zero_map();
}

static int connect_unix(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int sk = socket(AF_UNIX, SOCK_STREAM, 0);

	if (sk < 0 || strlen(unix_path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, unix_path);
	if (connect(sk, (struct sockaddr *)&a, sizeof(a)) || dup2(sk, UNIX_FD) != UNIX_FD)
		return -1;
	close(sk);
	return 0;
}

/* fd 11 talks to the listener's side: "ping" goes, "pong" comes. */
static const char *check_unix(void)
{
	struct timeval tv = { 5, 0 };
	struct sockaddr_un a = {};
	socklen_t len = sizeof(a);
	char buf[4];

	if (!unix_path)
		return "ok";
	if (getpeername(UNIX_FD, (struct sockaddr *)&a, &len) || strcmp(a.sun_path, unix_path))
		return "fd 11 is not connected to the listener's path";
	if (setsockopt(UNIX_FD, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    send(UNIX_FD, "ping", 4, MSG_NOSIGNAL) != 4 ||
	    recv(UNIX_FD, buf, 4, MSG_WAITALL) != 4 || memcmp(buf, "pong", 4))
		return "fd 11 does not talk to the listener's side";
	return "ok";
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	sigset_t term, unblocked;
	const char *res;
	FILE *out;
	int fd;

	if (argc != 2 && argc != 3)
		return 2;
	unix_path = argc == 3 ? argv[2] : NULL;
	if (unix_path && connect_unix())
		return 1;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
	if (fd < 0 || dup2(fd, HELD_FD) != HELD_FD)
		return 1;
	close(fd);
	fd = open("/dev/zero", O_RDWR);
	zero_map = mmap(NULL, ZERO_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (fd < 0 || zero_map == MAP_FAILED)
		return 1;
	close(fd);
	sigaction(SIGTERM, &sa, NULL);
	/* SIGTERM waits blocked between checks: one that comes before the wait is not lost */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &unblocked);
	sigdelset(&unblocked, SIGTERM);
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		sigsuspend(&unblocked);
	res = check_fd();
	if (!strcmp(res, "ok"))
		res = check_unix();
	out = fopen(argv[1], "w");
	if (!out)
		return 1;
	fprintf(out, "%s\n", res);
	fclose(out);
	return strcmp(res, "ok") ? 1 : 0;
}
