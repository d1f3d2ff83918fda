// SPDX-License-Identifier: GPL-2.0
/* Cgroup hierarchies as the test sees them: where they are mounted, where a task is. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

/* Does the comma-separated list hold word? ("" is in every list) */
static int in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	if (!n)
		return 1;
	for (p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

int test_cgroup_mount(const char *type, const char *ctl, char *out, size_t len)
{
	char line[2048], mnt[512], opts[1024], fs[64];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int ret = -1;

	while (f && ret && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(dash, " - %63s %*s %1023s", fs, opts) != 2 || strcmp(fs, type))
			continue;
		if (in_list(opts, ctl))
			ret = snprintf(out, len, "%s", mnt) < 0;
	}
	if (f)
		fclose(f);
	return ret;
}

int test_cgroup_of(const char *file, const char *ctl, char *out, size_t len)
{
	char line[1024];
	FILE *f = fopen(file, "r");
	int ret = -1;

	while (f && ret && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = 0;
		c2[1 + strcspn(c2 + 1, "\n")] = 0;
		/* "0::PATH" is cgroup2's line, "N:CTL,CTL:PATH" a v1 hierarchy's */
		if (ctl[0] ? in_list(c1 + 1, ctl) : c2 == c1 + 1)
			ret = snprintf(out, len, "%s", c2 + 1) < 0;
	}
	if (f)
		fclose(f);
	return ret;
}

int test_write_text(const char *path, const char *text)
{
	ssize_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	/* one write: a cgroup or /proc file takes its value whole */
	ret = write(fd, text, len) == len ? 0 : -1;
	close(fd);
	return ret;
}
