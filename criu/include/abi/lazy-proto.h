/* SPDX-License-Identifier: GPL-2.0 */
/*
 * abi/lazy-proto.h - what a --lazy-pages restore tells criu lazy-pages over its unix socket
 * (lazy-pages.socket in the daemon's work directory). Plain data: the restorer blob sends
 * one of these too.
 *
 * The restore's criu connects first (LAZY_HELLO_RESTORE) and, once the tree runs or the
 * restore failed, sends one int32: 0 for a tree that runs, else the error. Each restored
 * task's restorer connects (LAZY_HELLO_TASK) with its userfaultfd in SCM_RIGHTS, then sends
 * nr_ranges struct lazy_range: the areas it registered (MISSING mode), at their final
 * addresses. The daemon answers nothing.
 */
#ifndef CRIU_ABI_LAZY_PROTO_H
#define CRIU_ABI_LAZY_PROTO_H

#include <stdint.h>

#define LAZY_SOCKET	   "lazy-pages.socket"
#define LAZY_HELLO_RESTORE 1
#define LAZY_HELLO_TASK	   2

struct lazy_hello {
	uint32_t kind;	    /* LAZY_HELLO_* */
	int32_t id;	    /* LAZY_HELLO_TASK: the task's pid in the images */
	uint32_t nr_ranges; /* LAZY_HELLO_TASK: struct lazy_range that follow */
	uint32_t pad;
};

struct lazy_range {
	uint64_t start, end;
};

#endif /* CRIU_ABI_LAZY_PROTO_H */
