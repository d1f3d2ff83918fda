/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl-proto.h - what compel (in criu) and the parasite head (in the task) share: the header
 * at the start of the shared control area and the control-socket message.
 * Plain data only: included by host code and by blobs.
 *
 * Shared area layout (one shared memory object, mapped in both processes):
 *   [0, blob pages)                 the blob, relocated for its address in the task
 *   [hdr_off, +hdr pages)           struct compel_ctl_hdr, then the caller's args area
 *   [stack_off, +COMPEL_STACK_SIZE) the parasite stack
 *   [tail_off, +1 page)             only when the task lacks the instructions the cure
 *                                   needs (see cure.c): they are written here
 *
 * The parasite never traps back to criu. When it is done (COMPEL_CMD_FINI, then the end
 * of the control socket), when criu dies (the socket ends) or when criu says nothing for
 * timeout_ms, it closes what it opened and jumps to unmap_insn with %rax = munmap,
 * %rdi/%rsi = unmap_start/unmap_len and %rsp = cure_sp: the munmap returns through a
 * signal frame that compel wrote on the task's stack, and rt_sigreturn puts back the
 * task's registers, FPU state and signal mask. criu alive catches the munmap and puts the
 * task back itself; criu dead or stopped is not needed.
 */
#ifndef COMPEL_CTL_PROTO_H
#define COMPEL_CTL_PROTO_H

#ifndef __ASSEMBLY__
#include <stdint.h>
#endif

#define COMPEL_STACK_SIZE   (64u << 10)
#define COMPEL_CTL_MAGIC    0x6c74636cu /* "lctl" */
#define COMPEL_SUN_PATH_MAX 108

/* The same (token-identical) definitions as in infect.h, which blobs cannot include. */
#define COMPEL_CMD_FINI 1
#define COMPEL_CMD_USER 64
/* Internal commands, below COMPEL_CMD_USER. */
#define COMPEL_CMD_INIT	   2 /* criu -> parasite, carries the log fd; reply = ready */
#define COMPEL_CMD_FDS	   3 /* an SCM_RIGHTS batch; ret = number of fds in it */
#define COMPEL_FDS_PER_MSG 32

/* The parasite's progress, in compel_ctl_hdr.state (criu reads it after a failure). */
#define COMPEL_PARASITE_RUNNING 0
#define COMPEL_PARASITE_CURING	1 /* its fds are closed; it is unmapping itself */

/* Offsets of the fields the entry stub reads, checked against the struct in infect.c. */
#define COMPEL_HDR_UNMAP_INSN  8
#define COMPEL_HDR_UNMAP_START 16
#define COMPEL_HDR_UNMAP_LEN   24
#define COMPEL_HDR_CURE_SP     32

#ifndef __ASSEMBLY__
struct compel_ctl_msg {
	uint32_t cmd;
	int32_t ret;
};

struct compel_ctl_hdr {
	uint32_t magic;
	uint32_t log_level;
	uint64_t unmap_insn;  /* a "syscall; ... ret" outside the area */
	uint64_t unmap_start; /* what the final munmap removes */
	uint64_t unmap_len;
	uint64_t cure_sp;    /* [cure_sp] = a rt_sigreturn instruction, the task's frame above */
	uint32_t timeout_ms; /* 0: wait for criu forever */
	uint32_t state;	     /* COMPEL_PARASITE_* */
	uint32_t addr_len;   /* bytes of sun_addr used (abstract: leading 0) */
	uint32_t args_off;   /* args area, from the start of this header */
	uint64_t args_size;
	char sun_addr[COMPEL_SUN_PATH_MAX]; /* sun_path of criu's listening socket */
	/* Written by the parasite, so compel can close them if the parasite dies. */
	int32_t parasite_sock;
	int32_t parasite_log_fd;
};
#endif

#endif /* COMPEL_CTL_PROTO_H */
