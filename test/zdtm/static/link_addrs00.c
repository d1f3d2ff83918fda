// SPDX-License-Identifier: GPL-2.0
/*
 * link_addrs00: three things of a link that the kernel keeps besides what `ip link` sets.
 * In a network namespace of its own the test makes
 * - a bridge zdla0 that takes its address from its ports (veth ends zdlp0 and zdlp1 and a
 *   tap zdlt0: the lowest address, the tap's, which the restore gives it after making it),
 *   a bridge zdlb0 whose address was set at its creation (its port zdlp2 has a lower one),
 *   and a bridge zdlc0 with no port (its random address);
 * - unicast addresses added to the own lists of zdlq0 (a veth end) and of zdlp1 (a port):
 *   `bridge fdb add MAC dev LINK self`;
 * - a noqueue root qdisc that replaced the queue of the tap, and one on zdlq0.
 * After the restore, `ip -d link` (timers left out), `bridge fdb show` and `tc qdisc show`
 * show what they did, and the links behave so: zdla0 takes zdlp0's new address when it
 * changes, zdlb0 keeps its own when zdlp2's changes, the unicast addresses can be removed
 * from their lists, and the tap's noqueue can be removed (a default qdisc can't: handle 0),
 * which gives the tap its queue back once up.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "zdtmtst.h"

static const char *const setup_cmds[] = {
	"ip link set lo up",
	"ip link add zdla0 type bridge",
	"ip link add zdlp0 address 02:00:5e:20:00:10 type veth peer name zdlq0",
	"ip link add zdlp1 address 02:00:5e:20:00:20 type veth peer name zdlr1",
	"ip link set zdlp0 master zdla0 && ip link set zdlp1 master zdla0",
	/* down: criu's dump attaches a queue for a moment, which gives an up tap a carrier */
	"ip tuntap add zdlt0 mode tap",
	"ip link set zdlt0 address 02:00:5e:20:00:08 && ip link set zdlt0 master zdla0",
	"ip link add zdlb0 address 02:00:5e:20:00:30 type bridge",
	"ip link add zdlp2 address 02:00:5e:20:00:05 type veth peer name zdlr2",
	"ip link set zdlp2 master zdlb0",
	"ip link add zdlc0 type bridge",
	"for l in zdla0 zdlb0 zdlc0 zdlp0 zdlq0 zdlp1 zdlr1 zdlp2 zdlr2; do "
	"ip link set $l up || exit 1; done",
	"bridge fdb add 02:00:5e:20:00:77 dev zdlq0 self",
	"bridge fdb add 02:00:5e:20:00:78 dev zdlp1 self",
	"tc qdisc replace dev zdlt0 root noqueue",
	"tc qdisc replace dev zdlq0 root noqueue",
	NULL,
};

/*
 * each field as the kernel reports it; the bridges' running timers left out, and zdlc0's
 * carrier and bridge id: a bridge without port has a carrier and the id 0 until its address
 * is set (br_stp_change_bridge_id takes it as the id and finds no live port), which the
 * restore must do to keep that address (Documentation/namespaces.md)
 */
#define SHOW_CMD                                                                                  \
	"{ ip -d link show; bridge fdb show | grep -e permanent -e static | sort; tc qdisc show " \
	"| sort; } | "                                                                            \
	"sed -E 's/[a-z_]+_timer +[0-9.]+//g; "                                                   \
	"/^[0-9]+: zdlc0:/{s/NO-CARRIER,//; s/,LOWER_UP//; s/state [A-Z]+ //}; "                  \
	"/^[0-9]+: zdlc0:/,/^[0-9]+: /s/(bridge_id|designated_root) [0-9a-f.:]+//g'"

static const char *const expected[] = {
	"link/ether 02:00:5e:20:00:08 brd", /* zdla0's, from zdlt0 */
	"link/ether 02:00:5e:20:00:30 brd", /* zdlb0's */
	"02:00:5e:20:00:77 dev zdlq0 self permanent",
	"02:00:5e:20:00:78 dev zdlp1 self permanent",
	"qdisc noqueue 8",
	NULL,
};

static char before[32768];

static int setup(void)
{
	return test_own_netns(setup_cmds);
}

/* Has link the address mac now? */
static bool has_address(const char *link, const char *mac)
{
	char cmd[128], out[64];

	/* not sysfs: the one mounted may be another namespace's */
	snprintf(cmd, sizeof(cmd), "ip -br link show dev %s | awk '{print $3}'", link);
	if (test_sh_out(cmd, out, sizeof(out)))
		return false;
	return !strncmp(out, mac, strlen(mac));
}

/* after the restore: what the kernel does with them (changes them: once) */
static void check_behaviour(void)
{
	char out[4096];

	if (test_sh("ip link set zdlp0 address 02:00:5e:20:00:01") ||
	    !has_address("zdla0", "02:00:5e:20:00:01"))
		fail("zdla0 no longer takes its address from its ports");
	if (test_sh("ip link set zdlp2 address 02:00:5e:20:00:02") ||
	    !has_address("zdlb0", "02:00:5e:20:00:30"))
		fail("zdlb0 lost the address set for it");
	if (test_sh("bridge fdb del 02:00:5e:20:00:77 dev zdlq0 self") ||
	    test_sh("bridge fdb del 02:00:5e:20:00:78 dev zdlp1 self"))
		fail("the unicast addresses are not in their links' lists");
	if (test_sh("tc qdisc del dev zdlt0 root && ip link set zdlt0 up") ||
	    test_sh_out("tc qdisc show dev zdlt0", out, sizeof(out)) ||
	    !strstr(out, "pfifo_fast 0: root"))
		fail("the tap's noqueue was not a qdisc of the user's (or no queue came back)");
}

static void check(void)
{
	static bool dumped;
	char now_shown[sizeof(before)];
	int i;

	if (test_sh_out(SHOW_CMD, dumped ? now_shown : before, sizeof(before))) {
		fail("can't run '%s'", SHOW_CMD);
		return;
	}
	for (i = 0; !dumped && expected[i]; i++)
		if (!strstr(before, expected[i]))
			fail("the setup shows no '%s':\n%s", expected[i], before);
	if (!dumped) {
		test_msg("before:\n%s", before);
		dumped = true;
		return;
	}
	if (strcmp(before, now_shown)) {
		test_fail_diff("the links", before, now_shown);
		return;
	}
	check_behaviour();
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
