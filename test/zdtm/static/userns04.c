// SPDX-License-Identifier: GPL-2.0
/*
 * userns04: a rootless container's shape. The test is root of a user namespace that maps 0
 * to 100000 outside, and the init of pid, uts, ipc, time and network namespaces made in it
 * (ZDTM_NEWNET in the .desc); it unshares a cgroup namespace of its own there too. Inside
 * the network namespace: lo up, an address of its own on it, a TCP listener on that address
 * and an established connection to it. After restore: the network and cgroup namespaces are
 * still owned by the test's user namespace (NS_GET_USERNS), lo is up with the address, the
 * connection carries bytes both ways, the listener accepts a new one, the cgroup namespace
 * is rooted at the test's cgroup ("0::/"), and the maps are those of before.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define ADDR "10.44.0.1"
#define PORT 4244

static char uid_map[256];
static int lsk = -1, cli = -1, srv = -1;

/* The inode of this task's user namespace (a new one after the restore). */
static ino_t own_user(void)
{
	struct stat st;

	return stat("/proc/self/ns/user", &st) ? 0 : st.st_ino;
}

/* The inode of the user namespace that owns this task's namespace of kind link. */
static ino_t owner_of(const char *link)
{
	struct stat st = {};
	char path[64];
	int fd, user;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", link);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	user = ioctl(fd, NS_GET_USERNS);
	close(fd);
	if (user < 0)
		return 0;
	if (fstat(user, &st))
		st.st_ino = 0;
	close(user);
	return st.st_ino;
}

static int connect_to_listener(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int s = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, ADDR, &a.sin_addr);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a))) {
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

static int tcp_setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };

	inet_pton(AF_INET, ADDR, &a.sin_addr);
	lsk = socket(AF_INET, SOCK_STREAM, 0);
	if (lsk < 0 || bind(lsk, (struct sockaddr *)&a, sizeof(a)) || listen(lsk, 4)) {
		fail_perror("listener on %s:%d", ADDR, PORT);
		return -1;
	}
	cli = connect_to_listener();
	srv = cli < 0 ? -1 : accept(lsk, NULL, NULL);
	if (srv < 0) {
		fail_perror("the connection to %s:%d", ADDR, PORT);
		return -1;
	}
	return 0;
}

static int setup(void)
{
	if (test_read_text("/proc/self/uid_map", uid_map, sizeof(uid_map)))
		return -1;
	if (!own_user() || owner_of("net") != own_user()) {
		fail("the network namespace is not the user namespace's: ZDTM_NEWNET missing?");
		return -1;
	}
	if (system("ip link set lo up && ip addr add " ADDR "/24 dev lo")) {
		fail("can't set lo up with " ADDR);
		return -1;
	}
	if (unshare(CLONE_NEWCGROUP)) {
		fail_perror("unshare(CLONE_NEWCGROUP) as root of the user namespace");
		return -1;
	}
	return tcp_setup();
}

static bool lo_has_addr(void)
{
	struct ifaddrs *ifa, *i;
	char buf[INET_ADDRSTRLEN];
	bool found = false;

	if (getifaddrs(&ifa))
		return false;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, "lo"))
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf,
			  sizeof(buf));
		if (!strcmp(buf, ADDR) && (i->ifa_flags & IFF_UP))
			found = true;
	}
	freeifaddrs(ifa);
	return found;
}

static void check_tcp(void)
{
	char buf[8];
	int c, s;

	if (send(cli, "ping", 4, 0) != 4 || recv(srv, buf, sizeof(buf), 0) != 4 ||
	    memcmp(buf, "ping", 4) || send(srv, "pong", 4, 0) != 4 ||
	    recv(cli, buf, sizeof(buf), 0) != 4 || memcmp(buf, "pong", 4))
		fail_perror("the established connection");
	c = connect_to_listener();
	s = c < 0 ? -1 : accept(lsk, NULL, NULL);
	if (s < 0 || send(c, "new", 3, 0) != 3 || recv(s, buf, sizeof(buf), 0) != 3)
		fail_perror("a new connection to the listener");
	if (c >= 0)
		close(c);
	if (s >= 0)
		close(s);
}

/* Each hierarchy's line ends in ":/": the task is at its cgroup namespace's root. */
static bool at_cgns_root(void)
{
	char text[2048], *line, *save = NULL;
	int lines = 0;

	if (test_read_text("/proc/self/cgroup", text, sizeof(text)))
		return false;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		if (strcmp(line + strlen(line) - 2, ":/")) {
			test_msg("/proc/self/cgroup: %s\n", line);
			return false;
		}
	}
	return lines > 0;
}

static void check(void)
{
	char now[256];

	if (test_read_text("/proc/self/uid_map", now, sizeof(now)) || strcmp(now, uid_map))
		fail("uid_map is now '%s', was '%s'", now, uid_map);
	if (!own_user() || owner_of("net") != own_user())
		fail("the network namespace is not owned by the test's user namespace");
	if (owner_of("cgroup") != own_user())
		fail("the cgroup namespace is not owned by the test's user namespace");
	if (!at_cgns_root())
		fail("/proc/self/cgroup shows a cgroup below its own namespace's root");
	if (!lo_has_addr())
		fail("lo is not up with " ADDR);
	check_tcp();
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
