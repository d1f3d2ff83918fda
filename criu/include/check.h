/* SPDX-License-Identifier: GPL-2.0 */
/* check.h - "criu check": probe the kernel features dump and restore rely on. */
#ifndef CRIU_CHECK_H
#define CRIU_CHECK_H

/*
 * Without a feature: prints "Looks good." and returns 0, or names each missing feature and
 * returns -1. With one (--feature NAME, CRIU's names): 0 if criu can use it here, else -1.
 */
int cr_check(const char *feature);

#endif /* CRIU_CHECK_H */
