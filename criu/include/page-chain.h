/* SPDX-License-Identifier: GPL-2.0 */
/*
 * page-chain.h - pages that live in the parent images of a chain of dumps (a pre-dump, then
 * a dump that links to it by "parent", as CRIU does). A pagemap entry flagged PE_PARENT in
 * a set with a "parent" link says: the same address in the parent's pagemap of this pid,
 * which may say PE_PARENT in turn. mem/chain.c follows the links, for restore (where to read
 * each page) and for dedup (which parent pages a child replaced: holes are punched there).
 * May call: image.h, log.h.
 */
#ifndef CRIU_PAGE_CHAIN_H
#define CRIU_PAGE_CHAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pagemap.pb-c.h"

#define PAGE_CHAIN_MAX 64 /* links followed at most: a loop of links is an error */

struct page_chain_level;

/* One task's pages through the parents of the images directory dfd. */
struct page_chain {
	int dfd;
	pid_t pid;
	struct page_chain_level *lv; /* lv[0]: the parent of dfd, lv[1] its parent... */
	size_t nr;
	bool writable; /* dedup: the pages files are opened for writing */
	bool self;     /* lv[0] is dfd itself, not its parent (page-server --lazy-pages) */
};

/* Is there a "parent" link in the images directory? */
bool page_chain_linked(int dfd);
void page_chain_init(struct page_chain *pc, int dfd, pid_t pid);
void page_chain_fini(struct page_chain *pc);

/*
 * Where the data of the page at addr lies, looking from level `from` (0: the parent) up:
 * the pages file (*fd, *path; owned by pc), the offset there, and how many bytes from addr
 * (at most max) lie there back to back. 0, or -errno said (a page no parent has).
 */
int page_chain_find(struct page_chain *pc, size_t from, uint64_t addr, uint64_t max, int *fd,
		    const char **path, off_t *off, uint64_t *len);

/* criu dedup, and dump --auto-dedup: punch the parents' copies of pages dfd's set holds. */
int cr_dedup(int dfd);

#endif /* CRIU_PAGE_CHAIN_H */
