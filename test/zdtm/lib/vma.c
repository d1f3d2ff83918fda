// SPDX-License-Identifier: GPL-2.0
/* What /proc/self/smaps says of a mapping of the test: its VmFlags codes. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "zdtmtst.h"

int test_vmflags(const void *addr, char *buf, size_t size)
{
	unsigned long start, end, a = (unsigned long)addr;
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, ret = -1;

	while (f && ret && fgets(line, sizeof(line), f)) {
		/* a mapping's first line starts with its address, its fields with a capital */
		if (!isupper(line[0]) && sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in = a >= start && a < end;
		else if (in && !strncmp(line, "VmFlags:", 8))
			ret = snprintf(buf, size, "%s", line + 8) < 0;
	}
	if (f)
		fclose(f);
	return ret;
}

int test_vmflags_has(const char *flags, const char *code)
{
	size_t n = strlen(code);
	const char *p;

	for (p = flags; (p = strstr(p, code)); p += n)
		if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return 1;
	return 0;
}

int test_vma_has_flag(const void *addr, const char *code)
{
	char flags[256];

	if (test_vmflags(addr, flags, sizeof(flags)))
		return -1;
	return test_vmflags_has(flags, code);
}
