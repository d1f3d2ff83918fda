/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl-proto.h - what compel (in criu) and the parasite head (in the task) share: the header
 * at the start of the shared control area and the control-socket message.
 * Plain data only: included by host code and by blobs.
 *
 * Shared area layout (one memfd, mapped in both processes):
 *   [0, blob pages)                 the blob, relocated for its address in the task
 *   [hdr_off, +hdr pages)           struct compel_ctl_hdr, then the caller's args area
 *   [stack_off, +COMPEL_STACK_SIZE) the parasite stack
 */
#ifndef COMPEL_CTL_PROTO_H
#define COMPEL_CTL_PROTO_H

#include <stdint.h>

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

struct compel_ctl_msg {
	uint32_t cmd;
	int32_t ret;
};

struct compel_ctl_hdr {
	uint32_t magic;
	uint32_t log_level;
	uint32_t addr_len; /* bytes of sun_addr used (abstract: leading 0) */
	uint32_t args_off; /* args area, from the start of this header */
	uint64_t args_size;
	char sun_addr[COMPEL_SUN_PATH_MAX]; /* sun_path of criu's listening socket */
	/* Written by the parasite, so compel can close them if the parasite dies. */
	int32_t parasite_sock;
	int32_t parasite_log_fd;
};

#endif /* COMPEL_CTL_PROTO_H */
