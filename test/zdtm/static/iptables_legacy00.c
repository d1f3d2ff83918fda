// SPDX-License-Identifier: GPL-2.0
/*
 * iptables_legacy00: the test's own network namespace has an iptables-legacy (x_tables)
 * rule. iptables-save (iptables-nft, Debian's iptables) lists no x_tables rule, only a
 * warning that such tables exist, so the dump would lose it: it is refused, naming the
 * table (iptables_legacy00.desc), and the tree runs on with its rule.
 */
#include "zdtmtst.h"

static const char *const setup_cmds[] = {
	"ip link set lo up",
	"iptables-legacy -A INPUT -s 10.79.0.1 -j DROP",
	NULL,
};

static int setup(void)
{
	if (test_sh("command -v iptables-legacy >/dev/null"))
		test_skip("no iptables-legacy");
	return test_own_netns(setup_cmds);
}

static void check(void)
{
	if (test_sh("iptables-legacy-save | grep -q -- '-A INPUT -s 10.79.0.1/32 -j DROP'"))
		fail("the iptables-legacy rule is gone");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
