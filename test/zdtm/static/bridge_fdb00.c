// SPDX-License-Identifier: GPL-2.0
/*
 * bridge_fdb00: the forwarding entries a user added to a bridge. In a network namespace of
 * its own the test makes a bridge with a veth end as its port and adds a static entry on
 * the port, a sticky static one, a local (permanent) one of an address no link has, and a
 * local one of the bridge's own (`dev zdbr0 self local`). After the restore `bridge fdb
 * show` lists the same entries with these addresses, ports and flags, none doubled.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zdtmtst.h"

#define BRIDGE "zdbr0"
#define PORT   "zdbp0"
#define PEER   "zdbq0"
#define OURS   "02:00:5e:10:00:"

static char before[4096];

/*
 * The user's entries (OURS), one per line, sorted. (The kernel's local entries, of the
 * port's address that the bridge took too, are the kernel's: link_addrs00 compares them.)
 */
static int fdb_lines(char *out, size_t len)
{
	const char *cmd = "bridge fdb show br " BRIDGE " | grep " OURS " | sort";
	FILE *p = popen(cmd, "r");
	size_t n;

	if (!p)
		return -1;
	n = fread(out, 1, len - 1, p);
	out[n] = 0;
	return pclose(p) || !n ? -1 : 0;
}

static int count(const char *text, const char *what)
{
	const char *p;
	int n = 0;

	for (p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static int setup(void)
{
	if (unshare(CLONE_NEWNET)) {
		fail_perror("a network namespace of the test's own");
		return -1;
	}
	if (test_sh("ip link set lo up && ip link add " BRIDGE " type bridge && ip link add " PORT
		    " type veth peer name " PEER) ||
	    test_sh("ip link set " PORT " master " BRIDGE " && ip link set " BRIDGE
		    " up && ip link set " PORT " up && ip link set " PEER " up") ||
	    test_sh("bridge fdb add " OURS "01 dev " PORT " master static") ||
	    test_sh("bridge fdb add " OURS "02 dev " PORT " master static sticky") ||
	    test_sh("bridge fdb add " OURS "03 dev " PORT " master permanent") ||
	    test_sh("bridge fdb add " OURS "04 dev " BRIDGE " self local"))
		return -1;
	if (fdb_lines(before, sizeof(before)))
		return -1;
	if (count(before, OURS) != 4) {
		fail("the bridge lists %d of the 4 entries added:\n%s", count(before, OURS),
		     before);
		return -1;
	}
	test_msg("entries:\n%s", before);
	return 0;
}

/* Each line of a that b lacks */
static void report_missing(const char *what, const char *a, const char *b)
{
	char line[256];
	const char *p, *nl;

	for (p = a; *p; p = nl + 1) {
		nl = strchrnul(p, '\n');
		snprintf(line, sizeof(line), "%.*s\n", (int)(nl - p), p);
		if (!strstr(b, line))
			test_msg("%s: %s", what, line);
		if (!*nl)
			break;
	}
}

static void check(void)
{
	char now[4096];

	if (fdb_lines(now, sizeof(now))) {
		fail("can't list the bridge's forwarding entries");
		return;
	}
	if (!strcmp(now, before))
		return;
	report_missing("lost", before, now);
	report_missing("new", now, before);
	fail("the bridge's forwarding entries changed");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
