/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task/audit-dump.c - the state a task can carry that criu does not save yet. Rather than
 * drop it, the dump refuses the task, naming it and the limitation. Runs once the parasite
 * has answered and before any page is read, so a refusal leaves the task as it was.
 * Documentation/dump-audit.md lists every field of /proc/PID/status, stat and smaps and
 * says where each is saved, or which check here refuses it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "compel/infect.h"
#include "array.h"
#include "dump.h"
#include "log.h"
#include "proc-parse.h"
#include "task-audit.h"
#include "task-state.h"
#include "abi/parasite-proto.h"

#define PF_MEMALLOC_NOIO  0x00080000 /* PR_SET_IO_FLUSHER sets both */
#define PF_LOCAL_THROTTLE 0x00100000
#define THP_DISABLE_ALL	  1 /* PR_GET_THP_DISABLE without PR_THP_DISABLE_EXCEPT_ADVISED */
#define PR_GET_MDWE	  66

static int refuse(pid_t pid, const char *what, const char *value)
{
	pr_err("Task %d: %s (%s) is not supported yet; the dump would lose it\n", pid, what, value);
	return -EOPNOTSUPP;
}

/* The value of "key:" in /proc/PID/status text, spaces trimmed, or NULL. */
static const char *status_value(char *buf, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	char *line, *end;

	for (line = buf; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		line += klen + 1;
		line += strspn(line, " \t");
		snprintf(out, size, "%.*s", (int)(end ? end - line : (long)strlen(line)), line);
		return out;
	}
	return NULL;
}

/*
 * Speculation controls a task set for itself read "thread ..." (store bypass) or
 * "conditional ..." (indirect branch); "thread vulnerable" and "conditional enabled" are
 * what a task has until it asks (PR_SET_SPECULATION_CTRL), the others are machine-wide.
 */
static int check_status_text(pid_t pid, char *buf)
{
	char v[256];

	if (status_value(buf, "Speculation_Store_Bypass", v, sizeof(v)) &&
	    !strncmp(v, "thread", 6) && strcmp(v, "thread vulnerable"))
		return refuse(pid,
			      "a speculative store bypass control set by "
			      "PR_SET_SPECULATION_CTRL",
			      v);
	if (status_value(buf, "SpeculationIndirectBranch", v, sizeof(v)) &&
	    !strncmp(v, "conditional", 11) && strcmp(v, "conditional enabled"))
		return refuse(pid,
			      "an indirect branch speculation control set by "
			      "PR_SET_SPECULATION_CTRL",
			      v);
	if (status_value(buf, "untag_mask", v, sizeof(v)) && strcmp(v, "0xffffffffffffffff"))
		return refuse(pid, "tagged addresses (ARCH_ENABLE_TAGGED_ADDR, untag_mask)", v);
	if (status_value(buf, "x86_Thread_features", v, sizeof(v)) && *v)
		return refuse(pid, "x86 thread features (shadow stack, ARCH_SHSTK_ENABLE)", v);
	return 0;
}

static int check_status(pid_t pid)
{
	char path[64], *buf;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -EIO;
	ret = check_status_text(pid, buf);
	free(buf);
	return ret;
}

/* What only the task could tell (the parasite read it) and its stat flags. */
static int check_task_attrs(const struct dump_ctx *dc)
{
	const struct parasite_task_extra *x = task_state_extra(dc);
	char v[32];

	if (dc->stat.flags & (PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE)) {
		snprintf(v, sizeof(v), "flags %#x", dc->stat.flags);
		return refuse(dc->pid, "PR_SET_IO_FLUSHER", v);
	}
	if (!x)
		return 0;
	snprintf(v, sizeof(v), "%d", x->mempolicy);
	if (x->mempolicy)
		return refuse(dc->pid, "a NUMA memory policy (set_mempolicy), mode", v);
	snprintf(v, sizeof(v), "%d", x->thp_disabled);
	if (x->thp_disabled & ~THP_DISABLE_ALL)
		return refuse(dc->pid, "PR_SET_THP_DISABLE with PR_THP_DISABLE_EXCEPT_ADVISED", v);
	return 0;
}

/* "ksm_merge_any: yes": PR_SET_MEMORY_MERGE, KSM for every mapping, present and future. */
static int check_ksm(pid_t pid)
{
	char path[64], v[32], *buf;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/ksm_stat", pid);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return 0; /* no KSM in this kernel */
	if (status_value(buf, "ksm_merge_any", v, sizeof(v)) && strcmp(v, "no"))
		ret = refuse(pid, "KSM merging of the whole process (PR_SET_MEMORY_MERGE)", v);
	free(buf);
	return ret;
}

/*
 * A NUMA policy of a mapping (mbind), asked of the task by the parasite for every mapping
 * at once: /proc/PID/numa_maps would say the same, but walks every page table of the frozen
 * tree to count pages per node (20 ms for 1 GiB). A mapping without a policy of its own
 * answers with the task's, which is refused before this.
 */
static const char *mpol_name(int mode)
{
	static const char *const names[] = { "default",
					     "prefer",
					     "bind",
					     "interleave",
					     "local",
					     "prefer (many)",
					     "weighted interleave" };
	int m = mode & 0xff; /* without MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES */

	return m < (int)(sizeof(names) / sizeof(names[0])) ? names[m] : "unknown";
}

static int check_vma_policies(struct dump_ctx *dc)
{
	struct parasite_vma_policies *p = compel_parasite_args(dc->ctl);
	size_t done, i;
	int ret;

	for (done = 0; done < dc->maps.nr; done += p->nr) {
		p->nr = dc->maps.nr - done < PARASITE_MAX_POLICY_VMAS ? dc->maps.nr - done
								      : PARASITE_MAX_POLICY_VMAS;
		for (i = 0; i < p->nr; i++)
			p->addr[i] = dc->maps.vmas[done + i].start;
		ret = compel_rpc_call_sync(dc->ctl, PARASITE_CMD_VMA_POLICIES);
		if (ret) {
			pr_err("Task %d: the parasite could not read the NUMA policies of its "
			       "mappings: %d\n",
			       dc->pid, ret);
			return ret;
		}
		for (i = 0; i < p->nr; i++) {
			if (!p->mode[i])
				continue;
			pr_err("Task %d: mapping at %#llx has the NUMA memory policy %s (mbind, "
			       "mode %#x): not supported yet; the dump would lose it\n",
			       dc->pid, (unsigned long long)p->addr[i], mpol_name(p->mode[i]),
			       p->mode[i]);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/*
 * Memory-deny-write-execute forbids the parasite's executable mapping, and nothing in /proc
 * shows it: ask the task with one remote syscall before compel maps anything. Kernels
 * without it answer -EINVAL.
 */
int task_audit_before_parasite(struct dump_ctx *dc)
{
	char v[32];
	long mdwe;
	int ret;

	ret = compel_syscall(dc->ctl, SYS_prctl, &mdwe, PR_GET_MDWE, 0, 0, 0, 0, 0);
	if (ret)
		return ret;
	snprintf(v, sizeof(v), "%#lx", mdwe);
	if (mdwe > 0)
		return refuse(dc->pid, "memory-deny-write-execute (PR_SET_MDWE)", v);
	return 0;
}

/*
 * Restore keeps its own fds above the highest fd of the tree: its images dir, log and pipes
 * to the tasks (FD_ROOM, with the few files a kind makes ahead of their fd), a transit fd
 * per file that several tasks share, and criu's copies of the files queued in flight on
 * sockets. A tree whose fds reach too near the hard RLIMIT_NOFILE (criu's: it forks the
 * tasks; or a task's own) leaves no room there, and its restore would fail.
 */
#define FD_ROOM 64

struct fd_user {
	uint32_t id;   /* file id */
	uint32_t task; /* index of the task whose table has it */
};

static int cmp_fd_user(const void *a, const void *b)
{
	const struct fd_user *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->task < y->task ? -1 : x->task > y->task;
}

/* Files (by id) that fd tables of two tasks or more hold: each needs a transit fd. */
static int count_shared_files(const struct dump_tree *dt, size_t *shared)
{
	struct fd_user *u = NULL;
	size_t i, j, nr = 0;

	for (i = 0; i < dt->nr_tasks; i++) {
		const struct fd_table *t = &dt->tasks[i]->fdt;

		if (ARRAY_RESERVE(u, nr, t->nr)) {
			free(u);
			return -ENOMEM;
		}
		for (j = 0; j < t->nr; j++)
			u[nr++] = (struct fd_user){ t->fds[j].id, (uint32_t)i };
	}
	qsort(u, nr, sizeof(*u), cmp_fd_user);
	*shared = 0;
	for (i = 0; i < nr; i = j) {
		bool several = false;

		for (j = i + 1; j < nr && u[j].id == u[i].id; j++)
			several |= u[j].task != u[i].task;
		*shared += several;
	}
	free(u);
	return 0;
}

/* The lowest hard RLIMIT_NOFILE of criu and of every task (as the parasite read it). */
static unsigned long long nofile_limit(const struct dump_tree *dt)
{
	unsigned long long limit = RLIM_INFINITY;
	struct rlimit own;
	size_t i;

	if (!getrlimit(RLIMIT_NOFILE, &own))
		limit = own.rlim_max;
	for (i = 0; i < dt->nr_tasks; i++) {
		const struct parasite_task_extra *x = task_state_extra(dt->tasks[i]);

		if (x && x->rlimits[RLIMIT_NOFILE].max < limit)
			limit = x->rlimits[RLIMIT_NOFILE].max;
	}
	return limit;
}

int tree_audit_fd_room(const struct dump_tree *dt)
{
	unsigned long long limit = nofile_limit(dt), need;
	size_t i, j, shared;
	int max_fd = -1, ret;

	for (i = 0; i < dt->nr_tasks; i++)
		for (j = 0; j < dt->tasks[i]->fdt.nr; j++)
			if ((int)dt->tasks[i]->fdt.fds[j].fd > max_fd)
				max_fd = dt->tasks[i]->fdt.fds[j].fd;
	if (max_fd < 0)
		return 0;
	ret = count_shared_files(dt, &shared);
	if (ret)
		return ret;
	need = (unsigned long long)max_fd + 1 + FD_ROOM + shared + dt->fstate.nr_inflight_fds;
	if (need <= limit)
		return 0;
	pr_err("fd %d of the tree leaves criu too few free fd numbers above it for the restore "
	       "(%zu shared files, %zu in flight, hard RLIMIT_NOFILE %llu): not supported yet\n",
	       max_fd, shared, dt->fstate.nr_inflight_fds, limit);
	return -EOPNOTSUPP;
}

int task_audit(struct dump_ctx *dc)
{
	return check_status(dc->pid) ?: check_task_attrs(dc) ?: check_ksm(dc->pid) ?:
	       check_vma_policies(dc);
}
