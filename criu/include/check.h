/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check.h - "criu check": probe the kernel features dump and restore rely on, in CRIU's
 * groups and words. Plain "criu check" tests what criu cannot work without ("Looks good." or
 * "Does not look good."); --extra and --experimental (or --all) add CRIU's other groups and
 * end with "Looks good." or CRIU's "Looks good but some kernel features are missing ...";
 * --feature NAME tests one of CRIU 4.2's 45 names ("NAME is supported"). Anything missing
 * makes the exit status 1.
 */
#ifndef CRIU_CHECK_H
#define CRIU_CHECK_H

#include <stdbool.h>

#include "opts.h"

int cr_check(const struct cr_options *o);

/* check/features.c: CRIU's feature names */
bool check_feature_known(const char *name);
void check_list_features(void);
int check_one_feature(const char *name);
int check_feature_group(bool extra, bool experimental);

#endif /* CRIU_CHECK_H */
