/* SPDX-License-Identifier: GPL-2.0 */
/* stats-show.h - --display-stats: print stats-dump or stats-restore from the work dir. */
#ifndef CRIU_STATS_SHOW_H
#define CRIU_STATS_SHOW_H

#include <stdbool.h>

int display_stats(int work_dfd, bool restore);

#endif /* CRIU_STATS_SHOW_H */
