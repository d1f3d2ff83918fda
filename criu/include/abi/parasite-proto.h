/* SPDX-License-Identifier: GPL-2.0 */
/*
 * abi/parasite-proto.h - the commands criu sends to its parasite and the layout of the shared
 * args area for each. Plain data only: included by criu and by the parasite blob.
 */
#ifndef CRIU_PARASITE_PROTO_H
#define CRIU_PARASITE_PROTO_H

#include <stdint.h>

#include "parasite-task.h"
#include "parasite-files.h"

#define PARASITE_CMD_BASE 64 /* == COMPEL_CMD_USER */

enum parasite_cmd {
	/* Fill struct parasite_task_state: what only the task itself can tell. */
	PARASITE_CMD_DUMP_TASK_STATE = PARASITE_CMD_BASE,
	/* Receive PARASITE_NR_PIPES pipe write ends over the control socket. */
	PARASITE_CMD_PIPES_INIT,
	/* vmsplice the iovs of struct parasite_dump_pages into the pipes, in order. */
	PARASITE_CMD_DUMP_PAGES,
	/* Close the pipes: the task must leave with exactly the fds it had. */
	PARASITE_CMD_PIPES_FINI,
	/* Fill struct parasite_task_extra (include/abi/parasite-task.h): timers, rlimits, prctl
	   state. */
	PARASITE_CMD_DUMP_TASK_EXTRA,
	/* Fill struct parasite_fown_args (include/abi/parasite-files.h): the owners of the given
	   fds. */
	PARASITE_CMD_DUMP_FOWN,
	/* Fill struct parasite_vma_policies (include/abi/parasite-task.h). */
	PARASITE_CMD_VMA_POLICIES,
};

#define PARASITE_NSIG 64

struct parasite_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct parasite_task_state {
	struct parasite_sigaction sigacts[PARASITE_NSIG]; /* index: signal - 1 */
	uint64_t sas_sp;
	uint64_t sas_size;
	uint32_t sas_flags;
	uint32_t umask;
	uint64_t clear_tid_addr;
	uint64_t robust_list;
	uint64_t robust_list_len;
	uint64_t brk;
	int32_t personality;
	int32_t pad;
};

/* Pipes filled per DUMP_PAGES round; each holds up to the pipe size (1 MiB unprivileged). */
#define PARASITE_NR_PIPES   8
#define PARASITE_PIPE_SIZE  (1u << 20)
#define PARASITE_MAX_IOVS   2048
#define PARASITE_MAX_UNPROT 64

struct parasite_iov {
	uint64_t base;
	uint64_t len;
};

/* An area that is not readable and must be opened up for vmsplice, then put back. */
struct parasite_unprot {
	uint64_t start;
	uint64_t len;
	uint32_t prot; /* the area's own protection, restored afterwards */
	uint32_t pad;
};

/* How the parasite sums each iov for checksums.img (XXH3-64 with sum_seed): not at all, or
 * with the SSE2 or the AVX2 build of the same hash (the results are the same). */
enum parasite_sum_mode {
	PARASITE_SUM_NONE,
	PARASITE_SUM_SSE2,
	PARASITE_SUM_AVX2,
};

struct parasite_dump_pages {
	uint32_t nr_iovs;
	uint32_t nr_unprot;
	uint32_t sum_mode; /* enum parasite_sum_mode */
	uint32_t pad;
	uint64_t sum_seed;
	/* iovs[i] goes to pipe pipe_of[i]; criu keeps each pipe's total within its size. */
	uint8_t pipe_of[PARASITE_MAX_IOVS];
	struct parasite_iov iovs[PARASITE_MAX_IOVS];
	struct parasite_unprot unprot[PARASITE_MAX_UNPROT];
	/* out: the sum of each iov's bytes, read where they lie in the task */
	uint64_t iov_sums[PARASITE_MAX_IOVS];
};

#define PARASITE_MAX2(a, b) ((a) > (b) ? (a) : (b))
#define PARASITE_ARGS_SIZE                                               \
	PARASITE_MAX2(PARASITE_MAX2(sizeof(struct parasite_dump_pages),  \
				    sizeof(struct parasite_task_state)), \
		      PARASITE_MAX2(sizeof(struct parasite_task_extra),  \
				    sizeof(struct parasite_vma_policies)))

#endif /* CRIU_PARASITE_PROTO_H */
