// SPDX-License-Identifier: GPL-2.0
/*
 * tc_refused00: the test's own network namespace has a veth pair whose zdr0 has an ingress
 * qdisc with a u32 filter that redirects every IPv4 packet to zdr1 (act_mirred, an action
 * criu does not save), and a static neighbour. The dump is refused, naming the link, the
 * filter and its action (tc_refused00.desc); the tree runs on with the filter, its action
 * and the neighbour still there.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char *const setup_cmds[] = {
	"ip link set lo up",
	"ip link add zdr0 type veth peer name zdr1",
	"ip link set zdr0 up && ip link set zdr1 up",
	"ip neigh add 10.78.0.9 lladdr 02:00:00:00:78:09 dev zdr0 nud permanent",
	"tc qdisc add dev zdr0 ingress",
	"tc filter add dev zdr0 parent ffff: protocol ip prio 7 u32 match u32 0 0 "
	"action mirred egress redirect dev zdr1",
	NULL,
};

static int setup(void)
{
	return test_own_netns(setup_cmds);
}

static void check(void)
{
	if (system("tc filter show dev zdr0 ingress | grep -q 'mirred (Egress Redirect to "
		   "device zdr1)'"))
		fail("the filter's mirred action on zdr0 is gone");
	if (system("ip neigh show dev zdr0 | grep -q '10.78.0.9 lladdr 02:00:00:00:78:09 "
		   "PERMANENT'"))
		fail("the static neighbour on zdr0 is gone");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
