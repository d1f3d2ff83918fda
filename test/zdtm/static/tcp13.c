// SPDX-License-Identifier: GPL-2.0
/*
 * tcp13: TCP connections in every closing state a program can hold, checkpointed with
 * --tcp-established. TCP_FAMILY picks IPv4 (default), "6" or "mapped" (IPv6 sockets talking
 * to ::ffff:127.0.0.1).
 * - a1 -> a2: a1 sent bytes then shut down its sending side, a2 answered without a1 reading
 *   it: a1 is in FIN_WAIT2 with bytes to read, a2 in CLOSE_WAIT with bytes and the end of
 *   the stream to read.
 * - b1 -> b2: b2's packets are dropped (SO_MARK and an nft rule of the test's own): b1 sent
 *   bytes and its FIN, both unacknowledged (FIN_WAIT1 with a send queue); b2 got them,
 *   answered and closed its side too, unheard (LAST_ACK with a send queue).
 * - c1 <-> c2: c1's packets are dropped; c1 sends bytes, both shut down: c1 got c2's FIN
 *   before its bytes and FIN were acknowledged (CLOSING), c2 heard nothing (FIN_WAIT1).
 * - d1 -> d2: d1's packets are dropped; it sent bytes and its FIN (FIN_WAIT1), d2 heard
 *   nothing (ESTABLISHED).
 * Packets are dropped as they come in (as lost on the way: their sender counts them sent);
 * with TCP_UNSENT set, as they go out: their sender keeps them as not sent yet, so b2, c1 and
 * d1 hold bytes and a FIN unsent, which the restore writes again before the FIN (tcp16-18;
 * c1, in CLOSING, gets them back as sent and lost, before its FIN).
 * After restore each socket is in its state again. Then b2 and c1 are heard again: every
 * pair ends as the kernel ends it (each side reads the other's bytes then end of file, both
 * sockets reach CLOSE), and a2 can still send to a1 before closing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define DROP_MARK 0x7a13

enum { A1, A2, B1, B2, C1, C2, D1, D2, NR_SKS };

static const int want[NR_SKS] = {
	[A1] = TCP_FIN_WAIT2, [A2] = TCP_CLOSE_WAIT, [B1] = TCP_FIN_WAIT1, [B2] = TCP_LAST_ACK,
	[C1] = TCP_CLOSING,   [C2] = TCP_FIN_WAIT1,  [D1] = TCP_FIN_WAIT1, [D2] = TCP_ESTABLISHED,
};

static int sk[NR_SKS], lsk, family;
static struct sockaddr_storage addr;
static socklen_t addr_len;
static char table[64];

static void drop_table(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "nft delete table inet %s 2>/dev/null", table);
	if (system(cmd))
		test_msg("can't remove nft table %s\n", table);
}

/* Packets of sockets marked DROP_MARK go nowhere: an nft table of our own. */
static int make_table(void)
{
	const char *hook = getenv("TCP_UNSENT") ? "output" : "input";
	char cmd[512];

	if (system("command -v nft >/dev/null 2>&1"))
		test_skip("nft (package nftables) is not installed");
	snprintf(table, sizeof(table), "zdtm_tcp13_%d", getpid());
	snprintf(cmd, sizeof(cmd),
		 "nft 'add table inet %s; add chain inet %s lost { type filter hook %s "
		 "priority 0; }; add rule inet %s lost meta mark 0x%x drop'",
		 table, table, hook, table, DROP_MARK);
	test_note_leftover("nft-table inet %s", table);
	atexit(drop_table);
	return system(cmd) ? -1 : 0;
}

static int tcp_state(int s)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	return getsockopt(s, SOL_TCP, TCP_INFO, &ti, &len) ? -1 : ti.tcpi_state;
}

/* Wait (up to 10 s) for socket i to reach state st. */
static int wait_state(int i, int st)
{
	int n;

	for (n = 0; n < 1000; n++) {
		if (tcp_state(sk[i]) == st)
			return 0;
		usleep(10000);
	}
	test_msg("socket %d is in state %d, not %d\n", i, tcp_state(sk[i]), st);
	return -1;
}

static int set_mark(int i, int mark)
{
	return setsockopt(sk[i], SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
}

static int listen_lo(void)
{
	const char *mode = getenv("TCP_FAMILY");
	struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;

	memset(&addr, 0, sizeof(addr));
	family = mode && (!strcmp(mode, "6") || !strcmp(mode, "mapped")) ? AF_INET6 : AF_INET;
	if (family == AF_INET) {
		a4->sin_family = AF_INET;
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		addr_len = sizeof(*a4);
	} else {
		a6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, strcmp(mode, "mapped") ? "::1" : "::ffff:127.0.0.1",
			  &a6->sin6_addr);
		addr_len = sizeof(*a6);
	}
	lsk = socket(family, SOCK_STREAM, 0);
	if (lsk < 0 || bind(lsk, (struct sockaddr *)&addr, addr_len) || listen(lsk, 8) ||
	    getsockname(lsk, (struct sockaddr *)&addr, &addr_len))
		return -1;
	return 0;
}

static int pair(int c, int s)
{
	struct timeval tv = { 10, 0 };

	sk[c] = socket(family, SOCK_STREAM, 0);
	if (sk[c] < 0 || connect(sk[c], (struct sockaddr *)&addr, addr_len))
		return -1;
	sk[s] = accept(lsk, NULL, NULL);
	if (sk[s] < 0 || setsockopt(sk[c], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(sk[s], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	return 0;
}

static int send_str(int i, const char *s)
{
	return send(sk[i], s, strlen(s), 0) == (ssize_t)strlen(s) ? 0 : -1;
}

static int setup(void)
{
	if (listen_lo() || pair(A1, A2) || pair(B1, B2) || pair(C1, C2) || pair(D1, D2))
		return -1;
	/* a: FIN_WAIT2 and CLOSE_WAIT, bytes queued both ways */
	if (send_str(A1, "a1 to a2") || shutdown(sk[A1], SHUT_WR) || send_str(A2, "a2 to a1") ||
	    wait_state(A1, TCP_FIN_WAIT2) || wait_state(A2, TCP_CLOSE_WAIT))
		return -1;
	/* b: b2 unheard; b1 sends and closes (FIN_WAIT1), b2 answers and closes (LAST_ACK) */
	if (set_mark(B2, DROP_MARK) || send_str(B1, "b1 to b2") || shutdown(sk[B1], SHUT_WR) ||
	    wait_state(B2, TCP_CLOSE_WAIT) || send_str(B2, "b2 to b1") ||
	    shutdown(sk[B2], SHUT_WR) || wait_state(B2, TCP_LAST_ACK) ||
	    wait_state(B1, TCP_FIN_WAIT1))
		return -1;
	/* c: c1 unheard; both close: c1 hears c2's FIN (CLOSING), c2 nothing (FIN_WAIT1) */
	if (set_mark(C1, DROP_MARK) || send_str(C1, "c1 to c2") || shutdown(sk[C1], SHUT_WR) ||
	    wait_state(C1, TCP_FIN_WAIT1) || shutdown(sk[C2], SHUT_WR) ||
	    wait_state(C1, TCP_CLOSING) || wait_state(C2, TCP_FIN_WAIT1))
		return -1;
	/* d: d1 unheard sends and closes (FIN_WAIT1), d2 heard nothing */
	if (set_mark(D1, DROP_MARK) || send_str(D1, "d1 to d2") || shutdown(sk[D1], SHUT_WR) ||
	    wait_state(D1, TCP_FIN_WAIT1))
		return -1;
	close(lsk);
	return 0;
}

static int check_states(void)
{
	int i;

	for (i = 0; i < NR_SKS; i++)
		if (tcp_state(sk[i]) != want[i]) {
			test_msg("socket %d: state %d, not %d\n", i, tcp_state(sk[i]), want[i]);
			return -1;
		}
	return 0;
}

/* Socket i reads exactly s (if any), then the end of the stream. */
static int read_all(int i, const char *s)
{
	char buf[64];
	size_t len = s ? strlen(s) : 0;

	if (len &&
	    (recv(sk[i], buf, sizeof(buf), MSG_WAITALL) < (ssize_t)len || memcmp(buf, s, len)))
		return -1;
	return recv(sk[i], buf, sizeof(buf), 0) == 0 ? 0 : -1;
}

static int finish(void)
{
	char buf[16];

	if (set_mark(B2, 0) || set_mark(C1, 0) || set_mark(D1, 0))
		return 1;
	/* a: a2 reads a1's bytes and end of file, and can still talk to a1 */
	if (read_all(A2, "a1 to a2") || send_str(A2, ", more") || shutdown(sk[A2], SHUT_WR) ||
	    recv(sk[A1], buf, 14, MSG_WAITALL) != 14 || memcmp(buf, "a2 to a1, more", 14) ||
	    read_all(A1, NULL))
		return 2;
	/* b: once b2 is heard again, each reads the other's bytes and end of file */
	if (read_all(B2, "b1 to b2") || read_all(B1, "b2 to b1"))
		return 3;
	if (read_all(C1, NULL) || read_all(C2, "c1 to c2"))
		return 4;
	if (read_all(D2, "d1 to d2") || shutdown(sk[D2], SHUT_WR) || read_all(D1, NULL))
		return 6;
	/* the kernel's ends: TIME_WAIT takes the closer's place, the socket itself is closed */
	if (wait_state(A1, TCP_CLOSE) || wait_state(A2, TCP_CLOSE) || wait_state(B1, TCP_CLOSE) ||
	    wait_state(B2, TCP_CLOSE) || wait_state(C1, TCP_CLOSE) || wait_state(C2, TCP_CLOSE) ||
	    wait_state(D1, TCP_CLOSE) || wait_state(D2, TCP_CLOSE))
		return 5;
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	test_init(argc, argv);
	if (make_table()) {
		fail("can't add the nft table %s that drops marked packets", table);
		return 1;
	}
	if (setup() || check_states()) {
		fail("can't set the closing states up (%s)", strerror(errno));
		return 1;
	}
	test_daemon();
	test_waitsig();

	if (check_states()) {
		fail("the connections are not in their states again");
		return 1;
	}
	ret = finish();
	if (ret) {
		fail("the connections don't end as the kernel ends them (%d: %s)", ret,
		     strerror(errno));
		return 1;
	}
	pass();
	return 0;
}
