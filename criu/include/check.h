/* SPDX-License-Identifier: GPL-2.0 */
/* check.h - "criu check": probe the kernel features dump and restore rely on. */
#ifndef CRIU_CHECK_H
#define CRIU_CHECK_H

/* Prints "Looks good." and returns 0, or names each missing feature and returns -1. */
int cr_check(void);

#endif /* CRIU_CHECK_H */
