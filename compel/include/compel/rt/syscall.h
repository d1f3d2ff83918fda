/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syscall.h - raw x86_64 syscalls for blobs: long sys_NAME(...) returns the kernel's value,
 * -errno on failure; there is no errno. The prototypes and stubs are generated from
 * compel/arch/x86/syscalls.tbl (add a line there to get a new one).
 */
#ifndef COMPEL_RT_SYSCALL_H
#define COMPEL_RT_SYSCALL_H

#include "compel/rt/syscall-table.h"

/* True when a raw return value is an error (-4095..-1), also for mmap's addresses. */
#define RT_IS_ERR(v) ((unsigned long)(v) >= (unsigned long)-4095L)

#endif /* COMPEL_RT_SYSCALL_H */
