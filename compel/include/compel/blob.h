/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blob.h - the description of a freestanding PIE blob as compel-hgen emits it.
 *
 * A blob is linked at address 0. To run it at address BASE, copy `image` (image_size bytes)
 * to BASE, zero the following bss_size bytes, and add BASE to the 64-bit word at every offset
 * in `relocs` (they were R_X86_64_RELATIVE entries with addend already stored in place).
 * Symbols exported with the prefix "__export_" appear in the generated header as
 * BLOBNAME_sym_NAME offsets; the entry point is BLOBNAME_sym_entry.
 *
 * Plain data only: this header is shared by host code and blobs.
 */
#ifndef COMPEL_BLOB_H
#define COMPEL_BLOB_H

#include <stddef.h>
#include <stdint.h>

struct compel_blob_desc {
	const uint8_t *image;	/* file-backed bytes: text, rodata, data, with relocs unapplied */
	size_t image_size;	/* bytes in image */
	size_t bss_size;	/* zeroed bytes that follow image */
	const uint32_t *relocs; /* offsets of 64-bit words that need BASE added */
	size_t nr_relocs;
	size_t entry; /* offset of the entry point */
};

/* Total bytes the loaded blob occupies, page-rounded by the caller as needed. */
static inline size_t compel_blob_mem_size(const struct compel_blob_desc *b)
{
	return b->image_size + b->bss_size;
}

#endif /* COMPEL_BLOB_H */
