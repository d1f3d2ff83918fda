/* SPDX-License-Identifier: GPL-2.0 */
/*
 * abi/parasite-files.h - args of the fd commands of the parasite (criu/pie/parasite-files.c).
 * Plain data only: included by criu and by the parasite blob.
 */
#ifndef CRIU_PARASITE_FILES_H
#define CRIU_PARASITE_FILES_H

#include <stdint.h>

/* fds per PARASITE_CMD_DUMP_FOWN round; the args fit in the pages command's area. */
#define PARASITE_FOWN_BATCH 1024

/* The owner of an open file, as F_GETOWN_EX and F_GETSIG tell it in the task. */
struct parasite_fown {
	int32_t pid_type; /* F_OWNER_TID, F_OWNER_PID, F_OWNER_PGRP */
	int32_t pid;	  /* 0: no owner */
	int32_t signum;	  /* F_GETSIG: 0 means SIGIO */
};

struct parasite_fown_args {
	uint32_t nr;
	uint32_t uid, euid; /* out: the task's, as owners record them */
	int32_t fds[PARASITE_FOWN_BATCH];
	struct parasite_fown out[PARASITE_FOWN_BATCH];
};

int parasite_dump_fown(struct parasite_fown_args *args);

#endif /* CRIU_PARASITE_FILES_H */
