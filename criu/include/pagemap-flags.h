/* SPDX-License-Identifier: GPL-2.0 */
/* pagemap-flags.h - PagemapEntry.flags bits; part of the public image format. */
#ifndef CRIU_PAGEMAP_FLAGS_H
#define CRIU_PAGEMAP_FLAGS_H

#define PE_PARENT  (1u << 0) /* the pages are in the parent (pre-dump) images */
#define PE_LAZY	   (1u << 1) /* the pages are served lazily */
#define PE_PRESENT (1u << 2) /* the pages are in this directory's pages file */

/*
 * The page count of an entry: CRIU 4.2 keeps it in nr_pages (field 5) and writes 0 in
 * compat_nr_pages; 3.x images have compat_nr_pages only.
 */
#define pagemap_nr_pages(pe) ((pe)->has_nr_pages ? (pe)->nr_pages : (uint64_t)(pe)->compat_nr_pages)

/* Set the page count as CRIU 4.2 writes it. */
#define pagemap_set_nr_pages(pe, n)        \
	do {                               \
		(pe)->compat_nr_pages = 0; \
		(pe)->has_nr_pages = 1;    \
		(pe)->nr_pages = (n);      \
	} while (0)

#endif /* CRIU_PAGEMAP_FLAGS_H */
