/* SPDX-License-Identifier: GPL-2.0 */
/* pagemap-flags.h - PagemapEntry.flags bits; part of the public image format. */
#ifndef CRIU_PAGEMAP_FLAGS_H
#define CRIU_PAGEMAP_FLAGS_H

#define PE_PARENT  (1u << 0) /* the pages are in the parent (pre-dump) images */
#define PE_LAZY	   (1u << 1) /* the pages are served lazily */
#define PE_PRESENT (1u << 2) /* the pages are in this directory's pages file */

#endif /* CRIU_PAGEMAP_FLAGS_H */
