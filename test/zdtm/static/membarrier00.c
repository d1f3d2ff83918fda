/* SPDX-License-Identifier: GPL-2.0 */
/*
 * membarrier00: every membarrier registration of the mm survives a checkpoint: global
 * expedited, private expedited, private expedited sync-core and private expedited rseq.
 * After restore MEMBARRIER_CMD_GET_REGISTRATIONS reports the same set, and each private
 * expedited barrier (refused with EPERM without its registration) works.
 */
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MB_GET_REGISTRATIONS (1 << 9) /* 6.3; older uapi headers lack it */

static const struct {
	int reg, cmd;
	const char *name;
} kinds[] = {
	{ MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, MEMBARRIER_CMD_GLOBAL_EXPEDITED, "global" },
	{ MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, MEMBARRIER_CMD_PRIVATE_EXPEDITED, "private" },
	{ MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
	  MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, "sync-core" },
	{ MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
	  "rseq" },
};

#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static long registered;

static int setup(void)
{
	size_t i;

	for (i = 0; i < NR_KINDS; i++)
		if (syscall(SYS_membarrier, kinds[i].reg, 0, 0)) {
			fail_perror("can't register for %s membarriers", kinds[i].name);
			return -1;
		}
	registered = syscall(SYS_membarrier, MB_GET_REGISTRATIONS, 0, 0);
	if (registered < 0) {
		fail_perror("MEMBARRIER_CMD_GET_REGISTRATIONS");
		return -1;
	}
	return 0;
}

static void check(void)
{
	long now = syscall(SYS_membarrier, MB_GET_REGISTRATIONS, 0, 0);
	size_t i;

	if (now != registered)
		fail("membarrier registrations are %#lx, were %#lx", now, registered);
	for (i = 0; i < NR_KINDS; i++) {
		if (!(now & kinds[i].reg))
			fail("the %s registration (%#x) is missing", kinds[i].name, kinds[i].reg);
		if (syscall(SYS_membarrier, kinds[i].cmd, 0, 0))
			fail_perror("a %s expedited membarrier is refused", kinds[i].name);
	}
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
