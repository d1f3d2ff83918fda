/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup00: a task in nested cgroups with limits keeps them. For each cgroup v1 hierarchy
 * of memory, pids and cpu that is mounted, the test makes BASE/zdtm.cgroup00.PID and INNER
 * below it, under the cgroup it was started in, sets limits on both (memory limit, pids.max,
 * cpu.shares: values no new cgroup has), moves itself into INNER and a child into BASE.
 * After the restore both must be in the same cgroups (by path) with the same limits.
 * CG_MOVED=/PATH with CG_MOVED_CTLS=pids,cpu (--cgroup-root CTL:/PATH): in those hierarchies
 * BASE is PATH after the restore, INNER PATH/inner; the others stay.
 * The cgroups are removed at exit (and by the runner, if the test is killed: leftovers).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

struct knob {
	const char *ctl, *file;
	const char *inner, *base; /* values set */
	char mnt[512];		  /* the hierarchy's mount point, "" if not mounted */
	char start[512];	  /* where the test started in it */
	char base_path[1100], inner_path[1200];
	char moved_base[1100], moved_inner[1200]; /* CG_MOVED: where they go */
};

static struct knob knobs[] = {
	{ .ctl = "memory",
	  .file = "memory.limit_in_bytes",
	  .inner = "50331648",
	  .base = "100663296" },
	{ .ctl = "pids", .file = "pids.max", .inner = "77", .base = "99" },
	{ .ctl = "cpu", .file = "cpu.shares", .inner = "333", .base = "777" },
};
#define NR_KNOBS (sizeof(knobs) / sizeof(knobs[0]))

static pid_t kid;
static int go[2], ready[2];

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f || !fgets(buf, len, f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Where pid is in the hierarchy of ctl, or -1 */
static int cgroup_of(pid_t pid, const char *ctl, char *out, size_t len)
{
	char path[64];

	/* in the pidns flavour /proc is the host's */
	snprintf(path, sizeof(path), "/proc/%d/cgroup", test_proc_pid(pid));
	return test_cgroup_of(path, ctl, out, len);
}

static void remove_cgroups(void)
{
	char path[1400];
	size_t i;

	if (kid > 0) {
		kill(kid, SIGKILL);
		waitpid(kid, NULL, 0);
	}
	for (i = 0; i < NR_KNOBS; i++) {
		struct knob *k = &knobs[i];

		if (!k->base_path[0])
			continue;
		/* back where it started, so that its cgroups are empty */
		snprintf(path, sizeof(path), "%s%s/cgroup.procs", k->mnt, k->start);
		test_write_text(path, "0");
		rmdir(k->inner_path);
		rmdir(k->base_path);
		if (k->moved_base[0]) {
			rmdir(k->moved_inner);
			rmdir(k->moved_base);
		}
	}
}

/* CG_MOVED: this hierarchy's cgroups go to CG_MOVED (noted as leftovers to remove) */
static void note_moved(struct knob *k)
{
	const char *to = getenv("CG_MOVED"), *ctls = getenv("CG_MOVED_CTLS");
	char list[256], *l = list, *tok;

	if (!to || !ctls)
		return;
	snprintf(list, sizeof(list), "%s", ctls);
	while ((tok = strsep(&l, ",")))
		if (!strcmp(tok, k->ctl)) {
			snprintf(k->moved_base, sizeof(k->moved_base), "%s%s", k->mnt, to);
			snprintf(k->moved_inner, sizeof(k->moved_inner), "%s/inner", k->moved_base);
			test_note_leftover("rmdir %s", k->moved_base);
			test_note_leftover("rmdir %s", k->moved_inner);
		}
}

static int make_cgroups(struct knob *k)
{
	char path[1400];

	if (cgroup_of(getpid(), k->ctl, k->start, sizeof(k->start)))
		return -1;
	snprintf(k->base_path, sizeof(k->base_path), "%s%s/zdtm.cgroup00.%d", k->mnt,
		 strcmp(k->start, "/") ? k->start : "", getpid());
	snprintf(k->inner_path, sizeof(k->inner_path), "%s/inner", k->base_path);
	test_note_leftover("rmdir %s", k->base_path);
	test_note_leftover("rmdir %s", k->inner_path);
	note_moved(k);
	if (mkdir(k->base_path, 0755) || mkdir(k->inner_path, 0755)) {
		fail_perror("mkdir %s", k->inner_path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", k->base_path, k->file);
	if (test_write_text(path, k->base)) {
		fail_perror("write %s", path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", k->inner_path, k->file);
	if (test_write_text(path, k->inner)) {
		fail_perror("write %s", path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", k->inner_path);
	if (test_write_text(path, "0")) {
		fail_perror("move into %s", k->inner_path);
		return -1;
	}
	return 0;
}

/* The child: into BASE of every hierarchy, then wait for the check */
static int start_kid(int nr)
{
	char path[1400], c;
	int i;

	kid = fork();
	if (kid < 0)
		return -1;
	if (kid) {
		/* it is in its cgroups before anything is checked */
		if (read(ready[0], &c, 1) != 1) {
			fail("the child could not move into its cgroups");
			return -1;
		}
		return 0;
	}
	for (i = 0; i < nr; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", knobs[i].base_path);
		if (knobs[i].mnt[0] && test_write_text(path, "0"))
			_exit(3);
	}
	if (write(ready[1], "r", 1) != 1)
		_exit(4);
	_exit(read(go[0], &c, 1) == 1 ? 0 : 2);
}

static int setup(void)
{
	size_t i;
	int used = 0;

	for (i = 0; i < NR_KNOBS; i++)
		test_cgroup_mount("cgroup", knobs[i].ctl, knobs[i].mnt, sizeof(knobs[i].mnt));
	atexit(remove_cgroups);
	for (i = 0; i < NR_KNOBS; i++) {
		if (!knobs[i].mnt[0])
			continue;
		if (make_cgroups(&knobs[i]))
			return -1;
		used++;
	}
	if (!used)
		test_skip("no cgroup v1 hierarchy of memory, pids or cpu is mounted");
	if (pipe(go) || pipe(ready))
		return -1;
	return start_kid(NR_KNOBS);
}

/* pid is in want (a path in the hierarchy) with the limit val there */
static void check_one(const struct knob *k, pid_t pid, const char *want, const char *val,
		      const char *who)
{
	char now[1024], path[2048], got[128];

	if (cgroup_of(pid, k->ctl, now, sizeof(now))) {
		fail("%s: no %s line in /proc/%d/cgroup", who, k->ctl, pid);
		return;
	}
	if (strcmp(now, want)) {
		fail("%s is in %s:%s, was in %s", who, k->ctl, now, want);
		return;
	}
	snprintf(path, sizeof(path), "%s%s/%s", k->mnt, now, k->file);
	if (read_line(path, got, sizeof(got)) || strcmp(got, val))
		fail("%s: %s is '%s', was set to %s", who, path, got, val);
}

static void check(void)
{
	static int after_restore;
	size_t i;
	int status;

	for (i = 0; i < NR_KNOBS; i++) {
		const struct knob *k = &knobs[i];
		bool moved = after_restore && k->moved_base[0];

		if (!k->mnt[0])
			continue;
		check_one(k, getpid(), (moved ? k->moved_inner : k->inner_path) + strlen(k->mnt),
			  k->inner, "the test");
		check_one(k, kid, (moved ? k->moved_base : k->base_path) + strlen(k->mnt), k->base,
			  "its child");
	}
	if (!after_restore++)
		return;
	if (write(go[1], "g", 1) != 1 || waitpid(kid, &status, 0) != kid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("the child did not come through the restore");
	kid = 0;
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
