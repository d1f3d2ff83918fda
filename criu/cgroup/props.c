/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup/props.c - which property files of a cgroup are saved, per controller.
 *
 * The text is CRIU's (--cgroup-props, --cgroup-props-file), one block per controller:
 *   "memory":
 *    - "strategy": "merge"
 *    - "properties": ["memory.high", "memory.low"]
 * "replace" drops the list criu had for the controller, "merge" adds to it. criu starts
 * from CRIU's built-in lists for cgroup v1; cgroup2's files are listed under "unified"
 * (ours: CRIU has no list for it). devices.list is not in them: its lines can't be written
 * back as they read (devices.allow and devices.deny take them one by one).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "internal.h"
#include "log.h"
#include "proc-parse.h"

static const char builtin_props[] =
	"\"cpu\":\n - \"strategy\": \"replace\"\n - \"properties\": [\"cpu.shares\", "
	"\"cpu.cfs_period_us\", \"cpu.cfs_quota_us\", \"cpu.rt_period_us\", "
	"\"cpu.rt_runtime_us\"]\n"
	/* the memsw limit can't go below the memory limit: this order */
	"\"memory\":\n - \"strategy\": \"replace\"\n - \"properties\": "
	"[\"memory.limit_in_bytes\", \"memory.memsw.limit_in_bytes\", \"memory.swappiness\", "
	"\"memory.soft_limit_in_bytes\", \"memory.move_charge_at_immigrate\", "
	"\"memory.oom_control\", \"memory.use_hierarchy\", \"memory.kmem.limit_in_bytes\", "
	"\"memory.kmem.tcp.limit_in_bytes\"]\n"
	/* cpus and mems before anything else: a cpuset without them takes no task */
	"\"cpuset\":\n - \"strategy\": \"replace\"\n - \"properties\": [\"cpuset.cpus\", "
	"\"cpuset.mems\", \"cpuset.memory_migrate\", \"cpuset.cpu_exclusive\", "
	"\"cpuset.mem_exclusive\", \"cpuset.mem_hardwall\", \"cpuset.memory_spread_page\", "
	"\"cpuset.memory_spread_slab\", \"cpuset.sched_load_balance\", "
	"\"cpuset.sched_relax_domain_level\"]\n"
	"\"blkio\":\n - \"strategy\": \"replace\"\n - \"properties\": [\"blkio.weight\"]\n"
	"\"net_cls\":\n - \"strategy\": \"replace\"\n - \"properties\": [\"net_cls.classid\"]\n"
	"\"net_prio\":\n - \"strategy\": \"replace\"\n - \"properties\": "
	"[\"net_prio.ifpriomap\"]\n"
	"\"pids\":\n - \"strategy\": \"replace\"\n - \"properties\": [\"pids.max\"]\n"
	/* the type first (a threaded cgroup), then subtree_control: the children's files */
	"\"unified\":\n - \"strategy\": \"replace\"\n - \"properties\": "
	"[\"cgroup.type\", \"cgroup.subtree_control\", \"cgroup.max.depth\", "
	"\"cgroup.max.descendants\", "
	"\"cpuset.cpus\", \"cpuset.mems\", \"cpu.weight\", \"cpu.max\", \"memory.min\", "
	"\"memory.low\", \"memory.high\", \"memory.max\", \"memory.swap.max\", \"pids.max\", "
	"\"io.weight\"]\n";

static void clear_props(struct cg_prop_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->props[i]);
	free(l->props);
	l->props = NULL;
	l->nr = 0;
}

/* The next "quoted" word of *p into out (at most len), *p after it; 0 or -1. */
static int next_quoted(const char **p, char *out, size_t len)
{
	const char *s = strchr(*p, '"'), *e;

	if (!s)
		return -1;
	e = strchr(s + 1, '"');
	if (!e || e == s + 1 || (size_t)(e - s - 1) >= len)
		return -1;
	memcpy(out, s + 1, e - s - 1);
	out[e - s - 1] = 0;
	*p = e + 1;
	return 0;
}

static struct cg_prop_list *list_of(struct cg_props *p, const char *ctl)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (!strcmp(p->l[i].ctl, ctl))
			return &p->l[i];
	if (ARRAY_ADD_ROOM(p->l, p->nr))
		return NULL;
	memset(&p->l[p->nr], 0, sizeof(p->l[0]));
	p->l[p->nr].ctl = strdup(ctl);
	return p->l[p->nr].ctl ? &p->l[p->nr++] : NULL;
}

/* ["a", "b"] after "properties": into l */
static int add_props(struct cg_prop_list *l, const char *s)
{
	const char *end = strchr(s, ']');
	char name[256];

	if (!strchr(s, '[') || !end)
		return -EINVAL;
	while (next_quoted(&s, name, sizeof(name)) == 0 && s <= end) {
		if (ARRAY_ADD_ROOM(l->props, l->nr))
			return -ENOMEM;
		l->props[l->nr] = strdup(name);
		if (!l->props[l->nr])
			return -ENOMEM;
		l->nr++;
	}
	return 0;
}

static int parse_line(struct cg_props *p, struct cg_prop_list **cur, const char *line)
{
	char word[256];
	const char *s = line;

	if (next_quoted(&s, word, sizeof(word)))
		return -EINVAL;
	if (line[0] == '"') { /* a controller's name, at the start of its line */
		*cur = list_of(p, word);
		return *cur ? 0 : -ENOMEM;
	}
	if (!*cur)
		return -EINVAL;
	if (!strcmp(word, "strategy")) {
		if (next_quoted(&s, word, sizeof(word)))
			return -EINVAL;
		if (!strcmp(word, "replace"))
			clear_props(*cur);
		else if (strcmp(word, "merge"))
			return -EINVAL;
		return 0;
	}
	if (!strcmp(word, "properties"))
		return add_props(*cur, s);
	return -EINVAL;
}

static int parse_text(struct cg_props *p, const char *text, const char *what)
{
	struct cg_prop_list *cur = NULL;
	const char *t = text;
	char line[4096];
	int ret = 0;

	while (!ret && *t) {
		size_t n = strcspn(t, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, t);
		t += n + (t[n] == '\n');
		if (!line[strspn(line, " \t")])
			continue;
		ret = parse_line(p, &cur, line);
		if (ret == -EINVAL)
			pr_err("%s: can't read the line '%s' (CRIU's format: a line "
			       "\"CONTROLLER\": "
			       "then - \"strategy\": \"merge\" or \"replace\", and - "
			       "\"properties\": [\"NAME\", ...])\n",
			       what, line);
	}
	return ret;
}

int cg_props_init(struct cg_props *p, const char *text, const char *file)
{
	char *buf;
	size_t len;
	int ret;

	p->l = NULL;
	p->nr = 0;
	ret = parse_text(p, builtin_props, "criu's property lists");
	if (!ret && text)
		ret = parse_text(p, text, "--cgroup-props");
	if (!ret && file) {
		buf = read_proc_file(file, &len);
		if (!buf) {
			pr_err("Can't read --cgroup-props-file %s\n", file);
			ret = -EINVAL;
		} else {
			ret = parse_text(p, buf, file);
			free(buf);
		}
	}
	if (ret)
		cg_props_free(p);
	return ret;
}

const struct cg_prop_list *cg_props_of(const struct cg_props *p, const char *ctl)
{
	size_t i;

	if (!ctl[0])
		ctl = "unified";
	for (i = 0; i < p->nr; i++)
		if (!strcmp(p->l[i].ctl, ctl))
			return &p->l[i];
	return NULL;
}

void cg_props_free(struct cg_props *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		clear_props(&p->l[i]);
		free(p->l[i].ctl);
	}
	free(p->l);
	p->l = NULL;
	p->nr = 0;
}
