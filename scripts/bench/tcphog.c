/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcphog.c - a workload for bench: N established TCP connections on loopback, both ends
 * held, with SIZE bytes queued each way (each end sent SIZE bytes the other has not read).
 * Writes its pid to PIDFILE once ready; on SIGTERM every end reads the SIZE bytes its peer
 * sent and checks them (a pattern of connection, direction and offset), then each
 * connection carries one more byte both ways; exits 0 only if all of it holds.
 * usage: tcphog N SIZE PIDFILE
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static unsigned char pattern(int conn, int dir, size_t off)
{
	return (unsigned char)(conn * 31 + dir * 7 + off + off / 251);
}

static int send_pattern(int sk, int conn, int dir, size_t size)
{
	unsigned char buf[4096];
	size_t off = 0, i, n;

	while (off < size) {
		n = size - off < sizeof(buf) ? size - off : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = pattern(conn, dir, off + i);
		if (send(sk, buf, n, 0) != (ssize_t)n)
			return -1;
		off += n;
	}
	return 0;
}

static int check_pattern(int sk, int conn, int dir, size_t size)
{
	unsigned char buf[4096];
	size_t off = 0, i;
	ssize_t n;

	while (off < size) {
		n = recv(sk, buf, size - off < sizeof(buf) ? size - off : sizeof(buf), 0);
		if (n <= 0)
			return -1;
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != pattern(conn, dir, off + i))
				return -1;
		off += n;
	}
	return 0;
}

static int connect_pair(int lsk, const struct sockaddr_in *a, int *c, int *s)
{
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (*c < 0 || connect(*c, (const struct sockaddr *)a, sizeof(*a)))
		return -1;
	*s = accept(lsk, NULL, NULL);
	return *s < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct rlimit rl = { 20000, 20000 };
	socklen_t len = sizeof(a);
	int n, i, lsk, *cli, *srv, bad = 0;
	size_t size;
	FILE *f;
	char c;

	if (argc != 4)
		return 2;
	n = atoi(argv[1]);
	size = strtoul(argv[2], NULL, 0);
	cli = calloc(n, sizeof(int));
	srv = calloc(n, sizeof(int));
	signal(SIGTERM, on_term);
	setrlimit(RLIMIT_NOFILE, &rl);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lsk = socket(AF_INET, SOCK_STREAM, 0);
	if (!cli || !srv || lsk < 0 || bind(lsk, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(lsk, 128) || getsockname(lsk, (struct sockaddr *)&a, &len))
		return 1;
	for (i = 0; i < n; i++)
		if (connect_pair(lsk, &a, &cli[i], &srv[i]) || send_pattern(cli[i], i, 0, size) ||
		    send_pattern(srv[i], i, 1, size))
			return 1;
	f = fopen(argv[3], "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
		return 1;
	while (!got_term)
		pause();
	for (i = 0; i < n; i++) {
		if (check_pattern(srv[i], i, 0, size) || check_pattern(cli[i], i, 1, size) ||
		    send(cli[i], "x", 1, 0) != 1 || recv(srv[i], &c, 1, 0) != 1 ||
		    send(srv[i], "y", 1, 0) != 1 || recv(cli[i], &c, 1, 0) != 1)
			bad++;
	}
	if (bad)
		fprintf(stderr, "tcphog: %d of %d connections lost data or don't talk\n", bad, n);
	return bad ? 1 : 0;
}
