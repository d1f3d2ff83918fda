/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup-test.c - criu/cgroup/'s readers of text: /proc/PID/cgroup lines (v1, cgroup2, a
 * path with ':', malformed ones), CRIU's property lists (the built-in ones, --cgroup-props
 * replacing and merging, a broken text refused) and the mode names of --manage-cgroups.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "../../criu/cgroup/internal.h"
#include "cgroup-opts.h"
#include "log.h"
#include "unit-check.h"

static void test_proc(void)
{
	struct cg_members ms;

	CHECK(!cg_parse_proc_buf("4:memory:/a/b\n2:cpu,cpuacct:/\n1:name=systemd:/x:y\n0::/u\n",
				 &ms),
	      "four lines parse");
	CHECK(ms.nr == 4, "four members: %zu", ms.nr);
	if (ms.nr == 4) {
		CHECK(!strcmp(ms.m[0].ctls, "memory") && !strcmp(ms.m[0].path, "/a/b"), "memory");
		CHECK(!strcmp(ms.m[1].ctls, "cpu,cpuacct") && !strcmp(ms.m[1].path, "/"),
		      "co-mounted controllers");
		CHECK(!strcmp(ms.m[2].ctls, "name=systemd") && !strcmp(ms.m[2].path, "/x:y"),
		      "a path with a colon");
		CHECK(!strcmp(ms.m[3].ctls, "") && !strcmp(ms.m[3].path, "/u"), "cgroup2");
	}
	cg_members_free(&ms);
	CHECK(!cg_parse_proc_buf("0::/", &ms) && ms.nr == 1, "no final newline");
	cg_members_free(&ms);
	CHECK(cg_parse_proc_buf("4:memory\n", &ms) == -EINVAL, "one colon refused");
	CHECK(cg_parse_proc_buf("4:memory:relative\n", &ms) == -EINVAL, "relative path refused");
	CHECK(cg_parse_proc_buf("4:memory:\n", &ms) == -EINVAL, "empty path refused");
	CHECK(!cg_parse_proc_buf("", &ms) && ms.nr == 0, "nothing is no member");
}

static bool has(const struct cg_prop_list *l, const char *name)
{
	size_t i;

	for (i = 0; l && i < l->nr; i++)
		if (!strcmp(l->props[i], name))
			return true;
	return false;
}

static void test_props(void)
{
	const char *merge = "\"memory\":\n - \"strategy\": \"merge\"\n"
			    " - \"properties\": [\"memory.high\", \"memory.low\"]\n";
	const char *replace =
		"\"pids\":\n - \"strategy\": \"replace\"\n - \"properties\": []\n"
		"\"new\":\n - \"strategy\": \"merge\"\n - \"properties\": [\"n.x\"]\n";
	struct cg_props p;

	CHECK(!cg_props_init(&p, NULL, NULL), "the built-in lists read");
	CHECK(has(cg_props_of(&p, "pids"), "pids.max"), "pids.max is saved");
	CHECK(has(cg_props_of(&p, "memory"), "memory.limit_in_bytes"), "memory's limit");
	CHECK(has(cg_props_of(&p, ""), "memory.max"), "cgroup2's list is 'unified'");
	CHECK(!cg_props_of(&p, "devices"), "no list for devices (devices.list)");
	cg_props_free(&p);
	CHECK(!cg_props_init(&p, merge, NULL), "merge reads");
	CHECK(has(cg_props_of(&p, "memory"), "memory.high") &&
		      has(cg_props_of(&p, "memory"), "memory.limit_in_bytes"),
	      "merge adds to the list");
	cg_props_free(&p);
	CHECK(!cg_props_init(&p, replace, NULL), "replace reads");
	CHECK(cg_props_of(&p, "pids") && !cg_props_of(&p, "pids")->nr, "replace empties pids");
	CHECK(has(cg_props_of(&p, "new"), "n.x"), "a controller of its own");
	cg_props_free(&p);
	CHECK(cg_props_init(&p, "\"cpu\":\n - \"strategy\": \"swap\"\n", NULL) == -EINVAL,
	      "an unknown strategy refused");
	CHECK(cg_props_init(&p, " - \"properties\": [\"a\"]\n", NULL) == -EINVAL,
	      "properties without a controller refused");
	CHECK(cg_props_init(&p, NULL, "/nonexistent/props") == -EINVAL, "a missing file refused");
}

static void test_modes(void)
{
	static const char *const names[] = { "ignore", "none", "props", "soft", "full", "strict" };
	enum cg_mode m;
	unsigned int i;

	for (i = 0; i < 6; i++)
		CHECK(!cg_mode_parse(names[i], &m) && (unsigned int)m == i &&
			      !strcmp(cg_mode_name(m), names[i]),
		      "mode %s", names[i]);
	CHECK(cg_mode_parse("default", &m) == -1, "no mode 'default' on the command line");
}

int main(void)
{
	log_init(AT_FDCWD, "/dev/null", 0);
	test_proc();
	test_props();
	test_modes();
	UNIT_REPORT();
}
