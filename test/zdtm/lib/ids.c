// SPDX-License-Identifier: GPL-2.0
/* A task's pids as it sees them, and its NSpid line, for tests of pid namespaces. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

int test_read_nspid(char *out, size_t len)
{
	char buf[4096], *line, *nl;

	if (test_read_text("/proc/thread-self/status", buf, sizeof(buf)))
		return -1;
	line = strstr(buf, "\nNSpid:");
	if (!line)
		return -1;
	nl = strchr(line + 1, '\n');
	if (nl)
		*nl = 0;
	snprintf(out, len, "%s", line + 1);
	return 0;
}

int test_take_ids(struct test_ids *i)
{
	i->pid = getpid();
	i->ppid = getppid();
	return test_read_nspid(i->nspid, sizeof(i->nspid));
}

int test_same_ids(const struct test_ids *before)
{
	struct test_ids now;

	if (test_take_ids(&now))
		return 20;
	if (now.pid != before->pid)
		return 21;
	if (now.ppid != before->ppid)
		return 22;
	if (strcmp(now.nspid, before->nspid))
		return 23;
	return 0;
}

long test_thread_ids_kept(int ready_fd, int go_fd)
{
	struct test_ids before;
	char now[sizeof(before.nspid)], c = 'r';

	before.pid = gettid();
	if (test_read_nspid(before.nspid, sizeof(before.nspid)) || write(ready_fd, &c, 1) != 1 ||
	    read(go_fd, &c, 1) != 1)
		return 1;
	if (gettid() != before.pid)
		return 2;
	if (test_read_nspid(now, sizeof(now)) || strcmp(now, before.nspid))
		return 3;
	return 0;
}
