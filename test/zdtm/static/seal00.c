/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seal00: a sealed mapping (mseal, 6.10) comes back sealed, with its contents: VmFlags
 * shows "sl", and munmap, mprotect and mremap of it fail with EPERM, while an unsealed
 * neighbour can still be changed. A MAP_NORESERVE mapping keeps its "nr" flag.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_mseal 462

static char *sealed, *open_area, *noreserve;
static size_t len;

static int setup(void)
{
	len = 4 * sysconf(_SC_PAGESIZE);
	sealed = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	noreserve = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sealed == MAP_FAILED || noreserve == MAP_FAILED)
		return -1;
	open_area = sealed + len;
	memset(sealed, 's', len);
	memset(open_area, 'o', len);
	memset(noreserve, 'n', len);
	if (syscall(NR_mseal, sealed, len, 0)) {
		if (errno == ENOSYS)
			test_skip("no mseal(2) in this kernel");
		return -1;
	}
	return 0;
}

static void check(void)
{
	if (sealed[len - 1] != 's' || open_area[0] != 'o' || noreserve[7] != 'n')
		fail("contents changed");
	if (test_vma_has_flag(sealed, "sl") != 1)
		fail("the sealed area has no 'sl' in VmFlags");
	if (test_vma_has_flag(open_area, "sl") != 0)
		fail("the unsealed area is sealed");
	if (test_vma_has_flag(noreserve, "nr") != 1)
		fail("the MAP_NORESERVE area has no 'nr' in VmFlags");
	if (!mprotect(sealed, len, PROT_READ) || errno != EPERM)
		fail_perror("mprotect of the sealed area did not fail with EPERM");
	if (!munmap(sealed, len) || errno != EPERM)
		fail_perror("munmap of the sealed area did not fail with EPERM");
	if (mremap(sealed, len, 2 * len, MREMAP_MAYMOVE) != MAP_FAILED || errno != EPERM)
		fail_perror("mremap of the sealed area did not fail with EPERM");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
