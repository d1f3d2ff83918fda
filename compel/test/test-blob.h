/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test-blob.h - commands and args layout shared by compel's test parasite and its tests.
 * Plain data only.
 */
#ifndef COMPEL_TEST_BLOB_H
#define COMPEL_TEST_BLOB_H

#include <stdint.h>

enum {
	TCMD_ECHO = 64, /* out = in * 3 + 1, pid = getpid() */
	TCMD_RELOC,	/* out = sum of string lengths in a pointer table (relocations) */
	TCMD_SEND_PIPE, /* make a pipe, write `msg`, send its read end to criu */
	TCMD_RECV_FD,	/* receive an fd from criu, write "pong" into it, close it */
	TCMD_LOG,	/* rt_pr_err one line with `in` */
	TCMD_FAIL,	/* return -EPERM */
	TCMD_CRASH,	/* fault: write to address 0 */
};

struct test_args {
	uint64_t in;
	uint64_t out;
	int64_t pid;
	char msg[64];
};

#define TEST_RELOC_SUM 21 /* "compel" + "parasite" + "relocs" + "!" */

#endif /* COMPEL_TEST_BLOB_H */
