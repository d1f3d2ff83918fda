/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compiler.h - forced into every blob object (-include) by COMPEL_BLOB_CFLAGS.
 *
 * A blob is a PIE without a dynamic linker: every symbol must bind inside the blob. Hidden
 * visibility on declarations, not only definitions, makes the compiler emit direct PC-relative
 * calls and loads, so the linker never needs a GOT or a PLT (compel-hgen rejects both).
 * Symbols that the host must find are marked COMPEL_EXPORT and named __export_NAME.
 */
#ifndef COMPEL_RT_COMPILER_H
#define COMPEL_RT_COMPILER_H

#pragma GCC visibility push(hidden)

#define COMPEL_EXPORT	 __attribute__((visibility("default"), used))
#define rt_unlikely(x)	 __builtin_expect(!!(x), 0)
#define rt_likely(x)	 __builtin_expect(!!(x), 1)
#define RT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* COMPEL_RT_COMPILER_H */
