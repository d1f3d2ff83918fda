/* SPDX-License-Identifier: GPL-2.0 */
/*
 * creds00: a task that left root for other ids with a reduced capability set comes back
 * with all four uids and gids, its groups, every capability set (effective, permitted,
 * inheritable, bounding, ambient), its securebits and no_new_privs.
 */
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <grp.h>

#include "zdtmtst.h"

#define BIT(c) (1ULL << (c))

static const gid_t groups[] = { 5, 1000, 2000, 3000 };
static const uint64_t prm = BIT(CAP_DAC_OVERRIDE) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE) |
			    BIT(CAP_SETUID) | BIT(CAP_SETGID) | BIT(CAP_SETPCAP) | BIT(CAP_CHOWN);
static const uint64_t eff = BIT(CAP_DAC_OVERRIDE) | BIT(CAP_KILL);
static const uint64_t inh = BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_DAC_OVERRIDE);
static const unsigned int secbits = SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NOROOT;
static uint64_t bnd; /* what we start with (this host may lack some), less two */

static int capset3(uint64_t e, uint64_t p, uint64_t i)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { e, p, i }, { e >> 32, p >> 32, i >> 32 } };

	return syscall(SYS_capset, &h, d);
}

static void capget3(uint64_t *e, uint64_t *p, uint64_t *i)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	syscall(SYS_capget, &h, d);
	*e = d[0].effective | (uint64_t)d[1].effective << 32;
	*p = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*i = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
}

static int drop_privileges(void)
{
	int c;

	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (prctl(PR_CAPBSET_READ, c) == 1 && c != CAP_SYS_BOOT && c != CAP_MKNOD)
			bnd |= BIT(c);
	if (setgroups(4, groups) || setresgid(1001, 1002, 1003) || setfsgid(1004) < 0 ||
	    prctl(PR_SET_KEEPCAPS, 1) || setresuid(2001, 2002, 2003))
		return -1;
	if (capset3(prm, prm, inh))
		return -1;
	setfsuid(2004);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0) ||
	    prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT) || prctl(PR_CAPBSET_DROP, CAP_MKNOD) ||
	    prctl(PR_SET_SECUREBITS, secbits) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	if (capset3(eff, prm, inh) || prctl(PR_SET_DUMPABLE, 1))
		return -1;
	return 0;
}

static void check_ids(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs, g[16];
	int n, i;

	getresuid(&r, &e, &s);
	if (r != 2001 || e != 2002 || s != 2003 || setfsuid(-1) != 2004)
		fail("uids %d %d %d %d", r, e, s, setfsuid(-1));
	getresgid(&gr, &ge, &gs);
	if (gr != 1001 || ge != 1002 || gs != 1003 || setfsgid(-1) != 1004)
		fail("gids %d %d %d %d", gr, ge, gs, setfsgid(-1));
	n = getgroups(16, g);
	if (n != 4)
		fail("%d groups, want 4", n);
	for (i = 0; i < n && i < 4; i++)
		if (g[i] != groups[i])
			fail("group %d is %d, want %d", i, g[i], groups[i]);
}

static void check_caps(void)
{
	uint64_t e, p, i;
	int c;

	capget3(&e, &p, &i);
	if (e != eff || p != prm || i != inh)
		fail("caps eff %#llx prm %#llx inh %#llx", (unsigned long long)e,
		     (unsigned long long)p, (unsigned long long)i);
	for (c = 0; c <= CAP_LAST_CAP; c++) {
		int want_bnd = !!(bnd & BIT(c));
		int want_amb = c == CAP_NET_BIND_SERVICE;

		if (prctl(PR_CAPBSET_READ, c) != want_bnd)
			fail("capability %d: bounding set says %d", c, !want_bnd);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) != want_amb)
			fail("capability %d: ambient set says %d", c, !want_amb);
	}
	if (prctl(PR_GET_SECUREBITS) != (int)secbits)
		fail("securebits %#x, want %#x", prctl(PR_GET_SECUREBITS), secbits);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fail("no_new_privs is not set");
	if (prctl(PR_GET_DUMPABLE) != 1)
		fail("dumpable is %d, want 1", prctl(PR_GET_DUMPABLE));
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	if (getuid() != 0) {
		fail("needs root to change its ids");
		return 1;
	}
	if (drop_privileges()) {
		fail_perror("can't set up the credentials");
		return 1;
	}
	check_ids();
	check_caps();
	if (test_failed())
		return 1;
	test_daemon();
	test_waitsig();
	check_ids();
	check_caps();
	if (!test_failed())
		pass();
	return test_failed();
}
