/* SPDX-License-Identifier: GPL-2.0 */
/*
 * image-test - unit test of the image codec (criu/image.c), no root needed.
 *
 * Writes a sample image set into a temporary directory, reads it back field by field, then
 * feeds the reader broken files (bad magics, truncated lengths and entries, oversized
 * lengths, garbage) and checks each is refused with an error naming the file.
 *
 *   image-test                     run the tests
 *   image-test --write-samples DIR only write the sample set into DIR (for crit decode)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "magic.h"
#include "vma-status.h"

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "fs.pb-c.h"
#include "inventory.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pipe-data.pb-c.h"
#include "pstree.pb-c.h"
#include "stats.pb-c.h"

#define SAMPLE_PID 4242
#define NR_VMAS	   3
#define NR_SIGS	   64
#define NR_RLIMITS 16
#define PAGE	   4096

static int passed, failed;
static int nr_errors; /* error lines logged since the last reset */
static char last_error[512];

/* Stub of criu/log.c: keep the last error so tests can check what it says. */
void log_vprint(int level, const char *file, int line, const char *fmt, va_list ap)
{
	char msg[sizeof(last_error) - 64];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (level == LOG_ERROR) {
		nr_errors++;
		snprintf(last_error, sizeof(last_error), "Error (%s:%d): %s", file, line, msg);
	}
	if (getenv("IMAGE_TEST_VERBOSE"))
		fprintf(stderr, "  log: %s", msg);
}

void log_print(int level, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(level, file, line, fmt, ap);
	va_end(ap);
}

static void check(bool ok, const char *what)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL: %s\n", what);
}

static void reset_errors(void)
{
	nr_errors = 0;
	last_error[0] = '\0';
}

/* ---- the sample set ---- */

static int write_one(int dfd, enum img_type type, unsigned long id, const ProtobufCMessage *m)
{
	struct cr_img *img = open_image_at(dfd, type, O_DUMP, id);
	int ret;

	if (!img)
		return -errno;
	ret = pb_write_one(img, m);
	if (close_image(img) && !ret)
		ret = -EIO;
	return ret;
}

static int write_inventory(int dfd)
{
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	TaskKobjIdsEntry ids = TASK_KOBJ_IDS_ENTRY__INIT;

	ids.vm_id = 1;
	ids.files_id = 2;
	ids.fs_id = 3;
	ids.sighand_id = 4;
	ids.has_pid_ns_id = ids.has_mnt_ns_id = true;
	ids.pid_ns_id = 5;
	ids.mnt_ns_id = 6;
	inv.img_version = CRTOOLS_IMAGES_V1_1;
	inv.has_fdinfo_per_id = inv.fdinfo_per_id = true;
	inv.has_ns_per_id = inv.ns_per_id = true;
	inv.has_lsmtype = true;
	inv.lsmtype = LSMTYPE__NO_LSM;
	inv.root_ids = &ids;
	return write_one(dfd, CR_FD_INVENTORY, 0, &inv.base);
}

static int write_pstree(int dfd)
{
	uint32_t threads[2] = { SAMPLE_PID, SAMPLE_PID + 1 }, child_thr = SAMPLE_PID + 2;
	PstreeEntry root = PSTREE_ENTRY__INIT, child = PSTREE_ENTRY__INIT;
	struct cr_img *img = open_image_at(dfd, CR_FD_PSTREE, O_DUMP, 0);
	int ret;

	if (!img)
		return -errno;
	root.pid = root.pgid = root.sid = SAMPLE_PID;
	root.n_threads = 2;
	root.threads = threads;
	child.pid = SAMPLE_PID + 2;
	child.ppid = SAMPLE_PID;
	child.pgid = child.sid = SAMPLE_PID;
	child.n_threads = 1;
	child.threads = &child_thr;
	ret = pb_write_one(img, &root.base) ?: pb_write_one(img, &child.base);
	return close_image(img) ?: ret;
}

static void fill_u32(uint32_t *a, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		a[i] = seed + i;
}

static void fill_u64(uint64_t *a, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		a[i] = seed + i * 0x100000001ull;
}

/* Registers and FPU state: the part of core-PID.img a restore depends on most. */
struct sample_regs {
	ThreadInfoX86 ti;
	UserX86RegsEntry gp;
	UserX86FpregsEntry fp;
	UserX86XsaveEntry xs;
	uint32_t st[32], xmm[64], pad[24], ymmh[64], pkru[2];
	uint64_t opmask[8], zmm_upper[64], hi16[128];
};

static void fill_regs(struct sample_regs *r)
{
	ThreadInfoX86 ti = THREAD_INFO_X86__INIT;
	UserX86RegsEntry gp = USER_X86_REGS_ENTRY__INIT;
	UserX86FpregsEntry fp = USER_X86_FPREGS_ENTRY__INIT;
	UserX86XsaveEntry xs = USER_X86_XSAVE_ENTRY__INIT;

	r->ti = ti, r->gp = gp, r->fp = fp, r->xs = xs;
	r->gp.ip = 0x401136;
	r->gp.sp = 0x7ffc12345678;
	r->gp.ax = (uint64_t)-4; /* -EINTR: a task stopped in a syscall */
	r->gp.orig_ax = 35;
	r->gp.flags = 0x246;
	r->gp.cs = 0x33;
	r->gp.ss = 0x2b;
	r->gp.fs_base = 0x7f0000001740;
	r->gp.has_mode = true;
	r->gp.mode = USER_X86_REGS_MODE__NATIVE;
	r->fp.cwd = 0x37f;
	r->fp.mxcsr = 0x1f80;
	r->fp.mxcsr_mask = 0xffff;
	fill_u32(r->st, 32, 0x1000);
	fill_u32(r->xmm, 64, 0x2000);
	r->fp.n_st_space = 32, r->fp.st_space = r->st;
	r->fp.n_xmm_space = 64, r->fp.xmm_space = r->xmm;
	r->fp.n_padding = 24, r->fp.padding = r->pad;
	r->xs.xstate_bv = 0xe7; /* x87, SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM */
	fill_u32(r->ymmh, 64, 0x3000);
	fill_u64(r->opmask, 8, 0x4000);
	fill_u64(r->zmm_upper, 64, 0x5000);
	fill_u64(r->hi16, 128, 0x6000);
	r->xs.n_ymmh_space = 64, r->xs.ymmh_space = r->ymmh;
	r->xs.n_opmask_reg = 8, r->xs.opmask_reg = r->opmask;
	r->xs.n_zmm_upper = 64, r->xs.zmm_upper = r->zmm_upper;
	r->xs.n_hi16_zmm = 128, r->xs.hi16_zmm = r->hi16;
	r->xs.n_pkru = 2, r->xs.pkru = r->pkru;
	r->fp.xsave = &r->xs;
	r->ti.clear_tid_addr = 0x7f0000001a10;
	r->ti.gpregs = &r->gp;
	r->ti.fpregs = &r->fp;
}

/* Process-wide state: timers, limits, signal actions. */
struct sample_task {
	TaskCoreEntry tc;
	TaskTimersEntry timers;
	ItimerEntry real, virt, prof;
	TaskRlimitsEntry rls;
	RlimitEntry rl[NR_RLIMITS], *rlp[NR_RLIMITS];
	SaEntry sa[NR_SIGS], *sap[NR_SIGS];
};

static void fill_task(struct sample_task *t)
{
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;
	TaskTimersEntry timers = TASK_TIMERS_ENTRY__INIT;
	ItimerEntry it = ITIMER_ENTRY__INIT;
	TaskRlimitsEntry rls = TASK_RLIMITS_ENTRY__INIT;

	t->tc = tc, t->timers = timers, t->rls = rls;
	t->real = t->virt = t->prof = it;
	t->real.isec = 1;
	t->real.vsec = 2;
	for (int i = 0; i < NR_RLIMITS; i++) {
		RlimitEntry rl = RLIMIT_ENTRY__INIT;

		t->rl[i] = rl;
		t->rl[i].cur = i == 7 ? 1024 : (uint64_t)-1;
		t->rl[i].max = (uint64_t)-1;
		t->rlp[i] = &t->rl[i];
	}
	for (int i = 0; i < NR_SIGS; i++) {
		SaEntry sa = SA_ENTRY__INIT;

		t->sa[i] = sa;
		t->sa[i].sigaction = i == 9 ? 0x401200 : 0;
		t->sa[i].flags = 0x04000000;
		t->sa[i].restorer = 0x7f0000042520;
		t->sa[i].mask = 1ull << i;
		t->sap[i] = &t->sa[i];
	}
	t->timers.real = &t->real;
	t->timers.virt = &t->virt;
	t->timers.prof = &t->prof;
	t->rls.n_rlimits = NR_RLIMITS, t->rls.rlimits = t->rlp;
	t->tc.task_state = 1;
	t->tc.comm = "sample";
	t->tc.blk_sigset = 0x10002;
	t->tc.timers = &t->timers;
	t->tc.rlimits = &t->rls;
	t->tc.n_sigactions = NR_SIGS, t->tc.sigactions = t->sap;
	t->tc.has_child_subreaper = true;
}

/* Per-thread state: creds, sigaltstack, rseq. */
struct sample_thread {
	ThreadCoreEntry th;
	CredsEntry creds;
	ThreadSasEntry sas;
	RseqEntry rseq;
	uint32_t caps[2], groups[2];
};

static void fill_thread(struct sample_thread *s)
{
	ThreadCoreEntry th = THREAD_CORE_ENTRY__INIT;
	CredsEntry creds = CREDS_ENTRY__INIT;
	ThreadSasEntry sas = THREAD_SAS_ENTRY__INIT;
	RseqEntry rseq = RSEQ_ENTRY__INIT;

	s->th = th, s->creds = creds, s->sas = sas, s->rseq = rseq;
	s->caps[0] = 0xffffffff;
	s->caps[1] = 0x1ff;
	s->groups[0] = 0;
	s->groups[1] = 27;
	s->creds.n_cap_inh = 0;
	s->creds.n_cap_prm = s->creds.n_cap_eff = s->creds.n_cap_bnd = 2;
	s->creds.cap_prm = s->creds.cap_eff = s->creds.cap_bnd = s->caps;
	s->creds.n_groups = 2, s->creds.groups = s->groups;
	s->sas.ss_flags = 2; /* SS_DISABLE */
	s->rseq.rseq_abi_pointer = 0x7f0000001fe0;
	s->rseq.rseq_abi_size = 32;
	s->rseq.signature = 0x53053053;
	s->th.futex_rla = 0x7f0000001a20;
	s->th.futex_rla_len = 24;
	s->th.has_sched_policy = true;
	s->th.creds = &s->creds;
	s->th.sas = &s->sas;
	s->th.rseq_entry = &s->rseq;
	s->th.comm = "sample";
}

static int write_core(int dfd)
{
	CoreEntry core = CORE_ENTRY__INIT;
	TaskKobjIdsEntry ids = TASK_KOBJ_IDS_ENTRY__INIT;
	struct sample_regs *r = calloc(1, sizeof(*r));
	struct sample_task *t = calloc(1, sizeof(*t));
	struct sample_thread *s = calloc(1, sizeof(*s));
	int ret = -ENOMEM;

	if (!r || !t || !s)
		goto out_free;
	fill_regs(r);
	fill_task(t);
	fill_thread(s);
	ids.vm_id = 1;
	ids.files_id = 2;
	ids.fs_id = 3;
	ids.sighand_id = 4;
	core.mtype = CORE_ENTRY__MARCH__X86_64;
	core.thread_info = &r->ti;
	core.tc = &t->tc;
	core.ids = &ids;
	core.thread_core = &s->th;
	ret = write_one(dfd, CR_FD_CORE, SAMPLE_PID, &core.base)
		      ?: write_one(dfd, CR_FD_IDS, SAMPLE_PID, &ids.base);
out_free:
	free(r);
	free(t);
	free(s);
	return ret;
}

static const uint64_t vma_bounds[NR_VMAS][2] = {
	{ 0x400000, 0x401000 },
	{ 0x7f0000000000, 0x7f0000003000 },
	{ 0x7ffc00000000, 0x7ffc00021000 },
};

static int write_mm(int dfd)
{
	MmEntry mm = MM_ENTRY__INIT;
	VmaEntry vma[NR_VMAS], *vmap[NR_VMAS];
	uint64_t auxv[6] = { 6, PAGE, 25, 0x7ffc00020000, 0, 0 };

	for (int i = 0; i < NR_VMAS; i++) {
		VmaEntry v = VMA_ENTRY__INIT;

		vma[i] = v;
		vma[i].start = vma_bounds[i][0];
		vma[i].end = vma_bounds[i][1];
		vma[i].shmid = i == 0 ? 1 : 0;
		vma[i].prot = i == 0 ? 5 : 3;	  /* r-x, rw- */
		vma[i].flags = i == 0 ? 2 : 0x22; /* MAP_PRIVATE, |MAP_ANONYMOUS */
		vma[i].status = VMA_AREA_REGULAR | (i == 0 ? VMA_FILE_PRIVATE : VMA_ANON_PRIVATE) |
				(i == 2 ? VMA_AREA_STACK : 0);
		vma[i].fd = -1;
		vma[i].has_madv = i == 2;
		vma[i].madv = 1ull << 14; /* MADV_HUGEPAGE */
		vmap[i] = &vma[i];
	}
	mm.mm_start_code = 0x400000;
	mm.mm_end_code = 0x401000;
	mm.mm_start_stack = 0x7ffc00020000;
	mm.mm_start_brk = mm.mm_brk = 0x405000;
	mm.exe_file_id = 1;
	mm.n_mm_saved_auxv = 6, mm.mm_saved_auxv = auxv;
	mm.n_vmas = NR_VMAS, mm.vmas = vmap;
	mm.has_dumpable = true;
	mm.dumpable = 1;
	return write_one(dfd, CR_FD_MM, SAMPLE_PID, &mm.base);
}

static int write_memory(int dfd)
{
	PagemapHead head = PAGEMAP_HEAD__INIT;
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	struct cr_img *pm, *pages;
	static char page[2 * PAGE];
	int ret;

	pm = open_image_at(dfd, CR_FD_PAGEMAP, O_DUMP, SAMPLE_PID);
	if (!pm)
		return -errno;
	pages = open_image_at(dfd, CR_FD_PAGES, O_DUMP, 1);
	if (!pages) {
		close_image(pm);
		return -errno;
	}
	memset(page, 0xab, sizeof(page));
	head.pages_id = 1;
	pe.vaddr = vma_bounds[1][0];
	pe.nr_pages = 2;
	pe.has_flags = true;
	pe.flags = 4; /* PE_PRESENT */
	ret = pb_write_one(pm, &head.base) ?: pb_write_one(pm, &pe.base) ?:
	      img_write_buf(pages, page, sizeof(page));
	pe.vaddr = vma_bounds[2][0];
	pe.nr_pages = 1;
	ret = ret ?: pb_write_one(pm, &pe.base) ?: img_write_buf(pages, page, PAGE);
	ret = close_image(pages) ?: ret;
	return close_image(pm) ?: ret;
}

static int write_files(int dfd)
{
	FdinfoEntry fdi = FDINFO_ENTRY__INIT;
	FileEntry fe = FILE_ENTRY__INIT, pfe = FILE_ENTRY__INIT;
	RegFileEntry reg = REG_FILE_ENTRY__INIT;
	PipeEntry pipe = PIPE_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	FsEntry fs = FS_ENTRY__INIT;
	struct cr_img *img;
	int ret = 0;

	reg.id = 1;
	reg.flags = 0x8000; /* O_LARGEFILE */
	reg.fown = &fown;
	reg.name = "/usr/bin/sample";
	reg.has_size = true;
	reg.size = 16384;
	fe.type = FD_TYPES__REG;
	fe.id = 1;
	fe.reg = &reg;
	pipe.id = 2;
	pipe.pipe_id = 77;
	pipe.fown = &fown;
	pfe.type = FD_TYPES__PIPE;
	pfe.id = 2;
	pfe.pipe = &pipe;
	img = open_image_at(dfd, CR_FD_FILES, O_DUMP, 0);
	if (!img)
		return -errno;
	ret = pb_write_one(img, &fe.base) ?: pb_write_one(img, &pfe.base);
	ret = close_image(img) ?: ret;

	img = open_image_at(dfd, CR_FD_FDINFO, O_DUMP, 2);
	if (!img)
		return -errno;
	for (uint32_t fd = 0; fd < 3 && !ret; fd++) {
		fdi.id = fd == 2 ? 2 : 1;
		fdi.type = fd == 2 ? FD_TYPES__PIPE : FD_TYPES__REG;
		fdi.fd = fd;
		ret = pb_write_one(img, &fdi.base);
	}
	ret = close_image(img) ?: ret;

	fs.cwd_id = 1;
	fs.root_id = 1;
	fs.has_umask = true;
	fs.umask = 022;
	return ret ?: write_one(dfd, CR_FD_FS, SAMPLE_PID, &fs.base);
}

static int write_stats(int dfd)
{
	StatsEntry st = STATS_ENTRY__INIT, rst = STATS_ENTRY__INIT;
	DumpStatsEntry d = DUMP_STATS_ENTRY__INIT;
	RestoreStatsEntry r = RESTORE_STATS_ENTRY__INIT;
	PipeDataEntry pd = PIPE_DATA_ENTRY__INIT;
	struct cr_img *img;
	int ret;

	d.freezing_time = 120;
	d.frozen_time = 5000;
	d.pages_scanned = 3;
	d.pages_written = 3;
	st.dump = &d;
	r.forking_time = 300;
	r.restore_time = 9000;
	rst.restore = &r;
	ret = write_one(dfd, CR_FD_STATS_DUMP, 0, &st.base)
		      ?: write_one(dfd, CR_FD_STATS_RESTORE, 0, &rst.base);
	if (ret)
		return ret;

	/* An entry followed by raw bytes, as pipe contents are stored. */
	img = open_image_at(dfd, CR_FD_PIPES_DATA, O_DUMP, 0);
	if (!img)
		return -errno;
	pd.pipe_id = 77;
	pd.bytes = 5;
	ret = pb_write_one(img, &pd.base) ?: img_write_buf(img, "hello", 5);
	return close_image(img) ?: ret;
}

static int write_sample_set(int dfd)
{
	/* inventory.img last, as a dump does. */
	return write_pstree(dfd) ?: write_core(dfd) ?: write_mm(dfd) ?: write_memory(dfd) ?:
	       write_files(dfd) ?: write_stats(dfd) ?: write_inventory(dfd);
}

/* ---- reading the sample set back ---- */

/* Read the only entry of an image, checking that a clean end of file follows it. */
static void *read_single(int dfd, enum img_type type, unsigned long id,
			 const ProtobufCMessageDescriptor *desc)
{
	struct cr_img *img = open_image_at(dfd, type, O_RSTR, id);
	ProtobufCMessage *m = NULL, *extra = NULL;

	if (!img)
		return NULL;
	if (pb_read_one(img, desc, &m) < 0)
		m = NULL;
	check(pb_read_one_eof(img, desc, &extra) == 0 && !extra, "clean EOF after the entry");
	close_image(img);
	return m;
}

static void test_core(int dfd)
{
	CoreEntry *c = read_single(dfd, CR_FD_CORE, SAMPLE_PID, &core_entry__descriptor);
	UserX86XsaveEntry *xs;
	ThreadInfoX86 *ti;

	check(c && c->thread_info && c->tc && c->thread_core, "core-PID.img reads back");
	if (!c || !c->thread_info || !c->tc || !c->thread_core)
		return;
	ti = c->thread_info;
	xs = ti->fpregs->xsave;
	check(c->mtype == CORE_ENTRY__MARCH__X86_64 && ti->gpregs->ip == 0x401136 &&
		      ti->gpregs->ax == (uint64_t)-4 && ti->gpregs->fs_base == 0x7f0000001740,
	      "general registers survive");
	check(ti->fpregs->n_st_space == 32 && ti->fpregs->n_xmm_space == 64 &&
		      ti->fpregs->xmm_space[63] == 0x2000 + 63 && ti->fpregs->mxcsr == 0x1f80,
	      "fxsave area survives");
	check(xs && xs->xstate_bv == 0xe7 && xs->n_ymmh_space == 64 && xs->n_opmask_reg == 8 &&
		      xs->n_zmm_upper == 64 && xs->n_hi16_zmm == 128 &&
		      xs->hi16_zmm[127] == 0x6000 + 127 * 0x100000001ull,
	      "xsave extensions survive");
	check(!strcmp(c->tc->comm, "sample") && c->tc->n_sigactions == NR_SIGS &&
		      c->tc->sigactions[9]->sigaction == 0x401200 &&
		      c->tc->rlimits->n_rlimits == NR_RLIMITS &&
		      c->tc->rlimits->rlimits[7]->cur == 1024 &&
		      c->tc->rlimits->rlimits[0]->cur == (uint64_t)-1 &&
		      c->tc->timers->real->vsec == 2,
	      "task state survives");
	check(c->thread_core->creds->n_cap_eff == 2 && c->thread_core->creds->cap_eff[1] == 0x1ff &&
		      c->thread_core->rseq_entry->signature == 0x53053053 &&
		      c->thread_core->futex_rla_len == 24,
	      "thread state survives");
	core_entry__free_unpacked(c, NULL);
}

static void test_mm(int dfd)
{
	MmEntry *mm = read_single(dfd, CR_FD_MM, SAMPLE_PID, &mm_entry__descriptor);
	bool ok;

	check(mm && mm->n_vmas == NR_VMAS && mm->n_mm_saved_auxv == 6, "mm-PID.img reads back");
	if (!mm || mm->n_vmas != NR_VMAS)
		goto out;
	ok = true;
	for (int i = 0; i < NR_VMAS; i++)
		ok &= mm->vmas[i]->start == vma_bounds[i][0] &&
		      mm->vmas[i]->end == vma_bounds[i][1] && mm->vmas[i]->fd == -1;
	check(ok && mm->vmas[2]->has_madv && !mm->vmas[1]->has_madv && mm->mm_brk == 0x405000,
	      "vmas survive");
out:
	if (mm)
		mm_entry__free_unpacked(mm, NULL);
}

static void test_pstree_and_memory(int dfd)
{
	struct cr_img *img = open_image_at(dfd, CR_FD_PSTREE, O_RSTR, 0);
	PstreeEntry *e[3] = { NULL };
	PagemapHead *h = NULL;
	struct stat st;
	int r[3] = { -1, -1, -1 };

	check(img != NULL, "pstree.img opens");
	for (int i = 0; img && i < 3; i++)
		r[i] = pb_read_one_eof(img, &pstree_entry__descriptor, (ProtobufCMessage **)&e[i]);
	check(r[0] == 1 && r[1] == 1 && r[2] == 0 && e[0]->n_threads == 2 &&
		      e[1]->ppid == SAMPLE_PID && e[1]->threads[0] == SAMPLE_PID + 2,
	      "pstree entries, then EOF");
	check(img && pb_read_one_eof(img, &pstree_entry__descriptor, (ProtobufCMessage **)&e[2]) ==
			      0,
	      "EOF stays EOF");
	for (int i = 0; i < 2; i++)
		if (e[i])
			pstree_entry__free_unpacked(e[i], NULL);
	close_image(img);

	img = open_image_at(dfd, CR_FD_PAGEMAP, O_RSTR, SAMPLE_PID);
	check(img && pb_read_one(img, &pagemap_head__descriptor, (ProtobufCMessage **)&h) == 0 &&
		      h->pages_id == 1,
	      "pagemap head");
	if (h)
		pagemap_head__free_unpacked(h, NULL);
	close_image(img);
	check(fstatat(dfd, "pages-1.img", &st, 0) == 0 && st.st_size == 3 * PAGE,
	      "pages-N.img is raw: no header, only pages");
}

static void test_pipes_data(int dfd)
{
	struct cr_img *img = open_image_at(dfd, CR_FD_PIPES_DATA, O_RSTR, 0);
	PipeDataEntry *pd = NULL;
	char buf[8] = "";
	int fd;

	check(img &&
		      pb_read_one(img, &pipe_data_entry__descriptor, (ProtobufCMessage **)&pd) ==
			      0 &&
		      pd->bytes == 5,
	      "pipes-data entry");
	fd = img ? img_raw_fd(img) : -1;
	check(fd >= 0 && read(fd, buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5),
	      "img_raw_fd() is positioned right after the entry");
	if (pd)
		pipe_data_entry__free_unpacked(pd, NULL);
	close_image(img);
}

static bool file_starts_with(int dfd, const char *name, uint32_t m0, uint32_t m1)
{
	uint32_t m[2] = { 0, 0 };
	int fd = openat(dfd, name, O_RDONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, m, sizeof(m)) == sizeof(m) && m[0] == m0 && m[1] == m1;
	close(fd);
	return ok;
}

static void test_on_disk(int dfd)
{
	static const char *const names[] = {
		"inventory.img",  "pstree.img",	      "core-4242.img", "ids-4242.img",
		"mm-4242.img",	  "pagemap-4242.img", "pages-1.img",   "files.img",
		"fdinfo-2.img",	  "fs-4242.img",      "stats-dump",    "stats-restore",
		"pipes-data.img",
	};
	uint32_t inv[2] = { 0, 0 };
	bool modes = true;
	struct stat st;
	int fd;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (fstatat(dfd, names[i], &st, 0) || (st.st_mode & 07777) != 0600) {
			printf("  %s: missing or not 0600\n", names[i]);
			modes = false;
		}
	}
	check(modes, "every image exists with mode 0600");
	check(file_starts_with(dfd, "core-4242.img", IMG_COMMON_MAGIC, CORE_MAGIC) &&
		      file_starts_with(dfd, "mm-4242.img", IMG_COMMON_MAGIC, MM_MAGIC) &&
		      file_starts_with(dfd, "pagemap-4242.img", IMG_COMMON_MAGIC, PAGEMAP_MAGIC),
	      "per-task images start with the common and their own magic");
	check(file_starts_with(dfd, "stats-dump", IMG_SERVICE_MAGIC, STATS_MAGIC),
	      "stats-dump starts with the service magic");
	fd = openat(dfd, "inventory.img", O_RDONLY);
	check(fd >= 0 && read(fd, inv, sizeof(inv)) == sizeof(inv) && inv[0] == INVENTORY_MAGIC &&
		      inv[1] < 1024,
	      "inventory.img has its own magic only, then an entry");
	if (fd >= 0)
		close(fd);
}

/* ---- broken files ---- */

static void put_file(int dfd, const char *name, const void *data, size_t len)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		printf("  cannot write %s: %m\n", name);
	if (fd >= 0)
		close(fd);
}

static bool error_says(const char *a, const char *b)
{
	bool ok = nr_errors > 0 && strstr(last_error, a) && (!b || strstr(last_error, b));

	if (!ok)
		printf("  last error: %s", last_error[0] ? last_error : "(none)\n");
	return ok;
}

static void test_bad_headers(int dfd)
{
	uint32_t bad_kind[2] = { IMG_COMMON_MAGIC, MM_MAGIC };
	uint32_t bad_set[2] = { IMG_SERVICE_MAGIC, CORE_MAGIC };
	uint32_t inv_common[3] = { IMG_COMMON_MAGIC, INVENTORY_MAGIC, 0 };
	struct cr_img *img;

	put_file(dfd, "core-7.img", bad_kind, sizeof(bad_kind));
	reset_errors();
	img = open_image_at(dfd, CR_FD_CORE, O_RSTR, 7);
	check(!img && errno == EINVAL &&
		      error_says("core-7.img: bad magic 0x57492820, "
				 "expected 0x55053847",
				 "image.c:"),
	      "a wrong kind magic is refused, naming the file");
	close_image(img);

	put_file(dfd, "core-8.img", bad_set, sizeof(bad_set));
	reset_errors();
	img = open_image_at(dfd, CR_FD_CORE, O_RSTR, 8);
	check(!img && error_says("core-8.img", "bad set magic"), "a wrong set magic is refused");
	close_image(img);

	put_file(dfd, "core-9.img", "#!", 2);
	reset_errors();
	img = open_image_at(dfd, CR_FD_CORE, O_RSTR, 9);
	check(!img && error_says("core-9.img", "too short"), "a file shorter than a header");
	close_image(img);

	put_file(dfd, "inventory.img", inv_common, sizeof(inv_common));
	reset_errors();
	img = open_image_at(dfd, CR_FD_INVENTORY, O_RSTR, 0);
	check(!img && error_says("inventory.img: bad magic", NULL),
	      "inventory.img with a set magic in front is refused");
	close_image(img);

	reset_errors();
	img = open_image_optional(dfd, CR_FD_CORE, 12345);
	check(!img && errno == ENOENT && nr_errors == 0, "a missing optional image is quiet");
	img = open_image_at(dfd, CR_FD_CORE, O_RSTR, 12345);
	check(!img && errno == ENOENT && error_says("core-12345.img", NULL),
	      "a missing image is an error naming it");
}

/* Write a core image header followed by `tail`, and try to read one entry from it. */
static int read_after_header(int dfd, unsigned long id, const void *tail, size_t len)
{
	char buf[64];
	uint32_t head[2] = { IMG_COMMON_MAGIC, PSTREE_MAGIC };
	ProtobufCMessage *m = NULL;
	struct cr_img *img;
	char name[32];
	int ret;

	memcpy(buf, head, sizeof(head));
	memcpy(buf + sizeof(head), tail, len);
	snprintf(name, sizeof(name), "pstree.img");
	put_file(dfd, name, buf, sizeof(head) + len);
	reset_errors();
	img = open_image_at(dfd, CR_FD_PSTREE, O_RSTR, id);
	if (!img)
		return -1000;
	ret = pb_read_one_eof(img, &pstree_entry__descriptor, &m);
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
	close_image(img);
	return ret;
}

static void test_bad_entries(int dfd)
{
	uint32_t huge = 0xfffffff0, long_len[2] = { 100, 0 }, zero = 0;
	unsigned char garbage[7] = { 3, 0, 0, 0, 0xff, 0xff, 0xff };
	ProtobufCMessage *m = NULL;
	struct cr_img *img;

	check(read_after_header(dfd, 0, "", 0) == 0, "no entries: clean EOF");
	check(read_after_header(dfd, 0, &huge, 2) == -EIO && error_says("pstree.img", "truncated"),
	      "a truncated length is an error");
	check(read_after_header(dfd, 0, long_len, 8) == -EIO &&
		      error_says("pstree.img: truncated entry", NULL),
	      "a truncated entry is an error");
	check(read_after_header(dfd, 0, &huge, 4) == -EINVAL && error_says("pstree.img", "limit"),
	      "an oversized length is refused before allocating");
	check(read_after_header(dfd, 0, garbage, sizeof(garbage)) == -EINVAL &&
		      error_says("pstree.img", "cannot decode"),
	      "garbage bytes are refused");
	check(read_after_header(dfd, 0, &zero, 4) == -EINVAL,
	      "an entry missing required fields is refused");

	read_after_header(dfd, 0, "", 0);
	img = open_image_at(dfd, CR_FD_PSTREE, O_RSTR, 0);
	reset_errors();
	check(img && pb_read_one(img, &pstree_entry__descriptor, &m) == -EIO && !m &&
		      error_says("pstree.img", "unexpected end"),
	      "pb_read_one() at EOF is an error");
	close_image(img);
}

/* Many small entries and one larger than the buffer, across buffer boundaries. */
static void test_big(int dfd)
{
	enum { N = 20000, NV = 5000 };
	PstreeEntry e = PSTREE_ENTRY__INIT, *r = NULL;
	MmEntry mm = MM_ENTRY__INIT, *rm = NULL;
	VmaEntry *vmas = calloc(NV, sizeof(*vmas)), **vp = calloc(NV, sizeof(*vp));
	struct cr_img *img = open_image_at(dfd, CR_FD_PSTREE, O_DUMP, 0);
	int n = 0, ret = 0;

	for (int i = 0; i < NV && vmas && vp; i++) {
		VmaEntry v = VMA_ENTRY__INIT;

		vmas[i] = v;
		vmas[i].start = (uint64_t)i << 20;
		vmas[i].end = vmas[i].start + PAGE;
		vp[i] = &vmas[i];
	}
	mm.n_vmas = NV, mm.vmas = vp;
	for (int i = 0; img && i < N && !ret; i++) {
		e.pid = i + 1;
		ret = pb_write_one(img, &e.base);
	}
	check(img && !ret && close_image(img) == 0, "20000 entries written");
	check(vp && write_one(dfd, CR_FD_MM, 1, &mm.base) == 0, "a 100+ KiB entry written");

	img = open_image_at(dfd, CR_FD_PSTREE, O_RSTR, 0);
	while (img &&
	       pb_read_one_eof(img, &pstree_entry__descriptor, (ProtobufCMessage **)&r) == 1) {
		n += r->pid == (uint32_t)n + 1;
		pstree_entry__free_unpacked(r, NULL);
	}
	close_image(img);
	check(n == N, "20000 entries read back in order");
	rm = read_single(dfd, CR_FD_MM, 1, &mm_entry__descriptor);
	check(rm && rm->n_vmas == NV && rm->vmas[NV - 1]->start == (uint64_t)(NV - 1) << 20,
	      "the large entry reads back");
	if (rm)
		mm_entry__free_unpacked(rm, NULL);
	free(vmas);
	free(vp);
}

static void test_modes_and_errors(int dfd)
{
	PstreeEntry e = PSTREE_ENTRY__INIT;
	struct cr_img *img;
	struct stat st;
	int fd, ret = 0;

	fd = openat(dfd, "fs-5.img", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		fchmod(fd, 0644);
		close(fd);
	}
	close_image(open_image_at(dfd, CR_FD_FS, O_DUMP, 5));
	check(fstatat(dfd, "fs-5.img", &st, 0) == 0 && (st.st_mode & 07777) == 0600,
	      "rewriting an existing 0644 image makes it 0600");

	/* A full disk must not pass silently: the error comes back from close. */
	if (symlinkat("/dev/full", dfd, "pstree.img") && errno == EEXIST) {
		unlinkat(dfd, "pstree.img", 0);
		symlinkat("/dev/full", dfd, "pstree.img");
	}
	reset_errors();
	img = open_image_at(dfd, CR_FD_PSTREE, O_DUMP, 0);
	for (int i = 0; img && i < 100 && !ret; i++)
		ret = pb_write_one(img, &e.base);
	check(img && close_image(img) == -ENOSPC && error_says("pstree.img", "cannot write"),
	      "a failed write is reported at close");
	unlinkat(dfd, "pstree.img", 0);
}

/* Read every entry of an image; returns the last pb_read_one_eof() result, -1000 if unopened. */
static int read_all(int dfd, enum img_type type, unsigned long id,
		    const ProtobufCMessageDescriptor *desc)
{
	struct cr_img *img = open_image_at(dfd, type, O_RSTR, id);
	ProtobufCMessage *m;
	int ret;

	if (!img)
		return -1000;
	while ((ret = pb_read_one_eof(img, desc, &m)) == 1)
		protobuf_c_message_free_unpacked(m, NULL);
	close_image(img);
	return ret;
}

/*
 * Every cut of a core image is refused cleanly, and random byte flips never crash the
 * reader (run under ASAN=1 to make that mean something).
 */
static void test_cuts_and_flips(int dfd)
{
	static char orig[8192];
	bool cuts_ok = true;
	ssize_t len;
	int fd;

	fd = openat(dfd, "core-4242.img", O_RDONLY);
	len = fd >= 0 ? read(fd, orig, sizeof(orig)) : -1;
	if (fd >= 0)
		close(fd);
	check(len > 100 && len < (ssize_t)sizeof(orig), "the sample core image is there");
	if (len <= 100 || len >= (ssize_t)sizeof(orig))
		return;

	for (ssize_t cut = 0; cut < len; cut++) {
		int ret, want;

		put_file(dfd, "core-1.img", orig, cut);
		ret = read_all(dfd, CR_FD_CORE, 1, &core_entry__descriptor);
		want = cut < 8 ? -1000 : cut == 8 ? 0 : -EIO;
		if (ret != want) {
			printf("  cut at %zd: got %d, want %d\n", cut, ret, want);
			cuts_ok = false;
		}
	}
	check(cuts_ok, "every truncation of core-PID.img is refused (or empty after the header)");

	srand(1);
	for (int i = 0; i < 2000; i++) {
		char buf[sizeof(orig)];

		memcpy(buf, orig, len);
		for (int n = 1 + rand() % 4; n; n--)
			buf[rand() % len] ^= 1 << (rand() % 8);
		put_file(dfd, "core-1.img", buf, len);
		read_all(dfd, CR_FD_CORE, 1, &core_entry__descriptor);
	}
	check(true, "2000 randomly damaged core images did not crash the reader");
}

static void test_names(void)
{
	char buf[64];

	check(img_name(CR_FD_CORE, 42, buf, sizeof(buf)) == 0 && !strcmp(buf, "core-42.img"),
	      "core-PID.img name");
	check(img_name(CR_FD_STATS_DUMP, 0, buf, sizeof(buf)) == 0 && !strcmp(buf, "stats-dump"),
	      "stats-dump name");
	check(img_name(CR_FD_PAGES, 3, buf, sizeof(buf)) == 0 && !strcmp(buf, "pages-3.img"),
	      "pages-ID.img name");
	check(img_name(CR_FD_CORE, 42, buf, 5) == -ENAMETOOLONG, "short name buffer");
	check(img_name(CR_FD_MAX, 0, buf, sizeof(buf)) == -EINVAL, "unknown image type");
}

static int write_samples_to(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int ret;

	if (dfd < 0) {
		fprintf(stderr, "image-test: cannot open %s: %m\n", dir);
		return 1;
	}
	ret = write_sample_set(dfd);
	close(dfd);
	if (ret)
		fprintf(stderr, "image-test: writing samples failed: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/image-test.XXXXXX";
	int dfd;

	if (argc == 3 && !strcmp(argv[1], "--write-samples"))
		return write_samples_to(argv[2]);
	if (!mkdtemp(dir) || (dfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0) {
		printf("cannot create a temporary directory: %m\n0 passed, 1 failed\n");
		return 1;
	}
	test_names();
	check(write_sample_set(dfd) == 0, "the sample image set is written");
	test_on_disk(dfd);
	test_core(dfd);
	test_mm(dfd);
	test_pstree_and_memory(dfd);
	test_pipes_data(dfd);
	test_bad_headers(dfd);
	test_bad_entries(dfd);
	test_big(dfd);
	test_cuts_and_flips(dfd);
	test_modes_and_errors(dfd);
	close(dfd);
	if (!failed) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			printf("  could not remove %s\n", dir);
	} else {
		printf("images left in %s\n", dir);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
