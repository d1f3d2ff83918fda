// SPDX-License-Identifier: GPL-2.0
/*
 * Both ends of a loopback TCP connection in one process, for runc-tcp.py: built static
 * and run as a container's init. Each round sends the round's number from the connecting
 * end, reads it on the accepted end, answers with its complement and reads that back, then
 * writes "ROUND PORT" to /run/count. A reset, an early EOF or a wrong number ends it with
 * "ERR ..." in /run/count, so a restore that lost or restarted the stream shows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void report(const char *text)
{
	int fd = open("/run/count.new", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0)
		text = NULL;
	close(fd);
	rename("/run/count.new", "/run/count");
}

static void fail(const char *what, uint64_t round)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "ERR %s at round %llu: %s\n", what, (unsigned long long)round,
		 strerror(errno));
	report(buf);
	exit(1);
}

static int full_read(int fd, uint64_t *val)
{
	size_t got = 0;

	while (got < sizeof(*val)) {
		ssize_t n = read(fd, (char *)val + got, sizeof(*val) - got);

		if (n <= 0) {
			if (n == 0)
				errno = ECONNRESET;
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		got += n;
	}
	return 0;
}

static void connect_pair(int *client, int *server, int *port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int lsk = socket(AF_INET, SOCK_STREAM, 0);

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lsk < 0 || bind(lsk, (struct sockaddr *)&addr, sizeof(addr)) || listen(lsk, 1) ||
	    getsockname(lsk, (struct sockaddr *)&addr, &len))
		fail("listen", 0);
	*client = socket(AF_INET, SOCK_STREAM, 0);
	if (*client < 0 || connect(*client, (struct sockaddr *)&addr, sizeof(addr)))
		fail("connect", 0);
	*server = accept(lsk, NULL, NULL);
	if (*server < 0)
		fail("accept", 0);
	close(lsk);
	len = sizeof(addr);
	if (getsockname(*client, (struct sockaddr *)&addr, &len))
		fail("getsockname", 0);
	*port = ntohs(addr.sin_port);
}

int main(void)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	int client, server, port;
	uint64_t round, val;
	char buf[64];

	connect_pair(&client, &server, &port);
	for (round = 1;; round++) {
		if (write(client, &round, sizeof(round)) != sizeof(round))
			fail("client write", round);
		if (full_read(server, &val))
			fail("server read", round);
		if (val != round) {
			errno = EPROTO;
			fail("server got another number", round);
		}
		val = ~round;
		if (write(server, &val, sizeof(val)) != sizeof(val))
			fail("server write", round);
		if (full_read(client, &val))
			fail("client read", round);
		if (val != ~round) {
			errno = EPROTO;
			fail("client got another number", round);
		}
		snprintf(buf, sizeof(buf), "%llu %d\n", (unsigned long long)round, port);
		report(buf);
		nanosleep(&pause, NULL);
	}
}
