/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mlock00: locked memory comes back locked. Three areas with contents: one mlock()ed
 * (VmFlags "lo", every page resident), one mlock2(MLOCK_ONFAULT)ed ("lo" and "lf", only
 * touched pages resident), and a locked private file mapping. With MLOCK_CASE=uid the test
 * then drops to uid/gid 1000 without CAP_IPC_LOCK and with RLIMIT_MEMLOCK 0, so that it
 * could not lock anything itself any more: restore must lock while it still may. After restore
 * each area has its contents, its flags, and VmLck in /proc/self/status is unchanged.
 */
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

#define PAGES 8

struct area {
	const char *name;
	const char *codes; /* expected, space separated */
	uint8_t *p;
};

static struct area areas[3] = {
	{ "mlock", "lo", NULL },
	{ "mlock2 onfault", "lo lf", NULL },
	{ "file", "lo", NULL },
};

static size_t page;
static long vmlck;

static long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

/* uid 1000, RLIMIT_MEMLOCK 0, and of all capabilities only CAP_DAC_OVERRIDE (the verdict) */
static int drop_privileges(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};
	struct rlimit rl = { 0, 0 };

	data[0].effective = data[0].permitted = 1u << CAP_DAC_OVERRIDE;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) || prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
	    setgroups(0, NULL) || setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000) ||
	    syscall(SYS_capset, &hdr, data))
		return -1;
	/* now unprivileged: locking more must fail, or the case proves nothing */
	if (!mlock(areas[0].p + page * PAGES, page)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

static int setup(void)
{
	const char *path = test_path("file");
	size_t i;
	int fd;

	page = sysconf(_SC_PAGESIZE);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, PAGES * page))
		return -1;
	/* one spare page after the first area: drop_privileges() tries to lock it */
	areas[0].p = mmap(NULL, (PAGES + 1) * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	areas[1].p = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	areas[2].p = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (areas[0].p == MAP_FAILED || areas[1].p == MAP_FAILED || areas[2].p == MAP_FAILED)
		return -1;
	for (i = 0; i < 3; i++)
		memset(areas[i].p, 'a' + i, i == 1 ? page : PAGES * page); /* onfault: 1 page */
	if (mlock(areas[0].p, PAGES * page) ||
	    syscall(SYS_mlock2, areas[1].p, PAGES * page, MLOCK_ONFAULT) ||
	    mlock(areas[2].p, PAGES * page))
		return -1;
	if (getenv("MLOCK_CASE") && !strcmp(getenv("MLOCK_CASE"), "uid") && drop_privileges())
		return -1;
	vmlck = status_kb("VmLck");
	return 0;
}

static void check(void)
{
	unsigned char vec[PAGES];
	char flags[512], codes[16], *code, *save;
	size_t i, j;

	for (i = 0; i < 3; i++) {
		struct area *a = &areas[i];
		size_t filled = i == 1 ? page : PAGES * page;

		for (j = 0; j < filled && a->p[j] == 'a' + i; j++)
			;
		if (j != filled)
			fail("the %s area lost its contents at byte %zu", a->name, j);
		if (test_vmflags(a->p, flags, sizeof(flags))) {
			fail("the %s area is gone", a->name);
			continue;
		}
		snprintf(codes, sizeof(codes), "%s", a->codes);
		for (code = strtok_r(codes, " ", &save); code; code = strtok_r(NULL, " ", &save))
			if (!test_vmflags_has(flags, code))
				fail("the %s area lacks '%s': VmFlags:%s", a->name, code, flags);
		if (i == 0 && !test_vmflags_has(flags, "lf") && !mincore(a->p, PAGES * page, vec))
			for (j = 0; j < PAGES; j++)
				if (!(vec[j] & 1))
					fail("page %zu of the mlock area is not resident", j);
	}
	if (status_kb("VmLck") != vmlck)
		fail("VmLck is %ld kB, was %ld kB", status_kb("VmLck"), vmlck);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
