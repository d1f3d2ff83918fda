/* SPDX-License-Identifier: GPL-2.0 */
/*
 * abi/restorer.h - the arguments criu hands to the restorer blob (criu/pie/restorer.c).
 *
 * criu fills one struct rst_args (and the arrays it points to) inside the bootstrap area,
 * next to the blob and its stack, then jumps to the blob's entry with %rdi = the args. All
 * pointers are addresses in the restored task itself (the blob runs in the same process).
 * Plain data only: this header is shared by criu and the freestanding blob.
 *
 * Invariants: vmas[] is sorted by start and the ranges do not overlap; keep[] is sorted and
 * holds every range the restorer must not unmap (bootstrap area, premapped copies, this
 * kernel's vdso/vvar); premapped copies never overlap any target range.
 */
#ifndef CRIU_RESTORER_H
#define CRIU_RESTORER_H

#include <stdint.h>

#include "restorer-task.h"
#include "restorer-threads.h"

/* What the restorer does with a target VMA. */
enum rst_vma_kind {
	RST_VMA_PREMAPPED = 1, /* filled by criu at `premap`; mremap it to start */
	RST_VMA_FILE_SHARED,   /* mmap(MAP_SHARED | MAP_FIXED) of fd at pgoff */
	RST_VMA_VDSO,	       /* [vdso]: this kernel's vdso goes here */
	RST_VMA_VVAR,	       /* [vvar], [vvar_vclock]: this kernel's vvar pages go here */
};

/* rst_vma.madv bit 63 (no advice has that number): a MAP_LOCKED area locked on fault */
#define RST_MADV_LOCK_ONFAULT (1ULL << 63)
/* bit 62: seal it (mseal) once it is final */
#define RST_MADV_SEALED (1ULL << 62)
/* bit 61: --lazy-pages, left empty by criu: registered with userfaultfd (restorer-lazy.c) */
#define RST_MADV_LAZY (1ULL << 61)
#define RST_MADV_OURS (RST_MADV_LOCK_ONFAULT | RST_MADV_SEALED | RST_MADV_LAZY)

struct rst_vma {
	uint64_t start;
	uint64_t end;
	uint64_t pgoff;	 /* bytes, for file mappings */
	uint64_t premap; /* RST_VMA_PREMAPPED: where criu filled it */
	uint64_t madv;	 /* bitmask of MADV_* numbers to apply */
	uint32_t prot;	 /* final protection */
	uint32_t flags;	 /* MAP_* as dumped; MAP_LOCKED: mlock it */
	uint32_t kind;	 /* enum rst_vma_kind */
	int32_t fd;	 /* RST_VMA_FILE_SHARED: fd to map, closed by the restorer */
};

/* A mapping of this kernel's vdso family, as found in criu before the jump. */
struct rst_vdso_part {
	uint64_t cur_start; /* where it is now */
	uint64_t size;
	uint64_t tmp_start; /* parking slot inside the bootstrap area */
	uint64_t dst_start; /* where the dumped task had the same part */
};

#define RST_VDSO_MAX_PARTS 4
#define RST_AUXV_WORDS	   (2 * 64) /* u64 words of auxv the restorer can set */

struct rst_range {
	uint64_t start;
	uint64_t end;
};

/* Field order and types follow the kernel's struct prctl_mm_map (linux/prctl.h). */
struct rst_mm_map {
	uint64_t start_code;
	uint64_t end_code;
	uint64_t start_data;
	uint64_t end_data;
	uint64_t start_brk;
	uint64_t brk;
	uint64_t start_stack;
	uint64_t arg_start;
	uint64_t arg_end;
	uint64_t env_start;
	uint64_t env_end;
	uint64_t auxv;	    /* pointer to u64 pairs */
	uint32_t auxv_size; /* bytes */
	uint32_t exe_fd;
};

/* The kernel's struct sigaction for rt_sigaction on x86_64. */
struct rst_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

#define RST_NSIG 64

struct rst_args {
	/* logging: the restorer writes "pie: " lines here, then closes it */
	int32_t log_fd;
	int32_t log_level;

	int32_t pid;
	int32_t fault; /* CRIU_FAULT=restorer: fail once memory is in place */

	/* memory */
	uint32_t nr_vmas;
	uint64_t vmas; /* struct rst_vma[nr_vmas] */
	uint32_t nr_keep;
	uint64_t keep; /* struct rst_range[nr_keep] */
	uint32_t nr_vdso;
	struct rst_vdso_part vdso[RST_VDSO_MAX_PARTS];
	uint64_t unmap_limit; /* end of the user address space to clean */

	struct rst_mm_map mm;
	uint64_t auxv[RST_AUXV_WORDS];

	/* signals: sa[i] is signal i + 1; has_sa[i] says whether to set it */
	struct rst_sigaction sa[RST_NSIG];
	uint8_t has_sa[RST_NSIG];
	uint64_t ss_sp;
	uint64_t ss_size;
	int32_t ss_flags;
	int32_t has_sas;

	/* thread state */
	uint64_t fs_base;
	uint64_t gs_base;
	uint64_t clear_tid_addr;
	uint64_t robust_list;
	uint64_t robust_list_len;
	uint32_t personality;
	int32_t has_personality;
	char comm[16];

	/* the signal frame rt_sigreturn consumes: %rsp = sigframe + 8 at the syscall */
	uint64_t sigframe;
	uint64_t resume_ip; /* where the program goes on: rst_resumes_into_syscall() */

	/* signals, timers, creds, seccomp, ...: applied last (restorer-task.c) */
	struct rst_task_state task;

	/* the other threads and the leader's rseq (restorer-threads.c) */
	struct rst_threads threads;

	/* --lazy-pages: connected to criu lazy-pages, or -1; the task's pid in the images */
	int32_t lazy_sk;
	int32_t lazy_id;
};

/* criu/pie/restorer-threads.c, run by the leader once memory is in place */
int rst_threads_start(struct rst_args *a);
int rst_threads_wait_ready(struct rst_args *a);
/* criu/pie/restorer-lazy.c: the RST_MADV_LAZY areas to criu lazy-pages, once final */
int rst_lazy_register(const struct rst_args *a);

/*
 * 1 when ip, in a readable mapping of vmas[nr_vmas] (struct rst_vma), holds a syscall
 * instruction: the rt_sigreturn that resumes the program passes this in %rdi for criu.
 */
uint64_t rst_resumes_into_syscall(uint64_t vmas, uint32_t nr_vmas, uint64_t ip);

#endif /* CRIU_RESTORER_H */
