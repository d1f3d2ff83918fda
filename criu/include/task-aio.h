/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task-aio.h - AIO contexts (io_setup). The ring of a context is a mapping "/[aio]" whose
 * address is the context id. Dump saves it as private anonymous memory marked
 * VMA_AREA_AIORING, with an AioRingEntry in mm.img; restore makes a context of the same
 * size, brings the kernel's ring tail where it was, copies the saved events and head in,
 * and hands the new ring to the restorer as the premapped copy to move into place.
 * May call: log.h, the dump and restore contexts.
 */
#ifndef CRIU_TASK_AIO_H
#define CRIU_TASK_AIO_H

#include <stdbool.h>

#include "mm.pb-c.h"
#include "proc-parse.h"

struct rst_task;
struct rst_mem;

bool vma_is_aio_ring(const struct proc_vma *pv);
/* Mark the VMA of an AIO ring; its pages are dumped as private anonymous memory. */
int dump_aio_vma(const struct proc_vma *pv, VmaEntry *v);
/* One AioRingEntry per marked VMA, in one block that free(mm->aios) releases. */
int dump_aio_rings(MmEntry *mm);
/* After the pages are in: replace each ring's premapped copy with a live ring. */
int rst_aio_rings(const struct rst_task *t, struct rst_mem *mem);

#endif /* CRIU_TASK_AIO_H */
