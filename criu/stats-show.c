/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats-show.c - print the statistics the dump or restore just wrote, in CRIU's wording,
 * read back from the image (in the work directory) so what is shown is what was saved.
 */
#include <fcntl.h>
#include <inttypes.h>

#include "image.h"
#include "log.h"
#include "stats-show.h"

#include "stats.pb-c.h"

static void show_count(const char *what, uint64_t n)
{
	pr_msg("%s: %" PRIu64 " (0x%" PRIx64 ")\n", what, n, n);
}

static void show_dump(const DumpStatsEntry *d)
{
	pr_msg("Displaying dump stats:\n");
	pr_msg("Freezing time: %u us\n", d->freezing_time);
	pr_msg("Frozen time: %u us\n", d->frozen_time);
	pr_msg("Memory dump time: %u us\n", d->memdump_time);
	pr_msg("Memory write time: %u us\n", d->memwrite_time);
	if (d->has_irmap_resolve)
		pr_msg("IRMAP resolve time: %u us\n", d->irmap_resolve);
	show_count("Memory pages scanned", d->pages_scanned);
	show_count("Memory pages skipped from parent", d->pages_skipped_parent);
	show_count("Memory pages written", d->pages_written);
	show_count("Lazy memory pages", d->pages_lazy);
}

static void show_restore(const RestoreStatsEntry *r)
{
	pr_msg("Displaying restore stats:\n");
	show_count("Pages compared", r->pages_compared);
	show_count("Pages skipped COW", r->pages_skipped_cow);
	if (r->has_pages_restored)
		show_count("Pages restored", r->pages_restored);
	pr_msg("Restore time: %u us\n", r->restore_time);
	pr_msg("Forking time: %u us\n", r->forking_time);
	if (r->has_resume_time)
		pr_msg("Resume time: %u us\n", r->resume_time);
}

int display_stats(int work_dfd, bool restore)
{
	StatsEntry *st = NULL;
	struct cr_img *img;
	int ret;

	img = open_image_at(work_dfd, restore ? CR_FD_STATS_RESTORE : CR_FD_STATS_DUMP, O_RSTR, 0);
	if (!img)
		return -1;
	ret = pb_read_one(img, &stats_entry__descriptor, (ProtobufCMessage **)&st);
	close_image(img);
	if (ret)
		return ret;
	if (restore && st->restore)
		show_restore(st->restore);
	else if (!restore && st->dump)
		show_dump(st->dump);
	else
		pr_err("The stats image holds no %s stats\n", restore ? "restore" : "dump");
	stats_entry__free_unpacked(st, NULL);
	return 0;
}
