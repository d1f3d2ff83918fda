/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore/blob.c - the forked task's last steps in criu's code: load the restorer blob into
 * a bootstrap area no target mapping uses, lay out its args (VMA plan, vdso moves, mm map,
 * signal state, the signal frame) next to it, and jump onto its stack.
 *
 * Bootstrap area, from low to high: blob (text, data, bss) | args and their arrays | frame |
 * vdso parking slots | stack. criu unmaps the whole area once the program runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compel/blob.h"
#include "fault.h"
#include "lazy.h"
#include "log.h"
#include "internal.h"
#include "threads.h"
#include "restorer-blob.h"
#include "sigframe.h"
#include "task-state.h"
#include "vma-status.h"
#include "mem.h"
#include "files.h"
#include "ns.h"

#define RST_STACK_SIZE (64UL << 10)
#define RST_TASK_TOP   ((1UL << 47) - RST_PAGE_SIZE)
#define PAGE_ROUND(x)  (((x) + RST_PAGE_SIZE - 1) & ~(RST_PAGE_SIZE - 1))

struct bootstrap {
	uint8_t *base;
	size_t size;
	size_t blob_size;
	size_t args_size;
	size_t park_size;
	size_t thr_size; /* task/threads-restore.c: the other threads' args and stacks */
	struct rst_args *args;
	struct rst_vma *vmas;
	struct rst_range *keep;
	uint8_t *frame_buf;
	size_t frame_size;
};

static int vdso_layout_error(const char *why)
{
	pr_err("vdso layout changed; not supported yet (%s)\n", why);
	return -EOPNOTSUPP;
}

/*
 * Pair this kernel's vdso family with the dumped one, in address order. The vdso reaches
 * its vvar pages PC-relative, so kinds, sizes and distances must all match; parts the dump
 * lacks are dropped.
 */
static int plan_vdso(const struct rst_mem *mem, struct rst_args *a)
{
	struct rst_self_map *self;
	size_t nr_self, i, n = 0;
	unsigned int kinds[RST_VDSO_MAX_PARTS];
	uint64_t cur0 = 0, dst0 = 0;
	int ret = 0;

	ret = rst_read_self_maps(&self, &nr_self);
	if (ret)
		return ret;
	for (i = 0; i < mem->nr_vmas && !ret; i++) {
		const struct rst_vma *v = &mem->vmas[i];

		if (v->kind != RST_VMA_VDSO && v->kind != RST_VMA_VVAR)
			continue;
		if (n == RST_VDSO_MAX_PARTS) {
			ret = vdso_layout_error("too many parts in the dump");
			break;
		}
		a->vdso[n].dst_start = v->start;
		a->vdso[n].size = v->end - v->start;
		kinds[n] = v->kind == RST_VMA_VDSO ? VMA_AREA_VDSO : VMA_AREA_VVAR;
		n++;
	}
	a->nr_vdso = n;
	for (i = 0, n = 0; i < nr_self && !ret && a->nr_vdso; i++) {
		if (self[i].special != VMA_AREA_VDSO && self[i].special != VMA_AREA_VVAR)
			continue;
		/*
		 * A part the program had unmapped (its vdso, keeping vvar) has no pair: it is not
		 * kept, so the restorer unmaps it with the rest of criu.
		 */
		if (n == a->nr_vdso || self[i].special != kinds[n] ||
		    self[i].end - self[i].start != a->vdso[n].size)
			continue;
		if (!n) {
			cur0 = self[i].start;
			dst0 = a->vdso[0].dst_start;
		} else if (self[i].start - cur0 != a->vdso[n].dst_start - dst0) {
			ret = vdso_layout_error("distances differ");
			break;
		}
		a->vdso[n].cur_start = self[i].start;
		n++;
	}
	if (!ret && n != a->nr_vdso)
		ret = vdso_layout_error("kinds or sizes differ");
	free(self);
	return ret;
}

static int cmp_range(const void *a, const void *b)
{
	const struct rst_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Map the area and carve it up; all sizes are known before the first byte is written. */
static int bootstrap_alloc(const struct rst_mem *mem, const struct rst_args *plan,
			   struct bootstrap *bs)
{
	const struct compel_blob_desc *blob = &restorer_blob_desc;
	size_t nr_keep = mem->nr_vmas + RST_VDSO_MAX_PARTS + 1, off;
	uint32_t i;

	bs->blob_size = PAGE_ROUND(compel_blob_mem_size(blob));
	bs->frame_size = rst_sigframe_size();
	bs->args_size =
		PAGE_ROUND(sizeof(struct rst_args) + 16 + mem->nr_vmas * sizeof(struct rst_vma) +
			   16 + nr_keep * sizeof(struct rst_range) + 16 + bs->frame_size);
	bs->park_size = 0;
	for (i = 0; i < plan->nr_vdso; i++)
		bs->park_size += plan->vdso[i].size;
	bs->size = bs->blob_size + bs->args_size + bs->park_size + bs->thr_size + RST_STACK_SIZE;

	bs->base = mmap(NULL, bs->size, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bs->base == MAP_FAILED) {
		pr_perror("Can't map the restorer area (%zu bytes)", bs->size);
		return -errno;
	}
	off = bs->blob_size;
	bs->args = (struct rst_args *)(bs->base + off);
	off += (sizeof(struct rst_args) + 15) & ~15UL;
	bs->vmas = (struct rst_vma *)(bs->base + off);
	off += (mem->nr_vmas * sizeof(struct rst_vma) + 15) & ~15UL;
	bs->keep = (struct rst_range *)(bs->base + off);
	off += (nr_keep * sizeof(struct rst_range) + 15) & ~15UL;
	bs->frame_buf = bs->base + off;
	return 0;
}

/* Copy the blob, zero its bss, and relocate it for where it now lives. */
static void load_blob(struct bootstrap *bs)
{
	const struct compel_blob_desc *blob = &restorer_blob_desc;
	size_t i;

	memcpy(bs->base, blob->image, blob->image_size);
	memset(bs->base + blob->image_size, 0, blob->bss_size);
	for (i = 0; i < blob->nr_relocs; i++) {
		uint64_t *word = (uint64_t *)(bs->base + blob->relocs[i]);

		*word += (uint64_t)(uintptr_t)bs->base;
	}
}

/* Everything the restorer must not unmap: this area, the premapped copies, the vdso. */
static void fill_memory_plan(const struct rst_mem *mem, struct bootstrap *bs)
{
	struct rst_args *a = bs->args;
	uint64_t park = (uint64_t)(uintptr_t)bs->base + bs->blob_size + bs->args_size;
	size_t i, n = 0;

	memcpy(bs->vmas, mem->vmas, mem->nr_vmas * sizeof(*bs->vmas));
	a->vmas = (uint64_t)(uintptr_t)bs->vmas;
	a->nr_vmas = mem->nr_vmas;

	bs->keep[n].start = (uint64_t)(uintptr_t)bs->base;
	bs->keep[n++].end = (uint64_t)(uintptr_t)bs->base + bs->size;
	for (i = 0; i < mem->nr_vmas; i++) {
		if (mem->vmas[i].kind != RST_VMA_PREMAPPED)
			continue;
		bs->keep[n].start = mem->vmas[i].premap;
		bs->keep[n++].end = mem->vmas[i].premap + mem->vmas[i].end - mem->vmas[i].start;
	}
	for (i = 0; i < a->nr_vdso; i++) {
		bs->keep[n].start = a->vdso[i].cur_start;
		bs->keep[n++].end = a->vdso[i].cur_start + a->vdso[i].size;
		a->vdso[i].tmp_start = park;
		park += a->vdso[i].size;
	}
	qsort(bs->keep, n, sizeof(*bs->keep), cmp_range);
	a->keep = (uint64_t)(uintptr_t)bs->keep;
	a->nr_keep = n;
	a->unmap_limit = RST_TASK_TOP;
}

static int fill_mm(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_args *a)
{
	const MmEntry *mm = t->mm;
	int fd;

	a->mm.start_code = mm->mm_start_code;
	a->mm.end_code = mm->mm_end_code;
	a->mm.start_data = mm->mm_start_data;
	a->mm.end_data = mm->mm_end_data;
	a->mm.start_brk = mm->mm_start_brk;
	a->mm.brk = mm->mm_brk;
	a->mm.start_stack = mm->mm_start_stack;
	a->mm.arg_start = mm->mm_arg_start;
	a->mm.arg_end = mm->mm_arg_end;
	a->mm.env_start = mm->mm_env_start;
	a->mm.env_end = mm->mm_env_end;
	/* our own image holds the whole vector; CRIU's mm_entry at most 44 words of it */
	if (t->extra && t->extra->n_auxv) {
		memcpy(a->auxv, t->extra->auxv, t->extra->n_auxv * sizeof(uint64_t));
		a->mm.auxv_size = t->extra->n_auxv * sizeof(uint64_t);
	} else {
		memcpy(a->auxv, mm->mm_saved_auxv, mm->n_mm_saved_auxv * sizeof(uint64_t));
		a->mm.auxv_size = mm->n_mm_saved_auxv * sizeof(uint64_t);
	}
	/* the restorer sets mm.auxv: the args' final address is only known there */
	fd = rst_open_reg(ctx, mm->exe_file_id, O_RDONLY, "exe");
	if (fd < 0)
		return fd;
	a->mm.exe_fd = fd;
	return 0;
}

static int fill_signals(const struct rst_task *t, struct rst_args *a)
{
	const TaskCoreEntry *tc = t->core->tc;
	const ThreadCoreEntry *th = t->core->thread_core;
	size_t n = 0;
	int sig;

	for (sig = 1; sig <= RST_NSIG && n < tc->n_sigactions; sig++) {
		const SaEntry *sa = tc->sigactions[n];

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		a->sa[sig - 1].handler = sa->sigaction;
		a->sa[sig - 1].flags = sa->flags;
		a->sa[sig - 1].restorer = sa->restorer;
		a->sa[sig - 1].mask = sa->mask;
		a->has_sa[sig - 1] = 1;
		n++;
	}
	if (n != tc->n_sigactions || (n && n != RST_NSIG - 2)) {
		pr_err("core-%d.img: %zu signal actions, expected %d\n", t->pid, tc->n_sigactions,
		       RST_NSIG - 2);
		return -EINVAL;
	}
	if (th && th->sas) {
		a->has_sas = 1;
		a->ss_sp = th->sas->ss_sp;
		a->ss_size = th->sas->ss_size;
		a->ss_flags = th->sas->ss_flags;
	}
	return 0;
}

static void fill_thread(const struct rst_task *t, struct rst_args *a)
{
	const ThreadInfoX86 *ti = t->core->thread_info;
	const ThreadCoreEntry *th = t->core->thread_core;

	/* in the task: its pid where its own calls are made (in a pid namespace, not t->pid) */
	a->pid = syscall(SYS_getpid);
	a->fs_base = ti->gpregs->fs_base;
	a->gs_base = ti->gpregs->gs_base;
	a->clear_tid_addr = ti->clear_tid_addr;
	/* the kernel wants the robust list head's size even for an empty list */
	a->robust_list_len = 3 * sizeof(uint64_t);
	if (th && th->futex_rla_len) {
		a->robust_list = th->futex_rla;
		a->robust_list_len = th->futex_rla_len;
	}
	a->personality = t->core->tc->personality;
	a->has_personality = 1;
	strncpy(a->comm, t->core->tc->comm, sizeof(a->comm) - 1);
}

/*
 * glibc registered an rseq area in criu's TLS; once the restorer removes that memory the
 * kernel would keep writing to the address, now the program's. Unregister it first.
 */
static int unregister_rseq(void)
{
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;
	unsigned int len = __rseq_size;

	if (!len)
		return 0;
	if (!syscall(SYS_rseq, area, len, RSEQ_FLAG_UNREGISTER, RSEQ_SIG))
		return 0;
	/* newer glibc registers a larger area than __rseq_size tells */
	if (errno == EINVAL && len < 32 &&
	    !syscall(SYS_rseq, area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG))
		return 0;
	pr_perror("Can't unregister criu's rseq area");
	return -errno;
}

static int fill_args(const struct rst_ctx *ctx, const struct rst_task *t, const struct rst_mem *mem,
		     const struct rst_args *plan, struct bootstrap *bs)
{
	struct rst_args *a = bs->args;
	uint64_t frame;
	int ret;

	memset(a, 0, sizeof(*a));
	a->log_fd = log_get_fd();
	a->lazy_sk = -1;
	a->lazy_id = rst_img_pid(ctx, t->pid); /* its pagemap-ID.img */
	a->log_level = ctx->ro->log_level;
	a->nr_vdso = plan->nr_vdso;
	memcpy(a->vdso, plan->vdso, sizeof(a->vdso));
	a->fault = fault_injected("restorer");
	fill_memory_plan(mem, bs);
	fill_thread(t, a);
	ret = fill_signals(t, a) ?: rst_fill_task_state(ctx, t, &a->task);
	rst_posix_locks_fill(&a->task);
	ret = ret
		      ?: rst_threads_fill(ctx, t,
					  bs->base + bs->blob_size + bs->args_size + bs->park_size,
					  a);
	if (ret)
		return ret;
	ret = rst_sigframe_build(bs->frame_buf, bs->frame_size, t->core, &frame);
	if (ret)
		return ret;
	a->sigframe = frame;
	a->resume_ip = rst_resume_ip(t->core);
	/* last: the exe fd must not be left open if anything before fails */
	return fill_mm(ctx, t, a);
}

static int send_report(int fd, pid_t pid, const struct bootstrap *bs, const struct rst_mem *mem)
{
	struct rst_report r = {
		.area_start = (uint64_t)(uintptr_t)bs->base,
		.area_size = bs->size,
		.pages_restored = mem->pages_restored,
		.pages_shared = mem->pages_shared,
		.pages_compared = mem->pages_compared,
		.pid = pid, /* criu's view: getpid() is the namespace's */
	};

	if (write(fd, &r, sizeof(r)) != sizeof(r)) {
		pr_perror("Can't report to criu");
		return -EIO;
	}
	close(fd);
	return 0;
}

int rst_jump_to_restorer(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem,
			 int report_fd)
{
	static struct rst_args plan;
	struct bootstrap bs = {};
	int ret;

	ret = rst_arch_probe_xstate();
	if (ret)
		return ret;
	ret = plan_vdso(mem, &plan);
	if (ret)
		return ret;
	bs.thr_size = rst_threads_area_size(t);
	ret = bootstrap_alloc(mem, &plan, &bs);
	if (ret)
		return ret;
	load_blob(&bs);
	ret = fill_args(ctx, t, mem, &plan, &bs);
	if (ret)
		return ret;
	ret = rst_lazy_task_connect(ctx, mem);
	if (ret < -1)
		return ret;
	bs.args->lazy_sk = ret;
	/* its state filled as criu (oom_score_adj...), before its root hides /proc */
	ret = rst_ns_enter_user(ctx, t);
	if (ret)
		return ret;
	/* after everything that opens a path as criu sees it */
	ret = rst_restore_root(ctx, t);
	if (ret)
		return ret;
	ret = unregister_rseq();
	if (ret)
		return ret;
	pr_info("jumping to the restorer at %p (area %#zx bytes)\n", bs.base, bs.size);
	close(ctx->dfd);
	ret = send_report(report_fd, t->pid, &bs, mem);
	if (ret)
		return ret;
	rst_arch_jump((uint64_t)(uintptr_t)bs.base + restorer_sym_restore_task,
		      (uint64_t)(uintptr_t)bs.args, (uint64_t)(uintptr_t)bs.base + bs.size);
}
